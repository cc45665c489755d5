"""Reading a group's member entries (the compact dicts a group record keeps, written by :mod:`..policy.grouping`):
which are active, their order, counts by severity, the group's top severity and score.

Pure functions over plain data: the renderer lays a group issue out from them, and the policy decides the group's
priority from the same top severity (one rule for both).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..findings.model import severity_rank
from .doc import Code, Line
from .wording import line_range, others

ACTIVE = "ACTIVE"


def is_active(m: Mapping[str, Any]) -> bool:
    return m.get("s") == ACTIVE


def active_members(members: Mapping[str, dict]) -> list[dict]:
    return [m for m in members.values() if is_active(m)]


def sort_key(m: Mapping[str, Any]) -> tuple:
    """Highest score first, then resource label (stable tables and comments)."""
    sc = m.get("sc")
    return (-(sc if isinstance(sc, (int, float)) else -1.0), str(m.get("r", "")), str(m.get("id", "")))


def shown_members(data: Mapping[str, Any]) -> list[dict]:
    """The members a group issue lists: the active ones, highest score first."""
    return sorted(active_members(data.get("members") or {}), key=sort_key)


def counts_by(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def top_severity(members: Sequence[Mapping[str, Any]]) -> str:
    sevs = [m.get("v") or "UNTRIAGED" for m in members]
    return max(sevs, key=severity_rank) if sevs else "INFORMATIONAL"


def group_severity(members: Sequence[Mapping[str, Any]], data: Mapping[str, Any]) -> str:
    """The severity a group issue shows: its members' top one, or (no member left) the last one it showed."""
    return top_severity(members) if members else (data.get("last_severity") or "INFORMATIONAL")


def top_score(members: Sequence[Mapping[str, Any]]) -> float | None:
    return max((m["sc"] for m in members if isinstance(m.get("sc"), (int, float))), default=None)


def resources_of(members: Sequence[Mapping[str, Any]]) -> int:
    return len({m.get("k") or (m.get("a"), m.get("r")) for m in members})


def member_cell(m: Mapping[str, Any]) -> Line:
    """A group member's detail cell: its packages (current → fixed), port, or file and lines."""
    out: list = []
    pkgs = list(dict.fromkeys((p[0], p[1], p[2]) for p in m.get("p") or []))
    for i, (name, version, fixed) in enumerate(pkgs[:3]):
        if i:
            out.append("、")
        fixed_text = fixed if fixed and fixed != "NotAvailable" else "修正なし"
        out += [Code(f"{name} {version}"), f" → {fixed_text}"]
    out.append(others(len(pkgs) - 3))
    if m.get("net"):
        out.append(Code(m["net"]))
    loc = m.get("loc")
    if isinstance(loc, list) and len(loc) == 3 and loc[0]:
        lines = line_range(loc[1], loc[2])
        out += [Code(str(loc[0])), f"（{lines}）" if lines else ""]
    return [x for x in out if x] or ["—"]
