"""The CLI caps what it reads (``[input] max_bytes``): an oversized file or stdin is refused with exit 2 before
anything is processed, and standard input is read in chunks, never past the cap."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from inspector2backlog.findings.model import Finding
from inspector2backlog.findings.sources import InputTooLargeError, iter_paths, read_bytes
from inspector2backlog.state.sqlite import SQLiteStore
from tests.fakes.backlog_server import FakeBacklog, fake_backlog  # noqa: F401
from tests.fakes.config import KEY_ENV, write_config

from ..conftest import EXAMPLES

EVENT = EXAMPLES / "01-ecr-critical-xz.event.json"
MiB = 1024 * 1024


def ndjson_of_findings(path: Path, min_bytes: int) -> int:
    """Distinct findings, one event per line, until the file has at least ``min_bytes``; returns their number."""
    event = json.loads(EVENT.read_text(encoding="utf-8"))
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        while fh.tell() < min_bytes:
            event["detail"]["findingArn"] = f"{event['detail']['findingArn'].rsplit('/', 1)[0]}/cap{n:06d}"
            fh.write(json.dumps(event) + "\n")
            n += 1
    return n


def test_an_oversized_file_is_refused_before_anything_is_sent(
    tmp_path: Path, fake_backlog: FakeBacklog, monkeypatch
) -> None:
    monkeypatch.setenv(KEY_ENV, fake_backlog.api_key)
    cap = 160 * 1024
    cfg = write_config(tmp_path, fake_backlog, "[input]", f"max_bytes = {cap}")
    big = tmp_path / "export.ndjson"
    n = ndjson_of_findings(big, cap + 1)
    size = big.stat().st_size
    # a valid small input first: the refusal is for the whole run, so it is not sent either
    r = CliRunner().invoke(app, ["send", "--config", str(cfg), str(EVENT), str(big)])
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit), r.output
    assert (
        f"{big}: 入力が大きすぎます: {size:,} バイト、上限は [input] max_bytes = {cap:,} バイト。何も処理していません"
        in r.stderr
    ), r.stderr
    assert f"input too large ({size:,} bytes; limit [input] max_bytes = {cap:,}): nothing was processed" in r.stderr
    assert fake_backlog.counts["create_issue"] == 0 and not fake_backlog.issues
    assert not (tmp_path / "state.sqlite3").exists() or not list(SQLiteStore(tmp_path / "state.sqlite3").records())

    # the same findings, split under the cap (as the message says), are all filed
    lines = big.read_text(encoding="utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "a.ndjson").write_text("".join(lines[:half]), encoding="utf-8")
    (tmp_path / "b.ndjson").write_text("".join(lines[half:]), encoding="utf-8")
    r = CliRunner().invoke(app, ["send", "--config", str(cfg), str(tmp_path / "a.ndjson"), str(tmp_path / "b.ndjson")])
    assert r.exit_code == 0, r.output
    assert len(fake_backlog.issues) == n


def test_the_default_cap_refuses_a_file_over_64_mib(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:  # sparse: the size alone decides, nothing is read
        fh.truncate(64 * MiB + 1)
    r = CliRunner().invoke(app, ["render", str(huge)])
    assert r.exit_code == 2, r.output
    assert (
        f"{huge}: 入力が大きすぎます: {64 * MiB + 1:,} バイト（64.0 MiB）、上限は [input] max_bytes = 67,108,864 バイト"
        in r.stderr
    ), r.stderr


def test_an_oversized_stdin_is_refused_by_the_real_process(tmp_path: Path) -> None:
    cfg = tmp_path / "cap.toml"
    cfg.write_text(f'[input]\nmax_bytes = 4096\n[state]\npath = "{tmp_path / "s.sqlite3"}"\n', encoding="utf-8")
    event = EVENT.read_text(encoding="utf-8")
    assert len(event.encode()) > 4096
    cli = [sys.executable, "-m", "inspector2backlog.cli"]
    r = subprocess.run(
        [*cli, "send", "--dry-run", "--config", str(cfg), "-"],
        input=event + " " * 10 * MiB,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert "stdin: 入力が上限 [input] max_bytes = 4,096 バイト を超えています。何も処理していません" in r.stderr, (
        r.stderr
    )
    assert "Traceback" not in r.stderr and r.stdout == ""
    compact = json.dumps(json.loads(event), separators=(",", ":"))
    assert len(compact.encode()) <= 4096
    r = subprocess.run(
        [*cli, "render", "--config", str(cfg), "--format", "json", "-"],
        input=compact,
        capture_output=True,
        text=True,
        timeout=120,
    )  # the same finding under the cap: rendered
    assert r.returncode == 0 and json.loads(r.stdout)["fallback"] is False, r.stderr


def test_an_environment_override_raises_the_cap(tmp_path: Path, monkeypatch) -> None:
    cfg = tmp_path / "cap.toml"
    cfg.write_text(f'[input]\nmax_bytes = 100\n[state]\npath = "{tmp_path / "s.sqlite3"}"\n', encoding="utf-8")
    assert CliRunner().invoke(app, ["render", "--config", str(cfg), str(EVENT)]).exit_code == 2
    monkeypatch.setenv("I2B_INPUT_MAX_BYTES", str(MiB))
    r = CliRunner().invoke(app, ["render", "--config", str(cfg), str(EVENT)])
    assert r.exit_code == 0 and "CVE-2024-3094" in r.stdout, r.output


class Endless(io.RawIOBase):
    """A stream that never ends, counting what was asked of it; a read of everything fails the test."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = len(buffer)
        buffer[:n] = b" " * n
        self.served += n
        return n

    def readall(self) -> bytes:
        raise AssertionError("read the whole stream")


def test_stdin_is_read_in_chunks_and_never_past_the_cap(monkeypatch) -> None:
    stream = Endless()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(stream, buffer_size=4096)))
    with pytest.raises(InputTooLargeError) as caught:
        read_bytes("-", 3 * MiB)
    assert caught.value.origin == "stdin" and caught.value.size is None
    assert 3 * MiB < stream.served <= 3 * MiB + 1 + 4096  # the cap plus one byte (and one buffer) was read, no more


def test_within_the_cap_ndjson_and_arrays_read_as_before(tmp_path: Path) -> None:
    nd = tmp_path / "f.ndjson"
    n = ndjson_of_findings(nd, 64 * 1024)
    arr = tmp_path / "f.json"
    arr.write_text(
        json.dumps([json.loads(line) for line in nd.read_text(encoding="utf-8").splitlines()]), encoding="utf-8"
    )
    for path in (nd, arr):
        items = list(iter_paths([str(path)], max_bytes=path.stat().st_size))  # exactly at the cap: accepted
        assert len(items) == n and all(isinstance(i, Finding) for i in items)
        with pytest.raises(InputTooLargeError):
            list(iter_paths([str(path)], max_bytes=path.stat().st_size - 1))


def test_a_file_that_grows_past_the_cap_after_the_check_stops_at_that_file(tmp_path: Path) -> None:
    from inspector2backlog.findings.sources import InputError, open_inputs

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_bytes(EVENT.read_bytes())
    second.write_bytes(EVENT.read_bytes())
    inputs = open_inputs([str(first), str(second)], max_bytes=8192)
    with second.open("ab") as fh:
        fh.write(b" " * 8192)
    items = iter(inputs)
    assert isinstance(next(items), Finding)  # the first input is processed
    with pytest.raises(InputError, match="grew past \\[input\\] max_bytes = 8,192 after it was checked"):
        next(items)
