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
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..deliver.base import DeliveryError, IssueRef, Sink
from ..errors import SYNC, Inspector2BacklogError
from ..findings.model import Unparsed
from ..findings.parse import finding_or_unparsed
from ..findings.timestamps import jst
from ..render.doc import Block, Para
from ..state.base import ConflictError, Record, StateStore
from .lifecycle import Outcome

if TYPE_CHECKING:
    from ..render.issue import Issue
    from .lifecycle import Lifecycle

log = logging.getLogger("inspector2backlog.sync")

CHECKPOINT_PREFIX = "sync:checkpoint:"
SEEN_PREFIX = "sync:seen:"
FINDING_PREFIX = "finding:"
DEFAULT_UPDATE_LIMIT = 150  # Backlog's documented example for the "update" bucket, per user per minute
DEFAULT_PAGE_SIZE = 100  # ListFindings maximum
WRITE_ACTIONS = ("created", "updated", "closed", "reopened", "gone_closed")
GONE = "gone_closed"


class SyncError(Inspector2BacklogError):
    """The sync cannot start (no region, …). The message is for people and carries no secret."""

    kind = SYNC


# ---- options and results ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncOptions:
    regions: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    filter_criteria: Mapping[str, Any] = field(default_factory=dict)
    page_size: int = DEFAULT_PAGE_SIZE
    max_pages: int | None = None  # stop after this many pages in this run (the next run resumes)
    restart: bool = False  # ignore (and drop) an earlier run's checkpoints
    pace_seconds: float = 0.0  # minimum interval between Backlog writes; 0 = rate-limit headers only
    max_rate_wait_seconds: float = 120.0  # longest pause for an exhausted "update" bucket

    @classmethod
    def from_config(cls, sync: Any, **overrides: Any) -> SyncOptions:
        """From ``[sync]``; ``overrides`` with value ``None`` (or an empty tuple) keep the configured value."""
        values: dict[str, Any] = {
            "regions": tuple(sync.regions),
            "accounts": tuple(sync.accounts),
            "filter_criteria": _plain(dict(sync.filter_criteria)),
        }
        values.update({k: v for k, v in overrides.items() if v is not None and v != ()})
        return cls(**values)


@dataclass(slots=True)
class RegionResult:
    region: str
    pages: int = 0  # pages processed, including those of an interrupted earlier run
    listed: int = 0  # findings listed in this run
    complete: bool = False
    resumed: bool = False
    gone_checked: bool = False
    error: str = ""


@dataclass
class SyncReport:
    outcomes: list[Outcome] = field(default_factory=list)
    regions: list[RegionResult] = field(default_factory=list)
    duplicates: int = 0  # copies of an ARN already handled in this run
    gone_note: str = ""  # why no gone-closes were made ("" = they were, where the listing was complete)
    interrupted: bool = False  # --max-pages reached: the next run resumes

    def counts(self) -> Counter:
        return Counter(o.action for o in self.outcomes)

    @property
    def writes(self) -> int:
        c = self.counts()
        return sum(c[a] for a in WRITE_ACTIONS)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def region_errors(self) -> list[RegionResult]:
        return [r for r in self.regions if r.error]

    @property
    def complete(self) -> bool:
        return not self.interrupted and all(r.complete for r in self.regions)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.region_errors


class SyncProgress(Protocol):
    def page(self, region: str, page_no: int) -> None: ...

    def finding(self) -> None: ...


class _NoProgress:
    def page(self, region: str, page_no: int) -> None:
        pass

    def finding(self) -> None:
        pass


# ---- listing scope ------------------------------------------------------------------------------------------------


def build_criteria(filter_criteria: Mapping[str, Any], accounts: Sequence[str]) -> dict[str, Any]:
    """``filterCriteria`` for ListFindings: the configured criteria as given, plus the accounts (if not given)."""
    crit = _plain(dict(filter_criteria))
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


