"""The Protocol's ``snapshot`` / ``describe`` for Security Hub: what is material, said in Japanese.

The snapshot is :func:`status.material_snapshot` without the lifecycle (the core ``Finding.state`` carries it and
the policy closes / reopens on it), made JSON-serialisable. ``UpdatedAt`` / ``LastObservedAt``, ProductFields
(GuardDuty's count), the Note and Workflow NEW ↔ NOTIFIED — our own BatchUpdateFindings echo — are not in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .controls import severity_label_ja
from .ja import COMPLIANCE_JA
from .model import SecurityHubDetails
from .status import material_snapshot

__all__ = ["describe", "snapshot"]

_LABELS = {
    "severity": "重要度",
    "title": "タイトル",
    "types": "検出結果の種類",
    "control": "コントロール",
    "compliance": "準拠状況",
    "resources": "対象リソース",
    "vulnerabilities": "脆弱性",
    "remediation": "修正手順の URL",
}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def snapshot(details: SecurityHubDetails) -> dict[str, Any]:
    return {k: _plain(v) for k, v in material_snapshot(details) if k != "lifecycle"}


def _shown(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "なし"
    if key == "severity":
        return severity_label_ja(str(value))
    if key == "compliance":
        return COMPLIANCE_JA.get(str(value), str(value))
    if key == "vulnerabilities":
        return "、".join(str(v[0]) if isinstance(v, list) and v else str(v) for v in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _list_change(label: str, old: list[Any], new: list[Any]) -> str:
    added = [str(x[0] if isinstance(x, list) and x else x) for x in new if x not in old]
    removed = [str(x[0] if isinstance(x, list) and x else x) for x in old if x not in new]
    parts = []
    if added:
        parts.append("追加 " + "、".join(added))
    if removed:
        parts.append("解消 " + "、".join(removed))
    return f"{label}: " + ("、".join(parts) if parts else "内容が変わりました")


def describe(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """One Japanese line per material change (keys missing in an older snapshot count as unchanged)."""
    lines: list[str] = []
    for key, label in _LABELS.items():
        if key not in old or key not in new or old[key] == new[key]:
            continue
        a, b = old[key], new[key]
        if key in ("resources", "vulnerabilities") and isinstance(a, list) and isinstance(b, list):
            lines.append(_list_change(label, a, b))
        else:
            lines.append(f"{label}: {_shown(key, a)} → {_shown(key, b)}")
    return lines
