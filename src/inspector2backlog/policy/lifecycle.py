"""The issue lifecycle, keyed by finding ARN in the state store.

    new ACTIVE finding          → claim the record, create the issue, save (crash in between → recovered by ARN)
    material change             → one comment saying what changed (and the description refreshed)
    timestamp-only re-send      → state updated, no Backlog call
    exact re-delivery / older   → nothing (out-of-order deliveries never undo newer state)
    CLOSED                      → comment + status closed
    SUPPRESSED                  → comment + closed with the configured resolution
    ACTIVE again after closing  → reopen + comment
    CLOSED before any issue     → a 30-day tombstone: a late, older ACTIVE copy opens nothing

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

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from ..deliver.base import DeliveryError, IssueRef, Sink
from ..findings.model import Finding
from ..findings.parse import parse_finding
from ..findings.timestamps import jst
from ..render.doc import Block, Bullets, Para
from ..render.issue import IssueBuilder
from ..state.base import ConflictError, Record, RecordTooLargeError, StateStore
from ..stats import Stats
from . import digest as digest_policy, grouping, recovery, risk as risk_policy
from .changes import describe, fingerprint, snapshot
from .echo import absorb, note_joined, take
from .filters import rejection

if TYPE_CHECKING:
    from ..config import DigestConfig, FilterConfig, RiskConfig

log = logging.getLogger("inspector2backlog.lifecycle")

#: how long a finding closed before it ever had an issue is remembered, so that an older ACTIVE event delivered late
#: (SQS redelivery, EventBridge retries) does not open an issue for it; DynamoDB expires it through its TTL
TOMBSTONE_SECONDS = 30 * 86400.0
_ACTION_RANK = {
    "failed": 0,
    "created": 1,
    "reopened": 2,
    "closed": 3,
    "updated": 4,
    "touched": 5,
    "grouped": 6,
    "skipped": 7,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str  # created | updated | closed | reopened | touched | grouped | skipped | failed
    key: str
    issue_key: str | None = None
    reason: str = ""
    groups: tuple[str, ...] = ()  # "grouped": the group records the finding joined
    #: "failed" and nothing was recorded: only a redelivery of the input (SQS, the next sync) brings it back
    redeliver: bool = False
    unfinished: str = ""  # "held" by a live claim | "waiting" for the index window (:mod:`.recovery`)

    @property
    def failed(self) -> bool:
        return self.action == "failed"


def record_key(f: Finding) -> str:
    return "finding:" + f.arn


class Lifecycle:
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
        self.digest = digest if digest is not None and digest.below_severity else None
        self.risk = risk if risk is not None and risk.enabled else None
        self.coalesce_seconds = max(0.0, float(coalesce_seconds))
        self.index_lag, self.claim_timeout = float(index_lag_seconds), float(claim_timeout_seconds)
        self._missed: dict[str, float] = {}  # key → end of its index window, after a look-up that found nothing
        # named in close comments; the sink sets the matching resolution ids (stdout/e-mail sinks: words only)
        self.resolutions = {False: closed_resolution, True: suppressed_resolution}
        self._batch_depth = 0
        self._ops: dict[str, list[tuple]] = {}  # group key → member operations not yet recorded
        self._staged: dict[str, tuple[Record | None, Record]] = {}  # finding key → (stored, to store)

    # ---- one finding -----------------------------------------------------------------------------------------
    def handle(self, f: Finding) -> Outcome:
        key = record_key(f)
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
            out = _merge(out, self.flush())
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
        return list(rec.data.get("groups") or [])

    def close_gone(self, rec: Record, when: float | None = None) -> Outcome:
        """A grouped finding Inspector no longer lists (``sync``): resolve it in its groups, as a CLOSED event would.
        Inside a batch the group writes happen at its end; outside, at once."""
        groups = self.groups_of(rec)
        if not groups or rec.status != "ACTIVE":
            return self._skip(rec.key, "グループに属する有効な検出結果ではありません")
        when = self.clock() if when is None else when
        arn = rec.key[len("finding:") :]
        for g in groups:
            self._ops.setdefault(g, []).append(("close", arn, when))
        self._stage(rec.key, self._stored(rec), replace(rec, status="CLOSED"))
        out = Outcome("grouped", rec.key, reason="、".join(groups), groups=tuple(groups))
        if self._batch_depth == 0:
            out = _merge(out, self.flush())
        return out

    def _handle(self, f: Finding, key: str) -> Outcome:
        rec = self._staged[key][1] if key in self._staged else self.store.get(key)
        if rec is not None and rec.data.get("tombstone") and rec.data.get("expires_at", 0) <= self.clock():
            self.store.delete(key)  # expired (SQLite has no TTL): forgotten
            rec = None
        if rec is not None and rec.data.get("tombstone"):
            if f.updated_epoch <= rec.updated_at:
                return self._skip(key, f"古い通知です（{rec.status} を反映済み）")
            if f.status != "ACTIVE":
                self._tombstone(f, rec)
                return self._skip(key, f"課題のない検出結果の {f.status} 通知です")
            self.store.delete(key)  # newer than the close: a finding that came back, handled as a new one
            rec = None
        if rec is None:
            reason = rejection(f, self.filters)
            if reason:
                return self._skip(key, reason)
            if f.status != "ACTIVE":
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

    def _follow(self, f: Finding, rec: Record) -> Outcome:
        when = f.updated_epoch
        snap = snapshot(f)
        fp = fingerprint(snap)
        pending = rec.phase == "pending"
        if not pending:
            if when < rec.updated_at:
                return self._skip(rec.key, "古い通知です（より新しい状態を反映済み）")
            if f.status == rec.status and fp == rec.fingerprint:
                if when == rec.updated_at:
                    return self._skip(rec.key, "同じ内容の再配信です")
                self.store.save(replace(rec, updated_at=when))  # timestamp-only: remember, don't notify
                self.stats.add("timestamp_only")
                return Outcome("touched", rec.key, rec.issue_key, "時刻のみの更新")
        else:  # a change failed earlier: apply whichever is newer, the pending finding or this one
            pf = self._pending_finding(rec)
            if pf is not None and pf.updated_epoch > when:
                f = pf
                snap = snapshot(f)
                fp, when = fingerprint(snap), f.updated_epoch
        # decided in Backlog (two-way): the echo of our own action writes nothing
        if rec.data.get("decision") and (kept := absorb(rec, f)) is not None:
            self.store.save(
                replace(
                    rec,
                    phase="synced",
                    status=f.status,
                    updated_at=when,
                    fingerprint=fp,
                    data={**kept, "snapshot": snap},
                )
            )
            return self._skip(rec.key, "Backlog での判断を AWS に反映した結果の通知です（Backlog への書き込みなし）")
        if not self.sink.supports_lifecycle:
            self.store.save(
                replace(rec, phase="synced", status=f.status, updated_at=when, fingerprint=fp, data={"snapshot": snap})
            )
            return self._skip(rec.key, f"{self.sink.name} は作成のみ対応のため送信しません")
        ref = IssueRef(rec.issue_key or "", rec.issue_id)
        old_snap = rec.data.get("snapshot") or {}
        changes = describe(old_snap, snap, f.source)
        stamp = jst(f.updated_at or f.last_observed)
        try:
            if f.status in ("CLOSED", "SUPPRESSED") and rec.status == "ACTIVE":
                suppressed = f.status == "SUPPRESSED"
                self.sink.close(
                    ref,
                    _close_comment(f, stamp, suppressed, changes, self.resolutions[suppressed]),
                    suppressed=suppressed,
                )
                action = "closed"
            elif f.status == "ACTIVE" and rec.status in ("CLOSED", "SUPPRESSED"):
                self.sink.reopen(ref, self._build(f), _reopen_comment(stamp, changes))
                action = "reopened"
            elif changes:
                self.sink.update(ref, self._build(f), _change_comment(stamp, changes))
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
                status=f.status,
                updated_at=when,
                fingerprint=fp,
                data={"snapshot": snap, **_decision(rec.data)},
            )
        )
        return Outcome(action, rec.key, rec.issue_key)

    # ---- grouped findings: routing and per-finding decisions --------------------------------------------------
    def _route(self, f: Finding) -> list[str]:
        """Where a new finding goes: its digest, its groups, or ``[]`` (its own issue)."""
        if digest_policy.below(f, self.digest):
            assert self.digest is not None
            return [digest_policy.digest_key(self.project, self.clock(), self.digest.period)]
        return grouping.group_keys(f, self.group_by, self.project)

    def _reroute(self, f: Finding, old: list[str]) -> list[str] | None:
        """Groups of a finding already filed in ``old`` (``None`` = it now needs its own issue). Only upwards: a
        digested finding whose severity rose leaves the digest; nothing moves down into it."""
        if not old:
            return old
        kind = grouping.group_kind(old[0])
        project = old[0].split(":", 3)[2] if old[0].count(":") >= 3 else self.project
        if kind == "digest":
            if f.status != "ACTIVE" or self.digest is None or digest_policy.below(f, self.digest):
                return old
            return grouping.group_keys(f, self.group_by, project) or None
        if f.status != "ACTIVE":
            return old
        return grouping.group_keys(f, kind, project) or old

    def _join(self, f: Finding, key: str, old: Record | None, groups: list[str]) -> Outcome:
        reach = self._reachable(f)
        for g in groups:
            self._queue_put(g, f, reach)
        snap = snapshot(f)
        new = Record(
            key=key,
            phase="synced",
            status=f.status,
            updated_at=f.updated_epoch,
            fingerprint=fingerprint(snap),
            data={"snapshot": snap, "groups": groups},
        )
        self._stage(key, old, new)
        self.stats.add("grouped")
        return Outcome("grouped", key, reason="、".join(groups), groups=tuple(groups))

    def _follow_grouped(self, f: Finding, rec: Record) -> Outcome:
        when = f.updated_epoch
        snap = snapshot(f)
        fp = fingerprint(snap)
        if when < rec.updated_at:
            return self._skip(rec.key, "古い通知です（より新しい状態を反映済み）")
        if f.status == rec.status and fp == rec.fingerprint:
            if when == rec.updated_at:
                return self._skip(rec.key, "同じ内容の再配信です")
            self._stage(rec.key, self._stored(rec), replace(rec, updated_at=when))
            self.stats.add("timestamp_only")
            return Outcome("touched", rec.key, None, "時刻のみの更新")
        old_groups = list(rec.data.get("groups") or [])
        groups = self._reroute(f, old_groups)
        for g in old_groups:
            if groups is None or g not in groups:
                self._ops.setdefault(g, []).append(("gone", f.arn, when))
        if groups is None:  # out of the digest into its own issue (finding mode)
            base = self._persist_staged(rec)
            claimed = self.store.save(
                replace(
                    base,
                    phase="claimed",
                    claimed_at=self.clock(),
                    issue_key=None,
                    issue_id=None,
                    data=recovery.claim_data(f, self.clock(), self.claim_timeout),
                )
            )
            return self._create(f, claimed)
        return self._join(f, rec.key, self._stored(rec), groups)

    def _reachable(self, f: Finding) -> str:
        if self.risk is None or not self.risk.internet_reachable_priority:
            return ""
        return risk_policy.reachable_reason(f, self.store)

    def _queue_put(self, gkey: str, f: Finding, reach: str) -> None:
        ops = self._ops.get(gkey)
        if ops is None:
            ops = self._ops[gkey] = []
        lead = None
        if f.status == "ACTIVE" and not any(op[0] == "put" and op[3] is not None for op in ops):
            from ..render.group import lead_info

            lead = lead_info(f, grouping.group_kind(gkey), grouping.group_id(gkey))
        ops.append(("put", f.arn, grouping.member_entry(f, gkey, reachable=reach), lead))

    # ---- staging finding records (written once per batch, after their groups) --------------------------------
    def _stored(self, rec: Record) -> Record | None:
        """The stored version a staged record replaces (``None`` when it was never stored)."""
        staged = self._staged.get(rec.key)
        return staged[0] if staged is not None else rec

    def _stage(self, key: str, old: Record | None, new: Record) -> None:
        self._staged[key] = (old, new)

    def _save_staged(self, old: Record | None, new: Record) -> Record | None:
        try:
            if old is None:
                old = self.store.claim(new.key, now=self.clock())
            return self.store.save(replace(new, version=old.version, claimed_at=old.claimed_at))
        except ConflictError:  # another worker recorded this finding meanwhile: its state wins
            log.info("finding record changed meanwhile", extra={"key": new.key})
            return None

    def _persist_staged(self, rec: Record) -> Record:
        staged = self._staged.pop(rec.key, None)
        if staged is not None:
            saved = self._save_staged(*staged)
            if saved is None:
                raise ConflictError(rec.key)
            return saved
        return rec

    # ---- group records ---------------------------------------------------------------------------------------
    def _apply_ops(self, gkey: str, ops: list[tuple]) -> Record | Literal[False] | None:
        """Apply member operations to the group record (conditional write, re-read on conflict). Returns the record,
        ``None`` when there is none and nothing to add, ``False`` when conflicts persisted."""
        for _ in range(8):
            rec = self.store.get(gkey)
            members = dict(rec.data.get("members") or {}) if rec else {}
            lead = rec.data.get("lead") if rec else None
            changed = False
            dec = dict(rec.data.get("decision") or {}) if rec else {}  # a two-way decision on the group issue
            for op in ops:
                if op[0] == "put":
                    if dec and take(dec, members, op[1], op[2]):
                        changed = True  # our own suppression's echo, or a finding joining it: nothing to write
                        continue
                    changed |= grouping.apply_member(members, op[1], op[2])
                    if not lead and op[3] is not None:
                        lead = op[3]
                elif op[0] == "close":
                    changed |= grouping.mark_closed(members, op[1], op[2])
                else:
                    changed |= grouping.mark_gone(members, op[1], op[2])
            if not changed:
                return rec
            try:
                if rec is None:
                    rec = self.store.claim(gkey, now=self.clock())
                data = {
                    **rec.data,
                    "kind": grouping.group_kind(gkey),
                    "members": members,
                    "lead": lead or {},
                    **({"decision": dec} if dec else {}),
                }
                phase = "pending" if grouping.needs_write(members) else "synced"
                updated = max((m.get("u", 0.0) for m in members.values()), default=rec.updated_at)
                saved = self.store.save(replace(rec, phase=phase, data=data, updated_at=updated))
                if dec:
                    note_joined(self.store, saved, self.clock())
                return saved
            except ConflictError:
                continue
        log.error("group record kept changing; member changes not recorded", extra={"key": gkey})
        self.stats.add("group_conflicts")
        return False

    def _group_issue(self, gkey: str, data: dict) -> Any:
        from ..render.group import build_group_issue

        below = self.digest.below_severity if self.digest is not None else ""
        return build_group_issue(
            gkey, grouping.group_kind(gkey), data, self.builder, risk=self.risk, digest_below=below
        )

    def _write_group(self, gkey: str) -> Outcome | None:
        """Bring one group's Backlog issue in line with its members: create, update, close or reopen — one write."""
        from ..render.group import change_comment

        result: Outcome | None = None
        for _ in range(6):
            rec = self.store.get(gkey)
            if rec is None:
                return result
            members = rec.data.get("members") or {}
            d = grouping.delta(members)
            active = bool(grouping.active_members(members))
            now = self.clock()
            lock = float(rec.data.get("lock") or 0.0)
            locked = bool(lock) and now - lock < self.claim_timeout
            if rec.issue_key is None:
                if not active:
                    if rec.phase != "synced" or lock:
                        self._quiet_save(replace(rec, phase="synced", data=_without(rec.data, "lock", "error")))
                    return result
                if locked:
                    return result or recovery.held(self, gkey, lock + self.claim_timeout)
                span = recovery.span_of(rec, self.claim_timeout, lock=lock)
                if span is not None:  # a create that may have landed (or died): look for it before another
                    found = recovery.look_up_group(self, gkey, rec, span)
                    if found is True:
                        continue
                    if found is not False:
                        return result or found
                try:
                    rec = self.store.save(replace(rec, data={**rec.data, "lock": now}))
                except ConflictError:
                    continue
                written = grouping.written_marks(members)
                issue = self._group_issue(gkey, rec.data)
                try:
                    ref = self.sink.create(issue)
                except DeliveryError as e:
                    return self._group_failed(rec, e, started=now if e.maybe_applied else None)
                self.stats.add("issues_created")
                committed = self._commit_group(gkey, written, "ACTIVE", ref)
                result = Outcome("created", gkey, ref.key)
            else:
                if d.empty:
                    if rec.phase != "synced" or lock:
                        self._quiet_save(replace(rec, phase="synced", data=_without(rec.data, "lock", "error")))
                    return result
                if locked:
                    return result or self._skip(gkey, "別の処理がグループ課題を更新中です")
                if self.coalesce_seconds and now - float(rec.data.get("written_at") or 0.0) < self.coalesce_seconds:
                    return result  # written recently: stays pending, written with later changes

                try:
                    rec = self.store.save(replace(rec, data={**rec.data, "lock": now}))
                except ConflictError:
                    continue
                written = grouping.written_marks(members)
                kind = grouping.group_kind(gkey)
                assert rec.issue_key is not None  # this branch updates the group's existing issue
                ref = IssueRef(rec.issue_key, rec.issue_id)
                status = "ACTIVE" if active else "CLOSED"
                try:
                    if not self.sink.supports_lifecycle:
                        action = "touched"
                    elif rec.status == "ACTIVE" and not active:
                        self.sink.close(
                            ref,
                            change_comment(kind, d, transition="close", resolution=self.resolutions[d.all_suppressed]),
                            suppressed=d.all_suppressed,
                        )
                        action = "closed"
                    elif rec.status != "ACTIVE" and active:
                        self.sink.reopen(
                            ref, self._group_issue(gkey, rec.data), change_comment(kind, d, transition="reopen")
                        )
                        action = "reopened"
                    elif active:
                        self.sink.update(ref, self._group_issue(gkey, rec.data), change_comment(kind, d))
                        action = "updated"
                    else:
                        action = "touched"
                except DeliveryError as e:
                    return self._group_failed(rec, e)
                if action != "touched":
                    self.stats.add({"closed": "closed", "reopened": "reopened", "updated": "comments"}[action])
                committed = self._commit_group(gkey, written, status, None)
                if result is None or _ACTION_RANK.get(action, 9) < _ACTION_RANK.get(result.action, 9):
                    result = Outcome(action, gkey, rec.issue_key)
            if committed is None or committed.phase != "pending":
                return result  # else: members changed while we wrote (another worker) — write once more
        return result

    def _commit_group(self, gkey: str, written: dict, status: str, ref: IssueRef | None) -> Record | None:
        """Record what Backlog now shows (members → written marks; told-about inactive members pruned)."""
        for _ in range(8):
            rec = self.store.get(gkey)
            if rec is None:
                return None
            old = rec.data.get("members") or {}
            members = grouping.commit_written(old, written)
            resolved = dict(rec.data.get("resolved") or {})
            for arn, m in old.items():
                if arn not in members and m.get("s") in ("CLOSED", "SUPPRESSED"):
                    sev = m.get("v") or "UNTRIAGED"
                    resolved[sev] = resolved.get(sev, 0) + 1
            data = {
                **_without(rec.data, "lock", "error", recovery.UNVERIFIED),
                "members": members,
                "resolved": resolved,
                "written_at": self.clock(),
            }
            actives = grouping.active_members(members)
            if actives:
                from ..render.group import top_severity

                data["last_severity"] = top_severity(actives)
            phase = "pending" if grouping.needs_write(members) else "synced"
            new = replace(rec, phase=phase, status=status, data=data)
            if ref is not None:
                new = replace(new, issue_key=ref.key, issue_id=ref.id)
            try:
                return self.store.save(new)
            except ConflictError:
                continue
        log.error("could not record a group write", extra={"key": gkey})
        return None

    def _group_failed(self, rec: Record, err: DeliveryError, *, started: float | None = None) -> Outcome:
        data = {**_without(rec.data, "lock"), "error": str(err)[:500]}
        if started is not None:  # the create may have landed: looked for before any other create
            data = recovery.note_unverified(data, started, self.clock())
        self._quiet_save(replace(rec, phase="pending", data=data))
        return self._fail(rec.key, err)

    def _quiet_save(self, rec: Record) -> None:
        try:
            self.store.save(rec)
        except ConflictError:  # someone else moved on: their state wins
            pass

    # ---- issues for single findings ---------------------------------------------------------------------------
    def _build(self, f: Finding):
        """The finding's issue, with the risk rules applied (priority, due days and the reason shown)."""
        issue = self.builder.build(f)
        if self.risk is None or issue.fallback:
            return issue
        facts = risk_policy.facts_for(f, self.store, reach=bool(self.risk.internet_reachable_priority))
        decision = risk_policy.decide(facts, issue.priority, issue.due_days, self.risk)
        if decision.raised:
            from ..render.doc import Bullets, Heading, Section

            issue.priority, issue.due_days = decision.priority, decision.due_days
            at = next((i for i, b in enumerate(issue.blocks) if isinstance(b, Section)), len(issue.blocks))
            issue.blocks[at:at] = [Heading("優先度を上げた理由"), Bullets([[r] for r in decision.reasons])]
            issue._cache.clear()
        return issue

    # ---- retries ---------------------------------------------------------------------------------------------
    def retry_pending(self) -> list[Outcome]:
        """Re-run every record left pending (or claimed long ago) by an earlier failure or crash: findings first,
        then group writes — from one scan of the store (a DynamoDB scan reads the whole table)."""
        out = []
        now = self.clock()
        groups = self.group_by != "finding" or self.digest is not None  # else groups left by an earlier mode wait
        stuck = []
        for rec in list(self.store.records("" if groups else "finding:")):
            if rec.phase == "pending" or (
                rec.phase == "claimed" and not recovery.claim_live(rec, now, self.claim_timeout)
            ):
                stuck.append(rec)
            elif rec.data.get("tombstone") and rec.data.get("expires_at", 0) <= now:
                self.store.delete(rec.key)  # the sweep also forgets expired tombstones (DynamoDB's TTL does too)
        for rec in stuck:
            if rec.key.startswith("finding:") and (f := self._pending_finding(rec)) is not None:
                out.append(self.handle(f))
        for rec in stuck:
            if rec.key.startswith(grouping.GROUP_PREFIX) and (res := self._write_group(rec.key)) is not None:
                out.append(res)
        return out

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _synced(self, rec: Record, f: Finding, ref: IssueRef, status: str | None = None) -> Record:
        snap = snapshot(f)
        return self.store.save(
            replace(
                rec,
                phase="synced",
                issue_key=ref.key,
                issue_id=ref.id,
                status=status or f.status,
                updated_at=f.updated_epoch,
                fingerprint=fingerprint(snap),
                data={"snapshot": snap},
            )
        )

    def _pend(self, rec: Record, f: Finding, what: str, err: Exception, *, started: float | None = None) -> None:
        data = dict(rec.data)
        data.update(
            {
                "pending_finding": json.dumps(f.raw, ensure_ascii=False, default=str),
                "error": str(err)[:500],
                "pending_action": what,
                # sticky: once a write may have landed, the retry must look for it before writing again
                "maybe_applied": bool(data.get("maybe_applied")) or bool(getattr(err, "maybe_applied", True)),
            }
        )
        if started is not None and getattr(err, "maybe_applied", True):  # a create that may have landed
            data = recovery.note_unverified(data, started, self.clock())
        try:
            self.store.save(replace(rec, phase="pending", data=data))
        except ConflictError:  # someone else moved on: their state wins, the event will be redelivered
            pass

    @staticmethod
    def _pending_finding(rec: Record) -> Finding | None:
        raw = rec.data.get("pending_finding")
        if not raw:
            return None
        try:
            return parse_finding(json.loads(raw), origin=f"pending:{rec.key}")
        except Exception:  # noqa: BLE001 - a corrupt pending entry must not block the others
            log.exception("unreadable pending entry", extra={"key": rec.key})
            return None

    def _tombstone(self, f: Finding, rec: Record | None) -> None:
        """Remember that ``f`` is closed although it has no issue (see :data:`TOMBSTONE_SECONDS`)."""
        if rec is not None and f.updated_epoch < rec.updated_at and rec.data.get("tombstone"):
            return
        data = {"tombstone": True, "expires_at": int(self.clock() + TOMBSTONE_SECONDS)}
        try:
            rec = rec or self.store.claim(record_key(f), now=self.clock())
            self.store.save(
                replace(
                    rec,
                    phase="synced",
                    issue_key=None,
                    issue_id=None,
                    status=f.status,
                    updated_at=f.updated_epoch,
                    fingerprint="",
                    data=data,
                )
            )
        except ConflictError:  # someone else recorded this finding meanwhile: their state wins
            pass

    def _skip(self, key: str, reason: str) -> Outcome:
        self.stats.add("skipped")
        return Outcome("skipped", key, reason=reason)

    def _fail(self, key: str, err: Exception) -> Outcome:
        self.stats.add("delivery_failures")
        log.error("delivery failed", extra={"key": key, "error": str(err)})
        return Outcome("failed", key, reason=str(err))


