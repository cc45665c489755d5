"""Which source owns a finding record, when the same finding arrives natively and through an aggregator.

The same Inspector / GuardDuty / Access Analyzer finding may arrive from its own service (*native*) and as a copy
through Security Hub (a source whose ``aggregates`` is true); both share one state record, keyed by the product's
own finding id (``sources/securityhub/identity.py``). The record remembers the source that last wrote it
(``data["source"]``; a record written before sources existed is Inspector's). The rule, when both paths are
enabled:

* **the native path wins**: its content updates apply (severity, resources …: one comment), and a native finding
  takes over a record the aggregator created (without a comment: the two snapshots are not comparable);
* **an aggregator's copy of a natively owned finding** changes only the lifecycle's close — it may close the issue
  (a Security Hub ``ARCHIVED`` / ``RESOLVED`` / ``SUPPRESSED``), but never rewrites the body and never reopens an issue
  the native path closed (a copy lags the native state; a real re-occurrence arrives natively);
* a snapshot of another source is never compared with one of the owner's: a different format is no material change,
  so copies arriving interleaved with the native events write nothing.

When the native source is disabled (``[sources.<name>] enabled = false``), the aggregator's copies own the finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .. import sources
from ..deliver.base import DeliveryError, IssueRef
from ..findings.timestamps import jst
from ..state.base import Record
from ..state.records import is_open, status_for
from .outcome import Outcome
from .per_source import close_comment_for

if TYPE_CHECKING:
    from ..findings.model import Finding
    from .lifecycle import Lifecycle

SOURCE_KEY = "source"  # where a finding record keeps the source that last wrote it


def owner_of(rec: Record) -> str:
    """The source that last wrote ``rec`` (records from before sources: Inspector's)."""
    return str(rec.data.get(SOURCE_KEY) or sources.DEFAULT)


def aggregates(name: str) -> bool:
    return bool(getattr(sources.get(name), "aggregates", False))


def is_copy(incoming: str, rec: Record, enabled: Callable[[str], bool]) -> bool:
    """Whether a finding from ``incoming`` is an aggregator's copy of a finding ``rec``'s native source owns (and that
    source is still enabled): it may then only close the issue."""
    owner = owner_of(rec)
    return incoming != owner and aggregates(incoming) and not aggregates(owner) and enabled(owner)


def comparable(incoming: str, rec: Record) -> bool:
    """Whether the record's snapshot was written by ``incoming`` (only then is a difference a material change)."""
    return owner_of(rec) == incoming


def record_data(source: str, snapshot: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A finding record's data: its snapshot and the source that wrote it."""
    return {"snapshot": snapshot, SOURCE_KEY: source, **more}


def follow_copy(lc: Lifecycle, f: Finding, rec: Record) -> Outcome:
    """An aggregator's copy ``f`` of the finding ``rec``'s native source owns: it closes an open issue (keeping the
    owner's snapshot, so the next native event is compared with its own), and does nothing else."""
    owner = sources.get(owner_of(rec)).label
    when = f.updated_epoch
    if rec.phase != "pending" and when < rec.updated_at:
        return lc._skip(rec.key, "古い通知です（より新しい状態を反映済み）")
    if f.state == "open" or not is_open(rec.status):
        return lc._skip(rec.key, f"{sources.get(f.source).label} 経由の写しです（{owner} からの通知を優先します）")
    if not lc.sink.supports_lifecycle:
        return lc._skip(rec.key, f"{lc.sink.name} は作成のみ対応のため送信しません")
    ref = IssueRef(rec.issue_key or "", rec.issue_id)
    stamp = jst(f.updated_at or f.last_observed)
    try:
        lc.close_issue(ref, f, close_comment_for(f, stamp, [], lc._closing(f), sources.get(f.source).label))
    except DeliveryError as e:
        lc._pend(rec, f, "follow", e)
        return lc._fail(rec.key, e)
    lc.stats.add("closed")
    data = {k: v for k, v in rec.data.items() if not k.startswith("pending_") and k not in ("error", "maybe_applied")}
    lc.store.save(
        replace(rec, phase="synced", status=status_for(f.state), updated_at=max(rec.updated_at, when), data=data)
    )
    return Outcome("closed", rec.key, rec.issue_key)
