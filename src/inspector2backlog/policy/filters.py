"""Which findings become issues: severity, type, status, EPSS, exploit/fix availability, account, resource tags
(``[filter]``), and each source's own ``[sources.<name>]`` patterns (:func:`source_rejection`).

Filters decide only whether a *new* issue is filed. A finding that already has an issue is always followed (so it
can be updated, closed or reopened), whatever the filters say now.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from .. import sources
from ..findings.model import SEVERITY_ORDER, Finding

if TYPE_CHECKING:
    from ..config import FilterConfig, SourceConfig


def severity_at_least(severity: str, minimum: str) -> bool:
    if not minimum:
        return True
    try:
        return SEVERITY_ORDER.index(severity) >= SEVERITY_ORDER.index(minimum)
    except ValueError:
        return True  # UNTRIAGED / unknown: not yet scored is not harmless


def rejection(f: Finding, cfg: FilterConfig | None, source: SourceConfig | None = None) -> str | None:
    """``None`` when the finding passes, else the reason (Japanese) it does not become an issue. ``source``: the
    ``[sources.<name>]`` settings of the finding's source (checked after ``[filter]``)."""
    if cfg is None:
        return source_rejection(f, source)
    if f.severity == "UNTRIAGED" and cfg.exclude_untriaged:
        return "未評価 (UNTRIAGED) は対象外の設定です"
    if not severity_at_least(f.severity, cfg.min_severity):
        return f"深刻度 {f.severity} は下限 {cfg.min_severity} 未満です"
    if cfg.finding_types and f.type not in cfg.finding_types:
        return f"種類 {f.type} は対象外です"
    if cfg.statuses and f.status not in cfg.statuses:
        return f"状態 {f.status} は対象外です"
    if cfg.min_epss or cfg.exploit_available_only or cfg.fix_available_only:
        reason = _value_rejection(f, cfg)
        if reason:
            return reason
    if cfg.accounts and f.account not in cfg.accounts:
        return f"アカウント {f.account} は対象外です"
    if cfg.exclude_accounts and f.account in cfg.exclude_accounts:
        return f"アカウント {f.account} は除外されています"
    tags = cfg.resource_tags
    if tags and not any(all(r.tags.get(k) == v for k, v in tags.items()) for r in f.resources):
        return "リソースのタグが条件に合いません"
    excluded = cfg.exclude_resource_tags
    if excluded and any(r.tags.get(k) == v for r in f.resources for k, v in excluded.items()):
        return "除外タグの付いたリソースです"
    return source_rejection(f, source)


def source_rejection(f: Finding, s: SourceConfig | None) -> str | None:
    """``[sources.<name>]``: ``types`` / ``exclude_types`` on the finding type, then the Security Hub filters on the
    values its source gives (``Source.filter_values``: ``product`` names, ``severity``, ``control``, ``standards``,
    ``compliance``). ``controls`` / ``standards`` / ``compliance`` apply only to a finding that has that value."""
    if s is None:
        return None
    where = f"[sources.{f.source}]"
    if not s.wants_type(f.type):
        return f"種類 {f.type} は {where} types / exclude_types の対象外です"
    if not (s.products or s.severities or s.controls or s.standards or s.compliance):
        return None
    values = sources.get(f.source).filter_values(f)
    products = tuple(values.get("product") or ())
    if s.products and not _any_match(products, s.products, fold=True):
        return f"製品 {'／'.join(products) or '不明'} は {where} products の対象外です"
    severity = str(values.get("severity") or f.severity)
    if s.severities and severity not in s.severities:
        return f"深刻度 {severity} は {where} severities の対象外です"
    control = str(values.get("control") or "")
    if s.controls and control and not _any_match((control,), s.controls):
        return f"コントロール {control} は {where} controls の対象外です"
    standards = tuple(values.get("standards") or ())
    if s.standards and standards and not _any_match(standards, s.standards):
        return f"標準 {'、'.join(standards[:2])} は {where} standards の対象外です"
    compliance = str(values.get("compliance") or "")
    if s.compliance and compliance and compliance not in s.compliance:
        return f"準拠状況 {compliance} は {where} compliance の対象外です"
    return None


def _any_match(values: Iterable[str], patterns: Iterable[str], *, fold: bool = False) -> bool:
    """Whether any value matches any fnmatch pattern (``fold``: ignoring case, for product names)."""
    pats = [p.casefold() if fold else p for p in patterns]
    return any(fnmatchcase(v.casefold() if fold else v, p) for v in values for p in pats)


def _value_rejection(f: Finding, cfg: FilterConfig) -> str | None:
    """EPSS, exploit and fix filters, on the values the finding's source gives (``Source.filter_values``)."""
    values = sources.get(f.source).filter_values(f)
    epss = values.get("epss")
    if cfg.min_epss and "epss" in values and (epss or 0.0) < cfg.min_epss:
        return f"EPSS {epss or 0:.4f} は下限 {cfg.min_epss} 未満です"
    if cfg.exploit_available_only and values.get("exploit") != "YES":
        return "既知の悪用がありません（exploit_available_only）"
    if cfg.fix_available_only and values.get("fix") not in ("YES", "PARTIAL"):
        return "修正がありません（fix_available_only）"
    return None
