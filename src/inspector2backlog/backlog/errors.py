"""Errors of the Backlog side, and the redaction that keeps the API key out of every message and log line.

Backlog answers errors as ``{"errors": [{"message", "code", "moreInfo"}]}``; messages are localised, so callers
branch on the *type* (one subclass per Backlog error code) or on ``.code``, never on the text.

The API key travels in the query string (``?apiKey=…``), so any URL is a secret. :func:`redact` removes
``apiKey=…`` anywhere, ``Bearer …`` tokens, and the literal value of every registered secret. Every
:class:`BacklogError` redacts its own message; :func:`install_log_redaction` puts a :class:`RedactingFilter` on the
loggers that see URLs (ours, httpx, httpcore).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Iterable

REDACTED = "***"

_API_KEY_PARAM = re.compile(r"(apiKey=)[^&\s\"'<>]+", re.I)
_API_KEY_JSON = re.compile(r"(['\"]apiKey['\"]\s*[:,]\s*['\"])[^'\"]+", re.I)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """Remember ``secret`` so that :func:`redact` (and every log filter installed here) hides its literal value."""
    if secret and len(secret) >= 4:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without ``apiKey=…`` values, bearer tokens, the given secrets and every registered secret."""
    if not text:
        return text
    with _secrets_lock:
        known = set(_secrets)
    known.update(s for s in secrets if s and len(s) >= 4)
    # longest first, so a secret that contains another is replaced whole
    for s in sorted(known, key=len, reverse=True):
        if s in text:
            text = text.replace(s, REDACTED)
    text = _API_KEY_PARAM.sub(r"\1" + REDACTED, text)
    text = _API_KEY_JSON.sub(r"\1" + REDACTED, text)
    return _BEARER.sub(r"\1" + REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites a record's message (and formatted traceback) through :func:`redact`.

    It never drops a record. Attach it to a logger (records logged *on that logger*) or to a handler (everything the
    handler emits, whichever logger it came from).
    """

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging API
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: loggers that may see URLs or secrets. Logger filters apply only to records logged on that very logger, so the
#: known children are listed too.
REDACTED_LOGGERS = (
    "inspector2backlog",
    "inspector2backlog.backlog",
    "inspector2backlog.backlog.client",
    "inspector2backlog.doctor",
    "inspector2backlog.config",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)

_filter = RedactingFilter("inspector2backlog-redaction")


def install_log_redaction(*secrets: str | None) -> RedactingFilter:
    """Register ``secrets`` and make sure the redacting filter sits on every logger in :data:`REDACTED_LOGGERS`.

    Idempotent. Returns the shared filter so a CLI can also attach it to its own handler.
    """
    for s in secrets:
        register_secret(s)
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
    return _filter


# ---- errors ---------------------------------------------------------------------------------------------------


class BacklogError(Exception):
    """Any failure talking to Backlog. ``code`` is Backlog's error code (``None`` for transport failures)."""

    code: int | None = None
    name = "BacklogError"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        messages: Iterable[str] = (),
        code: int | None = None,
        method: str | None = None,
        path: str | None = None,
        more_info: str = "",
    ) -> None:
        message = redact(message)
        super().__init__(message)
        if code is not None:
            self.code = code
        self.status = status
        self.messages = [redact(m) for m in messages]
        self.method = method
        self.path = redact(path) if path else path
        self.more_info = redact(more_info) if more_info else ""

    def __str__(self) -> str:  # re-redact: a secret registered after construction is hidden too
        return redact(super().__str__())


class ServerError(BacklogError):
    """A server-side failure (HTTP 5xx), after the retries. Backlog's code 1 is :class:`InternalError`, a subclass."""

    name = "ServerError"


class InternalError(ServerError):
    code, name = 1, "InternalError"


class LicenceError(BacklogError):
    code, name = 2, "LicenceError"


class LicenceExpiredError(BacklogError):
    code, name = 3, "LicenceExpiredError"


class AccessDeniedError(BacklogError):
    code, name = 4, "AccessDeniedError"


class UnauthorizedOperationError(BacklogError):
    code, name = 5, "UnauthorizedOperationError"


