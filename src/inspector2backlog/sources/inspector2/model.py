"""Inspector's typed details: what only an Inspector finding carries (``Finding.details``), and its resources'
details (``Resource.details``), each read once by :mod:`.parse`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: which CVSS entry speaks for a finding when Inspector gives no score of its own: 3.1 > 3.0 > 4.0 > 2.0
CVSS_PREFERENCE = {"3.1": 0, "3.0": 1, "4.0": 2, "2.0": 3, "2": 3}


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

    @property
    def from_internet_gateway(self) -> bool:
        return any(s.component_type == "AWS::EC2::InternetGateway" for s in self.steps)


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
class InspectorDetails:
    """``Finding.details`` of an Inspector finding: scores, CVSS, packages, network path, code location."""

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


#: the details of a finding that carries none of Inspector's own objects (also a Finding built by hand)
EMPTY = InspectorDetails()


# ---- resource details (``Resource.details``) --------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class RawTime:
    """A timestamp from resource details as sent: parsed when it could be, its text otherwise."""

    when: datetime | None
    text: str  # "" for a value that was not a scalar
    present: bool  # the value was truthy (an empty string or 0 is sent but shown as unknown)


@dataclass(slots=True, frozen=True)
class Ec2Instance:
    """``details.awsEc2Instance`` (or ``vm``)."""

    instance_type: str = ""
    platform: str = ""
    image_id: str = ""
    vpc_id: str = ""
    subnet_id: str = ""
    ipv4_addresses: tuple[str, ...] = ()
    ipv6_addresses: tuple[str, ...] = ()
    key_name: str = ""
    iam_instance_profile_arn: str = ""


@dataclass(slots=True, frozen=True)
class EcrImage:
    """``details.awsEcrContainerImage`` (or ``image``)."""

    repository_name: str = ""
    image_tags: tuple[str, ...] = ()
    digest: str = ""
    platform: str = ""
    architecture: str = ""
    pushed_at: RawTime | None = None
    last_in_use_at: RawTime | None = None
    in_use_count: str | None = None  # None: not sent


@dataclass(slots=True, frozen=True)
class EcrRepository:
    """``details.awsEcrRepository``."""

    name: str = ""


@dataclass(slots=True, frozen=True)
class LambdaFunction:
    """``details.awsLambdaFunction`` (or ``serverlessFunction``)."""

    function_name: str = ""
    version: str = ""
    runtime: str = ""
    architectures: tuple[str, ...] = ()
    package_type: str = ""
    layers: tuple[str, ...] = ()
    vpc_id: str = ""
    last_modified_at: RawTime | None = None


@dataclass(slots=True, frozen=True)
class CodeRepository:
    """``details.codeRepository``."""

    project_name: str = ""
    integration_type: str = ""
    provider_type: str = ""
