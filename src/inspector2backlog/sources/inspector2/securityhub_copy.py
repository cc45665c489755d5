"""An Inspector finding's Security Hub copy read as Inspector reads its own (issue 13 item 4), so the issue shows the
same CVSS explanation, packages, fix and resources whichever way the finding came.

``from_securityhub`` gets the Security Hub source's Finding; it reads the typed fields Security Hub parsed from
either wire format (``f.details``: ``vulnerabilities`` from ASFF ``Vulnerabilities[]`` / OCSF ``vulnerabilities[]``
with their ``cvss``, ``packages``, ``fix_available``, ``exploit_available``, ``epss_score`` and ``vendor``;
``product_fields`` such as ``aws/inspector/inspectorScore``; ``resources`` with their typed details). Those are
read by attribute (sources never import each other): a value that is missing or of another shape reads as absent.
The Finding keeps the copy's identity (the Inspector finding ARN), state and raw input.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ...findings.model import Finding, Resource
from .model import CvssScore, Ec2Instance, EcrImage, InspectorDetails, LambdaFunction, Package, RawTime

__all__ = ["from_securityhub"]

TYPES = frozenset({"PACKAGE_VULNERABILITY", "NETWORK_REACHABILITY", "CODE_VULNERABILITY"})
#: ``Finding.state`` → the Inspector status it stands for
_STATUS = {"open": "ACTIVE", "closed": "CLOSED", "suppressed": "SUPPRESSED", "archived": "CLOSED"}
_PLATFORM = "aws/inspector/resources/1/resourceDetails/awsEc2InstanceDetails/platform"


def _s(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _t(v: Any) -> tuple[str, ...]:
    return tuple(x for x in v if isinstance(x, str)) if isinstance(v, (tuple, list)) else ()


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v) if isinstance(v, str) and v.strip() else None
    except ValueError:
        return None


def _field(d: Any, key: str) -> str:
    pairs = getattr(d, "product_fields", ())
    return next((_s(v) for k, v in pairs if k == key), "") if isinstance(pairs, tuple) else ""


def _epoch(v: Any) -> int | None:
    text = _s(v).strip()
    return int(text) if text.isdigit() else None


def _package(p: Any) -> Package:
    return Package(
        name=_s(getattr(p, "name", None)),
        version=_s(getattr(p, "version", None)),
        epoch=_epoch(getattr(p, "epoch", None)),
        release=_s(getattr(p, "release", None)),
        arch=_s(getattr(p, "architecture", None)),
        fixed_in=_s(getattr(p, "fixed_in_version", None)),
        remediation=_s(getattr(p, "remediation", None)),
        package_manager=_s(getattr(p, "package_manager", None)),
        file_path=_s(getattr(p, "file_path", None)),
    )


def _cvss(c: Any, vendor: str) -> CvssScore:
    """One CVSS entry; OCSF names no source per entry, so the vulnerability's vendor (NVD …) stands in."""
    return CvssScore(
        version=_s(getattr(c, "version", None)),
        vector=_s(getattr(c, "base_vector", None)),
        base_score=_num(getattr(c, "base_score", None)),
        source=_s(getattr(c, "source", None)) or vendor,
    )


def _details(d: Any) -> InspectorDetails:
    vulns = [v for v in getattr(d, "vulnerabilities", ()) or () if _s(getattr(v, "id", None))]
    score = _num(_field(d, "aws/inspector/inspectorScore"))
    if not vulns:
        return InspectorDetails(inspector_score=score)
    v, others = vulns[0], vulns[1:]  # Inspector sends one vulnerability per finding
    vendor = getattr(v, "vendor", None)
    vendor_name = _s(getattr(vendor, "name", None))
    cvss = tuple(dict.fromkeys(_cvss(c, vendor_name) for c in getattr(v, "cvss", ()) or ()))  # ASFF repeats one
    related = tuple(dict.fromkeys((*_t(getattr(v, "related", ())), *(_s(o.id) for o in others))))
    epss = _num(getattr(v, "epss_score", None))
    return InspectorDetails(
        inspector_score=score,
        fix_available=_s(getattr(v, "fix_available", None)),
        exploit_available=_s(getattr(v, "exploit_available", None)),
        epss=epss,
        vulnerability_id=_s(v.id),
        vulnerability_source=vendor_name,
        source_url=_s(getattr(vendor, "url", None)),
        vendor_severity=_s(getattr(vendor, "severity", None)),
        vendor_created=getattr(vendor, "created_at", None),
        vendor_updated=getattr(vendor, "updated_at", None),
        reference_urls=_t(getattr(v, "reference_urls", ())),
        related_vulnerabilities=related,
        cvss=cvss,
        packages=tuple(_package(p) for p in getattr(v, "packages", ()) or ()),
    )


