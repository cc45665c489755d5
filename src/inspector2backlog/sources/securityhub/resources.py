"""ASFF ``Resources[]`` and OCSF ``resources[]`` → :class:`Resource`, typed for the common kinds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import _read as r
from .model import (
    AccountDetails,
    Ec2InstanceDetails,
    EcrContainerImageDetails,
    IamAccessKeyDetails,
    IamRoleDetails,
    IamUserDetails,
    LambdaFunctionDetails,
    Resource,
    ResourceDetails,
    S3BucketDetails,
)

__all__ = ["KINDS", "asff_resource", "kind_of", "ocsf_resource"]

MAX_RESOURCES = 100
#: CloudFormation-style type (OCSF) → the ASFF kind, for the kinds with typed details
_CFN_KIND = {
    "AWS::EC2::Instance": "AwsEc2Instance",
    "AWS::S3::Bucket": "AwsS3Bucket",
    "AWS::IAM::Role": "AwsIamRole",
    "AWS::IAM::AccessKey": "AwsIamAccessKey",
    "AWS::IAM::User": "AwsIamUser",
    "AWS::ECR::ContainerImage": "AwsEcrContainerImage",
    "AWS::Lambda::Function": "AwsLambdaFunction",
    "AWS::::Account": "AwsAccount",
    "AWS::Account": "AwsAccount",
}


def kind_of(resource_type: str) -> str:
    """``AWS::S3::Bucket`` → ``AwsS3Bucket``; ASFF types and unknown types unchanged."""
    return _CFN_KIND.get(resource_type, resource_type)


def _ec2(d: Mapping[str, Any]) -> Ec2InstanceDetails:
    return Ec2InstanceDetails(
        instance_type=r.s(d.get("Type") or d.get("type") or d.get("instance_type")),
        image_id=r.s(d.get("ImageId") or d.get("image_id")),
        ipv4_addresses=r.strs(d.get("IpV4Addresses") or d.get("ipv4_addresses")),
        ipv6_addresses=r.strs(d.get("IpV6Addresses") or d.get("ipv6_addresses")),
        iam_instance_profile_arn=r.s(d.get("IamInstanceProfileArn") or d.get("iam_instance_profile_arn")),
        vpc_id=r.s(d.get("VpcId") or d.get("vpc_uid") or d.get("vpc_id")),
        subnet_id=r.s(d.get("SubnetId") or d.get("subnet_uid") or d.get("subnet_id")),
        key_name=r.s(d.get("KeyName") or d.get("key_name")),
        launched_at=r.dt(d.get("LaunchedAt") or d.get("launched_at")),
    )


def _s3(d: Mapping[str, Any]) -> S3BucketDetails:
    rules = r.lst(r.m(d.get("ServerSideEncryptionConfiguration")).get("Rules"))
    default = r.m(r.m(rules[0] if rules else None).get("ApplyServerSideEncryptionByDefault"))
    return S3BucketDetails(
        owner_id=r.s(d.get("OwnerId") or d.get("owner_id")),
        owner_name=r.s(d.get("OwnerName") or d.get("owner_name")),
        created_at=r.dt(d.get("CreatedAt") or d.get("created_at")),
        encryption_algorithm=r.s(default.get("SSEAlgorithm")),
    )


def _role(d: Mapping[str, Any]) -> IamRoleDetails:
    return IamRoleDetails(
        role_name=r.s(d.get("RoleName") or d.get("role_name")),
        role_id=r.s(d.get("RoleId") or d.get("role_id")),
        path=r.s(d.get("Path")),
        create_date=r.dt(d.get("CreateDate")),
        max_session_duration=r.i(d.get("MaxSessionDuration")),
    )


def _access_key(d: Mapping[str, Any]) -> IamAccessKeyDetails:
    return IamAccessKeyDetails(
        access_key_id=r.s(d.get("AccessKeyId") or d.get("access_key_id")),
        user_name=r.s(d.get("UserName") or d.get("user_name")),
        principal_id=r.s(d.get("PrincipalId") or d.get("principal_id")),
        principal_name=r.s(d.get("PrincipalName") or d.get("principal_name")),
        principal_type=r.s(d.get("PrincipalType") or d.get("user_type") or d.get("principal_type")),
        status=r.s(d.get("Status") or d.get("status")),
        created_at=r.dt(d.get("CreatedAt") or d.get("created_at")),
    )


def _user(d: Mapping[str, Any]) -> IamUserDetails:
    attached = tuple(name for p in r.lst(d.get("AttachedManagedPolicies")) if (name := r.s(r.m(p).get("PolicyName"))))
    return IamUserDetails(
        user_name=r.s(d.get("UserName") or d.get("user_name")),
        user_id=r.s(d.get("UserId") or d.get("user_id")),
        path=r.s(d.get("Path")),
        create_date=r.dt(d.get("CreateDate")),
        attached_policies=attached,
    )


def _ecr(d: Mapping[str, Any]) -> EcrContainerImageDetails:
    return EcrContainerImageDetails(
        registry_id=r.s(d.get("RegistryId") or d.get("registry_id")),
        repository_name=r.s(d.get("RepositoryName") or d.get("repository_name")),
        image_digest=r.s(d.get("ImageDigest") or d.get("image_digest")),
        image_tags=r.strs(d.get("ImageTags") or d.get("image_tags")),
        architecture=r.s(d.get("Architecture") or d.get("architecture")),
        image_published_at=r.dt(d.get("ImagePublishedAt") or d.get("image_published_at")),
    )


def _lambda(d: Mapping[str, Any]) -> LambdaFunctionDetails:
    layers = tuple(arn for x in r.lst(d.get("Layers")) if (arn := r.s(r.m(x).get("Arn"))))
    return LambdaFunctionDetails(
        function_name=r.s(d.get("FunctionName") or d.get("function_name")),
        runtime=r.s(d.get("Runtime") or d.get("runtime")),
        handler=r.s(d.get("Handler") or d.get("handler")),
        role=r.s(d.get("Role") or d.get("role")),
        version=r.s(d.get("Version") or d.get("version")),
        last_modified=r.dt(d.get("LastModified") or d.get("last_modified")),
        layers=layers,
        subnet_ids=r.strs(r.m(d.get("VpcConfig")).get("SubnetIds")),
    )


_TYPED: dict[str, Callable[[Mapping[str, Any]], ResourceDetails]] = {
    "AwsEc2Instance": _ec2,
    "AwsS3Bucket": _s3,
    "AwsIamRole": _role,
    "AwsIamAccessKey": _access_key,
    "AwsIamUser": _user,
    "AwsEcrContainerImage": _ecr,
    "AwsLambdaFunction": _lambda,
}
KINDS = frozenset((*_TYPED, "AwsAccount"))


def _account_id(resource_id: str) -> str | None:
    """``AWS::::Account:111122223333`` → ``111122223333``; a bare 12-digit id as is."""
    tail = resource_id.rsplit(":", 1)[-1]
    return tail if tail.isdigit() else None


def _typed(kind: str, resource_id: str, data: Mapping[str, Any]) -> ResourceDetails | None:
    if kind == "AwsAccount":
        return AccountDetails(account_id=_account_id(resource_id))
    build = _TYPED.get(kind)
    return build(data) if build is not None and data else None


def asff_resource(raw: Any) -> Resource | None:
    """One ASFF resource; None without a ``Type`` and ``Id``."""
    d = r.m(raw)
    rtype, rid = r.s(d.get("Type")), r.s(d.get("Id"))
    if rtype is None or rid is None:
        return None
    details = r.m(d.get("Details"))
    own = r.m(details.get(rtype))
    typed = _typed(rtype, rid, own)
    if typed is not None:  # the typed part is read; keep the rest (e.g. "Other") as pairs
        other = tuple(p for k, v in details.items() if k != rtype for p in _prefixed(k, v))
    else:
        other = tuple(p for k, v in details.items() for p in _prefixed(k, v))
    return Resource(
        type=rtype,
        id=rid,
        kind=rtype,
        partition=r.s(d.get("Partition")),
        region=r.s(d.get("Region")),
        tags=r.pairs(d.get("Tags")),
        details=typed,
        other=other[: r.MAX_PAIRS],
    )


def _prefixed(key: Any, value: Any) -> tuple[tuple[str, str], ...]:
    """``Details.Other`` / ``Details.<Type>`` entries: a mapping's keys as they are, a scalar under its own key."""
    if isinstance(value, Mapping):
        return r.pairs(value)
    text = r.text_of(value)
    return ((key, text),) if isinstance(key, str) and text is not None else ()


def ocsf_resource(raw: Any) -> Resource | None:
    """One OCSF resource (``type``, ``uid``, ``data``, ``tags``); None without both."""
    d = r.m(raw)
    rtype, rid = r.s(d.get("type")), r.s(d.get("uid"))
    if rtype is None or rid is None:
        return None
    kind = kind_of(rtype)
    data = r.m(d.get("data"))
    typed = _typed(kind, rid, data)
    return Resource(
        type=rtype,
        id=rid,
        kind=kind,
        partition=r.s(d.get("cloud_partition")),
        region=r.s(d.get("region")),
        name=r.s(d.get("name")),
        tags=r.name_value_pairs(d.get("tags")),
        details=typed,
        other=() if typed is not None else r.pairs(data),
    )


def resources(raw: Any, build: Callable[[Any], Resource | None]) -> tuple[Resource, ...]:
    out = []
    for item in r.lst(raw)[:MAX_RESOURCES]:
        res = build(item)
        if res is not None:
            out.append(res)
    return tuple(out)
