"""Security Hub CSPM findings in ASFF (AWS Security Finding Format) → :class:`SecurityHubDetails`.

Recognised documents (:func:`iter_findings`): an EventBridge event ``Security Hub Findings - Imported`` or
``Security Hub Findings - Custom Action`` (``detail.findings[]``, several per event), GetFindings output
(``Findings``; also a lower-case ``findings`` export and a placebo ``{"status_code", "data"}`` recording), a bare
finding, and a JSON array of any of these. Every read is one pass over the input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import _read as r
from ._walk import Envelope, walk
from .controls import control_id_of
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
    label_from_normalized,
)
from .resources import asff_resource, resources

__all__ = ["DETAIL_TYPES", "Envelope", "is_finding", "iter_findings", "parse_asff", "parse_severity"]

DETAIL_TYPES = frozenset({"Security Hub Findings - Imported", "Security Hub Findings - Custom Action"})
#: detail-types Security Hub sends that carry no findings (recognised, yield nothing)
NOT_FINDINGS = frozenset({"Security Hub Insight Results"})
MAX_ID_CHARS = 2048
MAX_VULNERABILITIES = 200
MAX_PACKAGES = 500
#: ASFF documents 50 ProductFields; GuardDuty sends more (53 in a published sample)
MAX_PRODUCT_FIELDS = 1000
#: the deprecated ``WorkflowState`` → ``Workflow.Status`` (used only when ``Workflow.Status`` is absent)
_WORKFLOW_STATE = {
    "NEW": "NEW",
    "ASSIGNED": "NOTIFIED",
    "IN_PROGRESS": "NOTIFIED",
    "DEFERRED": "SUPPRESSED",
    "RESOLVED": "RESOLVED",
}


def is_finding(value: Any) -> bool:
    """An ASFF finding: a mapping with a string ``Id`` and one of ``ProductArn`` / ``SchemaVersion``."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("Id"), str)
        and ("ProductArn" in value or "SchemaVersion" in value)
    )


def iter_findings(doc: Any) -> Iterator[tuple[Mapping[str, Any], Envelope]]:
    """Each raw ASFF finding in ``doc`` with the envelope it came in; nothing for a document that is not ASFF."""
    yield from walk(doc, is_finding, DETAIL_TYPES, ("Findings", "findings"), action_key="actionName", placebo=True)


def parse_severity(raw: Any, fallback: Any = None) -> Severity:
    """``Severity{Label, Normalized, Original, Product}``; a missing label is derived from ``Normalized``
    (else ``FindingProviderFields.Severity.Label``), else INFORMATIONAL with ``declared=False``."""
    sev = r.m(raw)
    normalized = r.i(sev.get("Normalized"))
    product = r.f(sev.get("Product"))
    original = r.s(sev.get("Original"))
    label = _label(sev.get("Label"))
    if label is not None:
        return Severity(label, normalized, original, product, True)
    label = _label(r.m(fallback).get("Label")) or label_from_normalized(normalized)
    return Severity(label or "INFORMATIONAL", normalized, original, product, False)


def _label(value: Any) -> str | None:
    text = r.s(value)
    upper = text.strip().upper() if text else None
    return upper if upper in SEVERITY_LABELS else None


def _arn_parts(arn: str | None) -> tuple[str | None, str | None]:
    """(partition, region) of ``arn:aws:securityhub:us-east-1::product/…`` (docs' ``arn:aws::securityhub:…`` too)."""
    parts = r.arn_fields(arn)
    if parts is None:
        return None, None
    return parts[1] or None, parts[3] or None


def _compliance(raw: Any) -> Compliance | None:
    if not isinstance(raw, Mapping):
        return None
    status = r.s(raw.get("Status"))
    return Compliance(
        status=status.upper() if status else None,
        security_control_id=r.s(raw.get("SecurityControlId")),
        associated_standards=tuple(
            sid for x in r.lst(raw.get("AssociatedStandards")) if (sid := r.s(r.m(x).get("StandardsId")))
        ),
        related_requirements=r.strs(raw.get("RelatedRequirements")),
        status_reasons=tuple(code for x in r.lst(raw.get("StatusReasons")) if (code := r.s(r.m(x).get("ReasonCode")))),
    )


def _cvss(raw: Any) -> Cvss:
    d = r.m(raw)
    return Cvss(r.s(d.get("Version")), r.f(d.get("BaseScore")), r.s(d.get("BaseVector")), r.s(d.get("Source")))


def _package(raw: Any) -> VulnerablePackage:
    d = r.m(raw)
    return VulnerablePackage(
        name=r.s(d.get("Name")),
        version=r.s(d.get("Version")),
        epoch=r.s(d.get("Epoch")),
        release=r.s(d.get("Release")),
        architecture=r.s(d.get("Architecture")),
        package_manager=r.s(d.get("PackageManager")),
        fixed_in_version=r.s(d.get("FixedInVersion")),
        remediation=r.s(d.get("Remediation")),
        file_path=r.s(d.get("FilePath")),
    )


