"""A GuardDuty finding's Security Hub copy read as GuardDuty reads its own (issue 13 item 4): the issue then has the
knowledge base's 概要, なぜ重要か, 調査手順 and 対応手順 for the finding type, and the actor / action facts.

``from_securityhub`` gets the Security Hub source's Finding (its ``type`` already GuardDuty's own spelling,
``UnauthorizedAccess:EC2/SSHBruteForce``) and rebuilds the native finding GuardDuty would have sent, which
:func:`.parse.parse_finding` then reads like any other:

* ``service`` — ASFF ``ProductFields`` flattened by Security Hub (``aws/guardduty/service/action/…/ipAddressV4``,
  or without the prefix in older copies; ``threatIntelligenceDetails.0_`` is a list index; ``additionalInfo`` may
  be a JSON string) unflattened; an OCSF copy's ``count`` and ``evidences[].api`` give the count and the API call;
* ``resource`` — ``Resources[]`` (AwsEc2Instance, AwsIamAccessKey, AwsS3Bucket, AwsLambdaFunction) as GuardDuty's
  ``instanceDetails`` / ``accessKeyDetails`` / ``s3BucketDetails`` / ``lambdaDetails``, its ``resourceType`` from
  the finding type's resource part (``IAMUser`` → AccessKey) or the first resource;
* ``severity`` — GuardDuty's number (ASFF ``Severity.Original`` / ``Product``, else ``Normalized`` / 10).

Security Hub's values are read by attribute from ``f.details`` (sources never import each other). The Finding
keeps the copy's identity, state and raw input.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ...findings.model import Finding
from . import model as m
from .core import to_finding
from .knowledge import parse_type
from .parse import GuardDutyParseError, parse_finding

__all__ = ["from_securityhub", "native_finding", "unflatten"]

PREFIX = "aws/guardduty/service/"
MAX_FIELDS = 500
MAX_INDEX = 50
#: the resource part of a finding type → GuardDuty's ``resource.resourceType``
_BY_TYPE = {
    "EC2": "Instance",
    "IAMUser": "AccessKey",
    "S3": "S3Bucket",
    "Lambda": "Lambda",
    "Kubernetes": "EKSCluster",
    "EKS": "EKSCluster",
    "ECS": "ECSCluster",
    "Runtime": "Instance",
    "RDS": "RDSDBInstance",
}
_BY_KIND = {
    "AwsEc2Instance": "Instance",
    "AwsIamAccessKey": "AccessKey",
    "AwsS3Bucket": "S3Bucket",
    "AwsLambdaFunction": "Lambda",
}


def _s(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _t(v: Any) -> list[str]:
    return [x for x in v if isinstance(x, str)] if isinstance(v, (tuple, list)) else []


def _key(part: str) -> str | int:
    """``threatIntelligenceDetails.0_`` style list items: ``0_`` → 0 (a bounded index)."""
    if part.endswith("_") and part[:-1].isdigit() and int(part[:-1]) < MAX_INDEX:
        return int(part[:-1])
    return part


def _scalar(value: str) -> Any:
    """``additionalInfo`` sent as a JSON object string is read as that object (other strings stay strings)."""
    if value.startswith("{") and len(value) <= 100_000:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def unflatten(pairs: Any) -> dict[str, Any]:
    """Security Hub's flattened ``ProductFields`` → GuardDuty's nested ``service`` object."""
    out: dict[str, Any] = {}
    for k, v in list(pairs if isinstance(pairs, tuple) else ())[:MAX_FIELDS]:
        if not isinstance(k, str) or not isinstance(v, str) or k.startswith("aws/securityhub/"):
            continue
        path = k.removeprefix(PREFIX)
        if path.startswith("aws/"):
            continue
        parts: list[str | int] = []
        for p in path.split("/"):
            if "." in p and p.endswith("_"):  # "threatIntelligenceDetails.0_" → name, index
                name, _, index = p.rpartition(".")
                parts += [name, _key(index)]
            else:
                parts.append(p)
        _put(out, parts, _scalar(v))
    return _lists(out)


def _put(node: dict[Any, Any], parts: list[str | int], value: Any) -> None:
    for p in parts[:-1]:
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            nxt = node[p] = {}
        node = nxt
    if parts and parts[-1] not in node:  # the first value wins (a key never holds both a value and children)
        node[parts[-1]] = value


def _lists(node: Any) -> Any:
    """Nodes whose keys are all list indexes (``{0: …, 1: …}``) → lists, in index order."""
    if not isinstance(node, dict):
        return node
    items = {k: _lists(v) for k, v in node.items()}
    if items and all(isinstance(k, int) for k in items):
        return [items[k] for k in sorted(items)]
    return {str(k): v for k, v in items.items()}


def _tail(rid: str, sep: str) -> str:
    return rid.rsplit(sep, 1)[-1] if sep in rid else rid


def _resource(f: Finding, d: Any) -> dict[str, Any]:
    res = [r for r in getattr(d, "resources", ()) or () if _s(getattr(r, "id", None))]
    wanted = _BY_TYPE.get(parse_type(f.type).resource.split("/", 1)[0], "")
    first = _BY_KIND.get(_s(getattr(res[0], "kind", None)) or "", "") if res else ""
    out: dict[str, Any] = {"resourceType": wanted or first or "Unknown"}
    for r in res:
        kind, rid, x = _s(getattr(r, "kind", None)), str(r.id), getattr(r, "details", None)
        tags = [{"key": k, "value": v} for k, v in getattr(r, "tags", ()) or ()]
        if kind == "AwsEc2Instance" and "instanceDetails" not in out:
            ips = _t(getattr(x, "ipv4_addresses", ()))
            out["instanceDetails"] = {
                "instanceId": _tail(_tail(rid, "/"), ":"),
                "instanceType": _s(getattr(x, "instance_type", None)),
                "imageId": _s(getattr(x, "image_id", None)),
                "iamInstanceProfile": {"arn": _s(getattr(x, "iam_instance_profile_arn", None))},
                "networkInterfaces": [
                    {
                        "vpcId": _s(getattr(x, "vpc_id", None)),
                        "subnetId": _s(getattr(x, "subnet_id", None)),
                        "privateIpAddresses": [{"privateIpAddress": ip} for ip in ips],
                        "ipv6Addresses": _t(getattr(x, "ipv6_addresses", ())),
                    }
                ],
                "tags": tags,
            }
        elif kind == "AwsIamAccessKey" and "accessKeyDetails" not in out:
            key = _tail(rid, ":")
            out["accessKeyDetails"] = {
                "accessKeyId": _s(getattr(x, "access_key_id", None)) or (key if key not in ("null", "") else None),
                "principalId": _s(getattr(x, "principal_id", None)),
                "userName": _s(getattr(x, "user_name", None)) or _s(getattr(x, "principal_name", None)),
                "userType": _s(getattr(x, "principal_type", None)),
            }
        elif kind == "AwsS3Bucket":
            out.setdefault("s3BucketDetails", []).append({"name": _tail(rid, ":::"), "arn": rid, "tags": tags})
        elif kind == "AwsLambdaFunction" and "lambdaDetails" not in out:
            name = _s(getattr(x, "function_name", None)) or _tail(rid, ":function:")
            out["lambdaDetails"] = {"functionName": name, "functionArn": rid, "tags": tags}
    return out


def _severity(d: Any) -> float | None:
    sev = getattr(d, "severity", None)
    for v in (getattr(sev, "original", None), getattr(sev, "product", None)):
        try:
            n = float(v) if v is not None and not isinstance(v, bool) else None
        except (TypeError, ValueError):
            n = None
        if n is not None and 0 < n <= 10:
            return n
    normalized = getattr(sev, "normalized", None)
    return normalized / 10 if isinstance(normalized, int) and 0 < normalized <= 100 else None


def _ocsf_service(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An OCSF copy names no ProductFields: its ``count`` and first ``evidences[].api`` call."""
    out: dict[str, Any] = {}
    if isinstance(raw.get("count"), int):
        out["count"] = raw["count"]
    for ev in raw.get("evidences") or ():
        api = ev.get("api") if isinstance(ev, Mapping) else None
        if isinstance(api, Mapping) and _s(api.get("operation")):
            service = api.get("service")
            name = service.get("name") if isinstance(service, Mapping) else None
            out["action"] = {
                "actionType": "AWS_API_CALL",
                "awsApiCallAction": {"api": api["operation"], "serviceName": name},
            }
            break
    return out


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def native_finding(f: Finding) -> dict[str, Any]:
    """The GuardDuty finding (camelCase, as GuardDuty sends it) that the Security Hub copy ``f`` stands for."""
    d = f.details
    raw = f.raw if isinstance(f.raw, Mapping) else {}
    service = unflatten(getattr(d, "product_fields", ()))
    if getattr(d, "format", "") == "ocsf":
        service = {**_ocsf_service(raw), **service}
    service.setdefault("eventFirstSeen", _iso(f.first_observed))
    service.setdefault("eventLastSeen", _iso(f.last_observed))
    arn = f.arn if ":guardduty:" in f.arn and "/finding/" in f.arn else None
    return {
        "id": _tail(arn or str(getattr(d, "id", "") or f.arn), "/"),
        "arn": arn,
        "type": f.type,
        "severity": _severity(d),
        "accountId": f.account or None,
        "region": f.region or None,
        "partition": _s(getattr(d, "partition", None)),
        "title": f.title or None,
        "description": f.description or None,
        "createdAt": _iso(f.first_observed),
        "updatedAt": _iso(f.updated_at or f.last_observed),
        "resource": _resource(f, d),
        "service": service,
    }


def from_securityhub(f: Finding) -> Finding | None:
    """GuardDuty's reading of the Security Hub copy ``f`` (None: its type is not a GuardDuty finding type)."""
    if ":" not in f.type:
        return None
    try:
        details = parse_finding(native_finding(f))
    except GuardDutyParseError:
        return None
    if details.severity.number is None:  # an OCSF copy: Security Hub's level without GuardDuty's number
        details = dataclasses.replace(details, severity=m.Severity(None, "", f.severity))
    own = to_finding(details, f.raw, f.origin, f.event)
    return dataclasses.replace(own, arn=f.arn, status=f.status, state=f.state)
