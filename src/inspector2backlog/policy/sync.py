"""``inspector2backlog sync``: bring Backlog in line with what Inspector lists now.

    every listed finding             → the lifecycle, unchanged (creates missing ACTIVE ones, closes CLOSED ones,
                                       skips duplicates, filtered-out and unchanged ones)
    a tracked ACTIVE finding that the
    complete listing did not contain → its issue is closed as gone (only when the listing covered it)

Listing: ``ListFindings`` per region (``[sync] regions``, default the session's region) with ``[sync]
filter_criteria`` passed through, plus an ``awsAccountId`` filter for ``[sync] accounts`` (a delegated
administrator lists its member accounts' findings). ARNs seen once are not handled twice (copies across pages,
regions and the delegated administrator's view).

Gone-closes need a listing that covered the record: only records of a completely listed region, of a listed
account, tracked before that listing began (a concurrent event-driven run may have just created one), and only when
``filter_criteria`` narrows nothing but the accounts — a record missing from a narrowed listing proves nothing.

Resumable: after each page the next token and that page's ARNs are saved in the state store
(``sync:checkpoint:{region}``, ``sync:seen:{region}:{page}``); an interrupted run continues from there, so the
gone-check of a resumed region still knows the ARNs listed before the interruption. They are removed when every
region is complete. Re-processing a page is harmless: the lifecycle ignores what it has already applied.

Paced: an optional minimum interval between Backlog writes, and a pause until the reset when the ``update`` bucket is
used up (the Backlog client also waits on 429). :func:`estimate_text` states the time the writes need.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..deliver.paced import PacedSink, live_update_limit, paced
from ..errors import SYNC, Inspector2BacklogError
from ..findings.model import Unparsed
from ..findings.parse import finding_or_unparsed
from ..state import keys
from ..state.base import ConflictError, Record, StateStore
from .outcome import Outcome
from .sync_gone import GoneCloser, Scope, build_criteria, listing_scope
from .sync_report import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_UPDATE_LIMIT,
    GONE,
    WRITE_ACTIONS,
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
    """One sync run over a :class:`Lifecycle` (whose store may be a dry-run overlay and sink a stdout sink)."""

    def __init__(
        self,
        lifecycle: Lifecycle,
        options: SyncOptions,
        *,
        client_for: Callable[[str], Any],
        progress: SyncProgress | None = None,
        fallback: Callable[[Unparsed], Outcome] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not options.regions:
            raise SyncError(
                "一覧するリージョンがありません: [sync] regions か AWS_REGION を設定してください / no region"
            )
        self.lifecycle = lifecycle
        self.options = options
        self.client_for = client_for
        self.progress = progress or _NoProgress()
        self.fallback = fallback  # Pipeline.fallback: an unreadable finding becomes a 【要確認】 issue
        self.clock = clock
        self.sleep = sleep
        self.criteria = build_criteria(options.filter_criteria, options.accounts)
        self.scope = listing_scope(self.criteria)
        self._seen: set[str] = set()
        self._pages_this_run = 0

    @property
    def store(self) -> StateStore:
        return self.lifecycle.store

    def run(self) -> SyncReport:
        report = SyncReport(gone_note=self.scope.note)
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
                for region in dict.fromkeys(self.options.regions):
                    if self._budget_exhausted():
                        report.interrupted = True
                        break
                    report.regions.append(self._region(region, report))
                    if report.interrupted:
                        break
        finally:
            self.lifecycle.sink = original
        if report.complete:
            self.clear_checkpoints()
        return report

    # ---- one region --------------------------------------------------------------------------------------------
    def _region(self, region: str, report: SyncReport) -> RegionResult:
        rr = RegionResult(region)
        cp = self.store.get(keys.sync_checkpoint(region))
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
            self._seen.update(self._load_seen(region))
        else:
            self._drop_seen(region)  # leftovers of a run whose checkpoint was removed
        listed_all = rr.pages > 0 and token is None  # interrupted between the last page and the gone-check
        client = None if listed_all else self.client_for(region)
        while not listed_all:
            if self._budget_exhausted():
                report.interrupted = True
                return rr
            try:
                resp = self._list_page(client, token)
            except Exception as e:  # noqa: BLE001 - one region's failure must not stop the others
                rr.error = _aws_error(e)
                log.error("ListFindings failed", extra={"region": region, "error": rr.error})
                return rr
            self.progress.page(region, rr.pages + 1)
            page_arns = []
            jvn = getattr(self.lifecycle.builder, "jvn", None)
            if jvn is not None:  # [jvn]: the page's CVEs looked up together (ten entries a MyJVN call)
                jvn.prefetch(_vulnerability_id(raw) for raw in resp.get("findings") or [])
            with self.lifecycle.batch() as flushed:  # grouped findings: one write per changed group per page
                for raw in resp.get("findings") or []:
                    out = self._one(plain(raw), region, rr, report)
                    if out is not None:
                        report.outcomes.append(out)
                    arn = raw.get("findingArn") if isinstance(raw, Mapping) else None
                    if isinstance(arn, str) and arn.strip():
                        page_arns.append(arn.strip())
                        self._seen.add(arn.strip())  # listed (even if unreadable): not closed as gone
                    self.progress.finding()
            report.outcomes += flushed
            rr.pages += 1
            self._pages_this_run += 1
            token = resp.get("nextToken") or None
            self._put(keys.sync_seen(region, rr.pages), {"arns": sorted(set(page_arns))})
            self._put(
                keys.sync_checkpoint(region),
                {"next_token": token, "pages": rr.pages, "started_at": started, "done": False},
            )
            listed_all = token is None
        rr.complete = True
        if self.scope.gone_check:
            report.outcomes += self._close_gone(region, started)
            rr.gone_checked = True
        self._put(
            keys.sync_checkpoint(region), {"next_token": None, "pages": rr.pages, "started_at": started, "done": True}
        )
        return rr

    def _list_page(self, client: Any, token: str | None) -> Mapping[str, Any]:
        kwargs: dict[str, Any] = {"maxResults": self.options.page_size}
        if self.criteria:
            kwargs["filterCriteria"] = self.criteria
        if token:
            kwargs["nextToken"] = token
        return client.list_findings(**kwargs)

    def _one(self, raw: Any, region: str, rr: RegionResult, report: SyncReport) -> Outcome | None:
        rr.listed += 1
        origin = f"ListFindings {region} p{rr.pages + 1}"
        f = finding_or_unparsed(raw, origin)
        if isinstance(f, Unparsed):  # never lost: a fallback issue with the raw finding, or a loud failure
            if self.fallback is not None:
                return self.fallback(f)
            log.error("unparseable finding", extra={"origin": origin, "error": f.error})
            return Outcome("failed", origin, reason=f"検出結果として読めません: {f.error}")
        if f.arn in self._seen:
            report.duplicates += 1
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

    # ---- gone ----------------------------------------------------------------------------------------------------
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

    def _load_seen(self, region: str) -> set[str]:
        arns: set[str] = set()
        for rec in self.store.records(keys.sync_seen(region)):
            arns.update(rec.data.get("arns") or [])
        return arns

    def _drop_seen(self, region: str) -> None:
        for rec in list(self.store.records(keys.sync_seen(region))):
            self.store.delete(rec.key)

    def clear_checkpoints(self) -> None:
        for prefix in (keys.SYNC_CHECKPOINT, keys.SYNC_SEEN):
            for rec in list(self.store.records(prefix)):
                self.store.delete(rec.key)


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


def _vulnerability_id(raw: Any) -> str:
    d = raw.get("packageVulnerabilityDetails") if isinstance(raw, Mapping) else None
    return str(d.get("vulnerabilityId") or "") if isinstance(d, Mapping) else ""


# ---- progress ------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def rich_progress(enabled: bool) -> Iterator[SyncProgress]:
    """A rich progress display on stderr (findings processed, current region and page); a no-op when disabled."""
    if not enabled:
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} 件"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("Inspector の検出結果を一覧中", total=None)

        class _Rich:
            def page(self, region: str, page_no: int) -> None:
                bar.update(task, description=f"{region} ページ {page_no}")

            def finding(self) -> None:
                bar.advance(task)

        yield _Rich()
