"""Reading one JSON object whose keys may be camelCase (events, CLI) or PascalCase (boto3): tolerant accessors
shared by the sources (GuardDuty, Access Analyzer; Security Hub's ``_read`` keeps its own rules for text and
times — a blank string is absent, a bool reads "true" — and takes its numbers from :func:`to_number`).

Every accessor returns a typed value or ``None`` / ``()`` — never raises on a missing or mistyped field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..findings.timestamps import try_parse

_EMPTY: Mapping[str, Any] = {}
#: a JSON string nested in a field (``additionalInfo.value``) is read only up to this size
MAX_NESTED_JSON = 64_000


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def raw(d: Any, name: str, *alts: str) -> Any:
    """The value under ``name`` (camelCase), its PascalCase form, or any of ``alts``; None when absent."""
    if not isinstance(d, Mapping):
        return None
    v = d.get(name)
    if v is None:
        v = d.get(pascal(name))
    for alt in alts:
        if v is not None:
            break
        v = d.get(alt)
    return v


def obj(d: Any, name: str, *alts: str) -> Mapping[str, Any]:
    v = raw(d, name, *alts)
    return v if isinstance(v, Mapping) else _EMPTY


def objs(d: Any, name: str, *alts: str) -> tuple[Mapping[str, Any], ...]:
    v = raw(d, name, *alts)
    if isinstance(v, Mapping):
        return (v,)
    if not isinstance(v, list):
        return ()
    return tuple(x for x in v if isinstance(x, Mapping))


def text(d: Any, name: str, *alts: str) -> str | None:
    v = raw(d, name, *alts)
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return None


def texts(d: Any, name: str, *alts: str) -> tuple[str, ...]:
    v = raw(d, name, *alts)
    if isinstance(v, str):
        return (v,)
    if not isinstance(v, list):
        return ()
    return tuple(str(x) for x in v if isinstance(x, (str, int, float)) and not isinstance(x, bool))


def number(d: Any, name: str, *alts: str) -> float | None:
    """A float from a number or a numeric string ("5", "5.0"); None otherwise (NaN included)."""
    return to_number(raw(d, name, *alts))


def to_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, str) and 0 < len(v) <= 40:
        try:
            v = float(v.strip())
        except ValueError:
            return None
    if isinstance(v, int):
        return float(v) if -(2**1000) < v < 2**1000 else None
    if isinstance(v, float) and math.isfinite(v):
        return v
    return None


def integer(d: Any, name: str, *alts: str) -> int | None:
    v = number(d, name, *alts)
    return int(v) if v is not None and abs(v) < 2**63 else None


def flag(d: Any, name: str, *alts: str) -> bool | None:
    """A bool from true/false or "true"/"false" (any case); None otherwise."""
    v = raw(d, name, *alts)
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "false"):
            return low == "true"
    return None


def when(d: Any, name: str, *alts: str) -> datetime | None:
    return to_datetime(raw(d, name, *alts))


def to_datetime(v: Any) -> datetime | None:
    """Any timestamp form (project helper), a boto3 ``datetime``, or a placebo ``{"__class__": "datetime"}``."""
    if isinstance(v, datetime):
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    if isinstance(v, Mapping) and v.get("__class__") == "datetime":
        try:
            return datetime(
                int(v["year"]),
                int(v["month"]),
                int(v["day"]),
                int(v.get("hour", 0)),
                int(v.get("minute", 0)),
                int(v.get("second", 0)),
                int(v.get("microsecond", 0)),
                tzinfo=UTC,
            )
        except (KeyError, TypeError, ValueError):
            return None
    if isinstance(v, str) and v[-5:-4] in ("+", "-") and v[-4:].isdigit() and len(v) > 10 and v[10] in "T ":
        v = f"{v[:-2]}:{v[-2:]}"  # 2017 findings: "...542+0000"
    if isinstance(v, str) and len(v) > 26 and v[4:5] == "-" and "." in v:
        v = _trim_fraction(v)  # "2025-02-25 20:40:06.000000000" (nanoseconds)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return try_parse(v) if -1e18 < v < 1e18 else None  # epoch seconds or ms; NaN and huge ints: None
    return try_parse(v) if isinstance(v, str) else None


def _trim_fraction(v: str) -> str:
    dot = v.find(".", 10)
    if dot < 0:
        return v
    end = dot + 1
    while end < len(v) and v[end].isdigit():
        end += 1
    return v[: dot + 1 + min(6, end - dot - 1)] + v[end:]


def tags(d: Any, name: str = "tags") -> tuple[tuple[str, str], ...]:
    """``[{key, value}]`` / ``[{Key, Value}]`` or a ``{key: value}`` map → ``((key, value), ...)``."""
    v = raw(d, name)
    if isinstance(v, Mapping):
        return tuple((str(k), str(x)) for k, x in v.items() if isinstance(x, (str, int, float)))
    out = []
    for t in objs(d, name):
        k = text(t, "key")
        if k is not None:
            out.append((k, text(t, "value") or ""))
    return tuple(out)


def nested_json(v: Any) -> Mapping[str, Any]:
    """A JSON object given as a string (``additionalInfo.value``), bounded; {} when it is not one."""
    if isinstance(v, Mapping):
        return v
    if not isinstance(v, str) or not v or len(v) > MAX_NESTED_JSON or v.lstrip()[:1] != "{":
        return _EMPTY
    try:
        out = json.loads(v)
    except ValueError:
        return _EMPTY
    return out if isinstance(out, Mapping) else _EMPTY