class NoResourceError(BacklogError):
    code, name = 6, "NoResourceError"


class InvalidRequestError(BacklogError):
    code, name = 7, "InvalidRequestError"


class SpaceOverCapacityError(BacklogError):
    code, name = 8, "SpaceOverCapacityError"


class ResourceOverflowError(BacklogError):
    code, name = 9, "ResourceOverflowError"


class TooLargeFileError(BacklogError):
    code, name = 10, "TooLargeFileError"


class AuthenticationError(BacklogError):
    code, name = 11, "AuthenticationError"


class RequiredMFAError(BacklogError):
    code, name = 12, "RequiredMFAError"


class TooManyRequestsError(BacklogError):
    code, name = 13, "TooManyRequestsError"


class UnexpectedResponseError(BacklogError):
    """A response Backlog should not send (unparseable JSON, an unknown error shape)."""

    name = "UnexpectedResponseError"


class BacklogTransportError(BacklogError):
    """No HTTP response (connection refused/reset, protocol error), after the retries.

    ``maybe_applied`` is True when the request may have reached Backlog and changed something (a POST/PATCH whose
    connection broke after sending): the caller must look for the effect (e.g. search for the finding's marker)
    before trying again, or it may create a duplicate issue/comment.
    """

    name = "BacklogTransportError"

    def __init__(self, message: str, *, maybe_applied: bool = False, **kw) -> None:
        super().__init__(message, **kw)
        self.maybe_applied = maybe_applied


class BacklogTimeoutError(BacklogTransportError):
    """The request timed out (connect, read or write), after the retries. See ``maybe_applied``."""

    name = "BacklogTimeoutError"


ERRORS_BY_CODE: dict[int, type[BacklogError]] = {
    cls.code: cls  # type: ignore[misc]
    for cls in (
        InternalError,
        LicenceError,
        LicenceExpiredError,
        AccessDeniedError,
        UnauthorizedOperationError,
        NoResourceError,
        InvalidRequestError,
        SpaceOverCapacityError,
        ResourceOverflowError,
        TooLargeFileError,
        AuthenticationError,
        RequiredMFAError,
        TooManyRequestsError,
    )
}

_FALLBACK_BY_STATUS: dict[int, type[BacklogError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: AccessDeniedError,
    404: NoResourceError,
    429: TooManyRequestsError,
}


def error_class(code: int | None, status: int) -> type[BacklogError]:
    """The error class for Backlog ``code``; the HTTP status decides when the body carried no known code."""
    if code is not None and code in ERRORS_BY_CODE:
        return ERRORS_BY_CODE[code]
    if status in _FALLBACK_BY_STATUS:
        return _FALLBACK_BY_STATUS[status]
    if status >= 500:
        return ServerError
    return BacklogError


# ---- configuration lookups ------------------------------------------------------------------------------------


class ConfigLookupError(LookupError):
    """A name in the configuration (issue type, status, custom field, user…) does not exist in the Backlog project.

    The message is Japanese then English and lists what does exist, e.g.
    ``課題種別 "脆弱性" がプロジェクト SEC にありません（存在するもの: バグ, タスク）/ Issue type "脆弱性" …``.
    """

    def __init__(
        self,
        message_ja: str,
        message_en: str,
        *,
        kind: str = "",
        name: str = "",
        existing: Iterable[str] = (),
    ) -> None:
        self.message_ja = redact(message_ja)
        self.message_en = redact(message_en)
        self.kind = kind
        self.name = name
        self.existing = tuple(existing)
        super().__init__(f"{self.message_ja} / {self.message_en}")

    @classmethod
    def missing(
        cls, kind_ja: str, kind_en: str, name: str, where_ja: str, where_en: str, existing: Iterable[str]
    ) -> "ConfigLookupError":
        existing = tuple(existing)
        listed = ", ".join(existing) if existing else "なし"
        listed_en = ", ".join(existing) if existing else "none"
        return cls(
            f"{kind_ja} \"{name}\" が{where_ja}にありません（存在するもの: {listed}）",
            f"{kind_en} \"{name}\" does not exist in {where_en} (existing: {listed_en})",
            kind=kind_en,
            name=name,
            existing=existing,
        )
