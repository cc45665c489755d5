"""Acceptance through the real CLI: with the loopback MyJVN server holding the sample CVEs, `render --config` and
`send` give issues whose 概要 is JVN iPedia's Japanese with the 出典 line; with the server down the same issues
come from the engine and the run exits 0. With `[jvn]` off nothing of the JVN code is even imported."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from inspector2backlog.cli import app
from tests.fakes._mangle import PREFIX
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config
from tests.fakes.deepl_server import DeepLServer
from tests.fakes.myjvn_server import MyJvnServer

from ..conftest import EXAMPLES

CLI = [sys.executable, "-m", "inspector2backlog.cli"]
SAMPLES = {
    "01-ecr-critical-xz": "JVNDB-2024-001987",
    "02-ec2-high-openssh": "JVNDB-2024-003719",
    "03-lambda-medium-requests": "JVNDB-2024-004102",
}
DEEPL_KEY = "0c0ffee0-dead-beef-cafe-123456789abc:fx"


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def inputs(tmp: Path) -> Path:
    d = tmp / "in"
    d.mkdir()
    for name in SAMPLES:
        (d / f"{name}.json").write_bytes((EXAMPLES / f"{name}.event.json").read_bytes())
    return d


def render_config(tmp: Path, jvn_url: str, deepl_url: str) -> Path:
    cfg = tmp / "i2b.toml"
    cfg.write_text(
        "\n".join(
            [
                "[translate]",
                'engine = "deepl"',
                f'deepl_server_url = "{deepl_url}"',
                'deepl_auth_key_env = "I2B_TEST_DEEPL_KEY"',
                "[jvn]",
                "enabled = true",
                f'endpoint_url = "{jvn_url}/myjvn"',
                "timeout_seconds = 1.0",
                "[state]",
                f'path = "{tmp / "state.sqlite3"}"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return cfg


def render(cfg: Path, path: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    env = dict(os.environ, I2B_TEST_DEEPL_KEY=DEEPL_KEY)
    r = subprocess.run(
        [*CLI, "render", str(path), "--config", str(cfg), "--format", "json", "--stats"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return r, [json.loads(x) for x in r.stdout.splitlines()]


def overview(description: str) -> str:
    return description.split("## 概要", 1)[1].split("\n## ", 1)[0]


def test_render_shows_jvn_text_and_falls_back_to_the_engine_when_the_server_is_down(tmp_path: Path) -> None:
    src = inputs(tmp_path)
    with DeepLServer(DEEPL_KEY, mode="none") as deepl, MyJvnServer() as jvn:
        r, docs = render(render_config(tmp_path, jvn.url, deepl.url), src)
        assert r.returncode == 0, r.stderr
        assert len(docs) == 3
        shown = set()
        for doc in docs:
            jid = next(j for j in SAMPLES.values() if f"JVN iPedia {j}" in doc["description"])
            shown.add(jid)
            text = overview(doc["description"])
            assert f"出典: [JVN iPedia {jid}](https://jvndb.jvn.jp/jvndb/{jid})" in text
            assert PREFIX not in text and "未翻訳" not in text
            assert "## 原文 (English)" in doc["description"]
        assert shown == set(SAMPLES.values())
        stats = json.loads(r.stderr.strip().splitlines()[-1])
        assert stats["jvn_texts"] == 3 and stats["jvn_fetched"] == 3 and stats["jvn_requests"] == 4  # 3 + 1 batch
        descriptions_sent = [t for req in deepl.requests for t in (req.get("body") or {}).get("text", [])]
        assert not any("Malicious code was discovered" in t for t in descriptions_sent)

        # the next run answers from the cache: MyJVN is not asked again
        asked = len(jvn.requests)
        r, docs = render(render_config(tmp_path, jvn.url, deepl.url), src)
        assert r.returncode == 0 and len(jvn.requests) == asked
        assert json.loads(r.stderr.strip().splitlines()[-1])["jvn_cache_hits"] == 3

        down = tmp_path / "down"
        down.mkdir()
        r, docs = render(render_config(down, closed_port_url(), deepl.url), src)
    assert r.returncode == 0, r.stderr
    assert len(docs) == 3
    for doc in docs:
        text = overview(doc["description"])
        assert "JVN iPedia" not in text and PREFIX in text  # the engine's Japanese, as without [jvn]
    assert "JVN iPedia lookup failed" in r.stderr
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    assert stats["jvn_failures"] == 3 and stats.get("jvn_texts", 0) == 0


def test_send_files_issues_with_jvn_text_and_exits_0_when_the_server_is_down(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, FakeBacklog().api_key)
    src = inputs(tmp_path)
    runner = CliRunner()
    with FakeBacklog() as fake, MyJvnServer() as jvn:
        cfg = write_config(tmp_path, fake, "[jvn]", "enabled = true", f'endpoint_url = "{jvn.url}/myjvn"')
        r = runner.invoke(app, ["send", str(src), "--config", str(cfg), "--stats"])
        assert r.exit_code == 0, r.output
        issues = list(fake.issues.values())
        assert len(issues) == 3
        for issue in issues:
            jid = next(j for j in SAMPLES.values() if j in issue["description"])
            assert f"出典: [JVN iPedia {jid}](https://jvndb.jvn.jp/jvndb/{jid})" in overview(issue["description"])
        assert len(jvn.calls("getVulnDetailInfo")) == 1  # the three findings' entries in one call

    down = tmp_path / "down"
    down.mkdir()
    with FakeBacklog() as fake:
        cfg = write_config(
            down,
            fake,
            "[jvn]",
            "enabled = true",
            f'endpoint_url = "{closed_port_url()}/myjvn"',
            "timeout_seconds = 1.0",
        )
        r = runner.invoke(app, ["send", str(src), "--config", str(cfg), "--stats"])
        assert r.exit_code == 0, r.output
        issues = list(fake.issues.values())
        assert len(issues) == 3
        for issue in issues:
            text = overview(issue["description"])
            assert "JVN iPedia" not in text and "未翻訳" in text  # the offline engine, exactly as without [jvn]


def test_jvn_code_is_imported_only_when_enabled(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from inspector2backlog.config import load_config\n"
        "from inspector2backlog.pipeline import Pipeline\n"
        "import inspector2backlog.aws_lambda\n"
        "ctx = Pipeline.for_render(load_config(sys.argv[1] if len(sys.argv) > 1 else None))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('inspector2backlog.jvn', 'inspector2backlog.render.jvn'))))\n"
    )
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert off.returncode == 0, off.stderr and off.stdout.strip() == "[]"
    assert off.stdout.strip() == "[]"
    cfg = tmp_path / "on.toml"
    cfg.write_text(f'[jvn]\nenabled = true\n[state]\npath = "{tmp_path / "s.sqlite3"}"\n', encoding="utf-8")
    on = subprocess.run([sys.executable, "-c", code, str(cfg)], capture_output=True, text=True, timeout=60)
    assert on.returncode == 0, on.stderr
    assert "inspector2backlog.jvn.client" in on.stdout
