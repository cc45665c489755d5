"""Backlog's wire format: form/query encoding, rate-limit buckets and headers, and answers turned into JSON or typed
errors. The client (:mod:`.client`) sends; this module only reads and writes values.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from .errors import (
    BacklogError,
    BacklogTimeoutError,
    BacklogTransportError,
    UnexpectedResponseError,
    error_class,
    redact,
)
from .models import RateLimitInfo

Params = Mapping[str, Any]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def encode_params(params: Params | Iterable[tuple[str, Any]] | None) -> list[tuple[str, str]]:
    """Backlog's form/query encoding as a list of pairs (order kept).

    ``{"categoryId[]": [1, 2]}`` and ``{"categoryId": [1, 2]}`` → ``categoryId[]=1&categoryId[]=2``;
    ``{"customField_7": ["a", "b"]}`` → ``customField_7[0]=a&customField_7[1]=b``; ``None`` is dropped;
    booleans are ``true``/``false``; dates ISO.
    """
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    out: list[tuple[str, str]] = []
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            values = [v for v in value if v is not None]
            if key.endswith("]"):
                out.extend((key, _scalar(v)) for v in values)
            elif key.startswith("customField_"):
                out.extend((f"{key}[{i}]", _scalar(v)) for i, v in enumerate(values))
            else:
                out.extend((f"{key}[]", _scalar(v)) for v in values)
        else:
            out.append((key, _scalar(value)))
    return out


def bucket_for(method: str, path: str) -> str:
    """The rate-limit bucket a request counts against: issue list/count → search, GET → read, else update."""
    if method == "GET":
        return "search" if path in ("issues", "issues/count") else "read"
    return "update"


def seg(value: str | int) -> str:
    return quote(str(value), safe="")


def rate_limit_info(bucket: str, headers: httpx.Headers, observed_at: float) -> RateLimitInfo | None:
    """The ``X-RateLimit-*`` headers of one answer (``None`` when it carries none)."""
    if "X-RateLimit-Remaining" not in headers and "X-RateLimit-Limit" not in headers:
        return None
    return RateLimitInfo(
        bucket=bucket,
        limit=int_or_none(headers.get("X-RateLimit-Limit")),
        remaining=int_or_none(headers.get("X-RateLimit-Remaining")),
        reset=float_or_none(headers.get("X-RateLimit-Reset")),
        observed_at=observed_at,
    )


def json_body(response: httpx.Response, method: str, shown: str) -> Any:
    """A success's parsed JSON (``None`` for an empty body); :class:`UnexpectedResponseError` if it is not JSON."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponseError(
            f"Backlog {method} {shown}: HTTP {response.status_code} with a body that is not JSON",
            status=response.status_code,
            method=method,
            path=shown,
        ) from None


def http_error(response: httpx.Response, method: str, shown: str) -> BacklogError:
    """The typed error of an error answer, by Backlog's error code (else the HTTP status); message redacted."""
    status = response.status_code
    code: int | None = None
    pairs: list[tuple[str, str]] = []
    try:
        payload = response.json()
        for e in payload.get("errors") or ():
            if code is None and isinstance(e.get("code"), int):
                code = e["code"]
            pairs.append((str(e.get("message") or ""), str(e.get("moreInfo") or "")))
    except (ValueError, AttributeError, TypeError):
        pairs = [(response.text[:300], "")] if response.text else []
    messages = [m for m, _ in pairs if m]
    more = [i for _, i in pairs if i]
    cls = error_class(code, status)
    detail = "; ".join(m + (f" ({i})" if i else "") for m, i in pairs if m or i)
    label = f"{cls.name} code {code}" if code is not None else cls.name
    return cls(
        f"Backlog {method} {shown}: HTTP {status} {label}" + (f": {detail}" if detail else ""),
        status=status,
        code=code,
        messages=messages,
        method=method,
        path=shown,
        more_info="; ".join(more),
    )


def transport_error(method: str, shown: str, exc: httpx.TransportError, idempotent: bool) -> BacklogTransportError:
    """The error of a request that got no answer; ``maybe_applied`` when a non-idempotent one may have landed."""
    # Nothing was sent on a connect failure: safe to retry any request. After sending, a non-idempotent request
    # may have been applied.
    never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    maybe_applied = not idempotent and not never_sent
    cls = BacklogTimeoutError if isinstance(exc, httpx.TimeoutException) else BacklogTransportError
    what = "timed out" if cls is BacklogTimeoutError else "failed"
    note = "; the request may have been applied" if maybe_applied else ""
    return cls(
        f"Backlog {method} {shown} {what}: {type(exc).__name__}: {redact(str(exc))}{note}",
        maybe_applied=maybe_applied,
        method=method,
        path=shown,
    )


def int_or_none(v: Any) -> int | None:
    try:
        return int(v) if v is not None and v != "" else None
    except (TypeError, ValueError):
        return None


def float_or_none(v: Any) -> float | None:
    try:
        return float(v) if v is not None and v != "" else None
    except (TypeError, ValueError):
        return None
