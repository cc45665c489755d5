"""The `render` command as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ..conftest import EXAMPLES

CLI = [sys.executable, "-m", "inspector2backlog.cli"]


def run(*args, input=None):
    return subprocess.run([*CLI, *args], input=input, capture_output=True, text=True, timeout=120)


def test_render_json_lines_for_the_examples():
    r = run("render", str(EXAMPLES), "--format", "json", "--stats")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == 11  # 6 Inspector + 1 GuardDuty + 1 Access Analyzer + 2 Security Hub + 1 fallback; Scan skipped
    for obj in lines:
        assert {"finding_arn", "severity", "summary", "description", "priority", "fallback"} <= set(obj)
    assert sum(o["fallback"] for o in lines) == 1
    assert any("GuardDuty" in o["description"] and "対応手順" in o["description"] for o in lines)
    assert any("IAM Access Analyzer" in o["summary"] and "対応手順" in o["description"] for o in lines)
    assert "skip:" in r.stderr and "Inspector2 Scan" not in r.stdout
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    assert {"translated_chars", "translation_requests", "translation_cache_hits"} <= set(stats)
    assert stats["translated_chars"] == 0  # offline engine sends nothing anywhere
    assert stats["issues_rendered"] == 11 and stats["skipped"] == 1 and stats["fallbacks"] == 1


def test_render_from_stdin_in_backlog_notation():
    event = (EXAMPLES / "04-ec2-network-rdp.event.json").read_text()
    r = run("render", "-", "--format", "backlog", input=event)
    assert r.returncode == 0, r.stderr
    assert "** ネットワーク到達性" in r.stdout and "3389" in r.stdout


def test_email_format_has_subject():
    r = run("render", str(EXAMPLES / "03-lambda-medium-requests.event.json"), "--format", "email")
    assert r.returncode == 0 and r.stdout.startswith("Subject: 【警告 5.6】CVE-2024-35195 requests 2.31.0")


def test_unreadable_path_exits_2_with_a_clear_message(tmp_path: Path):
    r = run("render", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "missing.json" in r.stderr and "見つかりません" in r.stderr
    empty = tmp_path / "empty-dir"
    empty.mkdir()
    r = run("render", str(empty))
    assert r.returncode == 2 and "JSON ファイルがありません" in r.stderr


def test_invalid_content_becomes_a_fallback_issue_with_exit_0(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("this is not json, apiKey=supersecret123")
    r = run("render", str(bad), "--format", "json")
    assert r.returncode == 0
    obj = json.loads(r.stdout)
    assert obj["fallback"] is True and obj["summary"] == "【要確認】Inspector 通知の解析に失敗しました"
    assert "supersecret123" not in r.stdout and "supersecret123" not in r.stderr


def test_pretty_output_for_the_terminal():
    r = run("render", str(EXAMPLES / "01-ecr-critical-xz.event.json"), "--pretty")
    assert r.returncode == 0 and "緊急" in r.stdout and "攻撃元区分" in r.stdout


def test_render_uses_the_engine_of_the_config_file(tmp_path: Path):
    """`render --config` previews with the configured engine (here DeepL, served on loopback), not the offline one."""
    import os

    from tests.fakes._mangle import PREFIX
    from tests.fakes.deepl_server import DeepLServer

    key = "0c0ffee0-dead-beef-cafe-123456789abc:fx"
    with DeepLServer(key, mode="none") as srv:
        cfg = tmp_path / "i2b.toml"
        cfg.write_text(
            "\n".join(
                [
                    "[translate]",
                    'engine = "deepl"',
                    f'deepl_server_url = "{srv.url}"',
                    'deepl_auth_key_env = "I2B_TEST_DEEPL_KEY"',
                    "[state]",
                    f'path = "{tmp_path / "state.sqlite3"}"',
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        env = dict(os.environ, I2B_TEST_DEEPL_KEY=key)
        r = subprocess.run(
            [*CLI, "render", str(EXAMPLES / "01-ecr-critical-xz.event.json"), "--config", str(cfg), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    assert r.returncode == 0, r.stderr
    (doc,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert PREFIX in doc["description"] and "未翻訳" not in doc["description"]
    assert key not in r.stdout + r.stderr


def test_render_with_a_broken_config_exits_2_with_a_clear_message(tmp_path: Path):
    cfg = tmp_path / "i2b.toml"
    cfg.write_text('[translate]\nengine = "klingon"\n', encoding="utf-8")
    r = run("render", str(EXAMPLES / "01-ecr-critical-xz.event.json"), "--config", str(cfg))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "klingon" in r.stderr
    cfg.write_text("[translate\n", encoding="utf-8")
    r = run("render", str(EXAMPLES / "01-ecr-critical-xz.event.json"), "--config", str(cfg))
    assert r.returncode == 2 and "設定エラー" in r.stderr and "Traceback" not in r.stderr
