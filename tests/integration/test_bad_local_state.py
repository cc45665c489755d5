"""Bad local state or configuration: the configuration error (exit 2) naming the path, never a traceback; and
``doctor`` checks the state store instead of reporting "all checks passed"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from inspector2backlog.config import ConfigError, load_config
from inspector2backlog.doctor import run_doctor
from inspector2backlog.state.sqlite import SQLiteStore
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint  # noqa: F401

from ..conftest import EXAMPLES

EVENT = EXAMPLES / "01-ecr-critical-xz.event.json"


def bad_state(tmp_path: Path, kind: str) -> Path:
    """A ``[state] path`` that cannot hold an SQLite store."""
    if kind == "directory":
        path = tmp_path / "state-dir"
        path.mkdir()
    elif kind == "not-sqlite":
        path = tmp_path / "notes.txt"
        path.write_text("this is a text file, not a database\n", encoding="utf-8")
    else:  # under a regular file
        (tmp_path / "plainfile").write_text("x", encoding="utf-8")
        path = tmp_path / "plainfile" / "state.sqlite3"
    return path


def config_with_state(tmp_path: Path, state: Path, *lines: str) -> Path:
    cfg = tmp_path / "i2b.toml"
    cfg.write_text("\n".join(["[state]", f'path = "{state}"', *lines]) + "\n", encoding="utf-8")
    return cfg


KINDS = ("directory", "not-sqlite", "under-a-file")
# every command that opens the state store: render opens it for a translating engine's memory
COMMANDS = {
    "send": ["send", "--dry-run", str(EVENT)],
    "render": ["render", "--translator", "amazon", str(EVENT)],
    "sync": ["sync", "--dry-run", "--region", REGION, "--no-progress"],
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_state_path_that_cannot_hold_the_store_is_a_configuration_error(
    tmp_path: Path, kind: str, command: str
) -> None:
    state = bad_state(tmp_path, kind)
    cfg = config_with_state(tmp_path, state)
    r = CliRunner().invoke(app, [COMMANDS[command][0], "--config", str(cfg), *COMMANDS[command][1:]])
    assert r.exit_code == 2, r.output
    assert isinstance(r.exception, SystemExit), r.exception  # no traceback: the CLI's own exit
    assert "設定エラー / configuration error" in r.stderr and "[state] path" in r.stderr, r.stderr
    assert str(state) in r.stderr and str(cfg) in r.stderr
    assert "Traceback" not in r.output
    if kind == "under-a-file":
        assert f"{tmp_path / 'plainfile'} はファイルです" in r.stderr
    elif kind == "directory":
        assert "is a directory, not an SQLite file" in r.stderr
    else:
        assert "not an SQLite database" in r.stderr


def test_the_real_process_exits_2_without_a_traceback(tmp_path: Path) -> None:
    state = bad_state(tmp_path, "not-sqlite")
    cfg = config_with_state(tmp_path, state)
    r = subprocess.run(
        [sys.executable, "-m", "inspector2backlog.cli", "send", "--dry-run", "--config", str(cfg), str(EVENT)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and f"[state] path: {state}: " in r.stderr
    assert state.read_text(encoding="utf-8").startswith("this is a text file")  # not overwritten


def test_the_store_itself_names_the_path_and_creates_nothing(tmp_path: Path) -> None:
    from inspector2backlog.state import StateOpenError

    for kind in KINDS:
        (tmp_path / kind).mkdir()
        state = bad_state(tmp_path / kind, kind)
        with pytest.raises(StateOpenError) as caught:
            SQLiteStore(state)
        assert str(caught.value).startswith(f"{state}: "), caught.value
    assert (tmp_path / "under-a-file" / "plainfile").read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in (tmp_path / "directory" / "state-dir").iterdir()) == []


@pytest.mark.parametrize("command", ["send", "render", "doctor", "sync"])
def test_a_config_file_that_is_not_utf8(tmp_path: Path, command: str) -> None:
    cfg = tmp_path / "sjis.toml"
    cfg.write_bytes('[backlog]\nissue_type = "脆弱性"\n'.encode("shift_jis"))
    args = {"send": [str(EVENT)], "render": [str(EVENT)], "doctor": [], "sync": ["--region", REGION]}[command]
    r = CliRunner().invoke(app, [command, "--config", str(cfg), *args])
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit), r.output
    assert f"{cfg}: UTF-8 として読めません / not UTF-8 (byte " in r.stderr, r.stderr


@pytest.mark.parametrize("text", ['[backlog\nspace_url = "x"\n', "[state]\npath = 'a'\n[state]\npath = 'b'\n"])
def test_a_config_file_that_is_not_toml(tmp_path: Path, text: str) -> None:
    cfg = tmp_path / "broken.toml"
    cfg.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(app, ["doctor", "--config", str(cfg)])
    assert r.exit_code == 2 and f"{cfg}: invalid TOML" in r.stderr, r.output


def test_a_config_path_that_is_a_directory(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["send", "--config", str(tmp_path), str(EVENT)])
    assert r.exit_code == 2 and str(tmp_path) in r.stderr and "設定ファイルを読めません" in r.stderr, r.output


def test_load_config_raises_config_error_for_non_utf8(tmp_path: Path) -> None:
    cfg = tmp_path / "latin1.toml"
    cfg.write_bytes(b'[backlog]\nissue_type = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8 \\(byte 27: invalid continuation byte\\)"):
        load_config(cfg, env={})


# ---- doctor -----------------------------------------------------------------------------------------------------
def state_line(report) -> str:
    return next(line for line in report.lines if "(State store)" in line)


@pytest.mark.parametrize("kind", KINDS)
def test_doctor_reports_a_state_path_that_cannot_hold_the_store(tmp_path: Path, kind: str) -> None:
    state = bad_state(tmp_path, kind)
    report = run_doctor(load_config(config_with_state(tmp_path, state), env={}), env={})
    line = state_line(report)
    assert line.startswith("[NG]") and str(state) in line and "[state] path" in line, line
    assert report.exit_code == 1 and "all checks passed" not in report.text()


def test_doctor_round_trips_a_probe_record_in_an_existing_sqlite_file(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    with SQLiteStore(state) as store:
        store.claim("finding:arn:aws:inspector2:ap-northeast-1:123456789012:finding/keep", now=1.0)
    report = run_doctor(load_config(config_with_state(tmp_path, state), env={}), env={})
    line = state_line(report)
    assert line.startswith("[OK]") and f"SQLite {state}" in line and "書き込み・読み出し・削除できました" in line, line
    with SQLiteStore(state) as store:
        assert [r.key for r in store.records()] == [
            "finding:arn:aws:inspector2:ap-northeast-1:123456789012:finding/keep"
        ]


def test_doctor_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    state = tmp_path / "not" / "yet" / "state.sqlite3"
    report = run_doctor(load_config(config_with_state(tmp_path, state), env={}), env={})
    line = state_line(report)
    assert line.startswith("[OK]") and "最初の実行で作成します" in line and str(state) in line, line
    assert not (tmp_path / "not").exists()


def unprivileged() -> list[str]:
    """A command prefix under which file permissions hold (root ignores them unless its DAC override is dropped)."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions would not be enforced")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def cli(prefix: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "inspector2backlog.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )


def test_a_read_only_state_file_is_a_configuration_error_and_a_doctor_failure(tmp_path: Path) -> None:
    prefix = unprivileged()
    state = tmp_path / "state.sqlite3"
    SQLiteStore(state).close()
    state.chmod(0o444)
    cfg = config_with_state(tmp_path, state, "[translate]", 'engine = "amazon"')  # render keeps its memory there
    r = cli(prefix, "render", "--config", str(cfg), str(EVENT))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"[state] path: {state}: 読み書きできません（ファイルの権限）" in r.stderr, r.stderr
    r = cli(prefix, "doctor", "--config", str(cfg))
    line = next(ln for ln in r.stdout.splitlines() if "(State store)" in ln)
    assert r.returncode == 1 and line.startswith("[NG]") and str(state) in line, r.stdout


def test_a_state_file_in_a_directory_we_may_not_write(tmp_path: Path) -> None:
    prefix = unprivileged()
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    state = locked / "state.sqlite3"
    cfg = config_with_state(tmp_path, state)
    try:
        r = cli(prefix, "send", "--dry-run", "--config", str(cfg), str(EVENT))
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert f"[state] path: {state}: ディレクトリ {locked} にファイルを作れません（権限）" in r.stderr, r.stderr
        r = cli(prefix, "doctor", "--config", str(cfg))
        assert "[NG]   状態ストア (State store)" in r.stdout and str(locked) in r.stdout, r.stdout
    finally:
        locked.chmod(0o755)
    assert not state.exists()


def test_doctor_checks_the_dynamodb_table(tmp_path: Path, moto_endpoint: str, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_endpoint)
    cfg = config_with_state(
        tmp_path, tmp_path / "unused.sqlite3", 'dynamodb_table = "i2b-state"', f'region = "{REGION}"'
    )
    report = run_doctor(load_config(cfg, env={}), env={})
    line = state_line(report)
    assert line.startswith("[NG]") and "DynamoDB テーブル i2b-state" in line and "ResourceNotFoundException" in line, (
        line
    )

    aws_client("dynamodb", moto_endpoint).create_table(
        TableName="i2b-state",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    report = run_doctor(load_config(cfg, env={}), env={})
    line = state_line(report)
    assert line.startswith("[OK]") and f"DynamoDB table i2b-state (region {REGION})" in line, line
    assert aws_client("dynamodb", moto_endpoint).scan(TableName="i2b-state")["Count"] == 0  # the probe is gone
