"""GuardDuty findings → :class:`~.model.GuardDutyDetails`: recognisers, the parse, material snapshot, lifecycle.

Accepted inputs (camelCase of events / CLI JSON and the PascalCase boto3 returns):

* an EventBridge event, ``source: aws.guardduty``, ``detail-type: GuardDuty Finding`` (also a partial event that
  has only ``detail``);
* a bare finding;
* GetFindings output, ``{"Findings": [...]}`` / ``{"findings": [...]}``;
* a JSON array of findings.

Anything else raises :class:`GuardDutyParseError` with the reason — never a KeyError or TypeError. Linear in the
input; a nested ``additionalInfo.value`` JSON string is read only up to a bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._documents import DocumentError, Skipped, decode, parse_items, shape
from .._fields import flag, integer, nested_json, number, obj, raw, text, when
from . import model as m
from .actions import parse_action, parse_sequence, threat_intel
from .resources import parse_resource, parse_runtime, parse_scan

SOURCE = "aws.guardduty"
DETAIL_TYPE = "GuardDuty Finding"
#: GuardDuty's severity bands (lower bound → band, project level)
BANDS = ((9.0, "Critical", "CRITICAL"), (7.0, "High", "HIGH"), (4.0, "Medium", "MEDIUM"), (1.0, "Low", "LOW"))


class GuardDutyParseError(DocumentError):
    """The input is not a GuardDuty finding (or document of findings); ``reason`` says why."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a document held: ``kind`` (event | finding | get_findings | array), the findings, the skipped items."""

    kind: str
    findings: tuple[m.GuardDutyDetails, ...]
    skipped: tuple[Skipped, ...] = ()


def severity(value: Any) -> m.Severity:
    """GuardDuty's number → its band and the project's level; the number is kept (None when absent)."""
    n = number({"v": value}, "v") if not isinstance(value, Mapping) else None
    if n is None:
        return m.Severity(None, "", "UNTRIAGED")
    for low, band, level in BANDS:
        if n >= low:
            return m.Severity(n, band, level)
    return m.Severity(n, "", "INFORMATIONAL")


def looks_like_finding(d: Any) -> bool:
    """A GuardDuty finding: an id, a ``Purpose:Resource/…`` type, and a service or resource block."""
    if not isinstance(d, Mapping):
        return False
    t = raw(d, "type")
    return (
        isinstance(t, str)
        and ":" in t
        and isinstance(raw(d, "id"), str)
        and (isinstance(raw(d, "service"), Mapping) or isinstance(raw(d, "resource"), Mapping))
    )


def is_event(d: Any) -> bool:
    return isinstance(d, Mapping) and d.get("source") == SOURCE and "detail" in d


def recognise(doc: Any) -> str | None:
    """``event`` | ``finding`` | ``get_findings`` | ``array``, or None when ``doc`` is none of them."""
    if isinstance(doc, list):
        return "array" if doc and looks_like_finding(doc[0]) else None
    if not isinstance(doc, Mapping):
        return None
    if is_event(doc) or ("detail" in doc and looks_like_finding(doc.get("detail"))):
        return "event"
    if looks_like_finding(doc):
        return "finding"
    items = raw(doc, "findings")
    if isinstance(items, list) and (not items or looks_like_finding(items[0])):
        return "get_findings"
    return None


def parse_document(doc: Any) -> Parsed:
    """Parse one input (text, bytes or decoded JSON). Raises :class:`GuardDutyParseError` when unrecognised."""
    doc = decode(doc, GuardDutyParseError)
    kind = recognise(doc)
    if kind is None:
        raise GuardDutyParseError(f"not a GuardDuty finding, event or findings list ({shape(doc)})")
    if kind == "event":
        dtype = doc.get("detail-type")
        if dtype is not None and dtype != DETAIL_TYPE:
            return Parsed(kind, (), (Skipped(0, f"event detail-type {str(dtype)[:80]!r} is not a finding"),))
        return Parsed(kind, (parse_finding(doc["detail"], event=doc),))
    if kind == "finding":
        return Parsed(kind, (parse_finding(doc),))
    items = doc if kind == "array" else raw(doc, "findings")
    found, skipped = parse_items(items, parse_finding, GuardDutyParseError)
    return Parsed(kind, found, skipped)


def _is_sample(additional: Mapping[str, Any], title: str | None) -> bool:
    if flag(additional, "sample"):
        return True
    if flag(nested_json(raw(additional, "value")), "sample"):
        return True
    return bool(title and title.startswith("[SAMPLE]"))


