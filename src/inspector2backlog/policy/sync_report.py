"""``sync``'s options and results, and the texts made of them: the plan (``--dry-run``) or summary, and the time
estimate of its Backlog writes."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .. import sources
from .outcome import Outcome

DEFAULT_UPDATE_LIMIT = 150  # Backlog's documented example for the "update" bucket, per user per minute
DEFAULT_PAGE_SIZE = 100  # ListFindings maximum
WRITE_ACTIONS = ("created", "updated", "closed", "reopened", "gone_closed")
GONE = "gone_closed"
INSPECTOR = "inspector2"  # the source sync lists by default, and the only one whose gone findings close
#: the Security Hub APIs ``[sync] securityhub_apis`` may name (GetFindings: ASFF; GetFindingsV2: OCSF)
SECURITYHUB_APIS = ("asff", "ocsf")


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
    sources: tuple[str, ...] = (INSPECTOR,)  # the sources listed, in this order (registry names)
    securityhub_apis: tuple[str, ...] = ("asff",)  # Security Hub: GetFindings (asff), GetFindingsV2 (ocsf) or both
    api_interval: float = 0.0  # least seconds between two AWS calls of one lister (0: the SDK's retries only)

    @classmethod
    def from_config(cls, sync: Any, **overrides: Any) -> SyncOptions:
        """From ``[sync]``; ``overrides`` with value ``None`` (or an empty tuple) keep the configured value."""
        values: dict[str, Any] = {
            "regions": tuple(sync.regions),
            "accounts": tuple(sync.accounts),
            "filter_criteria": plain(dict(sync.filter_criteria)),
        }
        for name in ("sources", "securityhub_apis"):  # [sync] sources / securityhub_apis, where configured
            if getattr(sync, name, ()):
                values[name] = tuple(getattr(sync, name))
        values.update({k: v for k, v in overrides.items() if v is not None and v != ()})
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ListingOptions:
    """What a source's :meth:`~..sources.base.Source.lister` is given (the attributes the listers read)."""

    page_size: int = DEFAULT_PAGE_SIZE
    accounts: tuple[str, ...] = ()
    api_interval: float = 0.0
    sleep: Callable[[float], None] | None = None
    filter_criteria: Mapping[str, Any] = field(default_factory=dict)  # Inspector's ListFindings filterCriteria
    client_for: Callable[[str], Any] | None = None  # Inspector: region → client (None: the lister's default)
    apis: tuple[str, ...] = ("asff",)  # Security Hub


@dataclass(slots=True)
class RegionResult:
    region: str
    pages: int = 0  # pages processed, including those of an interrupted earlier run
    listed: int = 0  # findings listed in this run
    complete: bool = False
    resumed: bool = False
    gone_checked: bool = False
    error: str = ""
    source: str = INSPECTOR
    counts: Counter[str] = field(default_factory=Counter)  # the actions taken on this region's findings
    duplicates: int = 0


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


# ---- estimate -----------------------------------------------------------------------------------------------------


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
    by_source = {r.source: [x for x in report.regions if x.source == r.source] for r in report.regions}
    if set(by_source) <= {INSPECTOR}:  # Inspector alone: its regions, as before there were other sources
        lines += [_region_line(r, "  ") for r in report.regions]
    else:
        for name, regions in by_source.items():
            lines += _source_lines(name, regions)
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
    if not set(by_source) <= {INSPECTOR}:
        for name, regions in by_source.items():
            sc: Counter[str] = sum((r.counts for r in regions), Counter())
            done = all(r.complete for r in regions)  # (a source the interruption came before is not listed)
            dups = sum(r.duplicates for r in regions)
            lines.append(
                f"plan.{name}: {_machine(sc)} duplicates={dups} writes={sum(sc[a] for a in WRITE_ACTIONS)}"
                f" complete={'yes' if done else 'no'}"
            )
    lines.append(
        f"plan: {_machine(c)} duplicates={report.duplicates} writes={report.writes}"
        + f" complete={'yes' if report.complete else 'no'}"
    )
    return "\n".join(lines) + "\n"


_MACHINE_KEYS = ("created", "updated", "closed", "reopened", GONE, "skipped", "touched", "failed")


def _machine(c: Counter[str]) -> str:
    return " ".join(f"{k}={c[k]}" for k in _MACHINE_KEYS)


def _region_line(r: RegionResult, indent: str) -> str:
    state = "完了" if r.complete else "エラー" if r.error else "途中で中断、次回ここから再開"
    extra = "、前回の中断位置から再開" if r.resumed else ""
    return f"{indent}リージョン {r.region}: {r.pages} ページ、今回 {r.listed:,} 件を一覧（{state}{extra}）" + (
        f": {r.error}" if r.error else ""
    )


def _source_lines(name: str, regions: list[RegionResult]) -> list[str]:
    """One source's block of a multi-source plan: its regions, its counts and how its issues close."""
    c: Counter[str] = sum((r.counts for r in regions), Counter())
    lines = [f"  {_label(name)}（{name}）:"]
    lines += [_region_line(r, "    ") for r in regions]
    lines.append(
        f"    作成 {c['created']:,} 件 / 更新 {c['updated']:,} 件 / 完了 {c['closed']:,} 件 / "
        f"再オープン {c['reopened']:,} 件 / 一覧から消えたため完了 {c[GONE]:,} 件 / 対象外・変更なし {c['skipped']:,} 件"
    )
    if name != INSPECTOR:
        lines.append(
            "    この一覧はアーカイブ済み・解決済みの検出結果も含むため、課題は検出結果の状態で完了にします"
            "（一覧にないことを理由には完了にしません）"
        )
    return lines


def _label(name: str) -> str:
    try:
        return str(sources.get(name).label)
    except (KeyError, ImportError):
        return name


def plain(v: Any) -> Any:
    """boto3 values → JSON-like values (timestamps as ISO 8601 strings, mappings as dicts)."""
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v
