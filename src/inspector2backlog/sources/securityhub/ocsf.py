"""Security Hub (new) findings in OCSF 1.x → :class:`SecurityHubDetails` (``format="ocsf"``).

Recognised documents (:func:`iter_findings`): an EventBridge event ``Findings Imported V2`` (``detail.findings[]``),
GetFindingsV2 output (``Findings``), a bare OCSF finding, and a JSON array of these. The meaning-equivalent ASFF
fields are filled where OCSF has them (severity label, compliance status in ASFF spelling, fix availability
YES/NO/PARTIAL); the OCSF lifecycle stays in ``status`` / ``status_id`` / ``activity_name``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import _read as r
from ._walk import Envelope, walk
from .asff import MAX_ID_CHARS, MAX_PACKAGES, MAX_VULNERABILITIES
from .controls import control_id_of, from_legacy
from .model import (
    SEVERITY_LABELS,
    Compliance,
    Cvss,
    Note,
    Remediation,
    SecurityHubDetails,
    SecurityHubParseError,
    Severity,
    Vendor,
    Vulnerability,
    VulnerablePackage,
)
from .resources import ocsf_resource, resources

__all__ = ["DETAIL_TYPES", "STATUS_NAMES", "is_finding", "iter_findings", "parse_ocsf"]

DETAIL_TYPES = frozenset({"Findings Imported V2"})
#: OCSF ``status_id`` → name (Security Hub uses 1–4 and 99)
STATUS_NAMES = {0: "Unknown", 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 5: "Archived", 99: "Other"}
#: OCSF ``severity_id`` → our label (6 Fatal reads as CRITICAL; 0 Unknown / 99 Other fall back to ``severity``)
_SEVERITY_BY_ID = {1: "INFORMATIONAL", 2: "LOW", 3: "MEDIUM", 4: "HIGH", 5: "CRITICAL", 6: "CRITICAL"}
_SEVERITY_BY_NAME = {"FATAL": "CRITICAL", "INFO": "INFORMATIONAL"}
#: OCSF compliance ``status_id`` / ``status`` → ASFF ``Compliance.Status``
_COMPLIANCE_BY_ID = {1: "PASSED", 2: "WARNING", 3: "FAILED"}
_COMPLIANCE_BY_NAME = {
    "PASS": "PASSED",
    "PASSED": "PASSED",
    "WARNING": "WARNING",
    "FAIL": "FAILED",
    "FAILED": "FAILED",
    "NOT_AVAILABLE": "NOT_AVAILABLE",
}
_FIX_COVERAGE = {"COVERED": "YES", "PARTIALLY_COVERED": "PARTIAL", "NOT_COVERED": "NO"}


def is_finding(value: Any) -> bool:
    """An OCSF finding: a mapping with a ``finding_info`` object and ``metadata`` or ``class_uid``."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("finding_info"), Mapping)
        and ("metadata" in value or "class_uid" in value)
    )


def iter_findings(doc: Any) -> Iterator[tuple[Mapping[str, Any], Envelope]]:
    """Each raw OCSF finding in ``doc`` with its envelope; nothing for a document that is not OCSF."""
    yield from walk(doc, is_finding, DETAIL_TYPES)


def _severity(d: Mapping[str, Any]) -> Severity:
    sid = r.i(d.get("severity_id"))
    name = (r.s(d.get("severity")) or "").strip().upper()
    label = _SEVERITY_BY_ID.get(sid) if sid is not None else None
    declared = label is not None
    if label is None:
        label = name if name in SEVERITY_LABELS else _SEVERITY_BY_NAME.get(name)
        declared = label is not None
    return Severity(label or "INFORMATIONAL", None, r.s(d.get("severity")), None, declared)


def _compliance(raw: Any) -> Compliance | None:
    if not isinstance(raw, Mapping) or not raw:
        return None
    sid = r.i(raw.get("status_id"))
    name = (r.s(raw.get("status")) or "").strip().upper()
    status = _COMPLIANCE_BY_ID.get(sid) if sid is not None else None
    return Compliance(
        status=status or _COMPLIANCE_BY_NAME.get(name) or (name or None),
        security_control_id=r.s(raw.get("control")),
        associated_standards=r.strs(raw.get("standards")),
        related_requirements=r.strs(raw.get("requirements")),
        status_reasons=r.strs(raw.get("status_details")) or r.strs(raw.get("status_detail")),
    )


def _control(compliance: Compliance | None) -> str | None:
    declared = compliance.security_control_id if compliance else None
    if not declared:
        return None
    return control_id_of({"Compliance": {"SecurityControlId": declared}}) or from_legacy(declared)


def _yes_no(value: Any) -> str | None:
    if isinstance(value, bool):
        return "YES" if value else "NO"
    text = r.s(value)
    return text.upper() if text else None


def _package(raw: Any) -> VulnerablePackage:
    d = r.m(raw)
    return VulnerablePackage(
        name=r.s(d.get("name")),
        version=r.s(d.get("version")),
        epoch=r.s(d.get("epoch")),
        release=r.s(d.get("release")),
        architecture=r.s(d.get("architecture")),
        package_manager=r.s(d.get("package_manager")),
        fixed_in_version=r.s(d.get("fixed_in_version")),
        remediation=r.s(r.m(d.get("remediation")).get("desc")) or r.s(d.get("remediation")),
        file_path=r.s(d.get("path")),
    )


