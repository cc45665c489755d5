"""The [jvn] section: off by default, validated, overridable from the environment like every section."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector2backlog.config import ConfigError, load_config


def test_off_by_default_with_the_public_endpoint() -> None:
    j = load_config(None, env={}).jvn
    assert (j.enabled, j.endpoint_url, j.cache_days, j.miss_cache_days) == (False, "https://jvndb.jvn.jp/myjvn", 30, 1)
    assert 0 < j.timeout_seconds <= 10 and j.failure_threshold >= 1


def test_file_and_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[jvn]\nenabled = true\nendpoint_url = "http://127.0.0.1:9/myjvn"\ncache_days = 7\n', encoding="utf-8"
    )
    j = load_config(cfg, env={"I2B_JVN_TIMEOUT_SECONDS": "2.5"}).jvn
    assert (j.enabled, j.endpoint_url, j.cache_days, j.timeout_seconds) == (True, "http://127.0.0.1:9/myjvn", 7, 2.5)


@pytest.mark.parametrize(
    "line, place",
    [
        ('endpoint_url = "ftp://x"', "endpoint_url"),
        ("timeout_seconds = 0", "[jvn]"),
        ("miss_cache_days = 0", "[jvn]"),
        ("enabled = 1", "enabled"),
        ("cache_ttl = 3", "cache_ttl"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, line: str, place: str) -> None:
    cfg = tmp_path / "c.toml"
    head = "" if line.startswith("enabled") else "enabled = true\n"
    cfg.write_text(f"[jvn]\n{head}{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=place.replace("[", r"\[").replace("]", r"\]")):
        load_config(cfg, env={})
