"""Security Hub details → the core :class:`Finding` (and the Protocol's ``parse``: one value → its items).

The core fields, from either wire format:

* ``arn`` — the cross-source identity (:func:`identity.identity_of`): the Inspector finding ARN, the GuardDuty
  detector finding ARN, the Access Analyzer key, the per-control-and-resource key, else the ASFF ``Id`` / OCSF uid;
  the same finding arriving natively and through Security Hub is one issue.
* ``type`` — the control id for a control finding; the product's own type where it can be read back (GuardDuty
  ``UnauthorizedAccess:EC2/SSHBruteForce``, Inspector ``PACKAGE_VULNERABILITY``, Access Analyzer ``findingType``);
  else the first ASFF ``Types`` entry / OCSF ``finding_info.types``.
* ``status`` — the value that decided the lifecycle, as sent (``ARCHIVED``, ``RESOLVED``, ``FAILED``, ``New`` …);
  ``state`` — open / closed / suppressed (issue 13 item 6: ARCHIVED, RESOLVED, PASSED and OCSF Close/Resolved →
  closed; SUPPRESSED → suppressed).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...findings.model import EventMeta, Finding, Item, Resource, Skipped, Unparsed
from . import _read as r, asff, ocsf
from ._walk import MAX_FINDINGS
from .controls import lookup
from .identity import identity_of, product_of
from .model import SecurityHubDetails, SecurityHubParseError
from .status import lifecycle_of

__all__ = ["finding_of", "finding_type", "parse_value", "severity_source", "state_of"]

_INSPECTOR_TYPES = (
    ("Vulnerabilities/CVE", "PACKAGE_VULNERABILITY"),
    ("Network Reachability", "NETWORK_REACHABILITY"),
    ("Vulnerabilities/CWE", "CODE_VULNERABILITY"),
)
_AA_TYPES = {"External Access Granted": "ExternalAccess", "Internal Access": "InternalAccess"}
NOT_FINDINGS = asff.NOT_FINDINGS


def _guardduty_type(asff_type: str) -> str:
    """``TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce`` → ``UnauthorizedAccess:EC2/SSHBruteForce``;
    ``TTPs/Discovery/IAMUser-AnomalousBehavior`` → ``Discovery:IAMUser/AnomalousBehavior`` (GuardDuty's own names)."""
    parts = [p for p in asff_type.split("/") if p]
    if not parts or ":" in parts[0]:  # empty, or already GuardDuty's own spelling (OCSF finding_info.types)
        return asff_type
    tail = parts[-1]
    if ":" not in tail:
        if len(parts) < 2 or " " in parts[-2]:
            return asff_type
        tail = f"{parts[-2]}:{tail}"
    purpose, _, rest = tail.partition(":")
    cuts = [i for i in (rest.find("-"), rest.find(".")) if i > 0]
    if not cuts:
        return tail
    cut = min(cuts)
    return f"{purpose}:{rest[:cut]}/{rest[cut + 1 :]}"


def finding_type(d: SecurityHubDetails) -> str:
    """The core ``type`` (see the module docstring)."""
    if d.control_id:
        return d.control_id
    first = d.types[0] if d.types else ""
    product = product_of(d)
    if product == "guardduty" and first:
        return _guardduty_type(first)
    if product == "inspector2":
        for marker, native in _INSPECTOR_TYPES:
            if marker in first:
                return native
    if product == "access-analyzer":
        declared = d.product_field("findingType")
        if declared:
            return declared
        tail = first.rsplit("/", 1)[-1]
        return _AA_TYPES.get(tail, tail)
    return first


def state_of(d: SecurityHubDetails) -> str:
    life = lifecycle_of(d)
    if life.is_open:
        return "open"
    return "suppressed" if life.resolution == "suppressed" else "closed"


def _status(d: SecurityHubDetails) -> str:
    """The value that decided the lifecycle, as Security Hub sent it."""
    if d.format == "ocsf":
        if (d.activity_name or "").strip().lower() == "close":
            return "Close"
        return d.status or (d.compliance.status if d.compliance and d.compliance.status else "") or ""
    reason = lifecycle_of(d).reason
    if not lifecycle_of(d).is_open:
        return reason.split("=", 1)[1]
    if d.compliance is not None and d.compliance.status:
        return d.compliance.status
    return d.workflow_status or d.record_state or "ACTIVE"


def severity_source(d: SecurityHubDetails) -> str:
    """Security Hub's own severity as shown: ``Original`` when sent (GuardDuty ``8.0``), else ``Normalized 70``,
    else the label as sent."""
    sev = d.severity
    if sev.original:
        return sev.original
    if d.format == "asff" and sev.normalized is not None:
        return f"Normalized {sev.normalized}"
    return sev.label if sev.declared else ""


def _resource(res: Any) -> Resource:
    return Resource(
        type=res.type,
        id=res.id,
        partition=res.partition or "",
        region=res.region or "",
        tags=dict(res.tags),
    )


def finding_of(
    d: SecurityHubDetails, raw: Mapping[str, Any], origin: str = "", event: EventMeta | None = None
) -> Finding:
    """The core Finding of one parsed Security Hub finding (``raw``: the finding as sent)."""
    control = lookup(d.control_id) if d.control_id and not d.title else None
    control_title = control.title_en if control else None
    return Finding(
        arn=identity_of(d).key,
        account=d.aws_account_id or (event.account if event else ""),
        type=finding_type(d),
        severity=d.severity.label,
        status=_status(d),
        title=d.title or control_title or d.id,
        description=d.description or "",
        recommendation=d.remediation.text or "",
        recommendation_url=d.remediation.url or "",
        first_observed=d.first_observed_at or d.created_at,
        last_observed=d.last_observed_at,
        updated_at=d.updated_at,
        resources=tuple(_resource(res) for res in d.resources),
        event=event,
        origin=origin,
        raw=dict(raw),
        source="securityhub",
        state=state_of(d),
        severity_source=severity_source(d),
        details=d,
    )


def _short(e: BaseException) -> str:
    text = str(e)
    return text if len(text) <= 200 else text[:200] + "…"


def _one(raw: Any, env: tuple[str | None, str | None], where: str, event: EventMeta | None) -> Item:
    if asff.is_finding(raw):
        reader = asff.parse_asff
    elif ocsf.is_finding(raw):
        reader = ocsf.parse_ocsf
    else:
        kind = type(raw).__name__
        return Unparsed(
            where, f"findings[] の要素が Security Hub の検出結果（ASFF / OCSF）ではありません（{kind}）", raw
        )
    try:
        return finding_of(reader(raw, env), raw, where, event)
    except SecurityHubParseError as e:
        return Unparsed(where, f"Security Hub の検出結果を読めません: {_short(e)}", raw)


def _items(value: Mapping[str, Any], origin: str, event: EventMeta | None) -> Iterator[Item]:
    detail_type = (event.detail_type if event else "") or None
    for key in ("findings", "Findings"):
        listed = value.get(key)
        if isinstance(listed, list):  # an event's detail (Custom Action: with actionName) or an API page
            env = (detail_type, r.s(value.get("actionName")))
            for i, raw in enumerate(listed[:MAX_FINDINGS]):
                yield _one(raw, env, f"{origin}#{key}[{i}]", event)
            return
    if asff.is_finding(value) or ocsf.is_finding(value):
        yield _one(value, (detail_type, None), origin, event)
        return
    found = list(asff.iter_findings(value)) or list(ocsf.iter_findings(value))  # e.g. a recorded API response
    if not found:
        keys = ", ".join(sorted(map(str, value))[:8])
        yield Unparsed(origin, f"Security Hub の検出結果として認識できない形式です（キー: {keys or 'なし'}）", value)
    for i, (raw, env) in enumerate(found):
        yield _one(raw, env, f"{origin}#findings[{i}]", event)


def parse_value(value: Any, origin: str, event: EventMeta | None) -> Iterator[Item]:
    """Every item of one value: an event's ``detail`` (``findings[]``, several per event), a bare ASFF / OCSF
    finding, a GetFindings / GetFindingsV2 page or one of its elements. Never raises: an element that is no
    finding is an :class:`Unparsed` of its own (the others go on)."""
    detail_type = event.detail_type if event else ""
    if detail_type in NOT_FINDINGS:
        yield Skipped(origin, f"検出結果ではない Security Hub のイベントです（{detail_type}）", detail_type)
        return
    if not isinstance(value, Mapping):
        yield Unparsed(origin, f"Security Hub の検出結果ではありません（{type(value).__name__} 値）", value)
        return
    try:
        yield from _items(value, origin, event)
    except Exception as e:  # noqa: BLE001 - a bug on odd input must still end as a fallback issue, not a crash
        yield Unparsed(
            origin, f"Security Hub の検出結果の解析中に予期しないエラー: {type(e).__name__}: {_short(e)}", value
        )
