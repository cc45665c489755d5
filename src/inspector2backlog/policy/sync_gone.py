"""``sync``'s gone-check: which tracked findings a listing covers (:func:`listing_scope`), and closing the issues
of those a complete listing no longer contains (:class:`GoneCloser`).

A record is a candidate only when it is an ACTIVE, synced Inspector finding (its key an ``inspector2`` ARN: the
records of GuardDuty, Access Analyzer and Security Hub findings close by their state, never as gone) of the listed
region (and of a listed account),
with an issue of its own or a place in group issues, tracked before the listing began (a concurrent event-driven run
may have just created one). Its own issue is closed with :func:`..render.comments.gone_comment`; a group member is
resolved in its groups (:meth:`.lifecycle.Lifecycle.close_gone`), written once per group at the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..deliver.base import DeliveryError, IssueRef
from ..findings.timestamps import jst
from ..render.comments import gone_comment
from ..state import keys
from ..state.base import ConflictError, Record
from ..state.records import is_open
from .outcome import Outcome
from .sync_report import GONE, plain

if TYPE_CHECKING:
    from .lifecycle import Lifecycle

log = logging.getLogger("inspector2backlog.sync")


# ---- listing scope ------------------------------------------------------------------------------------------------


def build_criteria(filter_criteria: Mapping[str, Any], accounts: Sequence[str]) -> dict[str, Any]:
    """``filterCriteria`` for ListFindings: the configured criteria as given, plus the accounts (if not given)."""
    crit = plain(dict(filter_criteria))
    if accounts and "awsAccountId" not in crit:
        crit["awsAccountId"] = [{"comparison": "EQUALS", "value": a} for a in accounts]
    return crit


@dataclass(frozen=True, slots=True)
class Scope:
    """Which tracked findings a complete listing covers (``accounts`` None = every account)."""

    gone_check: bool
    accounts: frozenset[str] | None = None
    note: str = ""


def listing_scope(criteria: Mapping[str, Any]) -> Scope:
    narrowed = sorted(k for k in criteria if k != "awsAccountId")
    if narrowed:
        return Scope(
            False,
            note=f"[sync] filter_criteria（{', '.join(narrowed)}）で一覧を絞り込んでいるため、"
            "一覧にない検出結果の課題は完了にしていません",
        )
    conds = criteria.get("awsAccountId")
    if not conds:
        return Scope(True)
    accounts = []
    for c in conds if isinstance(conds, list) else [conds]:
        if not isinstance(c, Mapping) or str(c.get("comparison", "")).upper() != "EQUALS":
            return Scope(
                False, note="awsAccountId の条件が EQUALS 以外のため、一覧にない検出結果の課題は完了にしていません"
            )
        accounts.append(str(c.get("value", "")))
    return Scope(True, frozenset(accounts))


#: the ARN service of the findings a gone-check may close (Inspector's: the only listing that speaks for absence)
GONE_SERVICE = "inspector2"


def _arn_region_account(arn: str) -> tuple[str, str]:
    """Region and account of an Inspector finding ARN (("", "") for any other ARN: never a gone candidate)."""
    parts = arn.split(":")
    if len(parts) > 5 and parts[0] == "arn" and parts[2] == GONE_SERVICE:
        return parts[3], parts[4]
    return "", ""


# ---- closing what is gone -----------------------------------------------------------------------------------------


class GoneCloser:
    """Closes the issues of tracked findings that a complete listing of a region did not contain."""

    def __init__(
        self, lifecycle: Lifecycle, scope: Scope, seen: Collection[str], clock: Callable[[], float] = time.time
    ) -> None:
        self.lifecycle = lifecycle
        self.scope = scope
        self.seen = seen  # every ARN listed in this run (and in the interrupted run it resumes)
        self.clock = clock

    def candidates(self, region: str, listing_started: float) -> list[Record]:
        out = []
        for rec in self.lifecycle.store.records(keys.FINDING):
            if not is_open(rec.status) or rec.phase != "synced":
                continue
            if not rec.issue_key and not self.lifecycle.groups_of(rec):  # neither its own issue nor a group's
                continue
            arn = keys.arn_of(rec.key)
            rec_region, account = _arn_region_account(arn)
            if rec_region != region or arn in self.seen:
                continue
            if self.scope.accounts is not None and account not in self.scope.accounts:
                continue
            if rec.claimed_at >= listing_started or rec.updated_at >= listing_started:
                continue  # tracked after the listing began: the listing cannot speak for it
            out.append(rec)
        return out

    def close(self, region: str, listing_started: float) -> list[Outcome]:
        outcomes = []
        stamp = jst(datetime.fromtimestamp(listing_started, UTC))
        with self.lifecycle.batch() as flushed:
            for rec in self.candidates(region, listing_started):
                if rec.issue_key:
                    outcomes.append(self._close_one(rec, region, stamp))
                else:  # a member of group issues: resolved in its groups, written once per group at the end
                    outcomes.append(self.lifecycle.close_gone(rec, listing_started))
        return outcomes + flushed

    def _close_one(self, rec: Record, region: str, stamp: str) -> Outcome:
        sink, stats = self.lifecycle.sink, self.lifecycle.stats
        data = dict(rec.data)
        data["gone_at"] = self.clock()
        closed = replace(rec, phase="synced", status="CLOSED", data=data)
        if not sink.supports_lifecycle:
            self._save_quietly(closed)
            stats.add("skipped")
            return Outcome("skipped", rec.key, rec.issue_key, f"{sink.name} は作成のみ対応のため完了にできません")
        try:
            sink.close(IssueRef(rec.issue_key or "", rec.issue_id), gone_comment(stamp, region), suppressed=False)
        except DeliveryError as e:  # the record stays ACTIVE: the next complete sync tries again
            stats.add("delivery_failures")
            log.error("gone-close failed", extra={"key": rec.key, "error": str(e)})
            return Outcome("failed", rec.key, rec.issue_key, str(e))
        stats.add("closed")
        stats.add("gone_closed")
        self._save_quietly(closed)
        log.info("closed as gone", extra={"key": rec.key, "issue_key": rec.issue_key})
        return Outcome(GONE, rec.key, rec.issue_key, "Inspector の一覧にありません")

    def _save_quietly(self, rec: Record) -> None:
        try:
            self.lifecycle.store.save(rec)
        except ConflictError:  # someone moved it meanwhile: their newer state wins
            log.warning("record changed during sync", extra={"key": rec.key})
