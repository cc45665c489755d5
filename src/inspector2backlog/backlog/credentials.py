"""Backlog credentials: where the API key or OAuth token comes from, read once per process.

Secrets never live in the configuration file: :func:`resolve_credentials` reads the API key from an environment
variable, an SSM SecureString parameter or a Secrets Manager secret (plain or ``{"apiKey": …}``), or an OAuth token
from an environment variable; remote values are cached per process, and every value found is registered for log
redaction before it is returned. OAuth 2.0 with a refresh token (rotated and stored back) is :mod:`.oauth`, which
reads its client secret and refresh token with the same helpers.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..config import BacklogConfig, Config, ConfigError
from .errors import install_log_redaction


@dataclass(frozen=True, slots=True)
class Credentials:
    """What authenticates us to Backlog: exactly one of the two. ``source`` says where it came from (no secret)."""

    api_key: str | None = None
    oauth_token: str | None = None
    source: str = ""
    source_ja: str = ""

    def __repr__(self) -> str:  # never show the secret
        kind = "api_key" if self.api_key else "oauth_token" if self.oauth_token else "none"
        return f"Credentials({kind} from {self.source})"


class SecretResolutionError(ConfigError):
    """The API key/token could not be obtained. The message names the source, never a secret value."""


_cache: dict[tuple[str, str], str] = {}
_cache_lock = threading.Lock()


def clear_secret_cache() -> None:
    with _cache_lock:
        _cache.clear()


def resolve_credentials(
    config: Config | BacklogConfig,
    *,
    env: Mapping[str, str] | None = None,
    ssm_client: Any = None,
    secrets_client: Any = None,
) -> Credentials:
    """The Backlog credentials ``[backlog]`` points at, in this order: Secrets Manager secret, SSM parameter,
    OAuth token environment variable, API key environment variable. Remote values are cached per process."""
    b = config.backlog if isinstance(config, Config) else config
    env = os.environ if env is None else env
    if b.api_key_secret_arn:
        arn = b.api_key_secret_arn
        key = cached("secretsmanager", arn, lambda: read_api_key_secret(arn, secrets_client))
        install_log_redaction(key)
        return Credentials(
            api_key=key,
            source=f"Secrets Manager {b.api_key_secret_arn}",
            source_ja=f"Secrets Manager のシークレット {b.api_key_secret_arn}",
        )
    if b.api_key_ssm_parameter:
        key = cached("ssm", b.api_key_ssm_parameter, lambda: read_ssm_parameter(b.api_key_ssm_parameter, ssm_client))
        install_log_redaction(key)
        return Credentials(
            api_key=key,
            source=f"SSM parameter {b.api_key_ssm_parameter}",
            source_ja=f"SSM パラメータ {b.api_key_ssm_parameter}",
        )
    if b.oauth_token_env:
        token = (env.get(b.oauth_token_env) or "").strip()
        if token:
            install_log_redaction(token)
            return Credentials(
                oauth_token=token,
                source=f"environment variable {b.oauth_token_env}",
                source_ja=f"環境変数 {b.oauth_token_env}（OAuth トークン）",
            )
    if b.api_key_env:
        key = (env.get(b.api_key_env) or "").strip()
        if key:
            install_log_redaction(key)
            return Credentials(
                api_key=key, source=f"environment variable {b.api_key_env}", source_ja=f"環境変数 {b.api_key_env}"
            )
    tried = [f"${n}" for n in (b.oauth_token_env, b.api_key_env) if n]
    raise SecretResolutionError(
        "Backlog の API キーが見つかりません（" + ", ".join(tried or ["設定なし"]) + " が未設定）/ "
        "no Backlog API key: set "
        + (" or ".join(tried) if tried else "[backlog] api_key_env")
        + ", or [backlog] api_key_ssm_parameter / api_key_secret_arn"
    )


def resolve_api_key(
    config: Config | BacklogConfig,
    *,
    env: Mapping[str, str] | None = None,
    ssm_client: Any = None,
    secrets_client: Any = None,
) -> str:
    """The API key (env var, SSM SecureString or Secrets Manager). Raises when only an OAuth token is configured."""
    creds = resolve_credentials(config, env=env, ssm_client=ssm_client, secrets_client=secrets_client)
    if not creds.api_key:
        raise SecretResolutionError(f"an OAuth token is configured ({creds.source}), not an API key")
    return creds.api_key


def cached(kind: str, name: str, fetch: Any) -> str:
    with _cache_lock:
        if (kind, name) in _cache:
            return _cache[(kind, name)]
    value = fetch()
    with _cache_lock:
        _cache[(kind, name)] = value
    return value


def region_from_arn(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] or None if arn.startswith("arn:") and len(parts) > 4 else None


def boto_client(service: str, region: str | None) -> Any:
    import boto3  # lazy: only when a secret really lives in AWS

    return boto3.client(service, region_name=region) if region else boto3.client(service)


def read_ssm_parameter(name: str, client: Any) -> str:
    # lazy: boto3 only when a secret lives in AWS
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = client or boto_client("ssm", region_from_arn(name))
        value = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise SecretResolutionError(f"SSM parameter {name}: {code}") from None
    except BotoCoreError as exc:
        raise SecretResolutionError(f"SSM parameter {name}: {type(exc).__name__}") from None
    value = str(value).strip()
    if not value:
        raise SecretResolutionError(f"SSM parameter {name}: empty value")
    return value


def read_secret_text(secret_id: str, client: Any) -> str:
    """A Secrets Manager secret's string (or binary as UTF-8), stripped; errors as :class:`SecretResolutionError`."""
    # lazy: boto3 only when a secret lives in AWS
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = client or boto_client("secretsmanager", region_from_arn(secret_id))
        response = client.get_secret_value(SecretId=secret_id)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise SecretResolutionError(f"Secrets Manager secret {secret_id}: {code}") from None
    except BotoCoreError as exc:
        raise SecretResolutionError(f"Secrets Manager secret {secret_id}: {type(exc).__name__}") from None
    text = response.get("SecretString")
    if text is None and response.get("SecretBinary") is not None:
        text = bytes(response["SecretBinary"]).decode("utf-8", "replace")
    return (text or "").strip()


def read_api_key_secret(secret_id: str, client: Any) -> str:
    text = read_secret_text(secret_id, client)
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise SecretResolutionError(f"Secrets Manager secret {secret_id}: invalid JSON") from None
        for k in ("apiKey", "api_key", "BACKLOG_API_KEY"):
            if isinstance(data.get(k), str) and data[k].strip():
                return data[k].strip()
        raise SecretResolutionError(
            f'Secrets Manager secret {secret_id}: JSON without an "apiKey" field (fields: {", ".join(map(str, data))})'
        )
    if not text:
        raise SecretResolutionError(f"Secrets Manager secret {secret_id}: empty value")
    return text


__all__ = [
    "Credentials",
    "SecretResolutionError",
    "boto_client",
    "cached",
    "clear_secret_cache",
    "read_api_key_secret",
    "read_secret_text",
    "read_ssm_parameter",
    "region_from_arn",
    "resolve_api_key",
    "resolve_credentials",
]
