"""Checks beyond types (config/checks.py): the port of every configured URL, and ``[input] max_bytes``."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector2backlog.config import ConfigError, load_config
from inspector2backlog.config.checks import url_problem


@pytest.mark.parametrize(
    "text, env, expected",
    [
        (
            '[backlog]\nspace_url = "https://example.backlog.jp:99999"\n',
            {},
            "[backlog] space_url: ポート番号 99999 は範囲外です（1〜65535）/ port 99999 is outside 1–65535",
        ),
        (
            '[backlog]\nspace_url = "https://example.backlog.jp:0"\n',
            {},
            "[backlog] space_url: ポート番号 0 は範囲外です",
        ),
        (
            '[backlog]\nspace_url = "https://example.backlog.jp:44x3"\n',
            {},
            "[backlog] space_url: ポート番号 '44x3' が数字ではありません / port '44x3' is not a number",
        ),
        ('[backlog]\nspace_url = "http://[::1]:70000"\n', {}, "[backlog] space_url: ポート番号 70000 は範囲外です"),
        (
            '[translate]\ndeepl_server_url = "https://deepl.example:65536"\n',
            {},
            "[translate] deepl_server_url: ポート番号 65536 は範囲外です",
        ),
        (
            "",
            {"I2B_TRANSLATE_DEEPL_SERVER_URL": "http://127.0.0.1:-1"},
            "[translate] deepl_server_url: ポート番号 '-1'",
        ),
        ("[input]\nmax_bytes = 0\n", {}, "[input] max_bytes: 0: 1 以上のバイト数を指定してください"),
        ("", {"I2B_INPUT_MAX_BYTES": "-5"}, "[input] max_bytes: -5:"),
    ],
)
def test_ports_and_input_cap_are_validated(tmp_path: Path, text: str, env: dict, expected: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env)
    assert str(caught.value).startswith(f"{path}: {expected}"), caught.value


@pytest.mark.parametrize(
    "url",
    [
        "https://example.backlog.jp",
        "https://example.backlog.jp:443",
        "http://127.0.0.1:65535/",
        "http://[::1]:1",
        "https://example.backlog.jp:",
    ],
)
def test_ports_in_range_are_accepted(url: str) -> None:
    assert load_config(None, env={"I2B_BACKLOG_SPACE_URL": url}).backlog.space_url == url


def test_input_max_bytes_default_and_override(tmp_path: Path) -> None:
    assert load_config(None, env={}).input.max_bytes == 64 * 1024 * 1024
    assert load_config(None, env={"I2B_INPUT_MAX_BYTES": "1048576"}).input.max_bytes == 1048576
    path = tmp_path / "c.toml"
    path.write_text("[input]\nmax_bytes = 4096\n", encoding="utf-8")
    assert load_config(path, env={}).input.max_bytes == 4096


def test_credentials_in_a_url_are_not_echoed() -> None:
    assert url_problem("https://user:s3cret@example.backlog.jp:99999") == (
        "ポート番号 99999 は範囲外です（1〜65535）/ port 99999 is outside 1–65535"
    )
