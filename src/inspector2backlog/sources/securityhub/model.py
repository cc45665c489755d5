"""Typed Security Hub finding details, one model for both wire formats (ASFF and OCSF).

Every field is optional on the wire: a missing value is ``None`` (scalars) or empty (tuples). Timestamps are aware
UTC datetimes. ``format`` says which wire format a value came from; fields that exist in only one format stay
empty in the other (``workflow_status`` is ASFF-only, ``status_id`` / ``activity_name`` are OCSF-only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ...errors import PARSE, Inspector2BacklogError

__all__ = [
    "SEVERITY_LABELS",
    "AccountDetails",
    "Compliance",
    "Cvss",
    "Ec2InstanceDetails",
    "EcrContainerImageDetails",
    "IamAccessKeyDetails",
    "IamRoleDetails",
    "IamUserDetails",
    "LambdaFunctionDetails",
    "Note",
    "Remediation",
    "Resource",
    "ResourceDetails",
    "S3BucketDetails",
    "SecurityHubDetails",
    "SecurityHubParseError",
    "Severity",
    "Vendor",
    "Vulnerability",
    "VulnerablePackage",
    "label_from_normalized",
]

Format = Literal["asff", "ocsf"]
Pairs = tuple[tuple[str, str], ...]
SEVERITY_LABELS = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")


class SecurityHubParseError(Inspector2BacklogError, ValueError):
    """Input that is not a readable Security Hub finding or document (never a KeyError/TypeError)."""

    kind = PARSE


def label_from_normalized(normalized: int | None) -> str | None:
    """ASFF's published bands: 0 INFORMATIONAL, 1–39 LOW, 40–69 MEDIUM, 70–89 HIGH, 90–100 CRITICAL."""
    if normalized is None or normalized < 0:
        return None
    if normalized == 0:
        return "INFORMATIONAL"
    if normalized < 40:
        return "LOW"
    if normalized < 70:
        return "MEDIUM"
    if normalized < 90:
        return "HIGH"
    return "CRITICAL"


@dataclass(frozen=True, slots=True)
class Severity:
    """``label`` is always one of :data:`SEVERITY_LABELS`; ``declared`` is False when it was derived
    (from ``Normalized`` / ``severity_id``) or defaulted to INFORMATIONAL."""

    label: str
    normalized: int | None = None
    original: str | None = None
    product: float | None = None
    declared: bool = True


@dataclass(frozen=True, slots=True)
class Remediation:
    text: str | None = None
    url: str | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ec2InstanceDetails:
    instance_type: str | None = None
    image_id: str | None = None
    ipv4_addresses: tuple[str, ...] = ()
    ipv6_addresses: tuple[str, ...] = ()
    iam_instance_profile_arn: str | None = None
    vpc_id: str | None = None
    subnet_id: str | None = None
    key_name: str | None = None
    launched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class S3BucketDetails:
    owner_id: str | None = None
    owner_name: str | None = None
    created_at: datetime | None = None
    encryption_algorithm: str | None = None


@dataclass(frozen=True, slots=True)
class IamRoleDetails:
    role_name: str | None = None
    role_id: str | None = None
    path: str | None = None
    create_date: datetime | None = None
    max_session_duration: int | None = None


@dataclass(frozen=True, slots=True)
class IamAccessKeyDetails:
    access_key_id: str | None = None
    user_name: str | None = None
    principal_id: str | None = None
    principal_name: str | None = None
    principal_type: str | None = None
    status: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IamUserDetails:
    user_name: str | None = None
    user_id: str | None = None
    path: str | None = None
    create_date: datetime | None = None
    attached_policies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EcrContainerImageDetails:
    registry_id: str | None = None
    repository_name: str | None = None
    image_digest: str | None = None
    image_tags: tuple[str, ...] = ()
    architecture: str | None = None
    image_published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LambdaFunctionDetails:
    function_name: str | None = None
    runtime: str | None = None
    handler: str | None = None
    role: str | None = None
    version: str | None = None
    last_modified: datetime | None = None
    layers: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountDetails:
    account_id: str | None = None


