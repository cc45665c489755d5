"""The Finding model: what the rest of the pipeline reads, whatever envelope the finding came in.

Value objects only, the same for every source; building them from JSON is the source's parser
(``sources/<name>/parse.py``), reached through the envelope walk of :mod:`inspector2backlog.findings.parse`. What only
one source knows (Inspector's CVSS, packages, network paths …) is its typed ``details`` object. Enums are kept as the
strings the source sent (treated as open sets): unknown values flow through and are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SEVERITY_ORDER = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")  # UNTRIAGED is outside the order


def severity_rank(severity: str) -> int:
    """0..4 for INFORMATIONAL..CRITICAL; UNTRIAGED and unknown values rank as MEDIUM (not yet scored ≠ harmless)."""
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else 2


@dataclass(slots=True, frozen=True)
class RawDetails:
    """Resource details of a kind the source does not type: the kind (``awsEc2Instance`` …) and its JSON object."""

    kind: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Resource:
    type: str  # the source's resource type: AWS_EC2_INSTANCE, AWS_LAMBDA_FUNCTION, AwsS3Bucket, Instance …
    id: str
    partition: str = ""
    region: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    #: a typed object owned by the source (parsed once, when the finding is read), :class:`RawDetails`, or None.
    #: A details object of a compute resource may expose ``ipv4_addresses: tuple[str, ...]`` (read by ``[risk]``).
    details: Any = None

    @property
    def name_tag(self) -> str:
        return self.tags.get("Name", "")


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
    resources: tuple[Resource, ...] = ()
    event: EventMeta | None = None
    origin: str = ""  # where it was read from (file#index, SQS message id…)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    source: str = "inspector2"  # the registry name of the source that parsed it (sources.get(source))
    state: str = "open"  # open | closed | suppressed | archived: the source's status mapped (sources.base.State)
    severity_source: str = ""  # the source's own severity value as shown ("8.0", "High", "Normalized 70")
    details: Any = field(default=None, repr=False)  # the source's typed details (InspectorDetails, …)
    # length of the JSON text it was read from (0: not known): no string of the finding is longer, so the renderer's
    # field cap needs no walk when this is within the cap (render.limits.cap_finding)
    input_chars: int = field(default=0, repr=False, compare=False)

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
    def updated_epoch(self) -> float:
        dt = self.updated_at or self.last_observed or self.first_observed
        return dt.timestamp() if dt else 0.0


@dataclass(slots=True, frozen=True)
class Skipped:
    """Recognised input that is not a finding (Inspector's Scan, Coverage … events), skipped with a reason."""

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
