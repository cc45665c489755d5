"""Redaction of secrets from raw input before it is shown in a fallback issue.

Raw input is anyone's JSON, so on top of the known secrets (:func:`..redaction.redact`: registered keys,
``apiKey=``, bearer tokens) this also hides values under secret-looking keys and secret-shaped strings.
"""

from __future__ import annotations

import re
from typing import Any

from ..redaction import redact as redact_known

REDACTED = "***REDACTED***"
_SECRET_KEY = re.compile(
    r"(api[_-]?key|apikey|secret|password|passwd|token|authorization|credential|private[_-]?key|signature|session)",
    re.I,
)
_SECRET_VALUE = re.compile(
    r"(?:(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9]))"  # AWS access key ids
    r"|(?:(?<=[?&])apiKey=[^&\s\"']+)"  # Backlog API key in a URL
    r"|(?:Bearer\s+[A-Za-z0-9._~+/=-]{8,})"
    r"|(?:-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)"
)


# "apiKey": "…" / apiKey=… in text that is not valid JSON (a truncated event, a log line)
_SECRET_PAIR = re.compile(
    r"""(?P<k>["']?[\w-]*(?:api[_-]?key|apikey|secret|password|passwd|token|authorization|credential)[\w-]*["']?\s*[:=]\s*)"""
    r"""(?P<v>"[^"\n]*"?|'[^'\n]*'?|[^\s,&}\]]+)""",
    re.I,
)


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, REDACTED)
    text = redact_known(text)
    text = _SECRET_VALUE.sub(REDACTED, text)
    return _SECRET_PAIR.sub(lambda m: m.group("k") + ('"' + REDACTED + '"' if m.group("v").startswith('"') else REDACTED), text)


def redact_value(value: Any, secrets: tuple[str, ...] = (), _depth: int = 0) -> Any:
    """Copy of a JSON value with secret-looking keys' values and secret-looking strings replaced."""
    if _depth > 50:
        return REDACTED
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, str) and _SECRET_KEY.search(k) and not isinstance(v, (dict, list)) and v not in (None, ""):
                out[k] = REDACTED
            else:
                out[k] = redact_value(v, secrets, _depth + 1)
        return out
    if isinstance(value, list):
        return [redact_value(v, secrets, _depth + 1) for v in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value