def _instance_id(rid: str) -> str:
    """``arn:aws:ec2:…:instance/i-0abc`` (or ``…:i-0abc``) → ``i-0abc``, as Inspector names an instance."""
    tail = rid.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return tail if tail.startswith("i-") else rid


def _typed(kind: str, rid: str, x: Any, platform: str) -> tuple[str, str, Any] | None:
    """(Inspector's resource type, its id, its typed details) of a resource Inspector scans, else None."""
    if kind == "AwsEc2Instance":
        ec2 = Ec2Instance(
            instance_type=_s(getattr(x, "instance_type", None)),
            platform=platform,
            image_id=_s(getattr(x, "image_id", None)),
            vpc_id=_s(getattr(x, "vpc_id", None)),
            subnet_id=_s(getattr(x, "subnet_id", None)),
            ipv4_addresses=_t(getattr(x, "ipv4_addresses", ())),
            ipv6_addresses=_t(getattr(x, "ipv6_addresses", ())),
            key_name=_s(getattr(x, "key_name", None)),
            iam_instance_profile_arn=_s(getattr(x, "iam_instance_profile_arn", None)),
        )
        return "AWS_EC2_INSTANCE", _instance_id(rid), ec2
    if kind == "AwsEcrContainerImage":
        pushed = getattr(x, "image_published_at", None)
        image = EcrImage(
            repository_name=_s(getattr(x, "repository_name", None)),
            image_tags=_t(getattr(x, "image_tags", ())),
            digest=_s(getattr(x, "image_digest", None)),
            architecture=_s(getattr(x, "architecture", None)),
            pushed_at=RawTime(pushed, "", True) if pushed is not None else None,
        )
        return "AWS_ECR_CONTAINER_IMAGE", rid, image
    if kind == "AwsLambdaFunction":
        fn = LambdaFunction(
            function_name=_s(getattr(x, "function_name", None)),
            version=_s(getattr(x, "version", None)),
            runtime=_s(getattr(x, "runtime", None)),
            layers=_t(getattr(x, "layers", ())),
        )
        return "AWS_LAMBDA_FUNCTION", rid, fn
    return None


def _resource(r: Any, platform: str) -> Resource:
    kind, rid = _s(getattr(r, "kind", None)), _s(getattr(r, "id", None))
    tags = {k: v for k, v in getattr(r, "tags", ()) or () if isinstance(k, str) and isinstance(v, str)}
    typed = _typed(kind, rid, getattr(r, "details", None), platform)
    rtype, rid, details = typed if typed is not None else (_s(getattr(r, "type", None)) or kind or "UNKNOWN", rid, None)
    partition, region = _s(getattr(r, "partition", None)), _s(getattr(r, "region", None))
    return Resource(rtype, rid, partition=partition, region=region, tags=tags, details=details)


def from_securityhub(f: Finding) -> Finding | None:
    """Inspector's reading of the Security Hub copy ``f`` (None: not an Inspector v2 finding type)."""
    if f.type not in TYPES:
        return None
    d = f.details
    platform = _field(d, _PLATFORM)
    resources = tuple(_resource(r, platform) for r in getattr(d, "resources", ()) or () if _s(getattr(r, "id", None)))
    return dataclasses.replace(
        f,
        status=_STATUS.get(f.state, "ACTIVE"),
        resources=resources or f.resources,
        source="inspector2",
        severity_source=f.severity,
        details=_details(d),
    )
