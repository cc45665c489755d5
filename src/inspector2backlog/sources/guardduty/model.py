"""Typed GuardDuty finding details (frozen, slotted). Absent fields are None or (); enums stay open strings.

Tags are ``((key, value), ...)``. Values (IPs, ids, names) are kept exactly as GuardDuty sent them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .resource_model import (  # noqa: F401 - re-exported: model.Instance, model.Resource, …
    AccessKey,
    BlockPublicAccess,
    Container,
    EbsVolume,
    EcsCluster,
    EcsTask,
    EksCluster,
    Instance,
    KubernetesUser,
    KubernetesWorkload,
    LambdaFunction,
    NetworkInterface,
    RdsDbInstance,
    RdsDbUser,
    RdsLimitlessDb,
    Resource,
    S3Bucket,
    S3Object,
    S3PublicAccess,
)

Tags = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Severity:
    """GuardDuty's number, its band (Low/Medium/High/Critical, "" when unknown) and the project's scale."""

    number: float | None
    band: str  # "Low" | "Medium" | "High" | "Critical" | ""
    level: str  # CRITICAL | HIGH | MEDIUM | LOW | INFORMATIONAL | UNTRIAGED


# --- the actor ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RemoteIp:
    ipv4: str | None = None
    ipv6: str | None = None
    country_code: str | None = None
    country: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None
    asn: str | None = None
    asn_org: str | None = None
    isp: str | None = None
    org: str | None = None

    @property
    def address(self) -> str | None:
        return self.ipv4 or self.ipv6


@dataclass(frozen=True, slots=True)
class Port:
    port: int | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ThreatIntel:
    list_name: str | None = None
    names: tuple[str, ...] = ()
    file_sha256: str | None = None


# --- the action -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ApiCall:
    api: str | None = None
    service_name: str | None = None
    caller_type: str | None = None
    error_code: str | None = None
    user_agent: str | None = None
    domain: str | None = None
    remote_account_id: str | None = None
    remote_account_affiliated: bool | None = None
    affected_resources: Tags = ()  # (("AWS::S3::Bucket", "name"), ...)


@dataclass(frozen=True, slots=True)
class NetworkConnection:
    direction: str | None = None
    protocol: str | None = None
    blocked: bool | None = None
    local_port: Port | None = None
    remote_port: Port | None = None
    local_ip: str | None = None


@dataclass(frozen=True, slots=True)
class PortProbe:
    local_port: Port | None = None
    local_ip: str | None = None
    remote: RemoteIp | None = None


@dataclass(frozen=True, slots=True)
class DnsRequest:
    domain: str | None = None
    protocol: str | None = None
    blocked: bool | None = None
    domain_with_suffix: str | None = None


@dataclass(frozen=True, slots=True)
class KubernetesApiCall:
    request_uri: str | None = None
    verb: str | None = None
    resource: str | None = None
    subresource: str | None = None
    namespace: str | None = None
    resource_name: str | None = None
    source_ips: tuple[str, ...] = ()
    user_agent: str | None = None
    status_code: int | None = None
    parameters: str | None = None


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    user: str | None = None
    application: str | None = None
    failed: int | None = None
    successful: int | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """``service.action``: its type, every remote actor it names, and the type's own details."""

    action_type: str | None = None
    remote: tuple[RemoteIp, ...] = ()
    api_call: ApiCall | None = None
    network: NetworkConnection | None = None
    port_probes: tuple[PortProbe, ...] = ()
    port_probe_blocked: bool | None = None
    dns: DnsRequest | None = None
    kubernetes: KubernetesApiCall | None = None
    rds_logins: tuple[LoginAttempt, ...] = ()


# --- malware scans, runtime monitoring, attack sequences -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ThreatDetected:
    name: str | None = None
    severity: str | None = None
    item_count: int | None = None
    file_paths: Tags = ()  # ((path, hash), ...)
    source: str | None = None


@dataclass(frozen=True, slots=True)
class MalwareScan:
    scan_id: str | None = None
    scan_type: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    trigger_finding_id: str | None = None
    scanned_files: int | None = None
    scanned_gb: int | None = None
    scanned_volumes: int | None = None
    threat_files: int | None = None
    highest_severity: str | None = None
    highest_threat: str | None = None
    threats: tuple[ThreatDetected, ...] = ()


@dataclass(frozen=True, slots=True)
class Process:
    name: str | None = None
    executable_path: str | None = None
    executable_sha256: str | None = None
    pid: int | None = None
    namespace_pid: int | None = None
    pwd: str | None = None
    user: str | None = None
    user_id: int | None = None
    euid: int | None = None
    start_time: datetime | None = None
    lineage: tuple[str, ...] = ()  # parent executable paths (or names), nearest first


@dataclass(frozen=True, slots=True)
class Runtime:
    process: Process | None = None
    modifying_process: Process | None = None
    target_process: Process | None = None
    context: Tags = ()  # the RuntimeContext scalar fields present, as (camelCase name, value), sorted by name


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str | None = None
    title: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Signal:
    uid: str | None = None
    signal_type: str | None = None
    name: str | None = None
    description: str | None = None
    severity: float | None = None
    count: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    resource_uids: tuple[str, ...] = ()
    actor_ids: tuple[str, ...] = ()
    endpoint_ids: tuple[str, ...] = ()
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True, slots=True)
class SequenceResource:
    uid: str | None = None
    name: str | None = None
    resource_type: str | None = None
    account_id: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class SequenceEndpoint:
    endpoint_id: str | None = None
    ip: str | None = None
    domain: str | None = None
    port: int | None = None
    country: str | None = None
    city: str | None = None
    as_name: str | None = None
    as_number: int | None = None


@dataclass(frozen=True, slots=True)
class AttackSequence:
    uid: str | None = None
    description: str | None = None
    actors: Tags = ()  # ((actor id, user name or ""), ...)
    resources: tuple[SequenceResource, ...] = ()
    endpoints: tuple[SequenceEndpoint, ...] = ()
    signals: tuple[Signal, ...] = ()
    indicators: tuple[Indicator, ...] = ()


# --- the finding ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GuardDutyDetails:
    finding_id: str
    finding_type: str
    severity: Severity
    arn: str | None = None
    detector_id: str | None = None
    title: str | None = None
    description: str | None = None
    account_id: str | None = None
    region: str | None = None
    partition: str | None = None
    schema_version: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    count: int | None = None
    archived: bool = False
    sample: bool = False
    resource_role: str | None = None
    feature_name: str | None = None
    resource: Resource = field(default_factory=Resource)
    action: Action | None = None
    threat_intel: tuple[ThreatIntel, ...] = ()
    malware_scan: MalwareScan | None = None
    runtime: Runtime | None = None
    sequence: AttackSequence | None = None
    associated_attack_sequence_arn: str | None = None

    @property
    def resource_type(self) -> str | None:
        return self.resource.resource_type

    @property
    def action_type(self) -> str | None:
        return self.action.action_type if self.action else None

    @property
    def actors(self) -> tuple[RemoteIp, ...]:
        return self.action.remote if self.action else ()
