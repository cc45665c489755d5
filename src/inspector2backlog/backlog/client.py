"""A thin, strictly serial Backlog API v2 client over httpx.

* One ``httpx.Client`` with explicit timeouts; a lock makes every request (retries included) strictly serial.
* POST/PATCH bodies are form-encoded: list values become repeated ``key[]`` parameters, list values of
  ``customField_{id}`` become ``customField_{id}[0]``, ``[1]``…; ``None`` values are left out.
* 429 → wait until ``X-RateLimit-Reset`` (60 s when absent; never more than ``max_rate_limit_wait``) and retry.
  5xx, timeouts and transport errors → exponential backoff with jitter and retry. Errors are typed by Backlog's
  error code (:mod:`.errors`).
* A request that is not idempotent (POST, PATCH with a comment) is **not** retried after a failure that may have
  reached Backlog (read timeout, broken connection after sending, HTTP 500/502/504 — only 429 and 503 are retried):
  it raises :class:`~.errors.BacklogTimeoutError` / :class:`~.errors.BacklogTransportError` /
  :class:`~.errors.ServerError` with ``maybe_applied=True`` so the caller can look for the effect first (e.g. search
  for the finding marker) instead of creating a duplicate.
* The space URL rule is the configuration's (:func:`inspector2backlog.config.check_space_url`); the wire
  format (encoding, rate-limit headers, typed errors) is :mod:`.wire`.
* The API key rides in the query string and is redacted from every message and log line. With OAuth 2.0 an
  :class:`~.oauth.OAuthSession` supplies each request's bearer token (one renewal after a 401 ``invalid_token``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from ..config.checks import check_space_url, is_loopback_host
from .errors import BacklogTimeoutError, install_log_redaction
from .models import RateLimitInfo
from .oauth import is_invalid_token
from .wire import (
    Params,
    bucket_for,
    encode_params,
    float_or_none,
    http_error,
    int_or_none,
    json_body,
    rate_limit_info,
    seg,
    transport_error,
)

if TYPE_CHECKING:
    from ..config import BacklogConfig

log = logging.getLogger("inspector2backlog.backlog.client")

API_PREFIX = "/api/v2/"
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
DEFAULT_RATE_LIMIT_WAIT = 60.0  # Nulab: wait a minute after a 429 when no reset is known
OnRequest = Callable[[str, str, int], None]


@cache
def user_agent() -> str:
    """``inspector2backlog/<version> (+httpx)``: the version read once, from its one place (``pyproject.toml``)."""
    from .. import __version__  # lazy: reading the version is file I/O, kept off the import path (cold start)

    return f"inspector2backlog/{__version__} (+httpx)"


class BacklogClient:
    """Backlog API v2. Methods return Backlog's parsed JSON (dicts/lists), except :meth:`count_issues` (an int)."""

    def __init__(
        self,
        space_url: str,
        *,
        api_key: str | None = None,
        oauth_token: str | None = None,
        oauth: Any = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        max_retries: int = 5,
        max_rate_limit_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        on_request: OnRequest | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        url = check_space_url(space_url)
        if not api_key and not oauth_token and oauth is None:
            raise ValueError("a Backlog API key or OAuth token is required / API キーまたは OAuth トークンが必要です")
        install_log_redaction(api_key, oauth_token)
        self.space_url = str(url).rstrip("/")
        self._base = self.space_url + API_PREFIX
        self._api_key = api_key or None
        self._oauth_token = None if api_key else oauth_token
        #: an :class:`~.oauth.OAuthSession` (refreshed access tokens), used when no API key is given
        self._oauth = None if api_key else oauth
        self.max_retries = max(0, int(max_retries))
        self.max_rate_limit_wait = max(0.0, float(max_rate_limit_wait))
        self._sleep = sleep
        self._clock = clock
        self.on_request = on_request
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        #: last X-RateLimit-* values seen per bucket ("read", "update", "search", "icon")
        self.rate_limit_state: dict[str, RateLimitInfo] = {}
        headers = {"User-Agent": user_agent(), "Accept": "application/json"}
        if self._oauth_token:
            headers["Authorization"] = f"Bearer {self._oauth_token}"
        self._http = httpx.Client(timeout=timeout, transport=transport, headers=headers, follow_redirects=False)

    @classmethod
    def from_config(
        cls, backlog: BacklogConfig, *, api_key: str | None = None, oauth_token: str | None = None, **kwargs: Any
    ) -> BacklogClient:
        """A client for ``[backlog]``; the secret comes from :func:`.credentials.resolve_credentials`."""
        return cls(backlog.space_url, api_key=api_key, oauth_token=oauth_token, **kwargs)

    def __repr__(self) -> str:
        auth = "apiKey" if self._api_key else "oauth"
        return f"BacklogClient({self.space_url!r}, auth={auth})"

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()
        if self._oauth is not None:
            self._oauth.close()

    def __enter__(self) -> BacklogClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- endpoints: space ------------------------------------------------------------------------------------
    def space(self) -> dict:
        return self._request("GET", "space")

    def myself(self) -> dict:
        return self._request("GET", "users/myself")

    def rate_limit(self) -> dict:
        """``GET rateLimit``; also refreshes :attr:`rate_limit_state` for every bucket."""
        data = self._request("GET", "rateLimit")
        now = self._clock()
        for bucket, v in (data.get("rateLimit") or {}).items():
            if isinstance(v, Mapping):
                self.rate_limit_state[bucket] = RateLimitInfo(
                    bucket=bucket,
                    limit=int_or_none(v.get("limit")),
                    remaining=int_or_none(v.get("remaining")),
                    reset=float_or_none(v.get("reset")),
                    observed_at=now,
                )
        return data

    def priorities(self) -> list:
        return self._request("GET", "priorities")

    def resolutions(self) -> list:
        return self._request("GET", "resolutions")

    # ---- endpoints: project ----------------------------------------------------------------------------------
    def project(self, key_or_id: str | int) -> dict:
        return self._request("GET", f"projects/{seg(key_or_id)}")

    def issue_types(self, project: str | int) -> list:
        return self._request("GET", f"projects/{seg(project)}/issueTypes")

    def statuses(self, project: str | int) -> list:
        return self._request("GET", f"projects/{seg(project)}/statuses")

    def categories(self, project: str | int) -> list:
        return self._request("GET", f"projects/{seg(project)}/categories")

    def custom_fields(self, project: str | int) -> list:
        return self._request("GET", f"projects/{seg(project)}/customFields")

    def project_users(self, project: str | int) -> list:
        return self._request("GET", f"projects/{seg(project)}/users")

    # ---- endpoints: issues -----------------------------------------------------------------------------------
    def create_issue(self, params: Params) -> dict:
        """``POST issues``. Not retried after an ambiguous failure (see ``maybe_applied``)."""
        return self._request("POST", "issues", data=params, idempotent=False)

    def update_issue(self, id_or_key: str | int, params: Params) -> dict:
        """``PATCH issues/:idOrKey``. Retried like a read unless it carries a ``comment``."""
        idempotent = not (params.get("comment") if isinstance(params, Mapping) else False)
        return self._request("PATCH", f"issues/{seg(id_or_key)}", data=params, idempotent=idempotent)

    def get_issue(self, id_or_key: str | int) -> dict:
        return self._request("GET", f"issues/{seg(id_or_key)}")

    def list_issues(self, params: Params | None = None) -> list:
        return self._request("GET", "issues", query=params)

    def count_issues(self, params: Params | None = None) -> int:
        return int(self._request("GET", "issues/count", query=params)["count"])

    def add_comment(self, id_or_key: str | int, content: str, notified_user_ids: Sequence[int] = ()) -> dict:
        data: dict[str, Any] = {"content": content}
        if notified_user_ids:
            data["notifiedUserId[]"] = list(notified_user_ids)
        return self._request("POST", f"issues/{seg(id_or_key)}/comments", data=data, idempotent=False)

    def list_comments(self, id_or_key: str | int, params: Params | None = None) -> list:
        return self._request("GET", f"issues/{seg(id_or_key)}/comments", query=params)

    # ---- the one request path ----------------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Params | None = None,
        data: Params | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        pairs = encode_params(query)
        if self._api_key:
            pairs.append(("apiKey", self._api_key))
        body = urlencode(encode_params(data)).encode("ascii") if data is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else None
        shown = API_PREFIX + path  # what logs, errors and on_request see: never the query string
        with self._lock:
            return self._send_with_retries(method, path, shown, pairs, body, headers, idempotent)

    def _send_with_retries(
        self,
        method: str,
        path: str,
        shown: str,
        pairs: list[tuple[str, str]],
        body: bytes | None,
        headers: dict[str, str] | None,
        idempotent: bool,
    ) -> Any:
        bucket = bucket_for(method, path)
        attempt = 0
        renewed = False  # OAuth: one token refresh per request after a 401 invalid_token
        while True:
            token = self._oauth.access_token() if self._oauth is not None else None
            sent = {**(headers or {}), "Authorization": f"Bearer {token}"} if token else headers
            try:
                response = self._http.request(
                    method, self._base + path, params=tuple(pairs), content=body, headers=sent
                )
            except httpx.TransportError as exc:
                self._notify(method, shown, 0)
                err = transport_error(method, shown, exc, idempotent)
                if err.maybe_applied or attempt >= self.max_retries:
                    raise err from None
                delay = self._backoff(attempt)
                log.warning(
                    "Backlog %s %s: %s; retry %d/%d in %.1f s",
                    method,
                    shown,
                    type(exc).__name__,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                self._sleep(delay)
                attempt += 1
                continue

            status = response.status_code
            self._observe_rate_limit(bucket, response.headers)
            self._notify(method, shown, status)
            log.debug("Backlog %s %s → %d", method, shown, status)

            if status < 400:
                return json_body(response, method, shown)
            oauth = self._oauth
            if status == 401 and token and oauth is not None and not renewed and is_invalid_token(response.headers):
                renewed = True  # a 401 was not applied: safe to send again, whatever the method
                log.info("Backlog %s %s: 401 invalid_token; renewing the OAuth access token", method, shown)
                oauth.invalidate(token)
                continue
            if status == 429:
                if attempt >= self.max_retries:
                    raise http_error(response, method, shown)
                delay = self._rate_limit_wait(response.headers)
                log.warning(
                    "Backlog %s %s: 429 rate limited; waiting %.1f s (retry %d/%d)",
                    method,
                    shown,
                    delay,
                    attempt + 1,
                    self.max_retries,
                )
                self._sleep(delay)
                attempt += 1
                continue
            if status >= 500:
                if status == 504 and not idempotent:
                    raise BacklogTimeoutError(
                        f"Backlog {method} {shown}: HTTP 504 gateway timeout; the request may have been applied",
                        maybe_applied=True,
                        status=504,
                        method=method,
                        path=shown,
                    )
                if status != 503 and not idempotent:
                    # a 500/502 may come after the issue or comment was stored: retrying blindly could file it twice
                    http_err = http_error(response, method, shown)
                    http_err.maybe_applied = True
                    raise http_err
                if attempt >= self.max_retries:
                    raise http_error(response, method, shown)
                delay = self._retry_after(response.headers) or self._backoff(attempt)
                log.warning(
                    "Backlog %s %s: HTTP %d; retry %d/%d in %.1f s",
                    method,
                    shown,
                    status,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                self._sleep(delay)
                attempt += 1
                continue
            raise http_error(response, method, shown)

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _notify(self, method: str, shown: str, status: int) -> None:
        if self.on_request is not None:
            self.on_request(method, shown, status)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._backoff_cap, self._backoff_base * (2**attempt))
        return ceiling * (0.5 + self._rng.random() / 2)

    def _rate_limit_wait(self, headers: httpx.Headers) -> float:
        reset = float_or_none(headers.get("X-RateLimit-Reset"))
        if reset is None:
            wait = DEFAULT_RATE_LIMIT_WAIT
        else:
            # +1 s: the reset is whole seconds and clocks drift; at least 1 s so a skewed clock cannot spin
            wait = max(1.0, reset - self._clock() + 1.0)
        return min(wait, self.max_rate_limit_wait)

    def _retry_after(self, headers: httpx.Headers) -> float | None:
        value = float_or_none(headers.get("Retry-After"))
        if value is None or value < 0:
            return None
        return min(value, self._backoff_cap)

    def _observe_rate_limit(self, bucket: str, headers: httpx.Headers) -> None:
        info = rate_limit_info(bucket, headers, self._clock())
        if info is not None:
            self.rate_limit_state[bucket] = info


__all__ = ["BacklogClient", "bucket_for", "check_space_url", "encode_params", "is_loopback_host"]
