"""Typed GuardDuty finding details (frozen, slotted). Absent fields are None or (); enums stay open strings.

Tags are ``((key, value), ...)``. Values (IPs, ids, names) are kept exactly as GuardDuty sent them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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


# --- resources ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NetworkInterface:
    interface_id: str | None = None
    private_ip: str | None = None
    private_dns: str | None = None
    private_ips: tuple[str, ...] = ()
    public_ip: str | None = None
    public_dns: str | None = None
    ipv6: tuple[str, ...] = ()
    subnet_id: str | None = None
    vpc_id: str | None = None
    security_groups: Tags = ()  # ((group_id, group_name), ...)


@dataclass(frozen=True, slots=True)
class Instance:
    instance_id: str | None = None
    instance_type: str | None = None
    state: str | None = None
    image_id: str | None = None
    image_description: str | None = None
    platform: str | None = None
    availability_zone: str | None = None
    launch_time: datetime | None = None
    iam_profile_arn: str | None = None
    iam_profile_id: str | None = None
    outpost_arn: str | None = None
    network_interfaces: tuple[NetworkInterface, ...] = ()
    tags: Tags = ()

    @property
    def public_ips(self) -> tuple[str, ...]:
        return tuple(n.public_ip for n in self.network_interfaces if n.public_ip)


@dataclass(frozen=True, slots=True)
class AccessKey:
    access_key_id: str | None = None
    principal_id: str | None = None
    user_name: str | None = None
    user_type: str | None = None


@dataclass(frozen=True, slots=True)
class BlockPublicAccess:
    block_public_acls: bool | None = None
    ignore_public_acls: bool | None = None
    block_public_policy: bool | None = None
    restrict_public_buckets: bool | None = None


@dataclass(frozen=True, slots=True)
class S3PublicAccess:
    effective_permission: str | None = None  # PUBLIC | NOT_PUBLIC
    acl_public_read: bool | None = None
    acl_public_write: bool | None = None
    policy_public_read: bool | None = None
    policy_public_write: bool | None = None
    bucket_block: BlockPublicAccess | None = None
    account_block: BlockPublicAccess | None = None


@dataclass(frozen=True, slots=True)
class S3Object:
    key: str | None = None
    arn: str | None = None
    etag: str | None = None
    version_id: str | None = None
    hash: str | None = None


@dataclass(frozen=True, slots=True)
class S3Bucket:
    name: str | None = None
    arn: str | None = None
    role: str | None = None  # Destination | Source (``type``)
    created_at: datetime | None = None
    owner_id: str | None = None
    encryption_type: str | None = None
    kms_key_arn: str | None = None
    public_access: S3PublicAccess | None = None
    objects: tuple[S3Object, ...] = ()
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class Container:
    name: str | None = None
    container_id: str | None = None
    image: str | None = None
    image_prefix: str | None = None
    runtime: str | None = None
    privileged: bool | None = None
    allow_privilege_escalation: bool | None = None
    volume_mounts: Tags = ()  # ((name, mount_path), ...)


@dataclass(frozen=True, slots=True)
class EksCluster:
    name: str | None = None
    arn: str | None = None
    vpc_id: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class KubernetesUser:
    username: str | None = None
    uid: str | None = None
    groups: tuple[str, ...] = ()
    session_names: tuple[str, ...] = ()
    impersonated_username: str | None = None
    impersonated_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KubernetesWorkload:
    name: str | None = None
    workload_type: str | None = None
    uid: str | None = None
    namespace: str | None = None
    service_account: str | None = None
    host_network: bool | None = None
    host_ipc: bool | None = None
    host_pid: bool | None = None
    containers: tuple[Container, ...] = ()
    volumes: Tags = ()  # ((name, host_path), ...)


@dataclass(frozen=True, slots=True)
class EcsTask:
    arn: str | None = None
    definition_arn: str | None = None
    version: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    started_by: str | None = None
    group: str | None = None
    launch_type: str | None = None
    containers: tuple[Container, ...] = ()
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class EcsCluster:
    name: str | None = None
    arn: str | None = None
    status: str | None = None
    active_services: int | None = None
    registered_instances: int | None = None
    running_tasks: int | None = None
    task: EcsTask | None = None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class LambdaFunction:
    function_name: str | None = None
    function_arn: str | None = None
    description: str | None = None
    version: str | None = None
    revision_id: str | None = None
    role: str | None = None
    last_modified: datetime | None = None
    vpc_id: str | None = None
    subnet_ids: tuple[str, ...] = ()
    security_groups: Tags = ()
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class RdsDbInstance:
    identifier: str | None = None
    arn: str | None = None
    cluster_identifier: str | None = None
    engine: str | None = None
    engine_version: str | None = None
    resource_id: str | None = None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class RdsLimitlessDb:
    shard_group_identifier: str | None = None
    shard_group_resource_id: str | None = None
    shard_group_arn: str | None = None
    cluster_identifier: str | None = None
    engine: str | None = None
    engine_version: str | None = None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class RdsDbUser:
    user: str | None = None
    application: str | None = None
    database: str | None = None
    ssl: str | None = None
    auth_method: str | None = None


@dataclass(frozen=True, slots=True)
class EbsVolume:
    volume_arn: str | None = None
    device_name: str | None = None
    volume_type: str | None = None
    size_gb: int | None = None
    encryption_type: str | None = None
    snapshot_arn: str | None = None
    kms_key_arn: str | None = None
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Resource:
    """``resource``: its type and every detail block present (several for S3 / attack sequences)."""

    resource_type: str | None = None
    instance: Instance | None = None
    access_key: AccessKey | None = None
    s3_buckets: tuple[S3Bucket, ...] = ()
    eks_cluster: EksCluster | None = None
    kubernetes_user: KubernetesUser | None = None
    kubernetes_workload: KubernetesWorkload | None = None
    ecs_cluster: EcsCluster | None = None
    container: Container | None = None
    lambda_function: LambdaFunction | None = None
    rds_instance: RdsDbInstance | None = None
    rds_limitless: RdsLimitlessDb | None = None
    rds_user: RdsDbUser | None = None
    ebs_volumes: tuple[EbsVolume, ...] = ()


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
    context: Tags = ()  # the RuntimeContext scalar fields present, as (camelCase name, value)


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
