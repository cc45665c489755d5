"""Typed GuardDuty resource details (``resource.*Details``), frozen and slotted; re-exported by :mod:`.model`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

Tags = tuple[tuple[str, str], ...]


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
