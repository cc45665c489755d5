"""``[sources.<name>]``: per-source settings (enabled, project / issue type / category overrides, the archived
resolution, type patterns), from TOML and from I2B_SOURCES_* variables, with errors naming the place."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from inspector2backlog import sources as registry
from inspector2backlog.config import SOURCE_NAMES, ConfigError, SourceConfig, SourcesConfig, load_config

BASE = """
[backlog]
space_url = "https://example.backlog.jp"
project_key = "SEC"
issue_type = "脆弱性"
category = "AWS"
"""


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None):
    p = tmp_path / "c.toml"
    p.write_text(BASE + text, encoding="utf-8")
    return load_config(p, env=env or {})


def test_defaults_every_source_on_with_the_backlog_settings(tmp_path: Path) -> None:
    c = _load(tmp_path, "")
    for name in SOURCE_NAMES:
        s = c.for_source(name)
        assert s == SourceConfig()
        assert s.enabled and s.archived_resolution == "対応しない" and s.types == () and s.exclude_types == ()
        assert s.wants_type("Recon:EC2/PortProbeUnprotectedPort") and s.wants_type("PACKAGE_VULNERABILITY")
        assert c.backlog_for(name) == c.backlog
    assert load_config(None, env={}).sources == SourcesConfig()


def test_a_source_table_overrides_project_issue_type_and_category(tmp_path: Path) -> None:
    c = _load(
        tmp_path,
        """
[sources.guardduty]
project_key = "SOC"
issue_type = "インシデント"
archived_resolution = "無効"
types = ["UnauthorizedAccess:*", "CryptoCurrency:*"]
exclude_types = ["*/PortProbe*"]

