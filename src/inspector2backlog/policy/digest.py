"""Digest: findings below ``[digest] below_severity`` are collected into one issue per period instead of one each.

* Which findings: ACTIVE findings that pass ``[filter]`` and whose severity is below ``below_severity`` (UNTRIAGED is
  never digested: not yet scored is not harmless). Set ``[filter] min_severity`` to the lowest severity the digest
  should still list.
* Which issue: ``group:digest:{project}:{period}`` with the period in JST — ``2024-10-05`` (``period = "day"``),
  ``2024-W40`` (``"week"``, ISO week) or ``standing`` (one standing issue, a comment per run). The period is the one
  in which the finding was *first seen* by this tool, so a backfill lands in today's digest, not in hundreds of past
  ones.
* The digest issue is created on its first item and rewritten on every run that changes it (counts by severity and a
  table of the top items by score) with one short comment; it is a group like the others (:mod:`.grouping`), so it
  is closed when every item in it is resolved and reopened when one comes back.
* A digested finding stays in its digest. If its severity later rises to ``below_severity`` or above, it leaves the
  digest and is filed the normal way (its own issue, or its group).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..findings.model import SEVERITY_ORDER, Finding
from ..findings.timestamps import JST
from .grouping import GROUP_PREFIX

if TYPE_CHECKING:
    from ..config import DigestConfig


def below(f: Finding, cfg: DigestConfig | None) -> bool:
    """True when ``f`` is digest material under ``cfg``."""
    if cfg is None or not cfg.below_severity:
        return False
    if f.severity not in SEVERITY_ORDER or cfg.below_severity not in SEVERITY_ORDER:
        return False
    return SEVERITY_ORDER.index(f.severity) < SEVERITY_ORDER.index(cfg.below_severity)


def period_id(now: float, period: str) -> str:
    if period == "standing":
        return "standing"
    d = datetime.fromtimestamp(now, JST)
    if period == "week":
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    return d.strftime("%Y-%m-%d")


def digest_key(project: str, now: float, period: str) -> str:
    return f"{GROUP_PREFIX}digest:{project}:{period_id(now, period)}"
