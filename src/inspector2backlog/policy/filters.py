"""Which findings become issues: severity, type, status, EPSS, exploit/fix availability, account, resource tags.

Filters decide only whether a *new* issue is filed. A finding that already has an issue is always followed (so it
can be updated, closed or reopened), whatever the filters say now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import sources
from ..findings.model import SEVERITY_ORDER, Finding

if TYPE_CHECKING:
    from ..config import FilterConfig


def severity_at_least(severity: str, minimum: str) -> bool:
    if not minimum:
        return True
    try:
        return SEVERITY_ORDER.index(severity) >= SEVERITY_ORDER.index(minimum)
    except ValueError:
        return True  # UNTRIAGED / unknown: not yet scored is not harmless


def rejection(f: Finding, cfg: FilterConfig | None) -> str | None:
    """``None`` when the finding passes, else the reason (Japanese) it does not become an issue."""
    if cfg is None:
        return None
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
    return None


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
