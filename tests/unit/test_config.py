"""Configuration: TOML + I2B_* overrides, validation messages, and secret resolution (SSM / Secrets Manager on moto)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector2backlog.backlog.credentials import (
    SecretResolutionError,
    clear_secret_cache,
    resolve_api_key,
    resolve_credentials,
)
from inspector2backlog.config import DEFAULT_PRIORITY, Config, ConfigError, load_config
from tests.fakes.moto_server import aws_client, moto_endpoint  # noqa: F401

FULL = """
[backlog]
space_url = "https://yourspace.backlog.jp"
api_key_env = "MY_BACKLOG_KEY"
project_key = "SEC"
issue_type = "脆弱性"
open_status = "未対応"
closed_status = "完了"
suppressed_resolution = "対応しない"
assignee = "yamada"
notified_users = ["sato", "suzuki"]
category = "AWS"
arn_custom_field = "Finding ARN"

[backlog.priority]
CRITICAL = "高"
LOW = "中"

[backlog.due_days]
CRITICAL = 3
LOW = 0

[state]
dynamodb_table = "i2b-state"
region = "ap-northeast-1"

[translate]
engine = "deepl"
formality = "formal"
terminology = ["Amazon Inspector=Amazon Inspector"]

[filter]
min_severity = "high"
finding_types = ["PACKAGE_VULNERABILITY"]
statuses = ["ACTIVE"]
min_epss = 0
exploit_available_only = true
accounts = ["123456789012"]
resource_tags = { env = "prod" }

[delivery]
sink = "sns"
sns_topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:i2b"

[grouping]
group_by = "fix"

[digest]
below_severity = "MEDIUM"
period = "week"

[sync]
regions = ["ap-northeast-1", "us-east-1"]
filter_criteria = { severity = [{ comparison = "EQUALS", value = "CRITICAL" }] }
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_full_file_is_read_into_frozen_dataclasses(tmp_path: Path) -> None:
    c = load_config(write(tmp_path, FULL), env={})
    b = c.backlog
    assert (b.space_url, b.project_key, b.issue_type, b.api_key_env) == (
        "https://yourspace.backlog.jp",
        "SEC",
        "脆弱性",
        "MY_BACKLOG_KEY",
    )
    assert b.notified_users == ("sato", "suzuki") and b.categories == ("AWS",)
    assert b.priority["CRITICAL"] == "高" and b.priority["LOW"] == "中" and b.priority["MEDIUM"] == "中"  # merged
    assert b.priority_for("low") == "中" and b.priority_for("unknown") == "中"
    assert b.due_days_for("CRITICAL") == 3 and b.due_days_for("LOW") is None and b.due_days_for("HIGH") == 14
    assert c.state.dynamodb_table == "i2b-state"
    assert c.translate.engine == "deepl" and c.translate.formality == "FORMAL"
    assert c.filter.min_severity == "HIGH" and c.filter.min_epss == 0.0 and c.filter.exploit_available_only is True
    assert dict(c.filter.resource_tags) == {"env": "prod"}
    assert c.delivery.sink == "sns" and c.grouping.group_by == "fix" and c.digest.period == "week"
    assert c.sync.regions == ("ap-northeast-1", "us-east-1")
    assert c.sync.filter_criteria["severity"][0]["value"] == "CRITICAL"
    assert c.source.endswith("config.toml")
    with pytest.raises(AttributeError):
        c.backlog.project_key = "X"  # type: ignore[misc]


def test_defaults_without_a_file() -> None:
    c = load_config(None, env={})
    assert c == Config()
    assert dict(c.backlog.priority) == DEFAULT_PRIORITY
    assert c.filter.min_severity == "MEDIUM" and c.translate.engine == "offline" and c.state.path.endswith(".sqlite3")
    assert c.backlog.missing() == ["space_url", "project_key", "issue_type"]


