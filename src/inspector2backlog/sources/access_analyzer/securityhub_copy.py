"""An IAM Access Analyzer finding's Security Hub copy read as Access Analyzer reads its own (issue 13 item 4): the
issue then explains who can do what on which resource (or what is unused) and what to do, as a native one does.

``from_securityhub`` gets the Security Hub source's Finding (its ``type`` already ``ExternalAccess`` /
``UnusedPermission`` …, its ``arn`` the analyzer ARN + ``/finding/`` + id) and reads, by attribute from
``f.details`` (sources never import each other):

* the resource: ``Resources[0]`` (``AwsS3Bucket`` → ``AWS::S3::Bucket`` …) and, for external access, its
  ``Details.Other`` — ``External Principal Type`` / ``External Principal``, ``Action Granted`` (comma separated),
  ``Condition`` (``none`` or the condition as sent), ``Is Public``;
* ``ProductFields``: ``resourceOwnerAccount``, ``numberOfUnusedServices``, ``numberOfUnusedActions``;
* the status from the copy's state: open → ACTIVE, closed → RESOLVED, suppressed / archived → ARCHIVED.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ...findings.model import Finding, Resource
from . import model as m

__all__ = ["from_securityhub"]

_STATUS = {"open": "ACTIVE", "closed": "RESOLVED", "suppressed": "ARCHIVED", "archived": "ARCHIVED"}
#: ASFF resource types → the CloudFormation names Access Analyzer uses
_RESOURCE_TYPES = {
    "AwsS3Bucket": "AWS::S3::Bucket",
    "AwsIamRole": "AWS::IAM::Role",
    "AwsIamUser": "AWS::IAM::User",
    "AwsKmsKey": "AWS::KMS::Key",
    "AwsLambdaFunction": "AWS::Lambda::Function",
    "AwsSqsQueue": "AWS::SQS::Queue",
    "AwsSnsTopic": "AWS::SNS::Topic",
    "AwsSecretsManagerSecret": "AWS::SecretsManager::Secret",
    "AwsEcrRepository": "AWS::ECR::Repository",
    "AwsEfsFileSystem": "AWS::EFS::FileSystem",
    "AwsDynamoDbTable": "AWS::DynamoDB::Table",
    "AwsRdsDbSnapshot": "AWS::RDS::DBSnapshot",
    "AwsRdsDbClusterSnapshot": "AWS::RDS::DBClusterSnapshot",
    "AwsEc2Snapshot": "AWS::EC2::Snapshot",
}
_NO_CONDITION = {"", "none", "{}"}
_MAX_ACTIONS = 200


def _s(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _pairs(v: Any) -> dict[str, str]:
    return {k: x for k, x in v if isinstance(k, str) and isinstance(x, str)} if isinstance(v, tuple) else {}


def _count(v: str | None) -> int | None:
    return int(v) if v is not None and v.strip().isdigit() else None


def _access(other: dict[str, str]) -> m.Access | None:
    """External access from the resource's ``Details.Other`` (None: the copy names no principal)."""
    principal = other.get("External Principal")
    if not principal:
        return None
    kind = other.get("External Principal Type") or "AWS"
    actions = tuple(a.strip() for a in (other.get("Action Granted") or "").split(",") if a.strip())[:_MAX_ACTIONS]
    condition = (other.get("Condition") or "").strip()
    public = other.get("Is Public", "").strip().lower()
    return m.Access(
        principal=((kind, principal),),
        actions=actions,
        condition=() if condition.lower() in _NO_CONDITION else (("Condition", condition),),
        is_public=public == "true" or principal == "*",
    )


def from_securityhub(f: Finding) -> Finding | None:
    """Access Analyzer's reading of the Security Hub copy ``f`` (None: not one of its finding types)."""
    kind = m.KINDS.get(f.type)
    if kind is None:
        return None
    d = f.details
    fields = _pairs(getattr(d, "product_fields", ()))
    res = next(iter(getattr(d, "resources", ()) or ()), None)
    asff_type = _s(getattr(res, "type", None)) or ""
    resource = _s(getattr(res, "id", None))
    analyzer, sep, fid = f.arn.rpartition("/finding/")
    access = _access(_pairs(getattr(res, "other", ()))) if kind != "unused" else None
    details = m.AccessAnalyzerDetails(
        finding_id=fid if sep else (fields.get("findingId") or f.arn),
        kind=kind,
        finding_type=f.type,
        status=_STATUS.get(f.state, "ACTIVE"),
        resource=resource,
        resource_type=_RESOURCE_TYPES.get(asff_type, asff_type) or None,
        resource_owner_account=fields.get("resourceOwnerAccount"),
        account_id=f.account or fields.get("resourceOwnerAccount"),
        region=f.region or None,
        analyzer_arn=analyzer if sep and ":analyzer/" in analyzer else None,
        created_at=f.first_observed,
        updated_at=f.updated_at,
        accesses=(access,) if access is not None else (),
        unused_services=_count(fields.get("numberOfUnusedServices")),
        unused_actions=_count(fields.get("numberOfUnusedActions")),
    )
    resources = (Resource(details.resource_type or "", resource, region=f.region),) if resource else f.resources
    return dataclasses.replace(
        f, status=details.status or "ACTIVE", resources=resources, source="access_analyzer", details=details
    )
