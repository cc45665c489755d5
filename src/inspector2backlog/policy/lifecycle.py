"""The issue lifecycle, keyed by finding ARN in the state store.

    new ACTIVE finding          → claim the record, create the issue, save (crash in between → recovered by ARN)
    material change             → one comment saying what changed (and the description refreshed)
    timestamp-only re-send      → state updated, no Backlog call
    exact re-delivery / older   → nothing (out-of-order deliveries never undo newer state)
    CLOSED                      → comment + status closed
    SUPPRESSED                  → comment + closed with the configured resolution
    ACTIVE again after closing  → reopen + comment

A delivery that fails after the transport's retries leaves the record ``pending`` with the finding it was about, so
the next run (or the next Lambda invocation) retries it; the failure is raised, never swallowed.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from ..deliver.base import DeliveryError, IssueRef, Sink
from ..findings.model import Finding
from ..findings.parse import parse_finding
from ..findings.timestamps import jst
from ..render.doc import Block, Bullets, Para
from ..render.issue import IssueBuilder
from ..state.base import ConflictError, Record, StateStore
from ..stats import Stats
from .changes import describe, fingerprint, snapshot
from .filters import rejection

if TYPE_CHECKING:
    from ..config import FilterConfig

log = logging.getLogger("inspector2backlog.lifecycle")

STALE_CLAIM_SECONDS = 900.0


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str  # created | updated | closed | reopened | touched | skipped | failed
    key: str
    issue_key: str | None = None
    reason: str = ""

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
        filters: "FilterConfig | None" = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.sink = sink
        self.builder = builder
        self.stats = stats or Stats()
        self.filters = filters
        self.clock = clock

    # ---- one finding -----------------------------------------------------------------------------------------
    def handle(self, f: Finding) -> Outcome:
        key = record_key(f)
        for _ in range(3):  # a lost conditional write means someone else moved first: decide again
            try:
                return self._handle(f, key)
            except ConflictError:
                continue
        return self._skip(key, "同時更新が続いたため処理を見送りました（次回の配信で再処理されます）")

    def _handle(self, f: Finding, key: str) -> Outcome:
        rec = self.store.get(key)
        if rec is None:
            if f.status != "ACTIVE":
                return self._skip(key, f"課題のない検出結果の {f.status} 通知です")
            reason = rejection(f, self.filters)
            if reason:
                return self._skip(key, reason)
            rec = self.store.claim(key, now=self.clock())
            return self._create(f, rec)
        if rec.issue_key is None:  # claimed or pending create
            if rec.phase == "claimed" and self.clock() - rec.claimed_at < STALE_CLAIM_SECONDS and not rec.data.get("error"):
                return self._skip(key, "別の処理が課題を作成中です")
            return self._recover_create(f, rec)
        return self._follow(f, rec)

    # ---- transitions -----------------------------------------------------------------------------------------
    def _create(self, f: Finding, rec: Record) -> Outcome:
        issue = self.builder.build(f)
        try:
            ref = self.sink.create(issue)
        except DeliveryError as e:
            self._pend(rec, f, "create", e)
            return self._fail(rec.key, e)
        self.stats.add("issues_created")
        self._synced(rec, f, ref)
        return Outcome("created", rec.key, ref.key)

    def _recover_create(self, f: Finding, rec: Record) -> Outcome:
        """A create that may have happened (crash, timeout): look for the issue by ARN before creating another."""
        try:
            ref = self.sink.find(f.arn)
        except DeliveryError as e:
            self._pend(rec, f, "create", e)
            return self._fail(rec.key, e)
        if ref is None:
            if f.status != "ACTIVE":
                self.store.delete(rec.key)
                return self._skip(rec.key, "作成前にクローズされました")
            return self._create(f, rec)
        self.stats.add("recovered")
        log.info("adopted an issue created before a crash", extra={"finding_arn": f.arn, "issue_key": ref.key})
        rec = self._synced(rec, f, ref, status="ACTIVE")
        return self._follow(f, rec)

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
        elif when < rec.updated_at:
            f = self._pending_finding(rec) or f  # retry the newer pending change, not this older one
            snap, fp, when = snapshot(f), fingerprint(snapshot(f)), f.updated_epoch
        if not self.sink.supports_lifecycle:
            self.store.save(replace(rec, phase="synced", status=f.status, updated_at=when, fingerprint=fp,
                                    data={"snapshot": snap}))
            return self._skip(rec.key, f"{self.sink.name} は作成のみ対応のため送信しません")
        ref = IssueRef(rec.issue_key or "", rec.issue_id)
        old_snap = rec.data.get("snapshot") or {}
        changes = describe(old_snap, snap)
        stamp = jst(f.updated_at or f.last_observed)
        try:
            if f.status in ("CLOSED", "SUPPRESSED") and rec.status == "ACTIVE":
                suppressed = f.status == "SUPPRESSED"
                self.sink.close(ref, _close_comment(f, stamp, suppressed, changes), suppressed=suppressed)
                action = "closed"
            elif f.status == "ACTIVE" and rec.status in ("CLOSED", "SUPPRESSED"):
                self.sink.reopen(ref, self.builder.build(f), _reopen_comment(stamp, changes))
                action = "reopened"
            elif changes:
                self.sink.update(ref, self.builder.build(f), _change_comment(stamp, changes))
                action = "updated"
            else:  # closed → suppressed and the like: nothing to tell people
                action = "touched"
        except DeliveryError as e:
            self._pend(rec, f, "follow", e)
            return self._fail(rec.key, e)
        self.stats.add({"closed": "closed", "reopened": "reopened", "updated": "comments"}.get(action, "timestamp_only"))
        self.store.save(replace(rec, phase="synced", status=f.status, updated_at=when, fingerprint=fp,
                                data={"snapshot": snap}))
        return Outcome(action, rec.key, rec.issue_key)

    # ---- retries ---------------------------------------------------------------------------------------------
    def retry_pending(self) -> list[Outcome]:
        """Re-run every record left pending (or claimed long ago) by an earlier failure or crash."""
        out = []
        now = self.clock()
        for rec in list(self.store.records("finding:")):
            stale_claim = rec.phase == "claimed" and now - rec.claimed_at >= STALE_CLAIM_SECONDS
            if rec.phase != "pending" and not stale_claim:
                continue
            f = self._pending_finding(rec)
            if f is None:
                continue
            out.append(self.handle(f))
        return out

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _synced(self, rec: Record, f: Finding, ref: IssueRef, status: str | None = None) -> Record:
        snap = snapshot(f)
        return self.store.save(replace(
            rec, phase="synced", issue_key=ref.key, issue_id=ref.id, status=status or f.status,
            updated_at=f.updated_epoch, fingerprint=fingerprint(snap), data={"snapshot": snap},
        ))

    def _pend(self, rec: Record, f: Finding, what: str, err: Exception) -> None:
        data = dict(rec.data)
        data.update({"pending_finding": json.dumps(f.raw, ensure_ascii=False, default=str), "error": str(err)[:500],
                     "pending_action": what})
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

    def _skip(self, key: str, reason: str) -> Outcome:
        self.stats.add("skipped")
        return Outcome("skipped", key, reason=reason)

    def _fail(self, key: str, err: Exception) -> Outcome:
        self.stats.add("delivery_failures")
        log.error("delivery failed", extra={"key": key, "error": str(err)})
        return Outcome("failed", key, reason=str(err))


# ---- comments (small documents, rendered in the target's markup) --------------------------------------------------


def _change_lines(changes: list[str]) -> list[Block]:
    return [Bullets([[c] for c in changes])] if changes else []


def _change_comment(stamp: str, changes: list[str]) -> list[Block]:
    return [Para([f"Inspector の検出結果が更新されました（{stamp}）。変更点:"]), *_change_lines(changes),
            Para(["課題の説明を最新の内容に更新しました。"])]


def _close_comment(f: Finding, stamp: str, suppressed: bool, changes: list[str]) -> list[Block]:
    if suppressed:
        head = f"Inspector でこの検出結果が抑制されました（{stamp}）。課題を完了にします（完了理由: 対応しない）。"
    else:
        head = f"Inspector でこの検出結果がクローズされました（{stamp}）。脆弱性が解消されたため、課題を完了にします。"
    return [Para([head]), *_change_lines(changes)]


def _reopen_comment(stamp: str, changes: list[str]) -> list[Block]:
    return [Para([f"Inspector でこの検出結果が再び検出されました（{stamp}）。課題を再オープンします。"]),
            *_change_lines(changes)]
