"""The common frame's hooks for a Security Hub finding (:class:`~inspector2backlog.sources.base.BaseSource`):
its one 「概要」, its lead and status lines, and what the product's own source says instead when it reads the copy
(:func:`.sections.delegate`: an Inspector / GuardDuty / Access Analyzer finding reads as it would natively).

* a control finding: 「概要」 is the Japanese check result (which check, on which resource, passed or failed) and
  the state when it is not open; AWS's description stays in 「AWS によるコントロールの説明」;
* a finding whose product's source reads it: that source's 「概要」 (GuardDuty, Access Analyzer), or the frame's
  with that source's lead, CVE (for JVN iPedia) and vendor dates (Inspector);
* any other (Macie, Config, Health, partners): the frame's 「概要」 with a lead naming the product.

「状態」 of 「検出日時」 is the lifecycle in Japanese with the fields that decided it (ワークフロー / レコード /
コンプライアンス for ASFF, the OCSF status / activity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...findings.model import Finding
from ...render.doc import Block, Heading, Line, Para, Strong
from ...render.labels import severity_ja
from .ja import COMPLIANCE_JA, control_text
from .model import SecurityHubDetails
from .sections import RECORD_JA, WORKFLOW_JA, delegate

__all__ = ["STATE_JA", "lead", "overview", "status_note", "status_text"]

#: ``Finding.state`` of a Security Hub finding in Japanese
STATE_JA = {"open": "未解決", "closed": "解決済み", "suppressed": "抑制済み", "archived": "アーカイブ済み"}
_ACTIVITY_JA = {"Create": "作成", "Update": "更新", "Close": "クローズ"}


def _details(f: Finding) -> SecurityHubDetails:
    d = f.details
    if not isinstance(d, SecurityHubDetails):
        raise TypeError(f"not a Security Hub finding: {type(d).__name__}")
    return d


def _hook(f: Finding, name: str) -> tuple[Any, Finding] | None:
    """The product's source and its reading of ``f`` when that source has the hook ``name``."""
    inner = delegate(f)
    if inner is None or not callable(getattr(inner[0], name, None)):
        return None
    return inner


def overview(f: Finding, tr: Mapping[str, Any]) -> list[Block] | None:
    d = _details(f)
    c = control_text(d) if d.control_id else None
    if c is not None:
        blocks: list[Block] = [Heading("概要"), Para([c.headline])]
        note = status_note(f)
        return [*blocks, Para([Strong(note)])] if note else blocks
    inner = _hook(f, "overview")
    if inner is not None:
        own = inner[0].overview(inner[1], tr)
        return list(own) if own is not None else None
    return None


def lead(f: Finding) -> Line:
    inner = _hook(f, "lead")
    if inner is not None:
        return list(inner[0].lead(inner[1]))
    d = _details(f)
    product = d.product_name or d.company_name or "不明な製品"
    return [f"{product} の検出結果が AWS Security Hub から届きました（深刻度: {severity_ja(f.severity)}）。"]


def _fields(d: SecurityHubDetails) -> list[str]:
    """The Security Hub fields behind the state, in Japanese (values Security Hub did not send are left out)."""
    if d.format == "ocsf":
        out = [f"ステータス: {d.status}"] if d.status else []
        if d.activity_name:
            out.append(f"アクティビティ: {_ACTIVITY_JA.get(d.activity_name, d.activity_name)}")
    else:
        out = [f"ワークフロー: {WORKFLOW_JA.get(d.workflow_status, d.workflow_status)}"] if d.workflow_status else []
        if d.record_state:
            out.append(f"レコード: {RECORD_JA.get(d.record_state, d.record_state)}")
    status = d.compliance.status if d.compliance else None
    if status:
        out.append(f"コンプライアンス: {COMPLIANCE_JA.get(status, status)}")
    return out


def status_note(f: Finding) -> str:
    """The bold line under the lead of a finding that is no longer open."""
    if f.state == "open":
        return ""
    fields = _fields(_details(f))
    return f"この検出結果の状態: {STATE_JA.get(f.state, f.state)}" + (f"（{'、'.join(fields)}）" if fields else "")


def status_text(f: Finding) -> str:
    fields = _fields(_details(f))
    return STATE_JA.get(f.state, f.state) + (f"（{'、'.join(fields)}）" if fields else "")


def vulnerability_id(f: Finding) -> str:
    inner = _hook(f, "vulnerability_id")
    return str(inner[0].vulnerability_id(inner[1])) if inner is not None else ""


def detection_lines(f: Finding) -> list[Line]:
    inner = _hook(f, "detection_lines")
    return list(inner[0].detection_lines(inner[1])) if inner is not None else []