ResourceDetails = (
    Ec2InstanceDetails
    | S3BucketDetails
    | IamRoleDetails
    | IamAccessKeyDetails
    | IamUserDetails
    | EcrContainerImageDetails
    | LambdaFunctionDetails
    | AccountDetails
)


@dataclass(frozen=True, slots=True)
class Resource:
    """``type`` as sent (ASFF ``AwsS3Bucket``, OCSF ``AWS::S3::Bucket`` or ``AwsS3Bucket``); ``kind`` is the ASFF
    spelling of the common types (``AwsS3Bucket`` for both) or the type as sent. ``details`` is typed for the
    common kinds; ``other`` holds the remaining detail values flattened to key/value strings."""

    type: str
    id: str
    kind: str
    partition: str | None = None
    region: str | None = None
    name: str | None = None
    tags: Pairs = ()
    details: ResourceDetails | None = None
    other: Pairs = ()

    @property
    def name_tag(self) -> str | None:
        return next((v for k, v in self.tags if k == "Name"), None)


@dataclass(frozen=True, slots=True)
class Compliance:
    """``status`` is ASFF's spelling (PASSED / WARNING / FAILED / NOT_AVAILABLE); OCSF Pass/Warning/Fail map to it."""

    status: str | None = None
    security_control_id: str | None = None
    associated_standards: tuple[str, ...] = ()
    related_requirements: tuple[str, ...] = ()
    status_reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cvss:
    version: str | None = None
    base_score: float | None = None
    base_vector: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Vendor:
    name: str | None = None
    url: str | None = None
    severity: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VulnerablePackage:
    name: str | None = None
    version: str | None = None
    epoch: str | None = None
    release: str | None = None
    architecture: str | None = None
    package_manager: str | None = None
    fixed_in_version: str | None = None
    remediation: str | None = None
    file_path: str | None = None


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """``fix_available`` / ``exploit_available`` in ASFF's spelling: YES / NO / PARTIAL (OCSF booleans map to it)."""

    id: str
    related: tuple[str, ...] = ()
    cvss: tuple[Cvss, ...] = ()
    vendor: Vendor | None = None
    fix_available: str | None = None
    exploit_available: str | None = None
    epss_score: float | None = None
    packages: tuple[VulnerablePackage, ...] = ()
    reference_urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    text: str | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SecurityHubDetails:
    """One Security Hub finding. ``id`` is ASFF ``Id`` or OCSF ``finding_info.uid``; ``product_arn`` is ASFF
    ``ProductArn`` or OCSF ``metadata.product.uid``; ``control_id`` is the resolved ``SecurityControlId`` (also
    for legacy CIS / standard-specific findings), None for findings that are not about a control."""

    format: Format
    id: str
    severity: Severity
    product_arn: str | None = None
    product_name: str | None = None
    company_name: str | None = None
    generator_id: str | None = None
    types: tuple[str, ...] = ()
    title: str | None = None
    description: str | None = None
    remediation: Remediation = field(default_factory=Remediation)
    resources: tuple[Resource, ...] = ()
    compliance: Compliance | None = None
    control_id: str | None = None
    workflow_status: str | None = None
    record_state: str | None = None
    first_observed_at: datetime | None = None
    last_observed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    vulnerabilities: tuple[Vulnerability, ...] = ()
    product_fields: Pairs = ()
    aws_account_id: str | None = None
    region: str | None = None
    partition: str | None = None
    note: Note | None = None
    source_url: str | None = None
    schema_version: str | None = None
    # OCSF only
    status: str | None = None
    status_id: int | None = None
    activity_name: str | None = None
    activity_id: int | None = None
    metadata_uid: str | None = None
    ocsf_version: str | None = None
    class_uid: int | None = None
    # the EventBridge envelope, when the finding came in one
    detail_type: str | None = None
    action_name: str | None = None

    def product_field(self, key: str) -> str | None:
        return next((v for k, v in self.product_fields if k == key), None)

    @property
    def primary_resource(self) -> Resource | None:
        return self.resources[0] if self.resources else None