def _vulnerabilities(raw: Any) -> tuple[Vulnerability, ...]:
    out = []
    for item in r.lst(raw)[:MAX_VULNERABILITIES]:
        d = r.m(item)
        cve = r.m(d.get("cve"))
        vid = r.s(cve.get("uid")) or r.s(d.get("uid"))
        if vid is None:
            continue
        cvss = tuple(
            Cvss(r.s(c.get("version")), r.f(c.get("base_score")), r.s(c.get("vector_string")), r.s(c.get("src_url")))
            for c in map(r.m, r.lst(cve.get("cvss"))[:20])
        )
        vendor_name = r.s(d.get("vendor_name"))
        fix = _yes_no(d.get("is_fix_available", d.get("fix_available")))
        coverage = (r.s(d.get("fix_coverage")) or "").upper()
        out.append(
            Vulnerability(
                id=vid,
                related=r.strs(d.get("related_vulnerabilities")),
                cvss=cvss,
                vendor=Vendor(name=vendor_name, severity=r.s(d.get("severity"))) if vendor_name else None,
                fix_available=fix or _FIX_COVERAGE.get(coverage),
                exploit_available=_yes_no(d.get("is_exploit_available", d.get("exploit_available"))),
                epss_score=r.f(r.m(cve.get("epss")).get("score")),
                packages=tuple(_package(p) for p in r.lst(d.get("affected_packages"))[:MAX_PACKAGES]),
                reference_urls=r.strs(d.get("references")),
            )
        )
    return tuple(out)


def _time(info: Mapping[str, Any], name: str) -> Any:
    return info.get(f"{name}_dt") or info.get(name)


def parse_ocsf(raw: Any, envelope: Envelope = (None, None)) -> SecurityHubDetails:
    """One OCSF finding. Raises :class:`SecurityHubParseError` without ``finding_info.uid``; the rest is lenient."""
    if not isinstance(raw, Mapping):
        raise SecurityHubParseError(f"OCSF finding is not an object ({type(raw).__name__})")
    info = r.m(raw.get("finding_info"))
    uid = info.get("uid")
    if not isinstance(uid, str) or not uid.strip():
        raise SecurityHubParseError("OCSF finding without finding_info.uid")
    if len(uid) > MAX_ID_CHARS:
        raise SecurityHubParseError(f"finding_info.uid longer than {MAX_ID_CHARS} characters")
    meta = r.m(raw.get("metadata"))
    product = r.m(meta.get("product"))
    cloud = r.m(raw.get("cloud"))
    remediation = r.m(raw.get("remediation"))
    references = r.strs(remediation.get("references"))
    res = resources(raw.get("resources"), ocsf_resource)
    compliance = _compliance(raw.get("compliance"))
    status_id = r.i(raw.get("status_id"))
    comment = r.s(raw.get("comment"))
    modified = info.get("modified_time_dt") or info.get("finding.info.modified_time_dt") or info.get("modified_time")
    return SecurityHubDetails(
        format="ocsf",
        id=uid,
        severity=_severity(raw),
        product_arn=r.s(product.get("uid")),
        product_name=r.s(product.get("name")),
        company_name=r.s(product.get("vendor_name")),
        generator_id=r.s(r.m(info.get("analytic")).get("uid")),
        types=r.strs(info.get("types")),
        title=r.s(info.get("title")),
        description=r.s(info.get("desc")),
        remediation=Remediation(r.s(remediation.get("desc")), references[0] if references else None, references),
        resources=res,
        compliance=compliance,
        control_id=_control(compliance),
        first_observed_at=r.dt(_time(info, "first_seen_time")),
        last_observed_at=r.dt(_time(info, "last_seen_time")),
        created_at=r.dt(_time(info, "created_time")),
        updated_at=r.dt(modified) or r.dt(raw.get("time_dt") or raw.get("time")),
        vulnerabilities=_vulnerabilities(raw.get("vulnerabilities")),
        product_fields=r.pairs(raw.get("unmapped")),
        aws_account_id=r.s(r.m(cloud.get("account")).get("uid")),
        region=r.s(cloud.get("region")) or (res[0].region if res else None),
        partition=r.s(cloud.get("cloud_partition")) or (res[0].partition if res else None),
        note=Note(text=comment) if comment else None,
        source_url=r.s(info.get("src_url")),
        schema_version=r.s(meta.get("version")),
        status=r.s(raw.get("status")) or STATUS_NAMES.get(status_id or -1),
        status_id=status_id,
        activity_name=r.s(raw.get("activity_name")),
        activity_id=r.i(raw.get("activity_id")),
        metadata_uid=r.s(meta.get("uid")),
        ocsf_version=r.s(meta.get("version")),
        class_uid=r.i(raw.get("class_uid")),
        detail_type=envelope[0],
        action_name=envelope[1],
    )
