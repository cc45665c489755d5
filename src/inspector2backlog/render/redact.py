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
    r"|(?:Bearer\s++[A-Za-z0-9._~+/=-]{8,})"
)
# PEM private keys: found by scanning (a lazy "BEGIN … END" pattern rescans the rest of the text for every
# unterminated header). A key without its END line is hidden to the end of the text.
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----")
_PEM_END = re.compile(r"-----END [A-Z ]{0,40}PRIVATE KEY-----")

# "apiKey": "…" / apiKey=… in text that is not valid JSON (a truncated event, a log line). Scanned run by run: the
# key is the whole run of word characters and "-" that contains one of the names, then an optional quote, ":" or
# "=", and the value (a quoted string, or everything up to a delimiter).
_SECRET_NAME = re.compile(r"api[_-]?key|apikey|secret|password|passwd|token|authorization|credential", re.I)
_WORD_RUN = re.compile(r"[\w-]++")
_PAIR_TAIL = re.compile(r"""["']?+\s*+[:=]\s*+(?P<v>"[^"\n]*+"?|'[^'\n]*+'?|[^\s,&}\]]++)""")


def _redact_pem(text: str) -> str:
    if "-----BEGIN " not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        b = _PEM_BEGIN.search(text, pos)
        if b is None:
            break
        e = _PEM_END.search(text, b.end())
        out.append(text[pos : b.start()] + REDACTED)
        if e is None:
            return "".join(out)
        pos = e.end()
    out.append(text[pos:])
    return "".join(out)


def _redact_pairs(text: str) -> str:
    out: list[str] = []
    pos = 0  # everything before pos is settled
    scan = 0
    n = len(text)
    while scan < n:
        run = _WORD_RUN.search(text, scan)
        if run is None:
            break
        scan = run.end()
        if not _SECRET_NAME.search(run.group()):
            continue
        tail = _PAIR_TAIL.match(text, scan)
        if tail is None:
            continue
        v = tail.group("v")
        out.append(text[pos : tail.start("v")])
        out.append('"' + REDACTED + '"' if v.startswith('"') else REDACTED)
        pos = scan = tail.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, REDACTED)
    text = redact_known(text)
    text = _SECRET_VALUE.sub(REDACTED, _redact_pem(text))
    return _redact_pairs(text)


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
