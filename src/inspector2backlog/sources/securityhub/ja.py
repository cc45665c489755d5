"""Japanese sentences for a Security Hub control finding, as plain data (strings and rows, no markup).

The renderer puts them in an issue: which check failed (our Japanese title from :func:`controls.lookup`, else the
English title marked 英語), on which resource, why it matters and how to fix it (our knowledge base, where we wrote
it), the control id, the standards (Japanese labels) and AWS's remediation URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from .controls import Control, lookup, severity_label_ja, standard_label_ja
from .model import SecurityHubDetails

__all__ = ["COMPLIANCE_JA", "ControlText", "control_text"]

COMPLIANCE_JA = {"FAILED": "不合格", "WARNING": "警告", "PASSED": "合格", "NOT_AVAILABLE": "評価できません"}
ENGLISH_MARK = "（英語）"


@dataclass(frozen=True, slots=True)
class ControlText:
    """``title_is_japanese`` is False when only AWS's English title is known (it then ends in ``（英語）``)."""

    control_id: str
    title: str
    title_is_japanese: bool
    headline: str
    resource_rows: tuple[tuple[str, str], ...]
    why: str | None
    fix: str | None
    standards: tuple[str, ...]
    remediation_url: str | None
    rows: tuple[tuple[str, str], ...]


def _title(control: Control | None, details: SecurityHubDetails, control_id: str) -> tuple[str, bool]:
    if control is not None and control.title_ja:
        return control.title_ja, True
    english = control.title_en if control is not None else (details.title or "")
    if english.startswith(control_id + " "):  # legacy titles repeat the id: "IAM.6 Hardware MFA should …"
        english = english[len(control_id) + 1 :]
    return (f"{english}{ENGLISH_MARK}" if english else control_id), False


def _standards(control: Control | None, details: SecurityHubDetails) -> tuple[str, ...]:
    sent = details.compliance.associated_standards if details.compliance else ()
    names = sent or (control.standards if control is not None else ())
    if not names:
        arn = details.product_field("StandardsArn") or details.product_field("StandardsGuideArn")
        names = (arn,) if arn else ()
    out: list[str] = []
    for name in names:
        label = standard_label_ja(name)
        if label and label not in out:
            out.append(label)
    return tuple(out)


def control_text(details: SecurityHubDetails) -> ControlText | None:
    """The Japanese for a control finding; None when the finding is not about a Security Hub control."""
    control_id = details.control_id
    if not control_id:
        return None
    control = lookup(control_id)
    title, is_ja = _title(control, details, control_id)
    status = details.compliance.status if details.compliance else None
    status_ja = COMPLIANCE_JA.get(status or "", status or "不明")
    resources = tuple((res.type, res.id) for res in details.resources)
    primary = details.primary_resource
    target = f"{primary.type} {primary.id}" if primary else "対象リソース不明"
    more = f"（ほか {len(resources) - 1} 件）" if len(resources) > 1 else ""
    check = f"コントロール {control_id}「{title}」のチェック"
    if status == "PASSED":
        headline = f"{target}{more} は{check}に合格しました。"
    elif status == "FAILED":
        headline = f"{target}{more} が{check}に不合格でした。"
    elif status == "WARNING":
        headline = f"{target}{more} の{check}で警告が出ています。"
    else:
        headline = f"{target}{more} の{check}の結果: {status_ja}。"
    standards = _standards(control, details)
    url = (control.remediation_url if control is not None else None) or details.remediation.url
    severity = severity_label_ja(details.severity.label)
    rows: list[tuple[str, str]] = [
        ("コントロール ID", control_id),
        ("チェック内容", title),
        ("準拠状況", status_ja),
        ("重要度", severity),
    ]
    rows.extend(("対象リソース", f"{rtype} {rid}") for rtype, rid in resources)
    if details.aws_account_id:
        rows.append(("AWS アカウント", details.aws_account_id))
    if details.region:
        rows.append(("リージョン", details.region))
    if standards:
        rows.append(("セキュリティ標準", "、".join(standards)))
    if url:
        rows.append(("AWS の修正手順", url))
    return ControlText(
        control_id=control_id,
        title=title,
        title_is_japanese=is_ja,
        headline=headline,
        resource_rows=resources,
        why=control.why_ja if control is not None else None,
        fix=control.fix_ja if control is not None else None,
        standards=standards,
        remediation_url=url,
        rows=tuple(rows),
    )