def _decision(data: dict) -> dict:
    """A two-way decision (:mod:`..twoway`) outlives the Inspector updates that follow it."""
    return {"decision": data["decision"]} if "decision" in data else {}


def _without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


def _merge(out: Outcome, flushed: list[Outcome]) -> Outcome:
    """One outcome for one finding handled outside a batch: its own, or what its group write(s) did."""
    if not flushed:
        return out
    worst = min(flushed, key=lambda o: _ACTION_RANK.get(o.action, 9))
    reason = "、".join(o.key for o in flushed) if worst.action != "failed" else worst.reason
    return Outcome(worst.action, out.key, worst.issue_key, reason)


# ---- comments (small documents, rendered in the target's markup) --------------------------------------------------


def _change_lines(changes: list[str]) -> list[Block]:
    return [Bullets([[c] for c in changes])] if changes else []


def _change_comment(stamp: str, changes: list[str]) -> list[Block]:
    return [
        Para([f"Inspector の検出結果が更新されました（{stamp}）。変更点:"]),
        *_change_lines(changes),
        Para(["課題の説明を最新の内容に更新しました。"]),
    ]


def _close_comment(f: Finding, stamp: str, suppressed: bool, changes: list[str], resolution: str) -> list[Block]:
    done = f"課題を完了にします（完了理由: {resolution}）。" if resolution else "課題を完了にします。"
    if suppressed:
        head = f"Inspector でこの検出結果が抑制されました（{stamp}）。{done}"
    else:
        # Inspector closes a finding when the problem is fixed, but also when the resource is deleted or no longer
        # scanned: the comment says only what is known
        head = (
            f"Inspector でこの検出結果がクローズされました（{stamp}）。Inspector で検出されなくなったため、{done}"
            "修正の反映のほか、リソースの削除やスキャン対象外への変更でもクローズされます。"
        )
    return [Para([head]), *_change_lines(changes)]


def _reopen_comment(stamp: str, changes: list[str]) -> list[Block]:
    return [
        Para([f"Inspector で同じ問題が再び検出されました（{stamp}）。課題を再オープンします。"]),
        *_change_lines(changes),
    ]
