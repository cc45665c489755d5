"""The lifecycle of grouped findings: routing a finding into its groups (or its digest), recording member changes
in the group records, and the one Backlog write per changed group (create, update, close or reopen).

A part of :class:`.lifecycle.Lifecycle` (a mixin: the state it uses is the lifecycle's). See the lifecycle's module
docstring for the rules; the comment texts are :func:`..render.comments.group_comment`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from ..deliver.base import DeliveryError, IssueRef
from ..findings.model import Finding
from ..render.comments import group_comment
from ..render.group import build_group_issue, lead_info
from ..render.members import shown_members, top_severity
from ..state.base import ConflictError, Record
from ..state.records import (
    ACTIVE,
    CLOSED,
    GroupRecord,
    count_resolved,
    is_open,
    members_data,
    members_of,
    status_for,
)
from . import digest as digest_policy, grouping, ownership, recovery, risk as risk_policy
from .changes import fingerprint, snapshot
from .echo import note_joined, take
from .outcome import Outcome, rank

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config import DigestConfig, RiskConfig
    from ..deliver.base import Sink
    from ..render.issue import IssueBuilder
    from ..state.base import StateStore
    from ..stats import Stats
    from .plan import Planner

log = logging.getLogger("inspector2backlog.lifecycle")


def without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


class GroupWrites:
    if TYPE_CHECKING:  # the lifecycle's state and the transitions this part hands over to
        store: StateStore
        sink: Sink
        builder: IssueBuilder
        stats: Stats
        clock: Callable[[], float]
        group_by: str
        project: str
        digest: DigestConfig | None
        risk: RiskConfig | None
        planner: Planner
        coalesce_seconds: float
        claim_timeout: float
        resolutions: dict[bool, str]
        _ops: dict[str, list[tuple]]
        _staged: dict[str, tuple[Record | None, Record]]

        def _create(self, f: Finding, rec: Record) -> Outcome: ...
        def project_for(self, f: Finding) -> str: ...
        def _skip(self, key: str, reason: str) -> Outcome: ...
        def _fail(self, key: str, err: Exception) -> Outcome: ...

    # ---- grouped findings: routing and per-finding decisions --------------------------------------------------
    def _route(self, f: Finding) -> list[str]:
        """Where a new finding goes: its digest, its groups, or ``[]`` (its own issue)."""
        if digest_policy.below(f, self.digest):
            assert self.digest is not None
            return [digest_policy.digest_key(self.project_for(f), self.clock(), self.digest.period)]
        return grouping.group_keys(f, self.group_by, self.project_for(f))

    def _reroute(self, f: Finding, old: list[str]) -> list[str] | None:
        """Groups of a finding already filed in ``old`` (``None`` = it now needs its own issue). Only upwards: a
        digested finding whose severity rose leaves the digest; nothing moves down into it."""
        if not old:
            return old
        kind = grouping.group_kind(old[0])
        project = old[0].split(":", 3)[2] if old[0].count(":") >= 3 else self.project
        if kind == "digest":
            if f.state != "open" or self.digest is None or digest_policy.below(f, self.digest):
                return old
            return grouping.group_keys(f, self.group_by, project) or None
        if f.state != "open":
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
            status=status_for(f.state),
            updated_at=f.updated_epoch,
            fingerprint=fingerprint(snap),
            data=ownership.record_data(f.source, snap, groups=groups),
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
        if status_for(f.state) == rec.status and fp == rec.fingerprint:
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
        if f.state == "open" and not any(op[0] == "put" and op[3] is not None for op in ops):
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
        decided: list[bool] = []

        def apply(rec: Record | None) -> Record | None:
            members = members_of(rec.data) if rec else {}
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
                return None
            base = rec or Record(gkey)
            data = {
                **base.data,
                "kind": grouping.group_kind(gkey),
                "members": members_data(members),
                "lead": lead or {},
                **({"decision": dec} if dec else {}),
            }
            decided[:] = [bool(dec)]
            phase = "pending" if grouping.needs_write(members) else "synced"
            updated = max((m.updated for m in members.values()), default=base.updated_at)
            return replace(base, phase=phase, data=data, updated_at=updated)

        try:
            saved = self.store.update(gkey, apply, 8, now=self.clock())
        except ConflictError:
            log.error("group record kept changing; member changes not recorded", extra={"key": gkey})
            self.stats.add("group_conflicts")
            return False
        if saved is not None and any(decided):
            note_joined(self.store, saved, self.clock())
        return saved

    def _group_issue(self, gkey: str, data: dict) -> Any:
        kind = grouping.group_kind(gkey)
        plan = self.planner.for_group(kind, shown_members(data), data)
        below = self.digest.below_severity if self.digest is not None else ""
        return build_group_issue(gkey, kind, data, self.builder, plan, digest_below=below)

    def _write_group(self, gkey: str) -> Outcome | None:
        """Bring one group's Backlog issue in line with its members: create, update, close or reopen — one write."""
        result: Outcome | None = None
        for _ in range(6):
            rec = self.store.get(gkey)
            if rec is None:
                return result
            members = members_of(rec.data)
            d = grouping.delta(members)
            active = bool(grouping.active_members(members))
            now = self.clock()
            lock = GroupRecord.of(rec).lock
            locked = bool(lock) and now - lock < self.claim_timeout
            if rec.issue_key is None:
                if not active:
                    if rec.phase != "synced" or lock:
                        self._quiet_save(replace(rec, phase="synced", data=without(rec.data, "lock", "error")))
                    return result
                if locked:
                    return result or recovery.held(self, gkey, lock + self.claim_timeout)  # type: ignore[arg-type]
                span = recovery.span_of(rec, self.claim_timeout, lock=lock)
                if span is not None:  # a create that may have landed (or died): look for it before another
                    found = recovery.look_up_group(self, gkey, rec, span)  # type: ignore[arg-type]
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
                committed = self._commit_group(gkey, written, ACTIVE, ref)
                result = Outcome("created", gkey, ref.key)
            else:
                if d.empty:
                    if rec.phase != "synced" or lock:
                        self._quiet_save(replace(rec, phase="synced", data=without(rec.data, "lock", "error")))
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
                status = ACTIVE if active else CLOSED
                try:
                    if not self.sink.supports_lifecycle:
                        action = "touched"
                    elif is_open(rec.status) and not active:
                        self.sink.close(
                            ref,
                            group_comment(kind, d, transition="close", resolution=self.resolutions[d.all_suppressed]),
                            suppressed=d.all_suppressed,
                        )
                        action = "closed"
                    elif not is_open(rec.status) and active:
                        self.sink.reopen(
                            ref, self._group_issue(gkey, rec.data), group_comment(kind, d, transition="reopen")
                        )
                        action = "reopened"
                    elif active:
                        self.sink.update(ref, self._group_issue(gkey, rec.data), group_comment(kind, d))
                        action = "updated"
                    else:
                        action = "touched"
                except DeliveryError as e:
                    return self._group_failed(rec, e)
                if action != "touched":
                    self.stats.add({"closed": "closed", "reopened": "reopened", "updated": "comments"}[action])
                committed = self._commit_group(gkey, written, status, None)
                if result is None or rank(action) < rank(result.action):
                    result = Outcome(action, gkey, rec.issue_key)
            if committed is None or committed.phase != "pending":
                return result  # else: members changed while we wrote (another worker) — write once more
        return result

    def _commit_group(self, gkey: str, written: dict, status: str, ref: IssueRef | None) -> Record | None:
        """Record what Backlog now shows (members → written marks; told-about inactive members pruned)."""

        def commit(rec: Record | None) -> Record | None:
            if rec is None:
                return None
            old = members_of(rec.data)
            members = grouping.commit_written(old, written)
            pruned = [m for arn, m in old.items() if arn not in members]
            data = {
                **without(rec.data, "lock", "error", recovery.UNVERIFIED),
                "members": members_data(members),
                "resolved": count_resolved(rec.data.get("resolved") or {}, pruned),
                "written_at": self.clock(),
            }
            actives = grouping.active_members(members)
            if actives:
                data["last_severity"] = top_severity(actives)
            phase = "pending" if grouping.needs_write(members) else "synced"
            new = replace(rec, phase=phase, status=status, data=data)
            if ref is not None:
                new = replace(new, issue_key=ref.key, issue_id=ref.id)
            return new

        try:
            return self.store.update(gkey, commit, 8)
        except ConflictError:
            log.error("could not record a group write", extra={"key": gkey})
            return None

    def _group_failed(self, rec: Record, err: DeliveryError, *, started: float | None = None) -> Outcome:
        data = {**without(rec.data, "lock"), "error": str(err)[:500]}
        if started is not None:  # the create may have landed: looked for before any other create
            data = recovery.note_unverified(data, started, self.clock())
        self._quiet_save(replace(rec, phase="pending", data=data))
        return self._fail(rec.key, err)

    def _quiet_save(self, rec: Record) -> None:
        try:
            self.store.save(rec)
        except ConflictError:  # someone else moved on: their state wins
            pass
