"""The Finding model: what the rest of the pipeline reads, whatever envelope the finding came in.

Value objects only; building them from JSON is :mod:`inspector2backlog.findings.parse`. Enums are kept as the
strings Inspector sent (treated as open sets): unknown values flow through and are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SEVERITY_ORDER = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")  # UNTRIAGED is outside the order


def severity_rank(severity: str) -> int:
    """0..4 for INFORMATIONAL..CRITICAL; UNTRIAGED and unknown values rank as MEDIUM (not yet scored ≠ harmless)."""
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else 2


#: which CVSS entry speaks for a finding when Inspector gives no score of its own: 3.1 > 3.0 > 4.0 > 2.0
CVSS_PREFERENCE = {"3.1": 0, "3.0": 1, "4.0": 2, "2.0": 3, "2": 3}
FINDING_TYPES = ("PACKAGE_VULNERABILITY", "NETWORK_REACHABILITY", "CODE_VULNERABILITY")


@dataclass(slots=True, frozen=True)
class CvssScore:
    version: str  # "2.0" | "3.0" | "3.1" | "4.0" | whatever was sent
    vector: str
    base_score: float | None
    source: str  # NVD, REDHAT_CVE, …


@dataclass(slots=True, frozen=True)
class AdjustedCvss:
    """``inspectorScoreDetails.adjustedCvss``: the score Inspector used, with its environmental adjustments."""

    score: float | None
    vector: str
    version: str
    score_source: str
    cvss_source: str
    adjustments: tuple[tuple[str, str], ...] = ()  # (metric, reason)


@dataclass(slots=True, frozen=True)
class Package:
    name: str
    version: str
    epoch: int | None = None
    release: str = ""
    arch: str = ""
    fixed_in: str = ""  # "" when absent; "NotAvailable" kept as sent
    remediation: str = ""  # e.g. "apt-get update && apt-get upgrade"
    package_manager: str = ""
    file_path: str = ""
    source_layer_hash: str = ""
    source_lambda_layer_arn: str = ""

    @property
    def full_version(self) -> str:
        v = self.version
        if self.epoch:
            v = f"{self.epoch}:{v}"
        if self.release:
            v = f"{v}-{self.release}"
        return v

    @property
    def fix_known(self) -> bool:
        return bool(self.fixed_in) and self.fixed_in != "NotAvailable"


@dataclass(slots=True, frozen=True)
class Resource:
    type: str  # AWS_EC2_INSTANCE | AWS_ECR_CONTAINER_IMAGE | AWS_ECR_REPOSITORY | AWS_LAMBDA_FUNCTION | CODE_REPOSITORY | …
    id: str
    partition: str = ""
    region: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)  # the raw ``details`` object (awsEc2Instance, …)

    @property
    def name_tag(self) -> str:
        return self.tags.get("Name", "")

    def detail(self, kind: str) -> dict[str, Any]:
        d = self.details.get(kind)
        return d if isinstance(d, dict) else {}


@dataclass(slots=True, frozen=True)
class PathStep:
    component_id: str
    component_type: str
    component_arn: str = ""


@dataclass(slots=True, frozen=True)
class NetworkReachability:
    port_begin: int | None
    port_end: int | None
    protocol: str
    steps: tuple[PathStep, ...] = ()

    @property
    def ports(self) -> str:
        if self.port_begin is None:
            return "不明"
        if self.port_end is None or self.port_end == self.port_begin:
            return str(self.port_begin)
        return f"{self.port_begin}-{self.port_end}"

    @property
    def port_label(self) -> str:
        """``3389/TCP`` (``?`` for an unknown protocol): how summaries, groups and risk notes name the opening."""
        return f"{self.ports}/{self.protocol or '?'}"


@dataclass(slots=True, frozen=True)
class CodeVulnerability:
    cwes: tuple[str, ...]
    detector_id: str
    detector_name: str
    detector_tags: tuple[str, ...] = ()
    file_name: str = ""
    file_path: str = ""
    start_line: int | None = None
    end_line: int | None = None
    rule_id: str = ""
    source_lambda_layer_arn: str = ""
    reference_urls: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class EventMeta:
    """The EventBridge envelope around a finding, when there was one."""

    event_id: str
    detail_type: str
    source: str
    account: str
    region: str
    time: datetime | None


@dataclass(slots=True)
class Finding:
    arn: str
    account: str
    type: str
    severity: str
    status: str
    title: str
    description: str
    recommendation: str = ""
    recommendation_url: str = ""
    first_observed: datetime | None = None
    last_observed: datetime | None = None
    updated_at: datetime | None = None
    inspector_score: float | None = None
    adjusted_cvss: AdjustedCvss | None = None
    fix_available: str = ""  # YES | NO | PARTIAL | ""
    exploit_available: str = ""  # YES | NO | ""
    last_known_exploit: datetime | None = None
    epss: float | None = None
    # package vulnerability
    vulnerability_id: str = ""
    vulnerability_source: str = ""
    source_url: str = ""
    vendor_severity: str = ""
    vendor_created: datetime | None = None
    vendor_updated: datetime | None = None
    reference_urls: tuple[str, ...] = ()
    related_vulnerabilities: tuple[str, ...] = ()
    cvss: tuple[CvssScore, ...] = ()
    packages: tuple[Package, ...] = ()
    # other finding types
    network: NetworkReachability | None = None
    code: CodeVulnerability | None = None
    resources: tuple[Resource, ...] = ()
    event: EventMeta | None = None
    origin: str = ""  # where it was read from (file#index, SQS message id…)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    state: str = "open"  # open | closed | suppressed | archived: the source's status mapped (set at parse)

    @property
    def region(self) -> str:
        """The finding's region: from its ARN (arn:aws:inspector2:REGION:…), else the envelope, else a resource."""
        parts = self.arn.split(":", 5)
        if len(parts) > 4 and parts[3]:
            return parts[3]
        if self.event and self.event.region:
            return self.event.region
        for r in self.resources:
            if r.region and r.region != "N/A":
                return r.region
        return ""

    @property
    def primary_resource(self) -> Resource | None:
        return self.resources[0] if self.resources else None

    @property
    def severity_rank(self) -> int:
        return severity_rank(self.severity)

    @property
    def best_cvss(self) -> CvssScore | None:
        """The CVSS entry to show first: by version preference, then the finding's own source, then NVD."""
        if not self.cvss:
            return None
        own = self.vulnerability_source
        return min(
            self.cvss,
            key=lambda c: (CVSS_PREFERENCE.get(c.version, 9), 0 if c.source == own else 1 if c.source == "NVD" else 2),
        )

    @property
    def headline_score(self) -> float | None:
        """The one score of the summary, comparisons and groups: Inspector's, else its adjusted CVSS, else the best
        CVSS entry's base score."""
        if self.inspector_score is not None:
            return self.inspector_score
        if self.adjusted_cvss is not None and self.adjusted_cvss.score is not None:
            return self.adjusted_cvss.score
        best = self.best_cvss
        return best.base_score if best is not None else None

    @property
    def updated_epoch(self) -> float:
        dt = self.updated_at or self.last_observed or self.first_observed
        return dt.timestamp() if dt else 0.0


@dataclass(slots=True, frozen=True)
class Skipped:
    """Recognised Inspector input that is not a finding (Scan, Coverage…), skipped with a reason."""

    origin: str
    reason: str
    detail_type: str = ""


@dataclass(slots=True, frozen=True)
class Unparsed:
    """Input that could not be read as a finding. Becomes a fallback issue: never dropped."""

    origin: str
    error: str
    raw: Any  # the decoded JSON value, or the raw text when it was not JSON


Item = Finding | Skipped | Unparsed
