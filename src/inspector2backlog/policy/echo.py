"""Our own action's echo: the SUPPRESSED (or CLOSED) event a suppression filter we made causes, or the ACTIVE event
after we released it, comes back through EventBridge. Recognised by the finding record's decision (written before
the AWS call by :mod:`inspector2backlog.twoway`), not by timing; the lifecycle then records the status and writes
nothing to Backlog. Policy, not two-way code: the lifecycle asks it, so it sits below both."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..findings.model import Finding
    from ..state.base import Record


def absorb(rec: Record, f: Finding) -> dict | None:
    """The record data to keep (besides the new snapshot) when ``f`` is our echo, else ``None``."""
    d = rec.data.get("decision") or {}
    want = d.get("want")
    if want == "suppress" and f.status in ("SUPPRESSED", "CLOSED"):
        # the issue was closed in Backlog: nothing to close twice ("echoed": the action is seen to work)
        return {"decision": {**d, "echoed": f.status}}
    if want == "open" and f.status == "ACTIVE" and rec.status == "SUPPRESSED":
        return {"decision": d}  # the issue was reopened in Backlog: nothing to reopen twice
    return None
