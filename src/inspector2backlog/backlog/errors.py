"""Errors of the Backlog side. Every :class:`BacklogError` redacts its own message (see :mod:`..redaction`).

Backlog answers errors as ``{"errors": [{"message", "code", "moreInfo"}]}``; messages are localised, so callers
branch on the *type* (one subclass per Backlog error code) or on ``.code``, never on the text.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import BACKLOG, CONFIG, Inspector2BacklogError

# re-exported: the client, config and doctor reach redaction through the Backlog errors they already import
from ..redaction import REDACTED, RedactingFilter, install_log_redaction, redact, register_secret  # noqa: F401

# ---- errors ---------------------------------------------------------------------------------------------------


class BacklogError(Inspector2BacklogError):
    """Any failure talking to Backlog. ``code`` is Backlog's error code (``None`` for transport failures).

    ``maybe_applied`` is True when a write that is not idempotent may have changed Backlog anyway (a 5xx or a broken
    connection after sending): the caller looks for the effect before writing again.
    """

    kind = BACKLOG

    code: int | None = None
    name = "BacklogError"
    maybe_applied = False

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
    cls.code: cls
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


class ConfigLookupError(Inspector2BacklogError, LookupError):
    """A name in the configuration (issue type, status, custom field, user…) does not exist in the Backlog project.

    The message is Japanese then English and lists what does exist, e.g.
    ``課題種別 "脆弱性" がプロジェクト SEC にありません（存在するもの: バグ, タスク）/ Issue type "脆弱性" …``.
    """

    kind = CONFIG

    def __init__(
        self,
        message_ja: str,
        message_en: str,
        *,
        what: str = "",
        name: str = "",
        existing: Iterable[str] = (),
    ) -> None:
        self.message_ja = redact(message_ja)
        self.message_en = redact(message_en)
        self.what = what  # what kind of name: "Issue type", "Project" …
        self.name = name
        self.existing = tuple(existing)
        super().__init__(f"{self.message_ja} / {self.message_en}")

    @classmethod
    def missing(
        cls, kind_ja: str, kind_en: str, name: str, where_ja: str, where_en: str, existing: Iterable[str]
    ) -> ConfigLookupError:
        existing = tuple(existing)
        listed = ", ".join(existing) if existing else "なし"
        listed_en = ", ".join(existing) if existing else "none"
        return cls(
            f'{kind_ja} "{name}" が{where_ja}にありません（存在するもの: {listed}）',
            f'{kind_en} "{name}" does not exist in {where_en} (existing: {listed_en})',
            what=kind_en,
            name=name,
            existing=existing,
        )
