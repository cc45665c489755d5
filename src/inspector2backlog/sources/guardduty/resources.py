"""``resource`` and the scan / runtime blocks of a GuardDuty finding → typed details (camelCase or PascalCase)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._fields import flag, integer, obj, objs, tags, text, texts, when
from . import model as m


def parse_resource(r: Mapping[str, Any]) -> m.Resource:
    k8s = obj(r, "kubernetesDetails")
    user, workload = obj(k8s, "kubernetesUserDetails"), obj(k8s, "kubernetesWorkloadDetails")
    ebs = obj(r, "ebsVolumeDetails")
    volumes = tuple(_volume(v, False) for v in objs(ebs, "scannedVolumeDetails")) + tuple(
        _volume(v, True) for v in objs(ebs, "skippedVolumeDetails")
    )
    return m.Resource(
        resource_type=text(r, "resourceType"),
        instance=_maybe(obj(r, "instanceDetails"), _instance),
        access_key=_maybe(obj(r, "accessKeyDetails"), _access_key),
        s3_buckets=tuple(_bucket(b) for b in objs(r, "s3BucketDetails")),
        eks_cluster=_maybe(obj(r, "eksClusterDetails"), _eks),
        kubernetes_user=_maybe(user, _k8s_user),
        kubernetes_workload=_maybe(workload, _workload),
        ecs_cluster=_maybe(obj(r, "ecsClusterDetails"), _ecs),
        container=_maybe(obj(r, "containerDetails"), container),
        lambda_function=_maybe(obj(r, "lambdaDetails"), _lambda),
        rds_instance=_maybe(obj(r, "rdsDbInstanceDetails"), _rds),
        rds_limitless=_maybe(obj(r, "rdsLimitlessDbDetails"), _rds_limitless),
        rds_user=_maybe(obj(r, "rdsDbUserDetails"), _rds_user),
        ebs_volumes=volumes,
    )


def _maybe(d: Mapping[str, Any], fn):
    return fn(d) if d else None


def _instance(d: Mapping[str, Any]) -> m.Instance:
    profile = obj(d, "iamInstanceProfile")
    return m.Instance(
        instance_id=text(d, "instanceId"),
        instance_type=text(d, "instanceType"),
        state=text(d, "instanceState"),
        image_id=text(d, "imageId"),
        image_description=text(d, "imageDescription"),
        platform=text(d, "platform"),
        availability_zone=text(d, "availabilityZone"),
        launch_time=when(d, "launchTime"),
        iam_profile_arn=text(profile, "arn"),
        iam_profile_id=text(profile, "id"),
        outpost_arn=text(d, "outpostArn"),
        network_interfaces=tuple(_interface(n) for n in objs(d, "networkInterfaces")),
        tags=tags(d),
    )


def _interface(d: Mapping[str, Any]) -> m.NetworkInterface:
    private = tuple(ip for p in objs(d, "privateIpAddresses") if (ip := text(p, "privateIpAddress")))
    return m.NetworkInterface(
        interface_id=text(d, "networkInterfaceId"),
        private_ip=text(d, "privateIpAddress"),
        private_dns=text(d, "privateDnsName"),
        private_ips=private,
        public_ip=text(d, "publicIp"),
        public_dns=text(d, "publicDnsName"),
        ipv6=texts(d, "ipv6Addresses"),
        subnet_id=text(d, "subnetId"),
        vpc_id=text(d, "vpcId"),
        security_groups=security_groups(d),
    )


def security_groups(d: Mapping[str, Any]) -> m.Tags:
    return tuple((text(g, "groupId") or "", text(g, "groupName") or "") for g in objs(d, "securityGroups"))


def _access_key(d: Mapping[str, Any]) -> m.AccessKey:
    return m.AccessKey(
        access_key_id=text(d, "accessKeyId"),
        principal_id=text(d, "principalId"),
        user_name=text(d, "userName"),
        user_type=text(d, "userType"),
    )


def _block(d: Mapping[str, Any]) -> m.BlockPublicAccess | None:
    if not d:
        return None
    return m.BlockPublicAccess(
        block_public_acls=flag(d, "blockPublicAcls"),
        ignore_public_acls=flag(d, "ignorePublicAcls"),
        block_public_policy=flag(d, "blockPublicPolicy"),
        restrict_public_buckets=flag(d, "restrictPublicBuckets"),
    )


def _public_access(d: Mapping[str, Any]) -> m.S3PublicAccess | None:
    if not d:
        return None
    perms = obj(d, "permissionConfiguration")
    bucket, account = obj(perms, "bucketLevelPermissions"), obj(perms, "accountLevelPermissions")
    acl, policy = obj(bucket, "accessControlList"), obj(bucket, "bucketPolicy")
    return m.S3PublicAccess(
        effective_permission=text(d, "effectivePermission"),
        acl_public_read=flag(acl, "allowsPublicReadAccess"),
        acl_public_write=flag(acl, "allowsPublicWriteAccess"),
        policy_public_read=flag(policy, "allowsPublicReadAccess"),
        policy_public_write=flag(policy, "allowsPublicWriteAccess"),
        bucket_block=_block(obj(bucket, "blockPublicAccess")),
        account_block=_block(obj(account, "blockPublicAccess")),
    )


def _bucket(d: Mapping[str, Any]) -> m.S3Bucket:
    enc = obj(d, "defaultServerSideEncryption")
    return m.S3Bucket(
        name=text(d, "name"),
        arn=text(d, "arn"),
        role=text(d, "type"),
        created_at=when(d, "createdAt"),
        owner_id=text(obj(d, "owner"), "id"),
        encryption_type=text(enc, "encryptionType"),
        kms_key_arn=text(enc, "kmsMasterKeyArn"),
        public_access=_public_access(obj(d, "publicAccess")),
        objects=tuple(
            m.S3Object(
                key=text(o, "key"),
                arn=text(o, "objectArn"),
                etag=text(o, "eTag", "ETag"),
                version_id=text(o, "versionId"),
                hash=text(o, "hash"),
            )
            for o in objs(d, "s3ObjectDetails")
        ),
        tags=tags(d),
    )


def container(d: Mapping[str, Any]) -> m.Container:
    sec = obj(d, "securityContext")
    return m.Container(
        name=text(d, "name"),
        container_id=text(d, "id"),
        image=text(d, "image"),
        image_prefix=text(d, "imagePrefix"),
        runtime=text(d, "containerRuntime"),
        privileged=flag(sec, "privileged"),
        allow_privilege_escalation=flag(sec, "allowPrivilegeEscalation"),
        volume_mounts=tuple((text(v, "name") or "", text(v, "mountPath") or "") for v in objs(d, "volumeMounts")),
    )


def _eks(d: Mapping[str, Any]) -> m.EksCluster:
    return m.EksCluster(
        name=text(d, "name"),
        arn=text(d, "arn"),
        vpc_id=text(d, "vpcId"),
        status=text(d, "status"),
        created_at=when(d, "createdAt"),
        tags=tags(d),
    )


def _k8s_user(d: Mapping[str, Any]) -> m.KubernetesUser:
    imp = obj(d, "impersonatedUser")
    return m.KubernetesUser(
        username=text(d, "username"),
        uid=text(d, "uid"),
        groups=texts(d, "groups"),
        session_names=texts(d, "sessionName"),
        impersonated_username=text(imp, "username"),
        impersonated_groups=texts(imp, "groups"),
    )


def _workload(d: Mapping[str, Any]) -> m.KubernetesWorkload:
    return m.KubernetesWorkload(
        name=text(d, "name"),
        workload_type=text(d, "type"),
        uid=text(d, "uid"),
        namespace=text(d, "namespace"),
        service_account=text(d, "serviceAccountName"),
        host_network=flag(d, "hostNetwork"),
        host_ipc=flag(d, "hostIPC"),
        host_pid=flag(d, "hostPID"),
        containers=tuple(container(c) for c in objs(d, "containers")),
        volumes=tuple((text(v, "name") or "", text(obj(v, "hostPath"), "path") or "") for v in objs(d, "volumes")),
    )


def _ecs(d: Mapping[str, Any]) -> m.EcsCluster:
    t = obj(d, "taskDetails")
    task = None
    if t:
        task = m.EcsTask(
            arn=text(t, "arn"),
            definition_arn=text(t, "definitionArn"),
            version=text(t, "version"),
            created_at=when(t, "createdAt", "TaskCreatedAt"),
            started_at=when(t, "startedAt"),
            started_by=text(t, "startedBy"),
            group=text(t, "group"),
            launch_type=text(t, "launchType"),
            containers=tuple(container(c) for c in objs(t, "containers")),
            tags=tags(t),
        )
    return m.EcsCluster(
        name=text(d, "name"),
        arn=text(d, "arn"),
        status=text(d, "status"),
        active_services=integer(d, "activeServicesCount"),
        registered_instances=integer(d, "registeredContainerInstancesCount"),
        running_tasks=integer(d, "runningTasksCount"),
        task=task,
        tags=tags(d),
    )


def _lambda(d: Mapping[str, Any]) -> m.LambdaFunction:
    vpc = obj(d, "vpcConfig")
    return m.LambdaFunction(
        function_name=text(d, "functionName"),
        function_arn=text(d, "functionArn"),
        description=text(d, "description"),
        version=text(d, "functionVersion"),
        revision_id=text(d, "revisionId"),
        role=text(d, "role"),
        last_modified=when(d, "lastModifiedAt"),
        vpc_id=text(vpc, "vpcId"),
        subnet_ids=texts(vpc, "subnetIds"),
        security_groups=security_groups(vpc),
        tags=tags(d),
    )


def _rds(d: Mapping[str, Any]) -> m.RdsDbInstance:
    return m.RdsDbInstance(
        identifier=text(d, "dbInstanceIdentifier"),
        arn=text(d, "dbInstanceArn"),
        cluster_identifier=text(d, "dbClusterIdentifier"),
        engine=text(d, "engine"),
        engine_version=text(d, "engineVersion"),
        resource_id=text(d, "dbiResourceId"),
        tags=tags(d),
    )


def _rds_limitless(d: Mapping[str, Any]) -> m.RdsLimitlessDb:
    return m.RdsLimitlessDb(
        shard_group_identifier=text(d, "dbShardGroupIdentifier"),
        shard_group_resource_id=text(d, "dbShardGroupResourceId"),
        shard_group_arn=text(d, "dbShardGroupArn"),
        cluster_identifier=text(d, "dbClusterIdentifier"),
        engine=text(d, "engine"),
        engine_version=text(d, "engineVersion"),
        tags=tags(d),
    )


def _rds_user(d: Mapping[str, Any]) -> m.RdsDbUser:
    return m.RdsDbUser(
        user=text(d, "user"),
        application=text(d, "application"),
        database=text(d, "database"),
        ssl=text(d, "ssl"),
        auth_method=text(d, "authMethod"),
    )


def _volume(d: Mapping[str, Any], skipped: bool) -> m.EbsVolume:
    return m.EbsVolume(
        volume_arn=text(d, "volumeArn"),
        device_name=text(d, "deviceName"),
        volume_type=text(d, "volumeType"),
        size_gb=integer(d, "volumeSizeInGB"),
        encryption_type=text(d, "encryptionType"),
        snapshot_arn=text(d, "snapshotArn"),
        kms_key_arn=text(d, "kmsKeyArn"),
        skipped=skipped,
    )


# --- service.ebsVolumeScanDetails / service.malwareScanDetails -------------------------------------------------------
def parse_scan(ebs_scan: Mapping[str, Any], malware: Mapping[str, Any]) -> m.MalwareScan | None:
    if not ebs_scan and not malware:
        return None
    det = obj(ebs_scan, "scanDetections")
    scanned, found = obj(det, "scannedItemCount"), obj(det, "threatsDetectedItemCount")
    highest, by_name = obj(det, "highestSeverityThreatDetails"), obj(det, "threatDetectedByName")
    threats = [
        m.ThreatDetected(
            name=text(t, "name"),
            severity=text(t, "severity"),
            item_count=integer(t, "itemCount"),
            file_paths=tuple(
                (text(p, "filePath") or text(p, "fileName") or "", text(p, "hash") or "") for p in objs(t, "filePaths")
            ),
        )
        for t in objs(by_name, "threatNames")
    ]
    threats += [
        m.ThreatDetected(
            name=text(t, "name"),
            source=text(t, "source"),
            item_count=integer(t, "count"),
            file_paths=tuple(
                (text(p, "itemPath") or text(p, "nestedItemPath") or "", text(p, "hash") or "")
                for p in objs(t, "itemDetails") + objs(t, "itemPaths")
            ),
        )
        for t in objs(malware, "threats")
    ]
    return m.MalwareScan(
        scan_id=text(ebs_scan, "scanId") or text(malware, "scanId"),
        scan_type=text(ebs_scan, "scanType") or text(malware, "scanType"),
        started_at=when(ebs_scan, "scanStartedAt"),
        completed_at=when(ebs_scan, "scanCompletedAt"),
        trigger_finding_id=text(ebs_scan, "triggerFindingId"),
        scanned_files=integer(scanned, "files"),
        scanned_gb=integer(scanned, "totalGb"),
        scanned_volumes=integer(scanned, "volumes"),
        threat_files=integer(found, "files"),
        highest_severity=text(highest, "severity"),
        highest_threat=text(highest, "threatName"),
        threats=tuple(threats),
    )


# --- service.runtimeDetails ------------------------------------------------------------------------------------------
def _process(d: Mapping[str, Any]) -> m.Process | None:
    if not d:
        return None
    return m.Process(
        name=text(d, "name"),
        executable_path=text(d, "executablePath"),
        executable_sha256=text(d, "executableSha256"),
        pid=integer(d, "pid"),
        namespace_pid=integer(d, "namespacePid"),
        pwd=text(d, "pwd"),
        user=text(d, "user"),
        user_id=integer(d, "userId"),
        euid=integer(d, "euid"),
        start_time=when(d, "startTime"),
        lineage=tuple(x for p in objs(d, "lineage") if (x := text(p, "executablePath") or text(p, "name"))),
    )


_CONTEXT_SKIP = frozenset(("modifyingProcess", "targetProcess", "memoryRegions"))


def parse_runtime(d: Mapping[str, Any]) -> m.Runtime | None:
    if not d:
        return None
    ctx = obj(d, "context")
    fields: list[tuple[str, str]] = []
    for key, value in ctx.items():
        name = str(key)[:1].lower() + str(key)[1:]
        if name in _CONTEXT_SKIP or value is None:
            continue
        if isinstance(value, list):
            value = ", ".join(str(x) for x in value if isinstance(x, (str, int, float)))
        if isinstance(value, (str, int, float)) and str(value):
            fields.append((name, str(value)))
    return m.Runtime(
        process=_process(obj(d, "process")),
        modifying_process=_process(obj(ctx, "modifyingProcess")),
        target_process=_process(obj(ctx, "targetProcess")),
        context=tuple(sorted(fields)),
    )


__all__ = ["container", "parse_resource", "parse_runtime", "parse_scan", "security_groups"]
