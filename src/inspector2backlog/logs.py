"""Log output for both shells: JSON lines in Lambda, short text lines on a terminal — secrets redacted in both.

Logger-level filters only see records logged on that very logger, so the redacting filter is put on the *handler*
here: whatever logger a record comes from (ours, httpx, botocore), it is redacted before it is written.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from .redaction import _STANDARD_ATTRS, install_log_redaction, redact


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra=`` fields (finding_arn, issue_key, …) become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
        }
        for k, v in record.__dict__.items():
            if k not in _STANDARD_ATTRS and not k.startswith("_"):
                out[k] = v
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        # the handler's filter has already redacted the record; this catches values that are not plain strings
        return redact(json.dumps(out, ensure_ascii=False, default=str))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (test runners and rich swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # noqa: D102
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def setup_logging(*, json_lines: bool, level: str | None = None) -> logging.Handler:
    """Route the root logger through one redacting handler.

    In Lambda (``json_lines``) the runtime's own handler is reused, so lines keep its request id; on a terminal our
    own stderr handler is added once.
    """
    root = logging.getLogger()
    if json_lines and root.handlers:
        handler = root.handlers[0]
    else:
        handler = next((h for h in root.handlers if isinstance(h, _StderrHandler)), None) or _StderrHandler()
        if handler not in root.handlers:
            root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    redacting = install_log_redaction()
    if redacting not in handler.filters:
        handler.addFilter(redacting)
    root.setLevel((level or os.environ.get("LOG_LEVEL") or ("INFO" if json_lines else "WARNING")).upper())
    return handler
