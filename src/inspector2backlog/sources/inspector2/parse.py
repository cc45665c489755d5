"""Inspector's finding JSON → the core :class:`~inspector2backlog.findings.model.Finding` with
:class:`~.model.InspectorDetails` and typed resource details.

Required: a non-empty string ``findingArn``. Everything else is read leniently: a missing or wrongly typed optional
field is treated as absent, because Inspector's shapes grow and differ by source.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...errors import PARSE, Inspector2BacklogError
from ...findings.model import EventMeta, Finding, RawDetails, Resource, Unparsed
from ...findings.parse import lenient_text as _s, short_error as _short
from ...findings.timestamps import try_parse
from .model import (
    AdjustedCvss,
    CodeRepository,
    CodeVulnerability,
    CvssScore,
    Ec2Instance,
    EcrImage,
    EcrRepository,
    InspectorDetails,
    LambdaFunction,
    NetworkReachability,
    Package,
    PathStep,
    RawTime,
)

#: Inspector's status → the lifecycle (``sources.base.State``); a status Inspector adds later stays open
STATES = {"ACTIVE": "open", "CLOSED": "closed", "SUPPRESSED": "suppressed"}
SKIP_REASONS = {
    "Inspector2 Scan": "スキャン完了通知（検出結果ではありません）",
    "Inspector2 Coverage": "カバレッジ変更通知（検出結果ではありません）",
    "Inspector2 AutoEnable": "自動有効化の通知（検出結果ではありません）",
    "Inspector2 OnDemand Scan Complete": "オンデマンドスキャン完了通知（検出結果ではありません）",
}


class FindingParseError(Inspector2BacklogError, ValueError):
    """A value that claims to be a finding but cannot be read as one (caught here: it becomes an ``Unparsed``)."""

    kind = PARSE


def skip_reason(detail_type: str) -> str:
    """Why an Inspector event that is not a finding (Scan, Coverage …) is skipped."""
    return SKIP_REASONS.get(detail_type, f"検出結果以外の Inspector イベント（{detail_type}）")


def finding_or_unparsed(obj: Any, origin: str, event: EventMeta | None = None) -> Finding | Unparsed:
    """:func:`parse_finding`, except that whatever goes wrong becomes an :class:`Unparsed` (→ a fallback issue)."""
    try:
        return parse_finding(obj, origin=origin, event=event)
    except FindingParseError as e:
        return Unparsed(origin, str(e), obj)
    except Exception as e:  # noqa: BLE001 - any surprise in a malformed finding becomes a fallback, never a crash
        return Unparsed(origin, f"検出結果の解析中に予期しないエラー: {type(e).__name__}: {_short(e)}", obj)


def parse_finding(d: Mapping[str, Any], *, origin: str = "", event: EventMeta | None = None) -> Finding:
    """Build a :class:`Finding` from one Finding object (``detail`` / ``findings[]`` element)."""
    if not isinstance(d, Mapping):
        raise FindingParseError("検出結果がオブジェクトではありません")
    arn = d.get("findingArn")
    if not isinstance(arn, str) or not arn.strip():
        raise FindingParseError("findingArn がありません（検出結果を識別できません）")

    pvd = _d(d.get("packageVulnerabilityDetails"))
    score_details = _d(_d(d.get("inspectorScoreDetails")).get("adjustedCvss"))
    rec = _d(_d(d.get("remediation")).get("recommendation"))
    severity = _s(d.get("severity"))
    status = (_s(d.get("status")) or "ACTIVE").upper()
    details = InspectorDetails(
        inspector_score=_f(d.get("inspectorScore")),
        adjusted_cvss=_adjusted(score_details) if score_details else None,
        fix_available=_s(d.get("fixAvailable")).upper(),
        exploit_available=_s(d.get("exploitAvailable")).upper(),
        last_known_exploit=try_parse(_d(d.get("exploitabilityDetails")).get("lastKnownExploitAt")),
        epss=_f(_d(d.get("epss")).get("score")),
        vulnerability_id=_s(pvd.get("vulnerabilityId")),
        vulnerability_source=_s(pvd.get("source")),
        source_url=_s(pvd.get("sourceUrl")),
        vendor_severity=_s(pvd.get("vendorSeverity")),
        vendor_created=try_parse(pvd.get("vendorCreatedAt")),
        vendor_updated=try_parse(pvd.get("vendorUpdatedAt")),
        reference_urls=_strs(pvd.get("referenceUrls")),
        related_vulnerabilities=_strs(pvd.get("relatedVulnerabilities")),
        cvss=tuple(_cvss(c) for c in _l(pvd.get("cvss")) if isinstance(c, dict)),
        packages=tuple(_package(p) for p in _l(pvd.get("vulnerablePackages")) if isinstance(p, dict)),
        network=_network(_d(d.get("networkReachabilityDetails"))),
        code=_code(_d(d.get("codeVulnerabilityDetails"))),
    )
    return Finding(
        arn=arn.strip(),
        account=_s(d.get("awsAccountId")) or (event.account if event else ""),
        type=_s(d.get("type")) or "UNKNOWN",
        severity=(severity or "UNTRIAGED").upper(),
        status=status,
        title=_s(d.get("title")),
        description=_s(d.get("description")),
        recommendation=_s(rec.get("text")),
        recommendation_url=_s(rec.get("Url") or rec.get("url")),
        first_observed=try_parse(d.get("firstObservedAt")),
        last_observed=try_parse(d.get("lastObservedAt")),
        updated_at=try_parse(d.get("updatedAt")),
        resources=tuple(_resource(r) for r in _l(d.get("resources")) if isinstance(r, dict)),
        event=event,
        origin=origin,
        raw=d if type(d) is dict else dict(d),  # read-only: kept for fallback dumps and pending records
        source="inspector2",
        state=STATES.get(status, "open"),
        severity_source=severity,
        details=details,
    )


def _adjusted(a: dict) -> AdjustedCvss:
    adjustments = tuple(
        (_s(x.get("metric")), _s(x.get("reason"))) for x in _l(a.get("adjustments")) if isinstance(x, dict)
    )
    return AdjustedCvss(
        score=_f(a.get("score")),
        vector=_s(a.get("scoringVector")),
        version=_s(a.get("version")),
        score_source=_s(a.get("scoreSource")),
        cvss_source=_s(a.get("cvssSource")),
        adjustments=adjustments,
    )


def _cvss(c: dict) -> CvssScore:
    return CvssScore(
        version=_s(c.get("version")),
        vector=_s(c.get("scoringVector")),
        base_score=_f(c.get("baseScore")),
        source=_s(c.get("source")),
    )


def _package(p: dict) -> Package:
    epoch = p.get("epoch")
    return Package(
        name=_s(p.get("name")) or "(名前なし)",
        version=_s(p.get("version")),
        epoch=epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else None,
        release=_s(p.get("release")),
        arch=_s(p.get("arch")),
        fixed_in=_s(p.get("fixedInVersion")),
        remediation=_s(p.get("remediation")),
        package_manager=_s(p.get("packageManager")),
        file_path=_s(p.get("filePath")),
        source_layer_hash=_s(p.get("sourceLayerHash")),
        source_lambda_layer_arn=_s(p.get("sourceLambdaLayerArn")),
    )


def _network(n: dict) -> NetworkReachability | None:
    if not n:
        return None
    ports = _d(n.get("openPortRange"))
    steps = tuple(
        PathStep(_s(s.get("componentId")), _s(s.get("componentType")), _s(s.get("componentArn")))
        for s in _l(_d(n.get("networkPath")).get("steps"))
        if isinstance(s, dict)
    )
    return NetworkReachability(_i(ports.get("begin")), _i(ports.get("end")), _s(n.get("protocol")), steps)


def _code(c: dict) -> CodeVulnerability | None:
    if not c:
        return None
    fp = _d(c.get("filePath"))
    return CodeVulnerability(
        cwes=_strs(c.get("cwes")),
        detector_id=_s(c.get("detectorId")),
        detector_name=_s(c.get("detectorName")),
        detector_tags=_strs(c.get("detectorTags")),
        file_name=_s(fp.get("fileName")),
        file_path=_s(fp.get("filePath")),
        start_line=_i(fp.get("startLine")),
        end_line=_i(fp.get("endLine")),
        rule_id=_s(c.get("ruleId")),
        source_lambda_layer_arn=_s(c.get("sourceLambdaLayerArn")),
        reference_urls=_strs(c.get("referenceUrls")),
    )


# ---- resources -----------------------------------------------------------------------------------------------


def _resource(r: dict) -> Resource:
    tags = r.get("tags")
    kind = _s(r.get("type")) or "UNKNOWN"
    return Resource(
        type=kind,
        id=_s(r.get("id")),
        partition=_s(r.get("partition")),
        region=_s(r.get("region")),
        tags={str(k): _s(v) for k, v in tags.items()} if isinstance(tags, dict) else {},
        details=resource_details(kind, _d(r.get("details"))),
    )


def resource_details(kind: str, d: dict) -> Any:
    """The typed details of one resource (``details`` of another kind kept whole in a :class:`RawDetails`)."""
    if kind == "AWS_EC2_INSTANCE":
        x = _pick(d, "awsEc2Instance", "vm")
        return Ec2Instance(
            instance_type=_rs(x.get("type")),
            platform=_rs(x.get("platform")),
            image_id=_rs(x.get("imageId") or x.get("vmImageReference")),
            vpc_id=_rs(x.get("vpcId") or x.get("networkId")),
            subnet_id=_rs(x.get("subnetId")),
            ipv4_addresses=_rss(x.get("ipV4Addresses")),
            ipv6_addresses=_rss(x.get("ipV6Addresses")),
            key_name=_rs(x.get("keyName")),
            iam_instance_profile_arn=_rs(x.get("iamInstanceProfileArn")),
        )
    if kind == "AWS_ECR_CONTAINER_IMAGE":
        x = _pick(d, "awsEcrContainerImage", "image")
        count = x.get("inUseCount")
        return EcrImage(
            repository_name=_rs(x.get("repositoryName")),
            image_tags=_rss(x.get("imageTags")),
            digest=_rs(x.get("imageHash") or x.get("imageDigest")),
            platform=_rs(x.get("platform")),
            architecture=_rs(x.get("architecture")),
            pushed_at=_raw_time(x.get("pushedAt")),
            last_in_use_at=_raw_time(x.get("lastInUseAt")),
            in_use_count=None if count is None else _rs(count),
        )
    if kind == "AWS_LAMBDA_FUNCTION":
        x = _pick(d, "awsLambdaFunction", "serverlessFunction")
        vpc = x.get("vpcConfig")
        return LambdaFunction(
            function_name=_rs(x.get("functionName") or x.get("serverlessFunctionName")),
            version=_rs(x.get("version")),
            runtime=_rs(x.get("runtime")),
            architectures=_rss(x.get("architectures")),
            package_type=_rs(x.get("packageType")),
            layers=_rss(x.get("layers")),
            vpc_id=_rs(vpc.get("vpcId")) if isinstance(vpc, dict) else "",
            last_modified_at=_raw_time(x.get("lastModifiedAt")),
        )
    if kind == "AWS_ECR_REPOSITORY":
        return EcrRepository(name=_rs(_pick(d, "awsEcrRepository").get("name")))
    if kind == "CODE_REPOSITORY":
        x = _pick(d, "codeRepository")
        return CodeRepository(
            project_name=_rs(x.get("projectName")),
            integration_type=_rs(x.get("integrationType")),
            provider_type=_rs(x.get("providerType")),
        )
    return RawDetails(next(iter(d), ""), d) if d else None


def _pick(d: dict, *kinds: str) -> dict:
    """The first non-empty object among ``kinds`` ({} when none)."""
    for k in kinds:
        v = d.get(k)
        if isinstance(v, dict) and v:
            return v
    return {}


def _raw_time(v: Any) -> RawTime | None:
    """A resource timestamp as sent (None when absent); unreadable ones keep their text."""
    if v is None:
        return None
    scalar = isinstance(v, (str, int, float))
    return RawTime(try_parse(v) if scalar else None, str(v) if scalar else "", bool(v))


def _rs(v: Any) -> str:
    """A resource detail as text: a string, a number as written, or "" (booleans, objects, lists, null)."""
    return v if isinstance(v, str) else "" if v is None or isinstance(v, (dict, list, bool)) else str(v)


def _rss(v: Any) -> tuple[str, ...]:
    return tuple(x for x in (_rs(i) for i in v) if x) if isinstance(v, list) else ()


# ---- lenient coercions ---------------------------------------------------------------------------------------


def _f(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if not isinstance(v, (int, float, str)):
        return None
    try:
        x = float(v)
    except (ValueError, OverflowError):  # "abc", 10**400
        return None
    return x if math.isfinite(x) else None


def _i(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        v = v.strip()
        if v.isascii() and v.isdecimal() and len(v) <= 18:  # "²".isdigit() is True, but int("²") fails
            return int(v)
    return None


def _d(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _l(v: Any) -> list:
    return v if isinstance(v, list) else []


def _strs(v: Any) -> tuple[str, ...]:
    return tuple(x for x in (_s(i) for i in v) if x) if isinstance(v, list) else ()
