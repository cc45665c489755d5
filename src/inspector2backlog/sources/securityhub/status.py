"""Security Hub lifecycle: which findings are open, which are closed and why, and which changes are material.

ASFF, first match wins: ``Workflow.Status`` SUPPRESSED (or Inspector's own ``ProductFields
["aws/inspector/FindingStatus"]`` SUPPRESSED) → closed (suppressed); ``RecordState`` ARCHIVED, ``Workflow.Status``
RESOLVED or Inspector's CLOSED → closed (fixed); ``Compliance.Status`` PASSED (a control or Config rule check) →
closed (fixed); anything else (FAILED / WARNING / NOT_AVAILABLE, ACTIVE, NEW / NOTIFIED) → open.
OCSF: ``status_id`` 3 Suppressed → closed (suppressed); ``activity_name`` Close, ``status_id`` 4 Resolved or
5 Archived → closed (fixed); compliance Pass → closed (fixed); New / In Progress → open.
A closed finding that comes back open (FAILED after PASSED, ACTIVE after ARCHIVED) is a reopen for the policy layer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from .model import SecurityHubDetails

__all__ = ["Lifecycle", "is_material_change", "lifecycle_of", "material_digest", "material_snapshot"]

State = Literal["open", "closed"]
Resolution = Literal["fixed", "suppressed"]


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """``resolution`` is None while open; ``reason`` names the field that decided (``RecordState=ARCHIVED``)."""

    state: State
    resolution: Resolution | None
    reason: str

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def _closed(resolution: Resolution, reason: str) -> Lifecycle:
    return Lifecycle("closed", resolution, reason)


def _asff(d: SecurityHubDetails) -> Lifecycle:
    workflow = d.workflow_status
    inspector = (d.product_field("aws/inspector/FindingStatus") or "").upper()
    if workflow == "SUPPRESSED":
        return _closed("suppressed", "Workflow.Status=SUPPRESSED")
    if inspector == "SUPPRESSED":
        return _closed("suppressed", "aws/inspector/FindingStatus=SUPPRESSED")
    if d.record_state == "ARCHIVED":
        return _closed("fixed", "RecordState=ARCHIVED")
    if workflow == "RESOLVED":
        return _closed("fixed", "Workflow.Status=RESOLVED")
    if inspector == "CLOSED":
        return _closed("fixed", "aws/inspector/FindingStatus=CLOSED")
    compliance = d.compliance.status if d.compliance else None
    if compliance == "PASSED":
        return _closed("fixed", "Compliance.Status=PASSED")
    parts = [f"RecordState={d.record_state or 'ACTIVE'}", f"Workflow.Status={workflow or 'NEW'}"]
    if compliance:
        parts.append(f"Compliance.Status={compliance}")
    return Lifecycle("open", None, " ".join(parts))


def _ocsf(d: SecurityHubDetails) -> Lifecycle:
    activity = (d.activity_name or "").strip().lower()
    if d.status_id == 3:
        return _closed("suppressed", "status_id=3 (Suppressed)")
    if activity == "close" or d.activity_id == 3:
        return _closed("fixed", "activity_name=Close")
    if d.status_id in (4, 5):
        return _closed("fixed", f"status_id={d.status_id} ({'Resolved' if d.status_id == 4 else 'Archived'})")
    if d.status_id is None and (d.status or "").strip().lower() in ("suppressed", "resolved", "archived"):
        status = (d.status or "").strip().lower()
        return _closed("suppressed" if status == "suppressed" else "fixed", f"status={d.status}")
    if d.compliance is not None and d.compliance.status == "PASSED":
        return _closed("fixed", "compliance.status=Pass")
    return Lifecycle("open", None, f"status_id={d.status_id} activity_name={d.activity_name}")


def lifecycle_of(details: SecurityHubDetails) -> Lifecycle:
    """Open or closed (fixed / suppressed), see the module docstring."""
    return _ocsf(details) if details.format == "ocsf" else _asff(details)


def material_snapshot(details: SecurityHubDetails) -> tuple[tuple[str, Any], ...]:
    """The values whose change is worth an issue update. Not in it: ``UpdatedAt`` / ``LastObservedAt``,
    ``ProductFields`` (GuardDuty's count), the ``Note`` / OCSF ``comment`` and Workflow NEW ↔ NOTIFIED (In Progress)
    — the echo of our own BatchUpdateFindings — which all leave the lifecycle as it is."""
    life = lifecycle_of(details)
    compliance = details.compliance
    return (
        ("lifecycle", (life.state, life.resolution)),
        ("severity", details.severity.label),
        ("title", details.title or ""),
        ("types", details.types),
        ("control", details.control_id),
        ("compliance", compliance.status if compliance else None),
        ("resources", tuple(res.id for res in details.resources)),
        (
            "vulnerabilities",
            tuple(
                (v.id, v.fix_available, tuple(p.fixed_in_version for p in v.packages)) for v in details.vulnerabilities
            ),
        ),
        ("remediation", details.remediation.url),
    )


def is_material_change(old: SecurityHubDetails | None, new: SecurityHubDetails) -> bool:
    return old is None or material_snapshot(old) != material_snapshot(new)


def material_digest(details: SecurityHubDetails) -> str:
    """A short stable digest of :func:`material_snapshot`, for the state store."""
    text = json.dumps(material_snapshot(details), ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
