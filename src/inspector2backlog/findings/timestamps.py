"""Every timestamp form Inspector really sends, read into aware UTC datetimes, and shown in JST.

Forms seen in real data (``../shared/docs/inspector2-findings.md``)::

    "Wed Sep 04 16:59:44.356 UTC 2024"        current EventBridge events
    "Dec 3, 2021, 6:02:30 PM"                 older events (UTC)
    "2024-02-02T16:30:33.045000+01:00"        AWS CLI output
    "2025-12-26 14:21:44.742000+01:00"        Python str(datetime)
    1749165997.322                            raw API JSON (epoch seconds)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from ..errors import PARSE, Inspector2BacklogError

JST = timezone(timedelta(hours=9), "JST")

_MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}

# "Wed Sep 04 16:59:44.356 UTC 2024" (the zone may be another abbreviation; only UTC/GMT/Z are trusted)
_JAVA_DATE = re.compile(
    r"^(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (UTC|GMT|Z) (\d{4})$"
)
# "Dec 3, 2021, 6:02:30 PM"
_CONSOLE_DATE = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AP]M)$", re.I)

# Epoch values above this are milliseconds (year 5138 in seconds).
_MS_THRESHOLD = 100_000_000_000


class TimestampError(Inspector2BacklogError, ValueError):
    kind = PARSE
    pass


def parse_timestamp(value: object) -> datetime:
    """Parse one Inspector timestamp into an aware UTC datetime. Raises :class:`TimestampError`."""
    if isinstance(value, bool):
        raise TimestampError(f"not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        try:
            return _from_epoch(float(value))
        except OverflowError:  # an int beyond a float's range: no epoch at all
            raise TimestampError("epoch value out of range") from None
    if not isinstance(value, str):
        raise TimestampError(f"not a timestamp: {type(value).__name__}")
    s = value.strip()
    if not s:
        raise TimestampError("empty timestamp")
    c = s[0]
    if c.isdigit():
        if len(s) >= 10 and s[4] == "-":
            try:
                dt = datetime.fromisoformat(s)
            except ValueError as e:
                raise TimestampError(f"unreadable timestamp {s[:40]!r}") from e
            return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
        try:
            return _from_epoch(float(s))
        except ValueError:
            raise TimestampError(f"unreadable timestamp {s[:40]!r}") from None
    m = _JAVA_DATE.match(s)
    if m:
        mon, day, hh, mm, ss, frac, _zone, year = m.groups()
        return _build(year, mon, day, hh, mm, ss, frac)
    m = _CONSOLE_DATE.match(s)
    if m:
        mon, day, year, hh, mm, ss, ampm = m.groups()
        h = int(hh) % 12 + (12 if ampm.upper() == "PM" else 0)
        return _build(year, mon.title(), day, h, mm, ss or 0, None)
    raise TimestampError(f"unreadable timestamp {s[:40]!r}")


def _build(year, mon, day, hh, mm, ss, frac) -> datetime:
    month = _MONTHS.get(mon)
    if month is None:
        raise TimestampError(f"unknown month {mon!r}")
    micro = int((frac or "0").ljust(6, "0")[:6])
    try:
        return datetime(int(year), month, int(day), int(hh), int(mm), int(ss), micro, tzinfo=UTC)
    except ValueError as e:
        raise TimestampError(str(e)) from e


def _from_epoch(x: float) -> datetime:
    if x != x or x in (float("inf"), float("-inf")):
        raise TimestampError("not a finite epoch value")
    if abs(x) >= _MS_THRESHOLD:
        x /= 1000.0
    try:
        return datetime.fromtimestamp(x, UTC)
    except (OverflowError, OSError, ValueError) as e:
        raise TimestampError(f"epoch value out of range: {x!r}") from e


def try_parse(value: object) -> datetime | None:
    """Like :func:`parse_timestamp` but ``None`` for missing or unreadable values (optional fields).

    Memoised: re-deliveries and vendor dates repeat the same values across many findings.
    """
    if value is None:
        return None
    if isinstance(value, (str, int, float)):
        return _try_parse_cached(value)
    return None


@lru_cache(maxsize=8192)
def _try_parse_cached(value: str | int | float) -> datetime | None:
    try:
        return parse_timestamp(value)
    except TimestampError:
        return None


def jst(dt: datetime | None, *, seconds: bool = False) -> str:
    """``2024-09-05 01:50 JST`` (or with seconds)."""
    if dt is None:
        return "不明"
    return _jst(dt, seconds)


@lru_cache(maxsize=4096)
def _jst(dt: datetime, seconds: bool) -> str:
    d = dt.astimezone(JST)
    if seconds:
        return f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d} JST"
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d} JST"
