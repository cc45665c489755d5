"""The issue plan: how urgent an issue is, decided once before it is built — for a single finding and a group alike.

The base comes from the severity (``[backlog.priority]`` / ``[backlog.due_days]``); the ``[risk]`` rules
(:mod:`.risk`) may raise it, and every raise brings its Japanese reason line. The renderer reads the plan's typed
values (:meth:`~..render.issue.IssueBuilder.build`, :func:`~..render.group.build_group_issue`) and decides nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..findings.model import Finding
from ..render.labels import DEFAULT_DUE_DAYS, DEFAULT_PRIORITY
from ..render.members import group_severity
from .risk import RiskFacts, decide, facts_for

if TYPE_CHECKING:
    from ..config import RiskConfig
    from ..state.base import StateStore
    from ..state.records import Member


@dataclass(frozen=True, slots=True)
class IssuePlan:
    """What the issue says about urgency: the Backlog priority name, the due date in days, and why it was raised."""

    priority: str = "中"  # 高 / 中 / 低
    due_days: int | None = None  # None: no due date
    reasons: tuple[str, ...] = ()  # one Japanese line per rule that raised it (shown as 「優先度を上げた理由」)

    @property
    def raised(self) -> bool:
        return bool(self.reasons)


class Planner:
    """Plans issues from the severity tables and the ``[risk]`` rules (``risk`` None or disabled: the base only)."""

    def __init__(
        self,
        priorities: Mapping[str, str] | None = None,
        due_days: Mapping[str, int] | None = None,
        *,
        risk: RiskConfig | None = None,
        store: StateStore | None = None,
    ) -> None:
        self.priorities = {**DEFAULT_PRIORITY, **(priorities or {})}
        self.due_days = dict(DEFAULT_DUE_DAYS if due_days is None else due_days)
        self.risk = risk if risk is not None and risk.enabled else None
        self.store = store  # where the reachability of a resource is remembered (``reach:`` records)

    def base(self, severity: str) -> IssuePlan:
        """The plan from the severity alone."""
        return IssuePlan(self.priorities.get(severity, "中"), self.due_days.get(severity))

    def for_finding(self, f: Finding) -> IssuePlan:
        plan = self.base(f.severity)
        if self.risk is None:
            return plan
        facts = facts_for(f, self.store, reach=bool(self.risk.internet_reachable_priority))
        return self._raised(plan, facts)

    def for_group(self, kind: str, members: Sequence[Member], data: Mapping[str, Any]) -> IssuePlan:
        """A group issue's plan: from its top severity, raised by what any of its active ``members`` shows (a digest
        collects the harmless: never raised)."""
        plan = self.base(group_severity(members, data))
        if kind == "digest" or self.risk is None:
            return plan
        facts = RiskFacts.merge(RiskFacts(m.exploit == "YES", m.epss, m.reachable) for m in members)
        return self._raised(plan, facts)

    def _raised(self, plan: IssuePlan, facts: RiskFacts) -> IssuePlan:
        d = decide(facts, plan.priority, plan.due_days, self.risk)
        return IssuePlan(d.priority, d.due_days, d.reasons) if d.raised else plan