def _vendor(raw: Any) -> Vendor | None:
    if not isinstance(raw, Mapping) or not raw:
        return None
    return Vendor(
        name=r.s(raw.get("Name")),
        url=r.s(raw.get("Url")),
        severity=r.s(raw.get("VendorSeverity")),
        created_at=r.dt(raw.get("VendorCreatedAt")),
        updated_at=r.dt(raw.get("VendorUpdatedAt")),
    )


def _vulnerabilities(raw: Any) -> tuple[Vulnerability, ...]:
    out = []
    for item in r.lst(raw)[:MAX_VULNERABILITIES]:
        d = r.m(item)
        vid = r.s(d.get("Id"))
        if vid is None:
            continue
        fix, exploit = r.s(d.get("FixAvailable")), r.s(d.get("ExploitAvailable"))
        out.append(
            Vulnerability(
                id=vid,
                related=r.strs(d.get("RelatedVulnerabilities")),
                cvss=tuple(_cvss(c) for c in r.lst(d.get("Cvss"))[:20]),
                vendor=_vendor(d.get("Vendor")),
                fix_available=fix.upper() if fix else None,
                exploit_available=exploit.upper() if exploit else None,
                epss_score=r.f(d.get("EpssScore")),
                packages=tuple(_package(p) for p in r.lst(d.get("VulnerablePackages"))[:MAX_PACKAGES]),
                reference_urls=r.strs(d.get("ReferenceUrls")),
            )
        )
    return tuple(out)


def _note(raw: Any) -> Note | None:
    if not isinstance(raw, Mapping) or not raw:
        return None
    return Note(r.s(raw.get("Text")), r.s(raw.get("UpdatedBy")), r.dt(raw.get("UpdatedAt")))


def _workflow(d: Mapping[str, Any]) -> str | None:
    status = r.s(r.m(d.get("Workflow")).get("Status"))
    if status:
        return status.upper()
    legacy = r.s(d.get("WorkflowState"))
    return _WORKFLOW_STATE.get(legacy.upper(), legacy.upper()) if legacy else None


def parse_asff(raw: Any, envelope: Envelope = (None, None)) -> SecurityHubDetails:
    """One ASFF finding. Raises :class:`SecurityHubParseError` without a usable ``Id``; every other field is
    read leniently (absent or wrongly typed → None / empty)."""
    if not isinstance(raw, Mapping):
        raise SecurityHubParseError(f"ASFF finding is not an object ({type(raw).__name__})")
    fid = raw.get("Id")
    if not isinstance(fid, str) or not fid.strip():
        raise SecurityHubParseError("ASFF finding without Id")
    if len(fid) > MAX_ID_CHARS:
        raise SecurityHubParseError(f"ASFF Id longer than {MAX_ID_CHARS} characters")
    fields = r.pairs(raw.get("ProductFields"), MAX_PRODUCT_FIELDS)
    field_map = dict(fields)
    product_arn = r.s(raw.get("ProductArn"))
    partition, arn_region = _arn_parts(product_arn)
    res = resources(raw.get("Resources"), asff_resource)
    provider = r.m(raw.get("FindingProviderFields"))
    recommendation = r.m(r.m(raw.get("Remediation")).get("Recommendation"))
    types = r.strs(raw.get("Types")) or r.strs(provider.get("Types"))
    try:
        control = control_id_of(raw)
    except (TypeError, ValueError, AttributeError):  # the knowledge base reads ProductFields leniently
        control = None
    return SecurityHubDetails(
        format="asff",
        id=fid,
        severity=parse_severity(raw.get("Severity"), provider.get("Severity")),
        product_arn=product_arn,
        product_name=r.s(raw.get("ProductName")) or field_map.get("aws/securityhub/ProductName"),
        company_name=r.s(raw.get("CompanyName")) or field_map.get("aws/securityhub/CompanyName"),
        generator_id=r.s(raw.get("GeneratorId")),
        types=types,
        title=r.s(raw.get("Title")),
        description=r.s(raw.get("Description")),
        remediation=Remediation(r.s(recommendation.get("Text")), r.s(recommendation.get("Url"))),
        resources=res,
        compliance=_compliance(raw.get("Compliance")),
        control_id=control,
        workflow_status=_workflow(raw),
        record_state=(r.s(raw.get("RecordState")) or "").upper() or None,
        first_observed_at=r.dt(raw.get("FirstObservedAt")),
        last_observed_at=r.dt(raw.get("LastObservedAt")),
        created_at=r.dt(raw.get("CreatedAt")),
        updated_at=r.dt(raw.get("UpdatedAt")),
        vulnerabilities=_vulnerabilities(raw.get("Vulnerabilities")),
        product_fields=fields,
        aws_account_id=r.s(raw.get("AwsAccountId")),
        region=r.s(raw.get("Region")) or arn_region or (res[0].region if res else None),
        partition=partition or (res[0].partition if res else None),
        note=_note(raw.get("Note")),
        source_url=r.s(raw.get("SourceUrl")),
        schema_version=r.s(raw.get("SchemaVersion")),
        detail_type=envelope[0],
        action_name=envelope[1],
    )
