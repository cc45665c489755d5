"""OAuth 2.0 settings: where the client secret and the refresh token come from (env, file, SSM and Secrets Manager
on a moto server), redaction of token fields, and the language inferred from default names."""

from __future__ import annotations

import json

import pytest

from inspector2backlog.backlog.credentials import SecretResolutionError
from inspector2backlog.backlog.models import Named
from inspector2backlog.backlog.oauth import (
    EnvRefreshToken,
    FileRefreshToken,
    SecretsManagerRefreshToken,
    session_from_config,
)
from inspector2backlog.backlog.project import infer_language
from inspector2backlog.config import load_config
from inspector2backlog.redaction import redact
from tests.fakes.moto_server import aws_client, moto_endpoint  # noqa: F401

BASE = {"I2B_BACKLOG_SPACE_URL": "https://example.backlog.com", "I2B_BACKLOG_OAUTH_CLIENT_ID": "cid"}


def backlog(env: dict):
    return load_config(None, env=env).backlog


def test_no_refresh_token_source_means_no_oauth():
    assert session_from_config(backlog(BASE), env={}) is None


def test_env_secret_and_env_refresh_token():
    env = {
        **BASE,
        "I2B_BACKLOG_OAUTH_CLIENT_SECRET_ENV": "SEC",
        "SEC": "s3cr3t-value",
        "I2B_BACKLOG_OAUTH_REFRESH_TOKEN_ENV": "RT",
        "RT": "rt-value-1234",
    }
    s = session_from_config(backlog(env), env=env)
    assert isinstance(s.store, EnvRefreshToken) and s.store.load() == "rt-value-1234"
    assert s.token_url == "https://example.backlog.com/api/v2/oauth2/token"
    assert "s3cr3t-value" not in repr(s) and "rt-value" not in repr(s)


def test_a_missing_client_id_or_secret_is_a_configuration_error(tmp_path):
    env = {
        "I2B_BACKLOG_SPACE_URL": "https://example.backlog.com",
        "I2B_BACKLOG_OAUTH_REFRESH_TOKEN_FILE": str(tmp_path / "rt"),
    }
    with pytest.raises(SecretResolutionError, match="client id"):
        session_from_config(backlog(env), env=env)
    env["I2B_BACKLOG_OAUTH_CLIENT_ID_ENV"] = "CID"
    env["CID"] = "from-env"
    with pytest.raises(SecretResolutionError, match="client secret"):
        session_from_config(backlog(env), env=env)


def test_file_store_round_trip_is_0600(tmp_path):
    path = tmp_path / "rt"
    path.write_text("old-token\n")
    path.chmod(0o644)
    store = FileRefreshToken(path)
    assert store.load() == "old-token"
    store.save("new-token")
    assert store.load() == "new-token" and (path.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["rt"]  # no temporary file left


def test_ssm_secret_and_secrets_manager_refresh_token(moto_endpoint):
    ssm = aws_client("ssm", moto_endpoint)
    ssm.put_parameter(Name="/i2b/oauth-secret", Value="ssm-client-secret", Type="SecureString")
    sm = aws_client("secretsmanager", moto_endpoint)
    arn = sm.create_secret(Name="i2b/rt", SecretString="plain-refresh-token")["ARN"]
    env = {
        **BASE,
        "I2B_BACKLOG_OAUTH_CLIENT_SECRET_SSM_PARAMETER": "/i2b/oauth-secret",
        "I2B_BACKLOG_OAUTH_REFRESH_TOKEN_SECRET_ARN": arn,
    }
    s = session_from_config(backlog(env), env=env, ssm_client=ssm, secrets_client=sm)
    assert s._client_secret == "ssm-client-secret"
    assert isinstance(s.store, SecretsManagerRefreshToken) and s.store.load() == "plain-refresh-token"
    s.store.save("rotated-refresh-token")
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "rotated-refresh-token"  # plain stays plain
    json_arn = sm.create_secret(Name="i2b/json", SecretString=json.dumps({"refresh_token": "a1", "x": 1}))["ARN"]
    store = SecretsManagerRefreshToken(json_arn, sm)
    assert store.load() == "a1"
    store.save("b2")
    assert json.loads(sm.get_secret_value(SecretId=json_arn)["SecretString"]) == {"refresh_token": "b2", "x": 1}


def test_token_fields_are_redacted():
    text = (
        "grant_type=refresh_token&client_secret=abc123&refresh_token=def456 "
        '{"access_token": "ghi789", "refresh_token":"jkl012", "clientSecret": "mno345"}'
    )
    clean = redact(text)
    assert all(v not in clean for v in ("abc123", "def456", "ghi789", "jkl012", "mno345")), clean
    assert "grant_type=refresh_token" in clean


def test_language_inferred_from_default_names():
    assert infer_language([Named(1, "Open"), Named(4, "Closed")], [Named(2, "High")]) == "en"
    assert infer_language([Named(1, "未対応"), Named(4, "完了")], [Named(2, "高")]) == "ja"
    assert infer_language([Named(1, "新規"), Named(100, "Open")]) == ""
