"""Secrets out of every message and log line: the one redaction seam of the package.

The Backlog API key travels in the query string (``?apiKey=…``), so any URL is a secret. :func:`redact` removes
``apiKey=…`` anywhere, ``Bearer …`` tokens, and the literal value of every registered secret (API keys, OAuth
tokens, DeepL keys — :func:`register_secret` is called wherever one is loaded). :class:`RedactingFilter` applies it
to a log record's message, traceback and ``extra=`` fields; :func:`install_log_redaction` puts it on the loggers
that see URLs, and :mod:`inspector2backlog.logs` puts it on the handlers, so child loggers are covered too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

REDACTED = "***"

#: attributes every LogRecord has; anything else came in through ``extra=``
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

_API_KEY_PARAM = re.compile(r"(apiKey=)[^&\s\"'<>]+", re.I)
_API_KEY_JSON = re.compile(r"(['\"]apiKey['\"]\s*+[:,]\s*+['\"])[^'\"]+", re.I)
_BEARER = re.compile(r"(Bearer\s++)[A-Za-z0-9._~+/=-]+", re.I)
#: OAuth 2.0 token requests and answers (form fields and JSON members)
_OAUTH_PARAM = re.compile(r"((?:refresh_token|access_token|client_secret)=)[^&\s\"'<>]+", re.I)
_OAUTH_JSON = re.compile(
    r"(['\"](?:refresh_?token|access_?token|client_?secret)['\"]\s{0,8}:\s{0,8}['\"])[^'\"]+", re.I
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """Remember ``secret`` so that :func:`redact` (and every log filter installed here) hides its literal value."""
    if secret and len(secret) >= 4:
        with _secrets_lock:
            _secrets.add(secret)


def redact_secrets(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without the literal value of the given secrets and of every registered secret (nothing else is
    touched: for issue text, where ``Bearer …`` in a finding is the finding's own business)."""
    if not text:
        return text
    with _secrets_lock:
        known = set(_secrets)
    known.update(s for s in secrets if s and len(s) >= 4)
    # longest first, so a secret that contains another is replaced whole
    for s in sorted(known, key=len, reverse=True):
        if s in text:
            text = text.replace(s, REDACTED)
    return text


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without ``apiKey=…`` values, bearer tokens, the given secrets and every registered secret."""
    if not text:
        return text
    text = redact_secrets(text, secrets)
    text = _API_KEY_PARAM.sub(r"\1" + REDACTED, text)
    text = _API_KEY_JSON.sub(r"\1" + REDACTED, text)
    text = _OAUTH_PARAM.sub(r"\1" + REDACTED, text)
    text = _OAUTH_JSON.sub(r"\1" + REDACTED, text)
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
        for k, v in list(record.__dict__.items()):  # extra= fields (an error text, a URL) are log output too
            if k not in _STANDARD_ATTRS and isinstance(v, str):
                record.__dict__[k] = redact(v)
        return True


#: loggers that may see URLs or secrets. Logger filters apply only to records logged on that very logger, so the
#: known children are listed too.
REDACTED_LOGGERS = (
    "inspector2backlog",
    "inspector2backlog.backlog",
    "inspector2backlog.backlog.client",
    "inspector2backlog.backlog.oauth",
    "inspector2backlog.doctor",
    "inspector2backlog.config",
    "inspector2backlog.lifecycle",
    "inspector2backlog.pipeline",
    "inspector2backlog.sync",
    "inspector2backlog.translate",
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