def _arn_region_account(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return (parts[3], parts[4]) if len(parts) > 5 and parts[0] == "arn" else ("", "")


# ---- pacing -------------------------------------------------------------------------------------------------------


class PacedSink(Sink):
    """Wraps the real sink: keeps writes ``min_interval`` apart and waits out an exhausted ``update`` bucket."""

    def __init__(
        self,
        inner: Sink,
        *,
        min_interval: float = 0.0,
        max_wait: float = 120.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.supports_lifecycle = inner.supports_lifecycle
        self.min_interval = min_interval
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    @property
    def text_format(self) -> str:  # type: ignore[override]
        return self.inner.text_format

    def _update_bucket(self) -> Any:
        state = getattr(getattr(self.inner, "client", None), "rate_limit_state", None)
        return state.get("update") if isinstance(state, Mapping) else None

    def _wait(self) -> None:
        now = self._clock()
        wait = 0.0
        if self._last is not None and self.min_interval > 0:
            wait = self.min_interval - (now - self._last)
        info = self._update_bucket()
        if info is not None and info.remaining is not None and info.remaining <= 0:
            wait = max(wait, min(self.max_wait, info.seconds_until_reset(now) + 1.0 if info.reset else 0.0))
        if wait > 0:
            log.info("pacing Backlog writes", extra={"seconds": round(wait, 2)})
            self._sleep(wait)

    def _write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._wait()
        try:
            return fn(*args, **kwargs)
        finally:
            self._last = self._clock()

    def create(self, issue: Issue) -> IssueRef:
        return self._write(self.inner.create, issue)

    def find(self, finding_key: str, *, since: float | None = None) -> IssueRef | None:
        return self.inner.find(finding_key, since=since)

    def update(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        self._write(self.inner.update, ref, issue, comment)

    def close(self, ref: IssueRef, comment: Sequence[Block], *, suppressed: bool = False) -> None:
        self._write(self.inner.close, ref, comment, suppressed=suppressed)

    def reopen(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        self._write(self.inner.reopen, ref, issue, comment)

    def shutdown(self) -> None:
        self.inner.shutdown()


def live_update_limit(sink: Sink) -> int | None:
    """The ``update`` bucket's per-minute limit last reported by Backlog, if the sink talks to Backlog."""
    inner = getattr(sink, "inner", sink)
    state = getattr(getattr(inner, "client", None), "rate_limit_state", None)
    info = state.get("update") if isinstance(state, Mapping) else None
    return info.limit if info is not None and info.limit else None


def estimate_seconds(writes: int, *, per_minute: int | None = None, pace_seconds: float = 0.0) -> float:
    """Least time ``writes`` Backlog writes need under the rate limit (and the minimum interval, if any)."""
    per_minute = per_minute or DEFAULT_UPDATE_LIMIT
    return max(writes * 60.0 / per_minute, max(writes - 1, 0) * pace_seconds)


def estimate_text(writes: int, *, per_minute: int | None = None, pace_seconds: float = 0.0) -> str:
    """``書き込み 1,234 件: レート制限 150 件/分で約 8.2 分`` (with where the limit came from)."""
    limit = per_minute or DEFAULT_UPDATE_LIMIT
    secs = estimate_seconds(writes, per_minute=limit, pace_seconds=pace_seconds)
    minutes = secs / 60.0
    if writes == 0:
        return "書き込み 0 件: Backlog への書き込みはありません"
    if minutes >= 90:
        took = f"約 {minutes / 60:.1f} 時間（{math.ceil(minutes):,} 分）"
    elif minutes >= 1:
        took = f"約 {minutes:.1f} 分"
    else:
        took = f"約 {max(1, math.ceil(secs))} 秒"
    source = "Backlog から取得" if per_minute else "既定値"
    pace = f"、書き込み間隔 {pace_seconds:g} 秒" if pace_seconds > 0 else ""
    return f"書き込み {writes:,} 件: レート制限 {limit:,} 件/分（{source}）{pace}で{took}"


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
        self.lifecycle.sink = PacedSink(
            original,
            min_interval=self.options.pace_seconds,
            max_wait=self.options.max_rate_wait_seconds,
            clock=self.clock,
            sleep=self.sleep,
        )
        try:
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
        cp = self.store.get(CHECKPOINT_PREFIX + region)
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
                    out = self._one(_plain(raw), region, rr, report)
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
            self._put(SEEN_PREFIX + f"{region}:{rr.pages:06d}", {"arns": sorted(set(page_arns))})
            self._put(
                CHECKPOINT_PREFIX + region,
                {"next_token": token, "pages": rr.pages, "started_at": started, "done": False},
            )
            listed_all = token is None
        rr.complete = True
        if self.scope.gone_check:
            report.outcomes += self._close_gone(region, started)
            rr.gone_checked = True
        self._put(
            CHECKPOINT_PREFIX + region, {"next_token": None, "pages": rr.pages, "started_at": started, "done": True}
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
        out = []
        for rec in self.store.records(FINDING_PREFIX):
            if rec.status != "ACTIVE" or rec.phase != "synced":
                continue
            if not rec.issue_key and not self.lifecycle.groups_of(rec):  # neither its own issue nor a group's
                continue
            arn = rec.key[len(FINDING_PREFIX) :]
            rec_region, account = _arn_region_account(arn)
            if rec_region != region or arn in self._seen:
                continue
            if self.scope.accounts is not None and account not in self.scope.accounts:
                continue
            if rec.claimed_at >= listing_started or rec.updated_at >= listing_started:
                continue  # tracked after the listing began: the listing cannot speak for it
            out.append(rec)
        return out

    def _close_gone(self, region: str, listing_started: float) -> list[Outcome]:
        outcomes = []
        stamp = jst(datetime.fromtimestamp(listing_started, UTC))
        with self.lifecycle.batch() as flushed:
            for rec in self.gone_candidates(region, listing_started):
                if rec.issue_key:
                    outcomes.append(self._close_one_gone(rec, region, stamp))
                else:  # a member of group issues: resolved in its groups, written once per group at the end
                    outcomes.append(self.lifecycle.close_gone(rec, listing_started))
        return outcomes + flushed

    def _close_one_gone(self, rec: Record, region: str, stamp: str) -> Outcome:
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
            self.store.save(rec)
        except ConflictError:  # someone moved it meanwhile: their newer state wins
            log.warning("record changed during sync", extra={"key": rec.key})

    # ---- checkpoints ---------------------------------------------------------------------------------------------
    def _budget_exhausted(self) -> bool:
        return self.options.max_pages is not None and self._pages_this_run >= self.options.max_pages

    def _put(self, key: str, data: dict[str, Any]) -> None:
        for _ in range(3):
            rec = self.store.get(key)
            try:
                if rec is None:
                    rec = self.store.claim(key, now=self.clock())
                self.store.save(replace(rec, phase="synced", data=data))
                return
            except ConflictError:
                continue
        log.warning("checkpoint not saved", extra={"key": key})

    def _load_seen(self, region: str) -> set[str]:
        arns: set[str] = set()
        for rec in self.store.records(f"{SEEN_PREFIX}{region}:"):
            arns.update(rec.data.get("arns") or [])
        return arns

    def _drop_seen(self, region: str) -> None:
        for rec in list(self.store.records(f"{SEEN_PREFIX}{region}:")):
            self.store.delete(rec.key)

    def clear_checkpoints(self) -> None:
        for prefix in (CHECKPOINT_PREFIX, SEEN_PREFIX):
            for rec in list(self.store.records(prefix)):
                self.store.delete(rec.key)


def gone_comment(stamp: str, region: str) -> list[Block]:
    return [
        Para(
            [
                f"Inspector の検出結果一覧（{region}、{stamp} 時点）にこの検出結果が見つからなくなりました。"
                "対象のリソースが削除されたか、検出結果が Inspector から削除されたと考えられるため、課題を完了にします。"
            ]
        ),
        Para(["再び検出された場合は、この課題を再オープンします。"]),
    ]


# ---- plan / summary -----------------------------------------------------------------------------------------------


def plan_text(
    report: SyncReport,
    *,
    dry_run: bool,
    per_minute: int | None = None,
    pace_seconds: float = 0.0,
    details: bool = False,
) -> str:
    """The plan (``--dry-run``) or the summary of a run, in Japanese, with one machine-readable line."""
    c = report.counts()
    lines = [f"inspector2backlog sync{'（dry-run: 計画のみ）' if dry_run else ''}"]
    for r in report.regions:
        state = "完了" if r.complete else "エラー" if r.error else "途中で中断、次回ここから再開"
        extra = "、前回の中断位置から再開" if r.resumed else ""
        lines.append(
            f"  リージョン {r.region}: {r.pages} ページ、今回 {r.listed:,} 件を一覧（{state}{extra}）"
            + (f": {r.error}" if r.error else "")
        )
    if report.duplicates:
        lines.append(f"  重複して一覧された検出結果: {report.duplicates:,} 件（1 回だけ処理）")
    verb = "予定" if dry_run else "実施"
    lines.append(
        f"  課題の作成 {c['created']:,} 件 / 更新 {c['updated']:,} 件 / 完了 {c['closed']:,} 件 / "
        f"再オープン {c['reopened']:,} 件 / 一覧から消えたため完了 {c[GONE]:,} 件（{verb}）"
    )
    lines.append(
        f"  対象外・変更なし {c['skipped']:,} 件 / 時刻のみの更新 {c['touched']:,} 件 / 失敗 {c['failed']:,} 件"
    )
    if report.gone_note:
        lines.append(f"  注意: {report.gone_note}")
    if report.interrupted:
        lines.append(
            "  注意: ページ数の上限で中断しました。次回の実行で続きから再開します"
            "（一覧が最後まで終わったリージョンだけ、一覧にない検出結果の課題を完了にします）。"
        )
    lines.append("  " + estimate_text(report.writes, per_minute=per_minute, pace_seconds=pace_seconds))
    if dry_run:
        lines.append("  状態ストアと Backlog は変更していません。")
    if details:
        names = {
            "created": "作成",
            "updated": "更新",
            "closed": "完了",
            "reopened": "再オープン",
            GONE: "消滅で完了",
            "failed": "失敗",
        }
        for o in report.outcomes:
            if o.action in names:
                lines.append(f"    [{names[o.action]}] {o.issue_key or '-'} {o.key}")
    lines.append(
        "plan: "
        + " ".join(
            f"{k}={c[k]}" for k in ("created", "updated", "closed", "reopened", GONE, "skipped", "touched", "failed")
        )
        + f" duplicates={report.duplicates} writes={report.writes}"
        + f" complete={'yes' if report.complete else 'no'}"
    )
    return "\n".join(lines) + "\n"


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


def _plain(v: Any) -> Any:
    """boto3 values → JSON-like values (timestamps as ISO 8601 strings, mappings as dicts)."""
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


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