def parse_finding(d: Any, *, event: Mapping[str, Any] | None = None) -> m.GuardDutyDetails:
    """One finding (camelCase or PascalCase). ``event``: the EventBridge envelope, for account/region fallbacks."""
    if not isinstance(d, Mapping):
        raise GuardDutyParseError(f"a finding must be an object, not {shape(d)}")
    fid, ftype = text(d, "id"), text(d, "type")
    if not fid:
        raise GuardDutyParseError("finding has no id")
    if not ftype:
        raise GuardDutyParseError(f"finding {fid[:80]!r} has no type")
    svc = obj(d, "service")
    additional = obj(svc, "additionalInfo")
    title = text(d, "title")
    env = event if isinstance(event, Mapping) else {}
    return m.GuardDutyDetails(
        finding_id=fid,
        finding_type=ftype,
        severity=severity(raw(d, "severity")),
        arn=text(d, "arn"),
        detector_id=text(svc, "detectorId"),
        title=title,
        description=text(d, "description"),
        account_id=text(d, "accountId") or text(env, "account"),
        region=text(d, "region") or text(env, "region"),
        partition=text(d, "partition"),
        schema_version=text(d, "schemaVersion"),
        created_at=when(d, "createdAt"),
        updated_at=when(d, "updatedAt"),
        first_seen=when(svc, "eventFirstSeen"),
        last_seen=when(svc, "eventLastSeen"),
        count=integer(svc, "count"),
        archived=bool(flag(svc, "archived")),
        sample=_is_sample(additional, title),
        resource_role=text(svc, "resourceRole"),
        feature_name=text(svc, "featureName"),
        resource=parse_resource(obj(d, "resource")),
        action=parse_action(obj(svc, "action")),
        threat_intel=threat_intel(obj(svc, "evidence"), nested_json(raw(additional, "value")) or additional),
        malware_scan=parse_scan(obj(svc, "ebsVolumeScanDetails"), obj(svc, "malwareScanDetails")),
        runtime=parse_runtime(obj(svc, "runtimeDetails")),
        sequence=parse_sequence(obj(obj(svc, "detection"), "sequence")),
        associated_attack_sequence_arn=text(d, "associatedAttackSequenceArn"),
    )


# --- lifecycle ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Snapshot:
    """What counts as a material change (count, last seen, updatedAt deliberately absent). Sorted, comparable."""

    severity_band: str
    severity_number: float | None
    actor_ips: tuple[str, ...]
    countries: tuple[str, ...]
    resources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "band": self.severity_band,
            "severity": self.severity_number,
            "ips": list(self.actor_ips),
            "countries": list(self.countries),
            "resources": list(self.resources),
        }


def material_snapshot(d: m.GuardDutyDetails) -> Snapshot:
    ips: set[str] = {a.address for a in d.actors if a.address}
    countries: set[str] = {a.country or a.country_code or "" for a in d.actors} - {""}
    if d.sequence:
        ips.update(e.ip for e in d.sequence.endpoints if e.ip)
        countries.update(e.country for e in d.sequence.endpoints if e.country)
    return Snapshot(
        severity_band=d.severity.band,
        severity_number=d.severity.number,
        actor_ips=tuple(sorted(ips)),
        countries=tuple(sorted(countries)),
        resources=tuple(sorted(resource_ids(d))),
    )


def material_changes(old: Snapshot, new: Snapshot) -> tuple[str, ...]:
    """Which parts changed: ``severity``, ``actor_ip``, ``country``, ``resource`` (in that order)."""
    out = []
    if (old.severity_band, old.severity_number) != (new.severity_band, new.severity_number):
        out.append("severity")
    if set(new.actor_ips) - set(old.actor_ips):
        out.append("actor_ip")
    if set(new.countries) - set(old.countries):
        out.append("country")
    if set(new.resources) - set(old.resources):
        out.append("resource")
    return tuple(out)


def resource_ids(d: m.GuardDutyDetails) -> set[str]:
    """Every identifier of an affected resource the finding names."""
    r = d.resource
    ids: set[str | None] = set()
    if r.instance:
        ids.add(r.instance.instance_id)
    if r.access_key:
        ids.update((r.access_key.access_key_id, r.access_key.user_name))
    ids.update(b.arn or b.name for b in r.s3_buckets)
    ids.update(o.arn or o.key for b in r.s3_buckets for o in b.objects)
    if r.eks_cluster:
        ids.add(r.eks_cluster.arn or r.eks_cluster.name)
    if r.kubernetes_workload:
        w = r.kubernetes_workload
        ids.add(f"{w.namespace or ''}/{w.name}" if w.name else None)
    if r.ecs_cluster:
        ids.add(r.ecs_cluster.arn or r.ecs_cluster.name)
        ids.add(r.ecs_cluster.task.arn if r.ecs_cluster.task else None)
    if r.container:
        ids.add(r.container.container_id or r.container.name)
    if r.lambda_function:
        ids.add(r.lambda_function.function_arn or r.lambda_function.function_name)
    if r.rds_instance:
        ids.add(r.rds_instance.arn or r.rds_instance.identifier)
    if r.rds_limitless:
        ids.add(r.rds_limitless.shard_group_arn or r.rds_limitless.shard_group_identifier)
    ids.update(v.volume_arn for v in r.ebs_volumes)
    if d.action and d.action.api_call:
        ids.update(v for _, v in d.action.api_call.affected_resources)
    if d.sequence:
        ids.update(x.uid for x in d.sequence.resources)
    ids.discard(None)
    ids.discard("")
    return ids  # type: ignore[return-value]


def lifecycle_status(d: m.GuardDutyDetails) -> str:
    """``archived`` when ``service.archived`` is true (the issue closes), else ``active``."""
    return "archived" if d.archived else "active"
