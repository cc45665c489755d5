"""OAuth 2.0 for Backlog: access tokens from a refresh token, renewed before they expire and once after a 401.

* ``POST /api/v2/oauth2/token`` (form: ``grant_type=refresh_token``, ``client_id``, ``client_secret``,
  ``refresh_token``) answers ``access_token``, ``expires_in`` and a **new** ``refresh_token``: Backlog rotates it, so
  the new one is stored back where the old one came from — a file (rewritten with mode 0600) or a Secrets Manager
  secret (``PutSecretValue``). An environment variable cannot be written: the new token lives in the process only
  (a warning says so; a later process must be given the new token).
* The access token is renewed a little before ``expires_in`` runs out (a quarter of its life, at most 60 s), and
  once when a request is answered 401 with ``WWW-Authenticate: Bearer error="invalid_token"``.
* When the token endpoint rejects our refresh token, the store is read again once: another process (a second Lambda
  container) may have rotated it meanwhile.
* Every token and the client secret are registered with :mod:`..redaction` as soon as they are read or issued.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from .credentials import (
    SecretResolutionError,
    boto_client,
    read_secret_text,
    read_ssm_parameter,
    region_from_arn,
)
from .errors import AuthenticationError, BacklogTransportError, install_log_redaction

if TYPE_CHECKING:
    from ..config import BacklogConfig

log = logging.getLogger("inspector2backlog.backlog.oauth")

TOKEN_PATH = "/api/v2/oauth2/token"
MAX_RENEW_MARGIN = 60.0  # seconds before expiry at most
_REFRESH_FIELDS = ("refreshToken", "refresh_token")
_CLIENT_SECRET_FIELDS = ("clientSecret", "client_secret", "oauthClientSecret")


class OAuthError(AuthenticationError):
    """The token endpoint refused us or answered nonsense (no secret in the message)."""

    name = "OAuthError"


def is_invalid_token(headers: Mapping[str, str]) -> bool:
    """A 401's ``WWW-Authenticate`` says the bearer token is invalid or expired."""
    value = headers.get("WWW-Authenticate") or ""
    return value.lower().startswith("bearer") and "invalid_token" in value


# ---- where the refresh token lives -----------------------------------------------------------------------------


class RefreshTokenStore:
    """Reads the refresh token and writes the rotated one back. ``source`` names the place, never the token."""

    source = ""
    source_ja = ""

    def load(self) -> str:
        raise NotImplementedError

    def save(self, token: str) -> None:
        raise NotImplementedError


class EnvRefreshToken(RefreshTokenStore):
    def __init__(self, name: str, env: Mapping[str, str] | None = None) -> None:
        self.name, self._env = name, os.environ if env is None else env
        self._current: str | None = None
        self.source, self.source_ja = f"environment variable {name}", f"環境変数 {name}"

    def load(self) -> str:
        return self._current or _required((self._env.get(self.name) or "").strip(), self.source)

    def save(self, token: str) -> None:
        warned, self._current = self._current is not None, token
        if warned:
            return
        log.warning(
            "OAuth: the rotated refresh token cannot be written to %s; it is kept for this process only "
            "(use oauth_refresh_token_file or oauth_refresh_token_secret_arn to keep it)",
            self.source,
        )


