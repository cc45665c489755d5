"""Reading a group's members (typed :class:`~..state.records.Member`, converted from the group record's compact
entries in one place, :func:`~..state.records.members_of`): which are active, their order, counts by severity, the
group's top severity and score.

Pure functions over typed data: the renderer lays a group issue out from them, and the policy decides the group's
priority from the same top severity (one rule for both).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..findings.model import severity_rank
from ..state.records import ACTIVE, Member, members_of
from .doc import Code, Line
from .wording import line_range, others

__all__ = ["ACTIVE", "Member"]


def is_active(m: Member) -> bool:
    return m.status == ACTIVE


def active_members(members: Mapping[str, Member]) -> list[Member]:
    return [m for m in members.values() if is_active(m)]


def sort_key(m: Member) -> tuple:
    """Highest score first, then resource label (stable tables and comments)."""
    sc = m.score
    return (-(sc if isinstance(sc, (int, float)) else -1.0), str(m.resource or ""), str(m.subject or ""))


def shown_members(data: Mapping[str, Any]) -> list[Member]:
    """The members a group issue lists (from its record's ``data``): the active ones, highest score first."""
    return sorted(active_members(members_of(data)), key=sort_key)


def counts_by(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def top_severity(members: Sequence[Member]) -> str:
    sevs = [m.severity or "UNTRIAGED" for m in members]
    return max(sevs, key=severity_rank) if sevs else "INFORMATIONAL"


def group_severity(members: Sequence[Member], data: Mapping[str, Any]) -> str:
    """The severity a group issue shows: its members' top one, or (no member left) the last one it showed."""
    return top_severity(members) if members else (data.get("last_severity") or "INFORMATIONAL")


def top_score(members: Sequence[Member]) -> float | None:
    return max((m.score for m in members if isinstance(m.score, (int, float))), default=None)


def resources_of(members: Sequence[Member]) -> int:
    return len({m.resource_key or (m.account, m.resource) for m in members})


def member_cell(m: Member) -> Line:
    """A group member's detail cell: its packages (current → fixed), port, or file and lines."""
    out: list = []
    pkgs = list(dict.fromkeys((p[0], p[1], p[2]) for p in m.packages or []))
    for i, (name, version, fixed) in enumerate(pkgs[:3]):
        if i:
            out.append("、")
        fixed_text = fixed if fixed and fixed != "NotAvailable" else "修正なし"
        out += [Code(f"{name} {version}"), f" → {fixed_text}"]
    out.append(others(len(pkgs) - 3))
    if m.ports:
        out.append(Code(m.ports))
    loc = m.location
    if isinstance(loc, list) and len(loc) == 3 and loc[0]:
        lines = line_range(loc[1], loc[2])
        out += [Code(str(loc[0])), f"（{lines}）" if lines else ""]
    return [x for x in out if x] or ["—"]
