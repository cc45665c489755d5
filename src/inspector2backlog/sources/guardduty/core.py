"""GuardDuty details → the core :class:`~inspector2backlog.findings.model.Finding` (identity, state, severity,
resources as core ``Resource`` with CloudFormation-style types, as IAM Access Analyzer names them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...findings.model import EventMeta, Finding, Resource
from . import model as m
from .labels import RESOURCE_TYPE_JA

NAME = "guardduty"
#: the core resource type of each GuardDuty resource block (CloudFormation names where AWS has one)
CORE_TYPE_JA = {
    "AWS::EC2::Instance": "EC2 インスタンス",
    "AWS::IAM::AccessKey": "IAM アクセスキー",
    "AWS::S3::Bucket": "S3 バケット",
    "AWS::EKS::Cluster": "EKS クラスター",
    "Kubernetes::Workload": "Kubernetes ワークロード",
    "AWS::ECS::Cluster": "ECS クラスター",
    "AWS::ECS::Task": "ECS タスク",
    "Container": "コンテナ",
    "AWS::Lambda::Function": "Lambda 関数",
    "AWS::RDS::DBInstance": "RDS / Aurora DB インスタンス",
    "AWS::RDS::DBShardGroup": "Aurora Limitless のシャードグループ",
    "AWS::EC2::Volume": "EBS ボリューム",
}
#: ``resource.resourceType`` → the core type that leads ``Finding.resources``
_PRIMARY = {
    "Instance": "AWS::EC2::Instance",
    "AccessKey": "AWS::IAM::AccessKey",
    "S3Bucket": "AWS::S3::Bucket",
    "S3Object": "AWS::S3::Bucket",
    "EKSCluster": "AWS::EKS::Cluster",
    "KubernetesCluster": "AWS::EKS::Cluster",
    "ECSCluster": "AWS::ECS::Cluster",
    "Container": "Container",
    "Lambda": "AWS::Lambda::Function",
    "RDSDBInstance": "AWS::RDS::DBInstance",
    "RDSLimitlessDB": "AWS::RDS::DBShardGroup",
    "EbsVolume": "AWS::EC2::Volume",
}


def severity_number(n: float | None) -> str:
    """GuardDuty's number as shown: ``8.0``, ``5.5``; "" when it sent none."""
    if n is None:
        return ""
    return f"{n:.1f}" if n == int(n) else f"{n:g}"


def finding_arn(d: m.GuardDutyDetails) -> str:
    """The finding's own ARN; built from its parts when a form leaves it out (the partial test event)."""
    if d.arn:
        return d.arn
    if d.region and d.account_id and d.detector_id:
        return (
            f"arn:{d.partition or 'aws'}:guardduty:{d.region}:{d.account_id}:"
            f"detector/{d.detector_id}/finding/{d.finding_id}"
        )
    return f"guardduty:finding/{d.finding_id}"


def _res(kind: str, rid: str | None, d: m.GuardDutyDetails, tags: m.Tags = ()) -> Resource | None:
    if not rid:
        return None
    return Resource(kind, rid, partition=d.partition or "", region=d.region or "", tags=dict(tags))


def core_resources(d: m.GuardDutyDetails) -> tuple[Resource, ...]:
    """Every affected resource; the one ``resource.resourceType`` names first. Ids as GuardDuty sent them."""
    r = d.resource
    out: list[Resource | None] = []
    if i := r.instance:
        out.append(_res("AWS::EC2::Instance", i.instance_id, d, i.tags))
    if k := r.access_key:
        out.append(_res("AWS::IAM::AccessKey", k.access_key_id or k.user_name, d))
    out += [_res("AWS::S3::Bucket", b.name or b.arn, d, b.tags) for b in r.s3_buckets]
    if c := r.eks_cluster:
        out.append(_res("AWS::EKS::Cluster", c.name or c.arn, d, c.tags))
    if w := r.kubernetes_workload:
        out.append(_res("Kubernetes::Workload", f"{w.namespace or 'default'}/{w.name}" if w.name else None, d))
    if e := r.ecs_cluster:
        out.append(_res("AWS::ECS::Cluster", e.name or e.arn, d, e.tags))
        if e.task:
            out.append(_res("AWS::ECS::Task", e.task.arn, d, e.task.tags))
    if ct := r.container:
        out.append(_res("Container", ct.name or ct.container_id, d))
    if f := r.lambda_function:
        out.append(_res("AWS::Lambda::Function", f.function_name or f.function_arn, d, f.tags))
    if db := r.rds_instance:
        out.append(_res("AWS::RDS::DBInstance", db.identifier or db.arn, d, db.tags))
    if lm := r.rds_limitless:
        out.append(_res("AWS::RDS::DBShardGroup", lm.shard_group_identifier or lm.shard_group_arn, d, lm.tags))
    out += [_res("AWS::EC2::Volume", v.volume_arn, d) for v in r.ebs_volumes if not v.skipped]
    if d.sequence:
        out += [_res(x.resource_type or "AttackSequence", x.uid or x.name, d) for x in d.sequence.resources]
    seen: dict[tuple[str, str], Resource] = {}
    for x in out:
        if x is not None:
            seen.setdefault((x.type, x.id), x)
    primary = _PRIMARY.get(r.resource_type or "")
    return tuple(sorted(seen.values(), key=lambda x: 0 if x.type == primary else 1))


def resource_ja(x: Resource) -> str:
    return CORE_TYPE_JA.get(x.type) or RESOURCE_TYPE_JA.get(x.type) or x.type


def resource_label(x: Resource | None) -> str:
    """``EC2 インスタンス i-0abc (web)``: the resource as a sentence or a summary names it."""
    if x is None:
        return ""
    name = x.tags.get("Name", "")
    return f"{resource_ja(x)} {x.id}" + (f" ({name})" if name and name != x.id else "")


def to_finding(d: m.GuardDutyDetails, raw: Mapping[str, Any], origin: str, event: EventMeta | None) -> Finding:
    return Finding(
        arn=finding_arn(d),
        account=d.account_id or (event.account if event else ""),
        type=d.finding_type,
        severity=d.severity.level,
        status="ARCHIVED" if d.archived else "ACTIVE",  # GuardDuty has no status field: service.archived says it
        title=d.title or d.finding_type,
        description=d.description or "",
        first_observed=d.first_seen or d.created_at,
        last_observed=d.last_seen or d.updated_at,
        updated_at=d.updated_at or d.last_seen,
        resources=core_resources(d),
        event=event,
        origin=origin,
        raw=dict(raw),
        source=NAME,
        state="archived" if d.archived else "open",
        severity_source=severity_number(d.severity.number),
        details=d,
    )
