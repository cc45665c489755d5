"""What the lifecycle leaves for later, and takes up again: pending records (a failed delivery keeps the finding it
was about), tombstones (a finding closed before it ever had an issue), and the fallback issue of an unreadable
input — one per input, claimed and recorded like a finding's issue, so a failed create is retried by
:meth:`Pending.retry_pending` from what its record keeps (the input, redacted).

A part of :class:`.lifecycle.Lifecycle` (a mixin: the state it uses is the lifecycle's).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..deliver.base import DeliveryError, IssueRef
from ..findings.model import Finding, Unparsed
from ..findings.parse import parse_finding
from ..render.redact import redact_value
from ..state import keys
from ..state.base import ConflictError, Record
from ..state.records import FindingRecord, status_for
from . import ownership, recovery
from .changes import fingerprint, snapshot
from .outcome import Outcome

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..deliver.base import Sink
    from ..render.issue import IssueBuilder
    from ..state.base import StateStore
    from ..stats import Stats
    from .lifecycle import Lifecycle

log = logging.getLogger("inspector2backlog.lifecycle")

#: how long a finding closed before it ever had an issue is remembered, so that an older ACTIVE event delivered late
#: (SQS redelivery, EventBridge retries) does not open an issue for it; DynamoDB expires it through its TTL
TOMBSTONE_SECONDS = 30 * 86400.0
#: a fallback record keeps its input (redacted) for the retry only up to this many characters of JSON (what the
#: issue shows of it is shorter still; a DynamoDB item holds 400 KB); a bigger one is filed again only when the input
#: is delivered again
FALLBACK_INPUT_LIMIT = 60_000
_INPUT = "pending_input"


def decision_of(data: dict) -> dict:
    """A two-way decision (:mod:`..twoway`) outlives the Inspector updates that follow it."""
    return {"decision": data["decision"]} if "decision" in data else {}


class Pending:
    if TYPE_CHECKING:  # the lifecycle's state and the transitions this part hands over to
        store: StateStore
        sink: Sink
        builder: IssueBuilder
        stats: Stats
        clock: Callable[[], float]
        group_by: str
        digest: Any
        claim_timeout: float
        index_lag: float

        def handle(self, f: Finding) -> Outcome: ...
        def _write_group(self, gkey: str) -> Outcome | None: ...
        def _skip(self, key: str, reason: str) -> Outcome: ...
        def _fail(self, key: str, err: Exception) -> Outcome: ...

    # ---- retries ---------------------------------------------------------------------------------------------
    def retry_pending(self) -> list[Outcome]:
        """Re-run every record left pending (or claimed long ago) by an earlier failure or crash: findings and
        fallback issues first, then group writes — from one scan of the store (a DynamoDB scan reads the whole
        table)."""
        out = []
        now = self.clock()
        groups = self.group_by != "finding" or self.digest is not None  # else groups left by an earlier mode wait
        stuck = []
        for rec in list(self.store.records("")):
            if not rec.key.startswith(keys.WORK_PREFIXES):
                continue
            if rec.phase == "pending" or (
                rec.phase == "claimed" and not recovery.claim_live(rec, now, self.claim_timeout)
            ):
                stuck.append(rec)
            elif rec.data.get("tombstone") and rec.data.get("expires_at", 0) <= now:
                self.store.delete(rec.key)  # the sweep also forgets expired tombstones (DynamoDB's TTL does too)
        for rec in stuck:
            if keys.is_finding(rec.key) and (f := self._pending_finding(rec)) is not None:
                out.append(self.handle(f))
            elif keys.is_fallback(rec.key) and (item := _pending_input(rec)) is not None:
                out.append(self._file_fallback(rec.key, item, ()))  # its input was stored redacted
        if groups:
            for rec in stuck:
                if keys.is_group(rec.key) and (res := self._write_group(rec.key)) is not None:
                    out.append(res)
        return out

    # ---- finding records -------------------------------------------------------------------------------------
    def _synced(self, rec: Record, f: Finding, ref: IssueRef, status: str | None = None) -> Record:
        snap = snapshot(f)
        return self.store.save(
            replace(
                rec,
                phase="synced",
                issue_key=ref.key,
                issue_id=ref.id,
                status=status or status_for(f.state),
                updated_at=f.updated_epoch,
                fingerprint=fingerprint(snap),
                data=ownership.record_data(f.source, snap),
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
        raw = FindingRecord.of(rec).pending_finding
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
            rec = rec or self.store.claim(keys.finding(f.arn), now=self.clock())
            self.store.save(
                replace(
                    rec,
                    phase="synced",
                    issue_key=None,
                    issue_id=None,
                    status=status_for(f.state),
                    updated_at=f.updated_epoch,
                    fingerprint="",
                    data=data,
                )
            )
        except ConflictError:  # someone else recorded this finding meanwhile: their state wins
            pass

    # ---- fallback issues -------------------------------------------------------------------------------------
    def fallback(self, item: Unparsed, secrets: tuple[str, ...] = ()) -> Outcome:
        """An unreadable input becomes one fallback issue (the same broken input re-delivered: still one), under the
        same rules as a finding's issue: claimed first, looked for when a create may have landed, and kept pending
        — with the input, redacted of ``secrets`` — when the create failed, so :meth:`retry_pending` files it."""
        raw = item.raw if isinstance(item.raw, str) else json.dumps(item.raw, sort_keys=True, default=str)
        key = keys.fallback(hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:32])
        self.stats.add("fallbacks")
        log.error("unparseable input", extra={"origin": item.origin, "error": item.error})
        return self._file_fallback(key, item, secrets)

    def _file_fallback(self, key: str, item: Unparsed, secrets: tuple[str, ...]) -> Outcome:
        store, now = self.store, self.clock()
        lc: Lifecycle = self  # type: ignore[assignment]  # a Pending is always a Lifecycle
        rec = store.get(key)
        if rec is not None and rec.issue_key:
            return Outcome("skipped", key, rec.issue_key, "同じ解析失敗の入力は課題作成済みです")
        kept = _input_data(item, secrets)
        span = None
        try:
            if rec is None:
                rec = store.claim(key, now=now, data={**recovery.claim_data(None, now, self.claim_timeout), **kept})
            elif recovery.claim_live(rec, now, self.claim_timeout):
                return recovery.held(lc, key, recovery.deadline(rec, self.claim_timeout))
            else:
                span = recovery.span_of(rec, self.claim_timeout)
                rec = store.save(
                    replace(
                        rec,
                        phase="claimed",
                        claimed_at=now,
                        data={
                            **rec.data,
                            **recovery.claim_data(None, now, self.claim_timeout),
                            **({recovery.UNVERIFIED: list(span)} if span else {}),
                            **kept,
                        },
                    )
                )
        except ConflictError:
            return recovery.held(lc, key, now + self.claim_timeout)
        try:
            return self._fallback_claimed(lc, key, rec, span, item, secrets)
        except ConflictError:  # another worker took the record over meanwhile: theirs to finish
            return recovery.held(lc, key, now + self.claim_timeout)

    def _fallback_claimed(
        self,
        lc: Lifecycle,
        key: str,
        rec: Record,
        span: tuple[float, float] | None,
        item: Unparsed,
        secrets: tuple[str, ...],
    ) -> Outcome:
        store, now, started = self.store, self.clock(), None
        try:
            ref = recovery.find(lc, key, span, now) if span else None
            if ref is None and span and now < span[1] + self.index_lag:
                store.save(replace(rec, phase="pending"))
                return recovery.waiting(lc, key, span[1] + self.index_lag)
            if ref is None:
                started = self.clock()
                ref = self.sink.create(self.builder.fallback(item, secrets, key))
                self.stats.add("issues_created")
        except DeliveryError as e:
            error = {**rec.data, "error": str(e)[:500]}
            if started is not None and e.maybe_applied:
                store.save(replace(rec, phase="pending", data=recovery.note_unverified(error, started, self.clock())))
            elif span:  # an earlier create may still be out there: keep the record, so the next attempt looks first
                store.save(replace(rec, phase="pending", data=error))
            elif _INPUT in rec.data:  # certainly not filed: the pending sweep files it (no look-up needed)
                store.save(replace(rec, phase="pending", data={**error, "maybe_applied": False}))
            else:
                store.delete(key)  # nothing was filed, nothing kept: the next delivery of this input tries again
            self.stats.add("delivery_failures")
            log.error("fallback delivery failed", extra={"key": key, "error": str(e)})
            return Outcome("failed", key, reason=str(e))
        store.save(replace(rec, phase="synced", issue_key=ref.key, issue_id=ref.id, status="FALLBACK", data={}))
        return Outcome("created", key, ref.key, "fallback")


def _input_data(item: Unparsed, secrets: tuple[str, ...]) -> dict[str, Any]:
    """What a fallback record keeps of its input for the retry: ``{}`` when it is too big to keep."""
    kept = {"origin": item.origin, "error": item.error, "raw": redact_value(item.raw, secrets)}
    try:
        size = len(json.dumps(kept, ensure_ascii=False, default=str))
    except (TypeError, ValueError, RecursionError):
        return {}
    return {_INPUT: kept} if size <= FALLBACK_INPUT_LIMIT else {}


def _pending_input(rec: Record) -> Unparsed | None:
    kept = rec.data.get(_INPUT)
    if not isinstance(kept, dict):
        return None
    return Unparsed(str(kept.get("origin") or ""), str(kept.get("error") or ""), kept.get("raw"))