class FileRefreshToken(RefreshTokenStore):
    """A file holding the token (plain text). Rewritten atomically, mode 0600."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.source, self.source_ja = f"file {self.path}", f"ファイル {self.path}"

    def load(self) -> str:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise OAuthError(f"OAuth refresh token: cannot read {self.source}: {type(exc).__name__}") from None
        return _required(text.strip(), self.source)

    def save(self, token: str) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".refresh-", dir=self.path.parent)  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(token + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class SecretsManagerRefreshToken(RefreshTokenStore):
    """A Secrets Manager secret: the token itself, or JSON with ``refreshToken`` (other fields are kept on write)."""

    def __init__(self, secret_id: str, client: Any = None) -> None:
        self.secret_id, self._client = secret_id, client
        self._json: dict | None = None
        self._field = _REFRESH_FIELDS[0]
        self.source, self.source_ja = f"Secrets Manager {secret_id}", f"Secrets Manager のシークレット {secret_id}"

    def _sm(self) -> Any:
        if self._client is None:
            self._client = boto_client("secretsmanager", region_from_arn(self.secret_id))
        return self._client

    def load(self) -> str:
        text = _read_secret(self._sm(), self.secret_id)
        if text.startswith("{"):
            data = _json_object(text, self.source)
            self._json = data
            self._field = next((k for k in _REFRESH_FIELDS if isinstance(data.get(k), str)), _REFRESH_FIELDS[0])
            return _required(str(data.get(self._field) or "").strip(), self.source)
        self._json = None
        return _required(text, self.source)

    def save(self, token: str) -> None:
        value = token if self._json is None else json.dumps({**self._json, self._field: token})
        # lazy: boto3 only when the OAuth token lives in AWS
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._sm().put_secret_value(SecretId=self.secret_id, SecretString=value)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "ClientError")
            raise OAuthError(f"OAuth refresh token: cannot store it in {self.source}: {code}") from None
        except BotoCoreError as exc:
            raise OAuthError(f"OAuth refresh token: cannot store it in {self.source}: {type(exc).__name__}") from None
        if self._json is not None:
            self._json = {**self._json, self._field: token}


# ---- the session -----------------------------------------------------------------------------------------------


class OAuthSession:
    """Hands out a valid access token; thread-safe. ``refreshes`` counts successful refreshes."""

    def __init__(
        self,
        space_url: str,
        client_id: str,
        client_secret: str,
        store: RefreshTokenStore,
        *,
        timeout: httpx.Timeout | float = 15.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError(
                "OAuth needs a client id and a client secret / OAuth にはクライアント ID とシークレットが必要です"
            )
        install_log_redaction(client_secret)
        self.token_url = space_url.rstrip("/") + TOKEN_PATH
        self.client_id, self._client_secret, self.store = client_id, client_secret, store
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)
        self._clock = clock
        self._lock = threading.Lock()
        self._refresh_token: str | None = None
        self._access: str | None = None
        self._expires_at = 0.0
        self._margin = 0.0
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"OAuthSession(client_id={self.client_id!r}, refresh token from {self.store.source})"

    def access_token(self) -> str:
        """The current access token, refreshed first when it is missing or about to expire."""
        with self._lock:
            if self._access is None or self._clock() >= self._expires_at - self._margin:
                self._refresh()
            assert self._access is not None
            return self._access

    def invalidate(self, token: str | None = None) -> None:
        """The server rejected ``token`` (None: the current one): the next :meth:`access_token` refreshes."""
        with self._lock:
            if token is None or token == self._access:
                self._access = None

    def close(self) -> None:
        self._http.close()

    # ---- internals -------------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        old = self._refresh_token or self.store.load()
        install_log_redaction(old)
        started = self._clock()
        response = self._post(old)
        if response.status_code in (400, 401) and _oauth_error(response) == "invalid_grant":
            again = self.store.load()  # rotated by another process meanwhile?
            if again != old:
                install_log_redaction(again)
                old, started = again, self._clock()
                response = self._post(old)
        if response.status_code != 200:
            error = _oauth_error(response) or f"HTTP {response.status_code}"
            hint = (
                "（リフレッシュトークンを発行し直してください / re-authorize to get a new refresh token）"
                if error == "invalid_grant"
                else ""
            )
            raise OAuthError(f"OAuth token refresh refused: {error}{hint}", status=response.status_code)
        try:
            data = response.json()
            access = str(data["access_token"])
            expires_in = float(data.get("expires_in") or 3600)
            new = str(data.get("refresh_token") or "") or old
        except (ValueError, KeyError, TypeError, AttributeError):
            raise OAuthError("OAuth token refresh: an answer without access_token", status=200) from None
        install_log_redaction(access, new)
        self._refresh_token = new
        if new != old:
            try:
                self.store.save(new)
            except (OSError, OAuthError) as exc:  # keep going with the token in memory; say where it was lost
                log.error(
                    "OAuth: the rotated refresh token could not be stored in %s (%s); this process keeps it",
                    self.store.source,
                    exc if isinstance(exc, OAuthError) else type(exc).__name__,
                )
        self._access = access
        self._expires_at = started + expires_in
        self._margin = min(MAX_RENEW_MARGIN, expires_in / 4)
        self.refreshes += 1
        log.info("OAuth: access token renewed (valid %.0f s)", expires_in)

    def _post(self, refresh_token: str) -> httpx.Response:
        form = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "refresh_token": refresh_token,
        }
        try:
            return self._http.post(self.token_url, data=form, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise BacklogTransportError(f"OAuth token refresh failed: {type(exc).__name__}") from None


# ---- from the configuration ------------------------------------------------------------------------------------


def oauth_configured(b: BacklogConfig) -> bool:
    """True when ``[backlog]`` names a refresh token source (OAuth 2.0 instead of an API key)."""
    return bool(b.oauth_refresh_token_env or b.oauth_refresh_token_file or b.oauth_refresh_token_secret_arn)


def session_from_config(
    b: BacklogConfig,
    *,
    env: Mapping[str, str] | None = None,
    ssm_client: Any = None,
    secrets_client: Any = None,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | float = 15.0,
) -> OAuthSession | None:
    """The :class:`OAuthSession` ``[backlog]`` describes, or None when no refresh token source is configured.
    Raises :class:`~inspector2backlog.backlog.credentials.SecretResolutionError` for a missing client id/secret."""
    if not oauth_configured(b):
        return None
    env = os.environ if env is None else env
    client_id = b.oauth_client_id or ((env.get(b.oauth_client_id_env) or "").strip() if b.oauth_client_id_env else "")
    if not client_id:
        raise SecretResolutionError(
            "OAuth のクライアント ID がありません / no OAuth client id: set [backlog] "
            "oauth_client_id or oauth_client_id_env"
        )
    secret = _client_secret(b, env, ssm_client, secrets_client)
    if not secret:
        raise SecretResolutionError(
            "OAuth のクライアントシークレットがありません / no OAuth client secret: set [backlog] "
            "oauth_client_secret_env, oauth_client_secret_ssm_parameter or "
            "oauth_client_secret_secret_arn"
        )
    if b.oauth_refresh_token_secret_arn:
        store: RefreshTokenStore = SecretsManagerRefreshToken(b.oauth_refresh_token_secret_arn, secrets_client)
    elif b.oauth_refresh_token_file:
        store = FileRefreshToken(b.oauth_refresh_token_file)
    else:
        store = EnvRefreshToken(b.oauth_refresh_token_env, env)
    return OAuthSession(b.space_url, client_id, secret, store, timeout=timeout, transport=transport)


def _client_secret(b: BacklogConfig, env: Mapping[str, str], ssm_client: Any, secrets_client: Any) -> str:
    if b.oauth_client_secret_secret_arn:
        arn = b.oauth_client_secret_secret_arn
        text = _read_secret(secrets_client or boto_client("secretsmanager", region_from_arn(arn)), arn)
        if text.startswith("{"):
            data = _json_object(text, f"Secrets Manager {arn}")
            text = next((str(data[k]).strip() for k in _CLIENT_SECRET_FIELDS if isinstance(data.get(k), str)), "")
        return text
    if b.oauth_client_secret_ssm_parameter:
        return read_ssm_parameter(b.oauth_client_secret_ssm_parameter, ssm_client)
    if b.oauth_client_secret_env:
        return (env.get(b.oauth_client_secret_env) or "").strip()
    return ""


def _read_secret(client: Any, secret_id: str) -> str:
    return read_secret_text(secret_id, client)


def _json_object(text: str, source: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise OAuthError(f"{source}: invalid JSON")
    return data


def _required(token: str, source: str) -> str:
    if not token:
        raise OAuthError(f"OAuth refresh token: {source} is empty or unset")
    return token


def _oauth_error(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("error") or "") if isinstance(data, dict) else ""


__all__ = [
    "EnvRefreshToken",
    "FileRefreshToken",
    "OAuthError",
    "OAuthSession",
    "RefreshTokenStore",
    "SecretsManagerRefreshToken",
    "is_invalid_token",
    "oauth_configured",
    "session_from_config",
]
