"""``inspector2backlog sync``: bring Backlog in line with what each source lists now.

    every listed finding             → the lifecycle, unchanged (creates missing open ones, closes closed /
                                       archived ones, skips duplicates, filtered-out and unchanged ones)
    a tracked ACTIVE Inspector
    finding that the complete
    listing did not contain          → its issue is closed as gone (only when the listing covered it)

Sources: ``[sync] sources`` (default Inspector only) or ``sync --source NAME`` (repeatable), each listed by its own
:meth:`~..sources.base.Source.lister` in every region of ``[sync] regions`` (default the session's region), for
``[sync] accounts``; a source whose ``[sources.<name>] enabled = false`` is not listed. Inspector: ``ListFindings``
with ``[sync] filter_criteria`` (plus an ``awsAccountId`` filter for the accounts); GuardDuty, Access Analyzer,
Security Hub: see their ``lister`` modules. Ids seen once are not handled twice (copies across pages, regions,
sources — an Inspector finding listed natively and through Security Hub — and the delegated administrator's view).

Gone-closes are Inspector's alone: GuardDuty, Access Analyzer and Security Hub list archived and resolved findings
too, so their issues close by the finding's own state; a finding one of them no longer lists at all proves nothing
(GuardDuty drops findings after 90 days). An Inspector gone-close needs a listing that covered the record: only
Inspector records of a completely listed region, of a listed account, tracked before that listing began (a
concurrent event-driven run may have just created one), and only when ``filter_criteria`` narrows nothing but the
accounts — a record missing from a narrowed listing proves nothing.

Resumable per source and region: after each page the lister's next token is saved in the state store
(:func:`..state.keys.sync_checkpoint`; Inspector also saves the page's ARNs, :func:`..state.keys.sync_seen`, so the
gone-check of a resumed region still knows what was listed before the interruption); an interrupted run continues
from there. They are removed when every region of every listed source is complete. Re-processing a page is
harmless: the lifecycle ignores what it has already applied.

Paced: an optional minimum interval between Backlog writes, and a pause until the reset when the ``update`` bucket is
used up (the Backlog client also waits on 429); ``api_interval`` spaces the listers' AWS calls. :func:`estimate_text`
states the time the writes need.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .. import sources
from ..deliver.paced import PacedSink, live_update_limit, paced
from ..errors import SYNC, Inspector2BacklogError
from ..findings.model import Finding, Unparsed
from ..findings.parse import finding_or_unparsed
from ..sources.base import ListedPage, Lister
from ..state import keys
from ..state.base import ConflictError, Record, StateStore
from .outcome import Outcome
from .sync_gone import GoneCloser, Scope, build_criteria, listing_scope
from .sync_progress import rich_progress
from .sync_report import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_UPDATE_LIMIT,
    GONE,
    INSPECTOR,
    WRITE_ACTIONS,
    ListingOptions,
    RegionResult,
    SyncOptions,
    SyncProgress,
    SyncReport,
    _NoProgress,
    estimate_seconds,
    estimate_text,
    plain,
    plan_text,
)

if TYPE_CHECKING:
    from .lifecycle import Lifecycle

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_UPDATE_LIMIT",
    "GONE",
    "WRITE_ACTIONS",
    "ListingOptions",
    "PacedSink",
    "RegionResult",
    "Scope",
    "SyncError",
    "SyncOptions",
    "SyncProgress",
    "SyncReport",
    "Syncer",
    "build_criteria",
    "default_regions",
    "estimate_seconds",
    "estimate_text",
    "inspector_client",
    "listing_scope",
    "live_update_limit",
    "plan_text",
    "rich_progress",
    "sources_to_list",
]

log = logging.getLogger("inspector2backlog.sync")

#: the state keys of a resumable run (kept for callers of the older names)
CHECKPOINT_PREFIX = keys.SYNC_CHECKPOINT
SEEN_PREFIX = keys.SYNC_SEEN


class SyncError(Inspector2BacklogError):
    """The sync cannot start (no region, …). The message is for people and carries no secret."""

    kind = SYNC


# ---- the run ------------------------------------------------------------------------------------------------------


class Syncer:
    """One sync run over a :class:`Lifecycle` (whose store may be a dry-run overlay and sink a stdout sink).

    ``client_for(region)`` makes Inspector's boto3 client (default: boto3's own); the other sources' listers make
    theirs (boto3 honours ``AWS_ENDPOINT_URL_<SERVICE>``). ``listers`` replaces a source's lister (name → lister)."""

    def __init__(
        self,
        lifecycle: Lifecycle,
        options: SyncOptions,
        *,
        client_for: Callable[[str], Any] | None = None,
        progress: SyncProgress | None = None,
        fallback: Callable[[Unparsed], Outcome] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        listers: Mapping[str, Lister] | None = None,
    ) -> None:
        if not options.regions:
            raise SyncError(
                "一覧するリージョンがありません: [sync] regions か AWS_REGION を設定してください / no region"
            )
        unknown = [s for s in options.sources if s not in sources.names()]
        if unknown or not options.sources:
            raise SyncError(
                f"一覧できないソースです / unknown source: {', '.join(unknown) or '（なし）'}"
                f"（{', '.join(sources.names())} のいずれか）"
            )
        self.lifecycle = lifecycle
        self.options = options
        self.client_for = client_for
        self.progress = progress or _NoProgress()
        self.fallback = fallback  # Pipeline.fallback: an unreadable finding becomes a 【要確認】 issue
        self.clock = clock
        self.sleep = sleep
        self.listers = dict(listers or {})
        self.criteria = build_criteria(options.filter_criteria, options.accounts)
        self.scope = listing_scope(self.criteria)
        self._seen: set[str] = set()
        self._pages_this_run = 0

    @property
    def store(self) -> StateStore:
        return self.lifecycle.store

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.options.sources))

    def run(self) -> SyncReport:
        report = SyncReport(gone_note=self.scope.note if INSPECTOR in self.sources else "")
        if self.options.restart:
            self.clear_checkpoints()
        original = self.lifecycle.sink
        sink = self.lifecycle.sink = paced(original)  # the runtime's wrapper (wrapped here only when built bare)
        pacing = sink.pacing(
            min_interval=self.options.pace_seconds,
            max_wait=self.options.max_rate_wait_seconds,
            clock=self.clock,
            sleep=self.sleep,
        )
        try:
            with pacing:
                report.outcomes += self.lifecycle.retry_pending()  # what an earlier run left pending, as `send` does
                for source in self.sources:
                    lister = self.lister(source)
                    for region in dict.fromkeys(self.options.regions):
                        if self._budget_exhausted():
                            report.interrupted = True
                            break
                        report.regions.append(self._region(source, lister, region, report))
                        if report.interrupted:
                            break
                    if report.interrupted:
                        break
        finally:
            self.lifecycle.sink = original
        if report.complete:
            self.clear_checkpoints()
        return report

    def lister(self, source: str) -> Lister | None:
        if source in self.listers:
            return self.listers[source]
        o = self.options
        listing = ListingOptions(
            page_size=o.page_size,
            accounts=o.accounts,
            api_interval=o.api_interval,
            sleep=self.sleep,
            filter_criteria=self.criteria,
            client_for=self.client_for if source == INSPECTOR else None,
            apis=o.securityhub_apis,
        )
        lister: Lister | None = sources.get(source).lister(listing)
        return lister

    # ---- one region of one source ------------------------------------------------------------------------------
    def _region(self, source: str, lister: Lister | None, region: str, report: SyncReport) -> RegionResult:
        rr = RegionResult(region, source=source)
        if lister is None:
            rr.error = f"{source} は一覧できません / this source cannot be listed"
            return rr
        gone_check = source == INSPECTOR and self.scope.gone_check
        cp_key = keys.sync_checkpoint(region, source)
        cp = self.store.get(cp_key)
        token: str | None = None
        started = self.clock()
        if cp is not None:
            rr.resumed = True
            rr.pages = int(cp.data.get("pages") or 0)
            started = float(cp.data.get("started_at") or started)
            if cp.data.get("done"):  # completed (gone-check included) by the interrupted run
                rr.complete = True
                return rr
            token = cp.data.get("next_token") or None
            self._seen.update(self._load_seen(region, source))
        else:
            self._drop_seen(region, source)  # leftovers of a run whose checkpoint was removed
        listed_all = rr.pages > 0 and token is None  # interrupted between the last page and the gone-check
        pages: Iterator[ListedPage] = iter(()) if listed_all else iter(lister.pages(region, token=token))
        listed_id = getattr(lister, "listed_id", None)
        api = str(getattr(lister, "api", "") or f"sync {source}")
        while not listed_all:
            if self._budget_exhausted():
                report.interrupted = True
                return rr
            try:
                page = next(pages, None)
            except Exception as e:  # noqa: BLE001 - one region's failure must not stop the others
                rr.error = _aws_error(e)
                log.error("listing failed", extra={"source": source, "region": region, "error": rr.error})
                return rr
            if page is None:  # nothing to list (no detector, no analyzer)
                break
            self.progress.page(region if source == INSPECTOR else f"{source} {region}", rr.pages + 1)
            origin = f"{api} {region} p{rr.pages + 1}"
            raws = [plain(raw) for raw in page.findings]
            items = [_parse(source, raw, origin) for raw in raws]
            jvn = getattr(self.lifecycle.builder, "jvn", None)
            if jvn is not None:  # [jvn]: the page's CVEs looked up together (ten entries a MyJVN call)
                jvn.prefetch_items(items)
            page_ids = []
            with self.lifecycle.batch() as flushed:  # grouped findings: one write per changed group per page
                for raw, item in zip(raws, items, strict=True):
                    out = self._one(item, origin, rr, report)
                    if out is not None:
                        report.outcomes.append(out)
                        rr.counts[out.action] += 1
                    arn = listed_id(raw) if callable(listed_id) and isinstance(raw, Mapping) else ""
                    if arn:
                        page_ids.append(arn)
                        self._seen.add(arn)  # listed (even if unreadable): not closed as gone
                    self.progress.finding()
            report.outcomes += flushed
            rr.counts.update(o.action for o in flushed)
            rr.pages += 1
            self._pages_this_run += 1
            token = page.next_token
            if gone_check or source == INSPECTOR:  # what a resumed gone-check must know was listed
                self._put(keys.sync_seen(region, rr.pages, source), {"arns": sorted(set(page_ids))})
            self._put(cp_key, {"next_token": token, "pages": rr.pages, "started_at": started, "done": False})
            listed_all = token is None
        rr.complete = True
        if gone_check:
            gone = self._close_gone(region, started)
            report.outcomes += gone
            rr.counts.update(o.action for o in gone)
            rr.gone_checked = True
        self._put(cp_key, {"next_token": None, "pages": rr.pages, "started_at": started, "done": True})
        return rr

    def _one(self, f: Finding | Unparsed, origin: str, rr: RegionResult, report: SyncReport) -> Outcome | None:
        rr.listed += 1
        if isinstance(f, Unparsed):  # never lost: a fallback issue with the raw finding, or a loud failure
            if self.fallback is not None:
                return self.fallback(f)
            log.error("unparseable finding", extra={"origin": origin, "error": f.error})
            return Outcome("failed", origin, reason=f"検出結果として読めません: {f.error}")
        if f.arn in self._seen:
            report.duplicates += 1
            rr.duplicates += 1
            self.lifecycle.stats.add("sync_duplicates")
            return None
        self._seen.add(f.arn)
        out = self.lifecycle.handle(f)
        log.log(
            logging.ERROR if out.failed else logging.INFO,
            out.action,
            extra={"finding_arn": f.arn, "issue_key": out.issue_key, "reason": out.reason},
        )
        return out

    # ---- gone (Inspector) ----------------------------------------------------------------------------------------
    def gone_candidates(self, region: str, listing_started: float) -> list[Record]:
        return GoneCloser(self.lifecycle, self.scope, self._seen, self.clock).candidates(region, listing_started)

    def _close_gone(self, region: str, listing_started: float) -> list[Outcome]:
        return GoneCloser(self.lifecycle, self.scope, self._seen, self.clock).close(region, listing_started)

    # ---- checkpoints ---------------------------------------------------------------------------------------------
    def _budget_exhausted(self) -> bool:
        return self.options.max_pages is not None and self._pages_this_run >= self.options.max_pages

    def _put(self, key: str, data: dict[str, Any]) -> None:
        try:
            self.store.update(
                key, lambda rec: replace(rec or Record(key), phase="synced", data=data), 3, now=self.clock()
            )
        except ConflictError:
            log.warning("checkpoint not saved", extra={"key": key})

    def _load_seen(self, region: str, source: str) -> set[str]:
        arns: set[str] = set()
        for rec in self.store.records(keys.sync_seen(region, source=source)):
            arns.update(rec.data.get("arns") or [])
        return arns

    def _drop_seen(self, region: str, source: str) -> None:
        for rec in list(self.store.records(keys.sync_seen(region, source=source))):
            self.store.delete(rec.key)

    def clear_checkpoints(self) -> None:
        """The checkpoints of this run's sources (another source's interrupted listing still resumes)."""
        mine = set(self.sources)
        for prefix in (keys.SYNC_CHECKPOINT, keys.SYNC_SEEN):
            for rec in list(self.store.records(prefix)):
                if keys.sync_source_of(rec.key, sources.names()) in mine:
                    self.store.delete(rec.key)


