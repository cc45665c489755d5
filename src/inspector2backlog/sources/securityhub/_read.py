"""Lenient readers shared by the ASFF and OCSF parsers: a wrong type reads as absent, never raises."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from inspector2backlog.findings.timestamps import try_parse

from .._fields import to_number

#: flattened key/value lists keep at most this many entries, each value at most this many characters
MAX_PAIRS = 200
MAX_VALUE_CHARS = 2000
_PLACEBO_PARTS = ("year", "month", "day", "hour", "minute", "second", "microsecond")


def m(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def lst(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def s(value: Any) -> str | None:
    """A non-empty string as sent; numbers become their text; anything else None."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return None


def f(value: Any) -> float | None:
    """A finite number, or a numeric string of at most 40 characters (the sources' shared reader)."""
    return to_number(value)


def i(value: Any) -> int | None:
    out = f(value)
    return int(out) if out is not None and abs(out) < 1e15 else None


def strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    return tuple(x for x in lst(value) if isinstance(x, str) and x.strip())


def dt(value: Any) -> datetime | None:
    """ISO 8601 / epoch (s or ms) via the core reader; placebo's ``{"__class__": "datetime", "year": …}`` too."""
    if isinstance(value, Mapping):
        if value.get("__class__") != "datetime":
            return None
        parts = [value.get(k, 0) for k in _PLACEBO_PARTS]
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
            return None
        year, month, day, hour, minute, second, micro = parts
        try:
            return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
        except (ValueError, OverflowError):
            return None
    if isinstance(value, str) and len(value) > 64:
        return None
    return try_parse(value)


def text_of(value: Any) -> str | None:
    """A scalar as text, a container as compact JSON; cut at :data:`MAX_VALUE_CHARS`."""
    out = s(value)
    if out is None and isinstance(value, (Mapping, list)) and value:
        try:
            out = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        except (TypeError, ValueError, RecursionError):
            out = None
    if out is not None and len(out) > MAX_VALUE_CHARS:
        out = out[:MAX_VALUE_CHARS] + "…"
    return out


def pairs(value: Any, limit: int = MAX_PAIRS) -> tuple[tuple[str, str], ...]:
    """A mapping's entries as (key, text) pairs, in order, at most ``limit``."""
    out: list[tuple[str, str]] = []
    for k, v in m(value).items():
        if len(out) >= limit:
            break
        text = text_of(v)
        if isinstance(k, str) and text is not None:
            out.append((k, text))
    return tuple(out)


def name_value_pairs(value: Any, key: str = "name", val: str = "value") -> tuple[tuple[str, str], ...]:
    """``[{"name": k, "value": v}, …]`` (OCSF tags) or a plain mapping, as pairs."""
    if isinstance(value, Mapping):
        return pairs(value)
    out: list[tuple[str, str]] = []
    for item in lst(value)[:MAX_PAIRS]:
        k, v = s(m(item).get(key)), text_of(m(item).get(val))
        if k is not None and v is not None:
            out.append((k, v))
    return tuple(out)


def arn_fields(arn: Any) -> list[str] | None:
    """``arn:partition:service:region:account:resource`` as six fields (the resource keeps its colons); the
    ``arn:aws::service:…`` misprint in AWS's own samples is read as if the empty field were not there."""
    if not isinstance(arn, str) or not arn.startswith("arn:") or len(arn) > 4096:
        return None
    parts = arn.split(":", 6)
    if len(parts) > 3 and parts[2] == "":
        del parts[2]
    else:
        parts = arn.split(":", 5)
    return parts if len(parts) == 6 else None
