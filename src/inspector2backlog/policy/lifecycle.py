"""The issue lifecycle, keyed by finding ARN in the state store.

    new ACTIVE finding          → claim the record, create the issue, save (crash in between → recovered by ARN)
    material change             → one comment saying what changed (and the description refreshed)
    timestamp-only re-send      → state updated, no Backlog call
    exact re-delivery / older   → nothing (out-of-order deliveries never undo newer state)
    CLOSED                      → comment + status closed
    SUPPRESSED                  → comment + closed with the configured resolution
    ACTIVE again after closing  → reopen + comment
    CLOSED before any issue     → a 30-day tombstone: a late, older ACTIVE copy opens nothing
    unreadable input            → one fallback issue per input (:meth:`Lifecycle.fallback`), retried like the rest

Statuses are read from ``Finding.state`` (open | closed | suppressed | archived, set by the source); records store
them as ``ACTIVE`` / ``CLOSED`` / ``SUPPRESSED`` (:mod:`..state.records`; archived is stored as SUPPRESSED and
closes with the source's ``[sources.<name>] archived_resolution``). The modules: this one (one finding, the
batch), :mod:`.group_writes` (grouped findings and group issues), :mod:`.pending` (retries, tombstones, fallback
issues), :mod:`.recovery` (creates of unknown outcome), :mod:`.ownership` (a finding arriving natively and through
Security Hub), :mod:`..render.comments` (every comment text).

Per source (``[sources.<name>]``): a disabled source's findings are skipped with a reason (records of it included);
``types`` / ``exclude_types`` and the Security Hub filters decide, like ``[filter]``, only whether a new issue is
filed (:mod:`.filters`); its ``project_key`` names the project its group records (and issues) belong to.

A delivery that fails after the transport's retries leaves the record ``pending`` with the finding it was about, so
the next run (or the next Lambda invocation) retries it; the failure is raised, never swallowed. A create that may
have landed (timeout, 5xx after sending) or a claim past its deadline is looked for before it is sent again, and
filed again only after Backlog's search index has had time to show it (:mod:`.recovery`); one that certainly did
not land is simply sent again.

Grouping (``[grouping] group_by = "vulnerability" | "fix"``) and the digest (``[digest] below_severity``) put many
findings into one issue (:mod:`.grouping`, :mod:`.digest`). The per-finding record still decides dedup, out-of-order
and timestamp-only re-sends (it then holds the finding's group keys, no issue key); a group record ``group:…`` holds
the members and the issue. A finding stays where it was first filed: switching modes does not move findings that
already have an issue.

    member change that matters  → the group record is updated; one PATCH rewrites the description (the resource
                                  table is the current member set) with one short comment
    first active member         → claim-first create (lock in the group record; a crash → search Backlog for the
                                  group key printed in the issue)
    last member resolved        → comment + close;  a member active again → reopen + comment

Writes budget: inside :meth:`Lifecycle.batch` (``Pipeline.run`` opens one per run) member changes are collected in
memory and written at the end — group records once, finding records once, one Backlog write per changed group. A
crash before the end loses nothing: nothing was recorded, so the re-delivered events are applied again. Outside a
batch (the Lambda handler calls :meth:`handle` per record) every call is flushed at once. With ``coalesce_seconds``
an existing group issue is rewritten at most once per window: later changes are recorded (the group stays
``pending``) and written together by a later flush or by :meth:`retry_pending` once the window has passed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from .. import sources as registry
from ..deliver.base import DeliveryError, IssueRef, Sink
from ..findings.model import Finding
from ..findings.timestamps import jst
from ..render.comments import change_comment, reopen_comment
from ..render.issue import IssueBuilder
from ..state import keys
from ..state.base import ConflictError, Record, RecordTooLargeError, StateStore
from ..state.records import CLOSED, FindingRecord, is_open, is_resolved, status_for
from ..stats import Stats
from . import grouping, ownership, recovery, risk as risk_policy
from .changes import describe, fingerprint, snapshot
from .echo import absorb
from .filters import rejection
from .group_writes import GroupWrites
from .outcome import ACTION_RANK, Outcome, merge
from .pending import TOMBSTONE_SECONDS, Pending, decision_of
from .per_source import PerSource, close_comment_for
from .plan import Planner

if TYPE_CHECKING:
    from ..config import DigestConfig, FilterConfig, RiskConfig, SourcesConfig
    from ..render.issue import Issue

__all__ = ["ACTION_RANK", "TOMBSTONE_SECONDS", "Lifecycle", "Outcome", "record_key"]

log = logging.getLogger("inspector2backlog.lifecycle")


def record_key(f: Finding) -> str:
    return keys.finding(f.arn)


class Lifecycle(GroupWrites, Pending, PerSource):
    def __init__(
        self,
        *,
        store: StateStore,
        sink: Sink,
        builder: IssueBuilder,
        stats: Stats | None = None,
        filters: FilterConfig | None = None,
        clock: Callable[[], float] = time.time,
        group_by: str = "finding",
        project: str = "",
        digest: DigestConfig | None = None,
        risk: RiskConfig | None = None,
        coalesce_seconds: float = 0.0,
        closed_resolution: str = "対応済み",
        suppressed_resolution: str = "対応しない",
        index_lag_seconds: float = 300.0,
        claim_timeout_seconds: float = 120.0,
        priorities: Mapping[str, str] | None = None,
        due_days: Mapping[str, int] | None = None,
        sources: SourcesConfig | None = None,
    ) -> None:
        self.store = store
        self.sink = sink
        self.builder = builder
        self.stats = stats or Stats()
        self.filters = filters
        self.clock = clock
        if group_by not in grouping.MODES:
            raise ValueError(f"group_by must be one of {', '.join(grouping.MODES)}, not {group_by!r}")
        self.group_by = group_by
        self.project = project or "default"
        self.sources = sources  # [sources.<name>]: None = every source enabled, with the defaults
        self.digest = digest if digest is not None and digest.below_severity else None
        self.risk = risk if risk is not None and risk.enabled else None
        # priority and due date of every issue, decided before it is built (severity tables, then the [risk] rules)
        self.planner = Planner(priorities, due_days, risk=self.risk, store=store)
        self.coalesce_seconds = max(0.0, float(coalesce_seconds))
        self.index_lag, self.claim_timeout = float(index_lag_seconds), float(claim_timeout_seconds)
        self._missed: dict[str, float] = {}  # key → end of its index window, after a look-up that found nothing
        # named in close comments; the sink sets the matching resolution ids (stdout/e-mail sinks: words only).
        # ``archived`` closes with its source's archived_resolution (:meth:`_closing`)
        self.resolutions = {False: closed_resolution, True: suppressed_resolution}
        self._batch_depth = 0
        self._ops: dict[str, list[tuple]] = {}  # group key → member operations not yet recorded
        self._staged: dict[str, tuple[Record | None, Record]] = {}  # finding key → (stored, to store)

    # ---- one finding -----------------------------------------------------------------------------------------
    def handle(self, f: Finding) -> Outcome:
        key = record_key(f)
        if not self.enabled(f.source):
            return self._skip(key, f"{f.source} は無効です（[sources.{f.source}] enabled = false）")
        if self.risk is not None and self.risk.internet_reachable_priority:
            risk_policy.remember_reachability(f, self.store)
        out = None
        for _ in range(3):  # a lost conditional write means someone else moved first: decide again
            try:
                out = self._handle(f, key)
                break
            except ConflictError:
                continue
        if out is None:
            out = self._skip(key, "同時更新が続いたため処理を見送りました（次回の配信で再処理されます）")
        if self._batch_depth == 0 and (self._ops or self._staged):
            out = merge(out, self.flush())
        return out

    # ---- batches (grouped findings) --------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[list[Outcome]]:
        """Collect group changes while the block runs; write them at its end. Yields the list the flush's outcomes
        (one per written group) are appended to."""
        out: list[Outcome] = []
        self._batch_depth += 1
        try:
            yield out
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                out.extend(self.flush())

    def flush(self) -> list[Outcome]:
        """Record collected member changes (group records, then finding records), then write each changed group."""
        ops, self._ops = self._ops, {}
        staged, self._staged = self._staged, {}
        if not ops and not staged:
            return []
        failed: set[str] = set()
        outcomes: list[Outcome] = []
        dirty: list[str] = []
        for gkey, group_ops in ops.items():
            try:
                rec = self._apply_ops(gkey, group_ops)
            except RecordTooLargeError as e:  # loud: the findings stay unrecorded, their deliveries fail (→ DLQ)
                log.error("group record too large", extra={"key": gkey, "error": str(e)})
                self.stats.add("delivery_failures")
                failed.add(gkey)
                outcomes.append(Outcome("failed", gkey, reason=f"グループの状態を保存できません: {e}", redeliver=True))
                continue
            if rec is False:
                failed.add(gkey)
                outcomes.append(
                    self._skip(gkey, "グループの記録が競合し続けたため見送りました（次回の配信で再処理されます）")
                )
            elif rec is not None and rec.phase == "pending":
                dirty.append(gkey)
        for old, new in staged.values():
            if failed & set(new.data.get("groups") or ()):
                continue  # its group could not be recorded: leave the finding unrecorded so a re-delivery retries
            self._save_staged(old, new)
        for gkey in dirty:
            out = self._write_group(gkey)
            if out is not None:
                outcomes.append(out)
        return outcomes

    def groups_of(self, rec: Record) -> list[str]:
        """The group records a finding record belongs to (``[]`` for a finding with its own issue)."""
        return list(FindingRecord.of(rec).groups or ())

    def close_gone(self, rec: Record, when: float | None = None) -> Outcome:
        """A grouped finding Inspector no longer lists (``sync``): resolve it in its groups, as a CLOSED event would.
        Inside a batch the group writes happen at its end; outside, at once."""
        groups = self.groups_of(rec)
        if not groups or not is_open(rec.status):
            return self._skip(rec.key, "グループに属する有効な検出結果ではありません")
        when = self.clock() if when is None else when
        arn = keys.arn_of(rec.key)
        for g in groups:
            self._ops.setdefault(g, []).append(("close", arn, when))
        self._stage(rec.key, self._stored(rec), replace(rec, status=CLOSED))
        out = Outcome("grouped", rec.key, reason="、".join(groups), groups=tuple(groups))
        if self._batch_depth == 0:
            out = merge(out, self.flush())
        return out

    def _handle(self, f: Finding, key: str) -> Outcome:
        rec = self._staged[key][1] if key in self._staged else self.store.get(key)
        if rec is not None and FindingRecord.of(rec).expired(self.clock()):
            self.store.delete(key)  # expired (SQLite has no TTL): forgotten
            rec = None
        if rec is not None and rec.data.get("tombstone"):
            if f.updated_epoch <= rec.updated_at:
                return self._skip(key, f"古い通知です（{rec.status} を反映済み）")
            if f.state != "open":
                self._tombstone(f, rec)
                return self._skip(key, f"課題のない検出結果の {f.status} 通知です")
            self.store.delete(key)  # newer than the close: a finding that came back, handled as a new one
            rec = None
        if rec is None:
            reason = rejection(f, self.filters, self.source_config(f.source))
            if reason:
                return self._skip(key, reason)
            if f.state != "open":
                self._tombstone(f, None)  # only for findings that would get an issue
                return self._skip(key, f"課題のない検出結果の {f.status} 通知です")
            groups = self._route(f)
            if groups:
                return self._join(f, key, None, groups)
            now = self.clock()
            return self._create(f, self.store.claim(key, now=now, data=recovery.claim_data(f, now, self.claim_timeout)))
        if "groups" in rec.data:
            return self._follow_grouped(f, rec)
        if rec.issue_key is None:  # claimed or pending create
            if recovery.claim_live(rec, self.clock(), self.claim_timeout):
                return recovery.held(self, key, recovery.deadline(rec, self.claim_timeout))
            return recovery.recover_create(self, f, rec)
        return self._follow(f, rec)

    # ---- transitions -----------------------------------------------------------------------------------------
    def _create(self, f: Finding, rec: Record) -> Outcome:
        issue = self._build(f)
        started = self.clock()
        try:
            ref = self.sink.create(issue)
        except DeliveryError as e:
            self._pend(rec, f, "create", e, started=started)
            return self._fail(rec.key, e)
        self.stats.add("issues_created")
        self._synced(rec, f, ref)
        return Outcome("created", rec.key, ref.key)

    def _copy(self, f: Finding, rec: Record) -> bool:
        return ownership.is_copy(f.source, rec, self.enabled)

    def _follow(self, f: Finding, rec: Record) -> Outcome:
        when = f.updated_epoch
        pending = rec.phase == "pending"
        if pending:  # a change failed earlier: apply whichever is newer (a native finding before a copy of it)
            pf = self._pending_finding(rec)
            if pf is not None and (pf.updated_epoch > when or (self._copy(f, rec) and not self._copy(pf, rec))):
                f, when = pf, pf.updated_epoch
        if self._copy(f, rec):  # Security Hub's copy of a natively owned finding: it may only close the issue
            return ownership.follow_copy(self, f, rec)
        snap = snapshot(f)
        fp = fingerprint(snap)
        if not pending:
            if when < rec.updated_at:
                return self._skip(rec.key, "古い通知です（より新しい状態を反映済み）")
            if status_for(f.state) == rec.status and fp == rec.fingerprint:
                if when == rec.updated_at:
                    return self._skip(rec.key, "同じ内容の再配信です")
                self.store.save(replace(rec, updated_at=when))  # timestamp-only: remember, don't notify
                self.stats.add("timestamp_only")
                return Outcome("touched", rec.key, rec.issue_key, "時刻のみの更新")
        status = status_for(f.state)
        # decided in Backlog (two-way): the echo of our own action writes nothing
        if rec.data.get("decision") and (kept := absorb(rec, f)) is not None:
            self.store.save(
                replace(
                    rec,
                    phase="synced",
                    status=status,
                    updated_at=when,
                    fingerprint=fp,
                    data=ownership.record_data(f.source, snap, **kept),
                )
            )
            return self._skip(rec.key, "Backlog での判断を AWS に反映した結果の通知です（Backlog への書き込みなし）")
        if not self.sink.supports_lifecycle:
            self.store.save(
                replace(
                    rec,
                    phase="synced",
                    status=status,
                    updated_at=when,
                    fingerprint=fp,
                    data=ownership.record_data(f.source, snap),
                )
            )
            return self._skip(rec.key, f"{self.sink.name} は作成のみ対応のため送信しません")
        ref = IssueRef(rec.issue_key or "", rec.issue_id)
        old_snap = rec.data.get("snapshot") or {}
        # another source's snapshot (a native finding taking over from its Security Hub copy) is not comparable
        changes = describe(old_snap, snap, f.source) if ownership.comparable(f.source, rec) else []
        stamp = jst(f.updated_at or f.last_observed)
        service = registry.get(f.source).label
        try:
            if f.state != "open" and is_open(rec.status):
                self.close_issue(ref, f, close_comment_for(f, stamp, changes, self._closing(f), service))
                action = "closed"
            elif f.state == "open" and is_resolved(rec.status):
                self.sink.reopen(ref, self._build(f), reopen_comment(stamp, changes, service=service))
                action = "reopened"
            elif changes:
                self.sink.update(ref, self._build(f), change_comment(stamp, changes, service=service))
                action = "updated"
            else:  # closed → suppressed and the like: nothing to tell people
                action = "touched"
        except DeliveryError as e:
            self._pend(rec, f, "follow", e)
            return self._fail(rec.key, e)
        self.stats.add(
            {"closed": "closed", "reopened": "reopened", "updated": "comments"}.get(action, "timestamp_only")
        )
        self.store.save(
            replace(
                rec,
                phase="synced",
                status=status,
                updated_at=when,
                fingerprint=fp,
                data=ownership.record_data(f.source, snap, **decision_of(rec.data)),
            )
        )
        return Outcome(action, rec.key, rec.issue_key)

    # ---- issues for single findings ---------------------------------------------------------------------------
    def _build(self, f: Finding) -> Issue:
        """The finding's issue, planned first (priority, due days and the reasons a risk rule raised them)."""
        return self.builder.build(f, self.planner.for_finding(f))

    def _skip(self, key: str, reason: str) -> Outcome:
        self.stats.add("skipped")
        return Outcome("skipped", key, reason=reason)

    def _fail(self, key: str, err: Exception) -> Outcome:
        self.stats.add("delivery_failures")
        log.error("delivery failed", extra={"key": key, "error": str(err)})
        return Outcome("failed", key, reason=str(err))
