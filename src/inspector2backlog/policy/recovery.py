"""Creates whose outcome is unknown, and claims whose worker died: never filed twice, never lost.

A create that may have landed (a timeout, a 5xx, a lost answer) is *unverified*: its record keeps
``data["unverified"] = [since, at]`` — the earliest and the latest moment the issue can have been created. A claim
records the finding it is for and a deadline (``[state] claim_timeout_seconds``); past the deadline its worker is
taken for dead and the claim counts as an unverified create from ``claimed_at`` to the deadline.

Before an unverified create is filed again it is looked for by every route of :mod:`..deliver.lookup` (exact
comparison). A hit is adopted. "Not there" is believed only once ``at + [backlog] index_lag_seconds`` has passed
(Backlog's search index may not show a new issue yet): before that the record stays pending with the finding and
the outcome says ``unfinished="waiting"``. A finding whose live claim is held by another worker is
``unfinished="held"``: the input must be delivered again (``send`` exits 1, Lambda reports a batch-item failure).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..deliver.base import DeliveryError
from ..findings.timestamps import JST
from ..state import keys
from ..state.base import Record
from ..state.records import ACTIVE
from .outcome import Outcome

if TYPE_CHECKING:
    from ..findings.model import Finding
    from .lifecycle import Lifecycle

log = logging.getLogger("inspector2backlog.recovery")

UNVERIFIED = "unverified"
DEADLINE = "claim_deadline"


# ---- record fields -----------------------------------------------------------------------------------------------


def claim_data(f: Finding | None, now: float, timeout: float) -> dict[str, Any]:
    """What a claim records: its deadline and (for a finding) the finding, so that anyone can finish it."""
    data: dict[str, Any] = {DEADLINE: now + timeout}
    if f is not None:
        data["pending_finding"] = json.dumps(f.raw, ensure_ascii=False, default=str)
    return data


def deadline(rec: Record, timeout: float) -> float:
    return float(rec.data.get(DEADLINE) or rec.claimed_at + timeout)


def claim_live(rec: Record, now: float, timeout: float) -> bool:
    """A claim whose worker may still be at work."""
    return rec.phase == "claimed" and now < deadline(rec, timeout)


def note_unverified(data: dict, since: float, at: float) -> dict:
    """``data`` with the span ``[since, at]`` merged into the unverified span it already has."""
    old = data.get(UNVERIFIED)
    if old:
        since, at = min(since, float(old[0])), max(at, float(old[1]))
    return {**data, UNVERIFIED: [since, at], "maybe_applied": True}


def span_of(rec: Record, timeout: float, *, lock: float = 0.0) -> tuple[float, float] | None:
    """When an issue for ``rec`` (no issue key yet) can have been created: ``None`` when certainly never. ``lock``:
    a group write lock left by a worker that died (its create ran from the lock to the lock's expiry)."""
    old = rec.data.get(UNVERIFIED)
    span = (float(old[0]), float(old[1])) if old else None
    if rec.phase == "claimed" or lock:
        start = lock if lock > 1.0 else rec.claimed_at  # 1.0: the lock an older version left after a failure
        end = deadline(rec, timeout) if rec.phase == "claimed" else start + timeout
        span = (min(span[0], start), max(span[1], end)) if span else (start, end)
    legacy = rec.data.get("pending_action") == "create" or keys.is_fallback(rec.key)
    if span is None and rec.phase == "pending" and legacy and rec.data.get("maybe_applied") is not False:
        span = (rec.claimed_at, rec.claimed_at)  # an older version's pending create: no times recorded
    return span


# ---- outcomes ----------------------------------------------------------------------------------------------------


def held(lc: Lifecycle, key: str, until: float) -> Outcome:
    lc.stats.add("claims_held")
    return Outcome(
        "skipped",
        key,
        reason=f"別の処理が課題を作成中です（{_hhmm(until)} まで待ってから再処理します）",
        unfinished="held",
    )


def waiting(lc: Lifecycle, key: str, ready: float) -> Outcome:
    lc.stats.add("unverified_waits")
    return Outcome(
        "skipped",
        key,
        reason=f"前回の作成が反映されたか確認中です（{_hhmm(ready)} 以降に再確認し、なければ作成します）",
        unfinished="waiting",
    )


def _hhmm(ts: float) -> str:
    return datetime.fromtimestamp(ts, JST).strftime("%H:%M:%S")


# ---- findings ----------------------------------------------------------------------------------------------------


def recover_create(lc: Lifecycle, f: Finding, rec: Record) -> Outcome:
    """A finding record without an issue that is not claimed by a live worker: take it over, look for what an
    earlier create may have filed, and file it only when every route says "not there" after the index window."""
    now = lc.clock()
    pending = lc._pending_finding(rec)
    if pending is not None and pending.updated_epoch > f.updated_epoch:
        f = pending  # the newer state wins
    span = span_of(rec, lc.claim_timeout)
    data = claim_data(f, now, lc.claim_timeout)
    rec = lc.store.save(
        replace(
            rec,
            phase="claimed",
            claimed_at=now,
            data={  # a conflict: someone moved first
                **rec.data,
                **data,
                **({UNVERIFIED: list(span)} if span else {}),
            },
        )
    )
    if span is not None:
        ready = span[1] + lc.index_lag
        try:
            ref = find(lc, f.arn, span, now)
        except DeliveryError as e:
            lc._pend(rec, f, "create", e)
            return lc._fail(rec.key, e)
        if ref is not None:
            lc.stats.add("recovered")
            log.info("adopted an issue an earlier create filed", extra={"finding_arn": f.arn, "issue_key": ref.key})
            return lc._follow(f, lc._synced(rec, f, ref, status=ACTIVE))
        if now < ready:  # the index may not show it yet: keep it pending, with the finding
            lc.store.save(replace(rec, phase="pending", data={**rec.data, "pending_action": "create"}))
            return waiting(lc, rec.key, ready)
    if f.state != "open":
        lc._tombstone(f, rec)  # a late copy of the failed ACTIVE event must not create it after all
        return lc._skip(rec.key, "作成前にクローズされました")
    return lc._create(f, rec)


def find(lc: Lifecycle, key: str, span: tuple[float, float], now: float) -> Any:
    """``sink.find`` — skipped (``None``) while an earlier look-up by this worker found nothing and the index window
    is still open: "not there" would mean nothing yet, and Backlog's search budget is small."""
    ready = span[1] + lc.index_lag
    if lc._missed.get(key, 0.0) > now:
        return None
    ref = lc.sink.find(key, since=span[0])
    if ref is None and now < ready:
        lc._missed[key] = ready
    else:
        lc._missed.pop(key, None)
    return ref


# ---- groups ------------------------------------------------------------------------------------------------------


def look_up_group(lc: Lifecycle, gkey: str, rec: Record, span: tuple[float, float]) -> Outcome | bool:
    """A group issue an earlier create may have filed: ``True`` when found and adopted, ``False`` when it may be
    created now, or the outcome to report (a failed look-up, or waiting for the index)."""
    try:
        ref = find(lc, gkey, span, lc.clock())
    except DeliveryError as e:
        return lc._group_failed(rec, e)
    if ref is not None:
        lc.stats.add("recovered")
        log.info("adopted a group issue an earlier create filed", extra={"key": gkey, "issue_key": ref.key})
        data = {k: v for k, v in rec.data.items() if k not in ("lock", UNVERIFIED)}
        lc._quiet_save(replace(rec, issue_key=ref.key, issue_id=ref.id, status="ACTIVE", data=data))
        return True
    ready = span[1] + lc.index_lag
    if lc.clock() < ready:
        data = {k: v for k, v in rec.data.items() if k != "lock"}
        lc._quiet_save(replace(rec, phase="pending", data={**data, UNVERIFIED: list(span)}))
        return waiting(lc, gkey, ready)
    return False
