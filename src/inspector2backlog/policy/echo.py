"""Our own action's echo: the SUPPRESSED (or CLOSED) event a suppression filter we made causes, or the ACTIVE event
after we released it, comes back through EventBridge. Recognised by the finding record's decision (written before
the AWS call by :mod:`inspector2backlog.twoway`), not by timing; the lifecycle then records the status and writes
nothing to Backlog. Policy, not two-way code: the lifecycle asks it, so it sits below both."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING

from ..state import keys
from ..state.base import ConflictError, Record
from ..state.records import ACTIVE, RESOLVED, SUPPRESSED, Member, status_for
from . import grouping

if TYPE_CHECKING:
    from ..findings.model import Finding
    from ..state.base import StateStore

#: issue key → since: the two-way decisions a later pull / sweep must (re)try
PENDING_KEY = keys.TWOWAY_PENDING


def absorb(rec: Record, f: Finding) -> dict | None:
    """The record data to keep (besides the new snapshot) when ``f`` is our echo, else ``None``."""
    d = rec.data.get("decision") or {}
    want = d.get("want")
    if want == "suppress" and f.state != "open":
        # the issue was closed in Backlog: nothing to close twice ("echoed": the action is seen to work)
        return {"decision": {**d, "echoed": status_for(f.state)}}
    if want == "open" and f.state == "open" and rec.status == SUPPRESSED:
        return {"decision": d}  # the issue was reopened in Backlog: nothing to reopen twice
    return None


def written(m: Member) -> Member:
    """A group member as Backlog shows it now (no change left to write about it)."""
    return replace(m, prev=None, written_status=m.status, written_fp=grouping.fp(m))


def take(dec: dict, members: dict[str, Member], arn: str, entry: Member) -> bool:
    """A member change that a group decision absorbs (``dec`` and ``members`` updated in place): the SUPPRESSED /
    CLOSED echo of a member we suppressed (recorded as shown, nothing to write), or a new finding joining a
    suppressed group (kept in ``dec["joined"]`` for the next pull / sweep). ``False``: apply it as usual."""
    if dec.get("want") != "suppress":
        return False
    old = members.get(arn)
    if arn in (dec.get("arns") or ()) and entry.status in RESOLVED:
        if old is None or entry.updated >= old.updated:
            members[arn] = written(entry)
        return True
    if entry.status == ACTIVE and arn not in (dec.get("arns") or ()) and (old is None or not grouping.is_active(old)):
        # kept in the decision, compact like the group's members on disk
        dec["joined"] = {**(dec.get("joined") or {}), arn: entry.to_data()}
        return True
    return False


def note_joined(store: StateStore, rec: Record, now: float) -> None:
    """After the group record is saved: a decision with joined findings waits in ``twoway:pending``."""
    dec = rec.data.get("decision") or {}
    if dec.get("joined") and dec.get("issue"):
        mark_pending(store, str(dec["issue"]), now)


def mark_pending(store: StateStore, key: str, now: float, *, remove: bool = False) -> None:
    """Keep ``twoway:pending`` (issue key → since) in line: the decisions a later pull must retry."""

    def change(rec: Record | None) -> Record | None:
        issues = dict((rec.data.get("issues") or {}) if rec else {})
        if remove == (key not in issues):
            return None
        if remove:
            issues.pop(key, None)
        else:
            issues[key] = now
        return replace(rec or Record(PENDING_KEY), phase="synced", data={"issues": issues})

    with suppress(ConflictError):  # kept changing: the next pull / sweep brings it in line
        store.update(PENDING_KEY, change, 5, now=now)