def _parse(source: str, raw: Any, origin: str) -> Finding | Unparsed:
    """A listed finding read by the source that listed it (never raises)."""
    if source == INSPECTOR or not isinstance(raw, Mapping):
        return finding_or_unparsed(raw, origin)  # Inspector's listing, as the registry reads it
    for item in sources.get(source).parse(raw, origin, None):
        if isinstance(item, (Finding, Unparsed)):
            return item
    return Unparsed(origin, "検出結果がありません", raw)


def sources_to_list(config: Any, named: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The sources ``sync`` lists: ``named`` (``--source``), else ``[sync] sources``. A source whose
    ``[sources.<name>] enabled = false`` is refused when named and left out when configured."""
    unknown = [n for n in named if n not in sources.names()]
    if unknown:
        raise SyncError(
            f"--source {', '.join(unknown)}: 不明なソースです / unknown source (known: {', '.join(sources.names())})"
        )
    wanted = tuple(dict.fromkeys(named or config.sync.sources))
    disabled = [n for n in wanted if not config.for_source(n).enabled]
    if named and disabled:
        raise SyncError(f"--source {', '.join(disabled)}: [sources.{disabled[0]}] enabled = false です / disabled")
    listed = tuple(n for n in wanted if n not in disabled)
    if not listed:
        raise SyncError("一覧するソースがありません（[sync] sources が無効なソースだけです） / no enabled source")
    return listed


# ---- AWS -----------------------------------------------------------------------------------------------------------


def inspector_client(region: str, endpoint_url: str | None = None) -> Any:
    """A boto3 ``inspector2`` client (``AWS_ENDPOINT_URL_INSPECTOR2`` is honoured by boto3 itself)."""
    import boto3
    from botocore.config import Config

    cfg = Config(connect_timeout=10, read_timeout=60, retries={"mode": "standard", "max_attempts": 5})
    return boto3.client("inspector2", region_name=region, endpoint_url=endpoint_url or None, config=cfg)


def default_regions() -> tuple[str, ...]:
    import boto3

    region = boto3.session.Session().region_name
    return (region,) if region else ()


def _aws_error(e: Exception) -> str:
    response = getattr(e, "response", None)
    if isinstance(response, Mapping):
        err = response.get("Error") or {}
        return f"{err.get('Code') or type(e).__name__}: {str(err.get('Message') or '')[:300]}"
    return f"{type(e).__name__}: {str(e)[:300]}"