[sources.access_analyzer]
enabled = false
category = "IAM"
""",
    )
    gd = c.for_source("guardduty")
    assert (gd.project_key, gd.issue_type, gd.category, gd.archived_resolution) == ("SOC", "インシデント", "", "無効")
    b = c.backlog_for("guardduty")
    assert (b.project_key, b.issue_type, b.category) == ("SOC", "インシデント", "AWS")
    assert b.space_url == c.backlog.space_url and b.open_status == c.backlog.open_status
    aa = c.backlog_for("access_analyzer")
    assert (aa.project_key, aa.issue_type, aa.category) == ("SEC", "脆弱性", "IAM")
    assert not c.sources.enabled("access_analyzer") and c.sources.enabled("guardduty")
    assert c.backlog_for("inspector2") is c.backlog and c.backlog.project_key == "SEC"


@pytest.mark.parametrize(
    ("finding_type", "wanted"),
    [
        ("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", True),
        ("CryptoCurrency:EC2/BitcoinTool.B!DNS", True),
        ("Recon:EC2/PortProbeUnprotectedPort", False),  # not in types
        ("UnauthorizedAccess:EC2/PortProbeSSH", False),  # in types, but excluded
        ("unauthorizedaccess:IAMUser/x", False),  # patterns are case-sensitive, like the types
    ],
)
def test_type_patterns_include_then_exclude(finding_type: str, wanted: bool) -> None:
    s = SourceConfig(types=("UnauthorizedAccess:*", "CryptoCurrency:*"), exclude_types=("*/PortProbe*",))
    assert s.wants_type(finding_type) is wanted


def test_exclude_only_and_character_sets() -> None:
    s = SourceConfig(exclude_types=("Unused*", "External?ccess"))
    assert not s.wants_type("UnusedIAMRole") and not s.wants_type("ExternalAccess")
    assert s.wants_type("InternalAccess")
    assert SourceConfig(types=("S3.[0-9]",)).wants_type("S3.1") and not SourceConfig(types=("S3.[0-9]",)).wants_type(
        "S3.12"
    )


def test_a_single_pattern_string_is_a_one_element_list(tmp_path: Path) -> None:
    c = _load(tmp_path, '[sources.securityhub]\ntypes = "S3.*"\n')
    assert c.for_source("securityhub").types == ("S3.*",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[sources.macie]\nenabled = true\n",
            "[sources.macie]: 不明なソースです / unknown source (known: inspector2, ",
        ),
        ("[sources]\nenabled = false\n", "[sources.enabled]: 不明なソースです / unknown source"),
        ("[sources]\nguardduty = 1\n", "sources.guardduty: テーブルにしてください / must be a table"),
        ("[sources.guardduty]\nprojekt_key = 'X'\n", "[sources.guardduty] projekt_key: 不明なキーです / unknown key"),
        ("[sources.guardduty]\nenabled = 'no'\n", "[sources.guardduty] enabled: expected true/false"),
        ("[sources.inspector2]\ntypes = [1.5]\n", "[sources.inspector2] types: expected a list of strings"),
        (
            "[sources.guardduty]\ntypes = ['Recon:*']\nexclude_types = ['Recon:*']\n",
            "[sources.guardduty] exclude_types: 'Recon:*': types と exclude_types の両方にあります",
        ),
    ],
)
def test_errors_name_the_file_the_table_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert str(info.value).startswith(str(tmp_path / "c.toml") + ": ")
    assert message in str(info.value)


def test_unknown_key_lists_the_known_keys(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"known: enabled, project_key, issue_type, category, archived_resolution, types, exclude_types",
    ):
        _load(tmp_path, "[sources.guardduty]\nproject = 'X'\n")


def test_environment_overrides_one_key_of_one_source(tmp_path: Path) -> None:
    c = _load(
        tmp_path,
        "[sources.guardduty]\nproject_key = 'SOC'\n",
        env={
            "I2B_SOURCES_GUARDDUTY_PROJECT_KEY": "SOC2",
            "I2B_SOURCES_ACCESS_ANALYZER_ENABLED": "false",
            "I2B_SOURCES_SECURITYHUB_TYPES": "S3.*,IAM.*",
            "I2B_SOURCES_INSPECTOR2_EXCLUDE_TYPES": '["CODE_VULNERABILITY"]',
        },
    )
    assert c.for_source("guardduty").project_key == "SOC2"
    assert not c.for_source("access_analyzer").enabled
    assert c.for_source("securityhub").types == ("S3.*", "IAM.*")
    assert not c.for_source("inspector2").wants_type("CODE_VULNERABILITY")


@pytest.mark.parametrize(
    ("var", "message"),
    [
        ("I2B_SOURCES_MACIE_ENABLED", "I2B_SOURCES_MACIE_ENABLED: 不明なソースです / unknown source"),
        ("I2B_SOURCES_GUARDDUTY_PROJECT", "I2B_SOURCES_GUARDDUTY_PROJECT: 不明なキーです / unknown key"),
        ("I2B_SOURCES_GUARDDUTY_ENABLED", "I2B_SOURCES_GUARDDUTY_ENABLED: expected true/false"),
    ],
)
def test_environment_errors_name_the_variable(tmp_path: Path, var: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, "", env={var: "maybe"})
    assert message in str(info.value)


def test_one_field_per_source_name_and_every_registered_source_has_one() -> None:
    assert tuple(f.name for f in fields(SourcesConfig)) == SOURCE_NAMES
    assert set(registry.names()) <= set(SOURCE_NAMES)
    with pytest.raises(KeyError):
        SourcesConfig().get("macie")
    assert dict(SourcesConfig().items()).keys() == set(SOURCE_NAMES)


def test_doctor_says_what_each_configured_source_does(tmp_path: Path) -> None:
    from inspector2backlog.doctor import run_doctor

    _load(  # writes c.toml; read again below without the space URL (offline: no Backlog to ask)
        tmp_path,
        f"""
[state]
path = "{tmp_path / "s.sqlite3"}"

[sources.guardduty]
project_key = "SOC"
types = ["UnauthorizedAccess:*"]

[sources.access_analyzer]
enabled = false
""",
    )
    c = load_config(tmp_path / "c.toml", env={"I2B_BACKLOG_SPACE_URL": ""})
    text = run_doctor(c).text()
    line = next(x for x in text.splitlines() if "Sources" in x or "ソース" in x)
    assert "guardduty: SOC / 脆弱性 / AWS types UnauthorizedAccess:*" in line
    assert "access_analyzer: 無効" in line and "inspector2" not in line and "securityhub" not in line
    assert "Sources" not in run_doctor(load_config(None, env={})).text()