def test_environment_overrides(tmp_path: Path) -> None:
    env = {
        "I2B_BACKLOG_SPACE_URL": "https://other.backlog.com",
        "I2B_BACKLOG_PROJECT_KEY": "OPS",
        "I2B_BACKLOG_NOTIFIED_USERS": "a, b",
        "I2B_BACKLOG_PRIORITY_MEDIUM": "低",
        "I2B_BACKLOG_DUE_DAYS_HIGH": "5",
        "I2B_STATE_DYNAMODB_TABLE": "tbl",
        "I2B_TRANSLATE_ENGINE": "amazon",
        "I2B_FILTER_MIN_SEVERITY": "critical",
        "I2B_FILTER_MIN_EPSS": "0.25",
        "I2B_FILTER_FIX_AVAILABLE_ONLY": "yes",
        "I2B_FILTER_EXCLUDE_RESOURCE_TAGS": "env=dev,team=x",
        "I2B_SYNC_ACCOUNTS": '["111111111111"]',
        "I2B_CONFIG": "/somewhere/else.toml",  # not a section of ours: ignored
        "UNRELATED": "x",
    }
    c = load_config(write(tmp_path, FULL), env=env)
    assert c.backlog.space_url == "https://other.backlog.com" and c.backlog.project_key == "OPS"
    assert c.backlog.notified_users == ("a", "b")
    assert c.backlog.priority["MEDIUM"] == "低" and c.backlog.priority["CRITICAL"] == "高"
    assert c.backlog.due_days["HIGH"] == 5 and c.backlog.due_days["CRITICAL"] == 3
    assert c.state.dynamodb_table == "tbl" and c.translate.engine == "amazon"
    assert c.filter.min_severity == "CRITICAL" and c.filter.min_epss == 0.25 and c.filter.fix_available_only is True
    assert dict(c.filter.exclude_resource_tags) == {"env": "dev", "team": "x"}
    assert c.sync.accounts == ("111111111111",)
    assert c.backlog.issue_type == "脆弱性"  # untouched


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[filter]\nmin_severiti = 'HIGH'\n", {}, "[filter] min_severiti: unknown key"),
        ("[filters]\nmin_severity = 'HIGH'\n", {}, "[filters]: unknown section"),
        ("[filter]\nmin_severity = 'SEVERE'\n", {}, "[filter] min_severity: 'SEVERE'"),
        (
            "[backlog]\nspace_url = 'http://example.backlog.jp'\n",
            {},
            "[backlog] space_url: Backlog space URL must use https",
        ),
        ("[backlog.priority]\nURGENT = '高'\n", {}, "[backlog.priority] URGENT: unknown severity"),
        ("[backlog.due_days]\nHIGH = 'soon'\n", {}, "[backlog] due_days.HIGH: expected an integer"),
        ("[filter]\nmin_epss = 'high'\n", {}, "[filter] min_epss: expected a number"),
        ("[filter]\nmin_epss = 2\n", {}, "[filter] min_epss: 2.0: must be between 0 and 1"),
        ("[filter]\nfinding_types = ['PACKAGE']\n", {}, "[filter] finding_types: 'PACKAGE'"),
        ("[translate]\nengine = 'google'\n", {}, "[translate] engine: 'google' is not one of"),
        ("[delivery]\nsink = 'sns'\n", {}, "[delivery] sns_topic_arn: required"),
        ("[grouping]\ngroup_by = 'cve'\n", {}, "[grouping] group_by"),
        ("[digest]\nperiod = 'month'\n", {}, "[digest] period"),
        ("[filter]\nexploit_available_only = 'yes'\n", {}, "expected true/false"),
        ("[backlog]\nproject_key = 'A'\n[backlog]\n", {}, "invalid TOML"),
        ("", {"I2B_FILTER_MIN_SEVERITI": "HIGH"}, "I2B_FILTER_MIN_SEVERITI: unknown key [filter] min_severiti"),
        ("", {"I2B_FILTER_MIN_EPSS": "lots"}, "I2B_FILTER_MIN_EPSS: expected a number"),
        ("", {"I2B_BACKLOG_SPACE_URL": "http://x.backlog.com"}, "must use https"),
    ],
)
def test_invalid_configuration_is_named(tmp_path: Path, text: str, env: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env=env)
    assert message in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_loopback_http_is_allowed(tmp_path: Path) -> None:
    c = load_config(write(tmp_path, "[backlog]\nspace_url = 'http://127.0.0.1:8080'\n"), env={})
    assert c.backlog.space_url == "http://127.0.0.1:8080"


# ---- secrets --------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_secret_cache()
    yield
    clear_secret_cache()


def test_api_key_from_environment_variable(tmp_path: Path) -> None:
    c = load_config(write(tmp_path, FULL), env={})
    assert resolve_api_key(c, env={"MY_BACKLOG_KEY": " key-from-env-1234 "}) == "key-from-env-1234"
    creds = resolve_credentials(c, env={"MY_BACKLOG_KEY": "key-from-env-1234"})
    assert "key-from-env-1234" not in repr(creds) and "MY_BACKLOG_KEY" in creds.source
    with pytest.raises(SecretResolutionError, match="MY_BACKLOG_KEY"):
        resolve_api_key(c, env={})


def test_oauth_token_from_environment(tmp_path: Path) -> None:
    c = load_config(write(tmp_path, "[backlog]\noauth_token_env = 'BL_TOKEN'\n"), env={})
    creds = resolve_credentials(c, env={"BL_TOKEN": "tok-123456", "BACKLOG_API_KEY": "k-123456"})
    assert creds.oauth_token == "tok-123456" and creds.api_key is None
    with pytest.raises(SecretResolutionError, match="OAuth"):
        resolve_api_key(c, env={"BL_TOKEN": "tok-123456"})


def test_api_key_from_ssm_securestring(tmp_path: Path, moto_endpoint: str) -> None:
    ssm = aws_client("ssm", moto_endpoint)
    ssm.put_parameter(Name="/i2b/backlog-key", Value="ssm-secret-key-5678", Type="SecureString")
    c = load_config(write(tmp_path, "[backlog]\napi_key_ssm_parameter = '/i2b/backlog-key'\n"), env={})
    assert resolve_api_key(c, env={}, ssm_client=ssm) == "ssm-secret-key-5678"
    ssm.delete_parameter(Name="/i2b/backlog-key")
    assert resolve_api_key(c, env={}, ssm_client=ssm) == "ssm-secret-key-5678"  # cached
    clear_secret_cache()
    with pytest.raises(SecretResolutionError) as info:
        resolve_api_key(c, env={}, ssm_client=ssm)
    assert "ParameterNotFound" in str(info.value) and "/i2b/backlog-key" in str(info.value)


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("plain-secret-key-9", "plain-secret-key-9"),
        (json.dumps({"apiKey": "json-secret-key-9", "x": 1}), "json-secret-key-9"),
    ],
)
def test_api_key_from_secrets_manager(tmp_path: Path, moto_endpoint: str, secret: str, expected: str) -> None:
    sm = aws_client("secretsmanager", moto_endpoint)
    arn = sm.create_secret(Name="i2b/backlog", SecretString=secret)["ARN"]
    c = load_config(write(tmp_path, f"[backlog]\napi_key_secret_arn = '{arn}'\n"), env={})
    creds = resolve_credentials(c, env={}, secrets_client=sm)
    assert creds.api_key == expected and arn in creds.source


def test_secrets_manager_json_without_api_key(tmp_path: Path, moto_endpoint: str) -> None:
    sm = aws_client("secretsmanager", moto_endpoint)
    arn = sm.create_secret(Name="i2b/other", SecretString=json.dumps({"password": "pw-abcdef"}))["ARN"]
    c = load_config(write(tmp_path, f"[backlog]\napi_key_secret_arn = '{arn}'\n"), env={})
    with pytest.raises(SecretResolutionError) as info:
        resolve_api_key(c, env={}, secrets_client=sm)
    assert "apiKey" in str(info.value) and "pw-abcdef" not in str(info.value)


def test_secrets_manager_uses_the_region_of_the_arn(tmp_path: Path, moto_endpoint: str, monkeypatch) -> None:
    """Without an injected client, boto3 is created from the ARN's region (endpoint via AWS_ENDPOINT_URL)."""
    sm = aws_client("secretsmanager", moto_endpoint, region_name="us-west-2")
    arn = sm.create_secret(Name="i2b/west", SecretString="west-key-1234")["ARN"]
    assert ":us-west-2:" in arn
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    c = load_config(write(tmp_path, f"[backlog]\napi_key_secret_arn = '{arn}'\n"), env={})
    assert resolve_api_key(c, env={}) == "west-key-1234"
