"""IAM Access Analyzer findings → :class:`~.model.AccessAnalyzerDetails`: recognisers, parse, snapshot, lifecycle.

Accepted inputs (camelCase, and PascalCase keys too):

* EventBridge events from ``aws.access-analyzer``: ``Access Analyzer Finding`` (external access),
  ``Internal Access Finding``, ``Unused Access Finding for IAM entities``; ``Access Preview State Change`` and other
  detail-types are recognised and skipped with a reason (they are not findings);
* GetFinding (``{"finding": …}``), GetFindingV2 (``findingDetails`` at the top), ListFindings / ListFindingsV2
  (``{"findings": [...]}``), a bare finding, a JSON array of findings; a placebo recording's ``{"data": …}``
  wrapper is unwrapped. Access-preview findings (``changeType``) describe a proposed policy: skipped with a reason.

Anything else raises :class:`AccessAnalyzerParseError` with the reason — never a KeyError or TypeError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._documents import DocumentError, Skipped, decode, parse_items, shape
from .._fields import flag, integer, obj, objs, raw, text, texts, when
from . import model as m

SOURCE = "aws.access-analyzer"
DETAIL_TYPES = {
    "Access Analyzer Finding": "ExternalAccess",
    "Internal Access Finding": "InternalAccess",
    "Unused Access Finding for IAM entities": "",  # findingType says which
}


class AccessAnalyzerParseError(DocumentError):
    """The input is not an Access Analyzer finding (or document of findings); ``reason`` says why."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """``kind``: event | get_finding | get_finding_v2 | list_findings | finding | array."""

    kind: str
    findings: tuple[m.AccessAnalyzerDetails, ...]
    skipped: tuple[Skipped, ...] = ()


def _unwrap(doc: Any) -> Any:
    """A placebo recording ``{"status_code": 200, "data": {...}}`` → its data."""
    if isinstance(doc, Mapping) and "status_code" in doc and isinstance(doc.get("data"), Mapping):
        return doc["data"]
    return doc


def looks_like_finding(d: Any) -> bool:
    if not isinstance(d, Mapping):
        return False
    fid = raw(d, "id") or raw(d, "findingId")
    # every finding shape (v1, v2, summaries, event details) names its resourceType at the top; a GuardDuty
    # finding nests it under ``resource`` (and its ``FindingType`` is something else)
    return isinstance(fid, str) and isinstance(raw(d, "resourceType"), str)


def is_event(d: Any) -> bool:
    src = d.get("source") if isinstance(d, Mapping) else None
    return isinstance(src, str) and src.startswith(SOURCE) and "detail" in d


def recognise(doc: Any) -> str | None:
    doc = _unwrap(doc)
    if isinstance(doc, list):
        return "array" if doc and looks_like_finding(doc[0]) else None
    if not isinstance(doc, Mapping):
        return None
    if is_event(doc):
        return "event"
    if isinstance(raw(doc, "finding"), Mapping):
        return "get_finding"
    if looks_like_finding(doc):
        return "get_finding_v2" if raw(doc, "findingDetails") is not None else "finding"
    items = raw(doc, "findings")
    if isinstance(items, list) and (not items or looks_like_finding(items[0])):
        return "list_findings"
    return None


def parse_document(doc: Any, *, analyzer_arn: str | None = None) -> Parsed:
    """Parse one input (text, bytes or decoded JSON). Raises :class:`AccessAnalyzerParseError` when unrecognised.

    ``analyzer_arn``: the analyzer a ``sync`` listed (API outputs do not name it; events do)."""
    doc = _unwrap(decode(doc, AccessAnalyzerParseError))
    kind = recognise(doc)
    if kind is None:
        raise AccessAnalyzerParseError(f"not an Access Analyzer finding, event or findings list ({shape(doc)})")
    if kind == "event":
        dtype = doc.get("detail-type")
        if dtype not in DETAIL_TYPES:
            what = "an access preview is not a finding" if dtype == "Access Preview State Change" else "not a finding"
            return Parsed(kind, (), (Skipped(0, f"event detail-type {str(dtype)[:80]!r}: {what}"),))
        return Parsed(kind, (parse_finding(doc["detail"], event=doc, analyzer_arn=analyzer_arn),))
    if kind == "get_finding":
        return Parsed(kind, (parse_finding(raw(doc, "finding"), analyzer_arn=analyzer_arn),))
    if kind in ("finding", "get_finding_v2"):
        return Parsed(kind, (parse_finding(doc, analyzer_arn=analyzer_arn),))
    items = doc if kind == "array" else raw(doc, "findings")
    found, skipped = parse_items(
        items, lambda item: parse_finding(item, analyzer_arn=analyzer_arn), AccessAnalyzerParseError, _preview
    )
    return Parsed(kind, found, skipped)


def _preview(item: Any) -> str | None:
    if isinstance(item, Mapping) and raw(item, "changeType") is not None:
        return "an access preview finding (changeType) describes a proposed policy, not an analyzer finding"
    return None


def _pairs(v: Any) -> m.Pairs:
    """A principal / condition map → sorted ``(key, value)`` pairs; a list value gives one pair per item."""
    if not isinstance(v, Mapping):
        return ()
    out: list[tuple[str, str]] = []
    for k, x in v.items():
        for item in x if isinstance(x, list) else (x,):
            if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                out.append((str(k), str(item)))
    return tuple(sorted(out))


def _access(d: Mapping[str, Any]) -> m.Access:
    sources = tuple(
        m.AccessSource(
            source_type=text(s, "type"),
            access_point_arn=text(obj(s, "detail"), "accessPointArn"),
            access_point_account=text(obj(s, "detail"), "accessPointAccount"),
        )
        for s in objs(d, "sources")
    )
    return m.Access(
        principal=_pairs(raw(d, "principal")),
        actions=texts(d, "action"),
        condition=_pairs(raw(d, "condition")),
        is_public=flag(d, "isPublic"),
        sources=sources,
        principal_owner_account=text(d, "principalOwnerAccount"),
        principal_type=text(d, "principalType"),
        access_type=text(d, "accessType"),
        rcp_restriction=text(d, "resourceControlPolicyRestrictionType")
        or text(obj(d, "resourceControlPolicyRestriction"), "type")
        or text(d, "resourceControlPolicyRestriction"),
        scp_restriction=text(d, "serviceControlPolicyRestrictionType")
        or text(obj(d, "serviceControlPolicyRestriction"), "type")
        or text(d, "serviceControlPolicyRestriction"),
    )


_ACCESS_KEYS = ("principal", "action", "condition", "isPublic", "accessType")


def _has_access(d: Mapping[str, Any]) -> bool:
    return any(raw(d, k) not in (None, {}, []) for k in _ACCESS_KEYS)


def parse_finding(
    d: Any, *, event: Mapping[str, Any] | None = None, analyzer_arn: str | None = None
) -> m.AccessAnalyzerDetails:
    """One finding (v1, v2 or an event detail). ``event``: the EventBridge envelope (detail-type, analyzer)."""
    if not isinstance(d, Mapping):
        raise AccessAnalyzerParseError(f"a finding must be an object, not {shape(d)}")
    fid = text(d, "id") or text(d, "findingId")
    if not fid:
        raise AccessAnalyzerParseError("finding has no id")
    env = event if isinstance(event, Mapping) else {}
    ftype = text(d, "findingType") or DETAIL_TYPES.get(str(env.get("detail-type")), "") or "ExternalAccess"
    kind = m.KINDS.get(ftype) or ("unused" if ftype.startswith("Unused") else "external")
    details = objs(d, "findingDetails")
    accesses: list[m.Access] = []
    unused_perms: list[m.UnusedPermission] = []
    key_id = None
    last_used = None
    for det in details:
        for name in ("externalAccessDetails", "internalAccessDetails"):
            if obj(det, name):
                accesses.append(_access(obj(det, name)))
        perm = obj(det, "unusedPermissionDetails")
        if perm:
            unused_perms.append(
                m.UnusedPermission(
                    service_namespace=text(perm, "serviceNamespace"),
                    last_accessed=when(perm, "lastAccessed"),
                    actions=tuple(
                        m.UnusedAction(action=a, last_accessed=when(x, "lastAccessed"))
                        for x in objs(perm, "actions")
                        if (a := text(x, "action"))
                    ),
                )
            )
        for name in ("unusedIamUserAccessKeyDetails", "unusedIamRoleDetails", "unusedIamUserPasswordDetails"):
            u = obj(det, name)
            if u:
                key_id = key_id or text(u, "accessKeyId")
                last_used = last_used or when(u, "lastAccessed")
    if not details and kind != "unused" and _has_access(d):
        accesses.append(_access(d))
    resources = env.get("resources")
    analyzer = next((r for r in resources if isinstance(r, str)), None) if isinstance(resources, list) else None
    list_v2 = not details and kind != "unused" and not accesses and raw(d, "findingType") is not None
    return m.AccessAnalyzerDetails(
        finding_id=fid,
        kind=kind,
        finding_type=ftype,
        status=text(d, "status"),
        resource=text(d, "resource"),
        resource_type=text(d, "resourceType"),
        resource_owner_account=text(d, "resourceOwnerAccount"),
        account_id=text(d, "accountId") or text(env, "account") or text(d, "resourceOwnerAccount"),
        region=text(d, "region") or text(env, "region"),
        analyzer_arn=text(d, "analyzerArn") or analyzer or analyzer_arn,
        is_deleted=bool(flag(d, "isDeleted")),
        error=text(d, "error"),
        previous_status=text(d, "previousStatus") or None,
        created_at=when(d, "createdAt"),
        analyzed_at=when(d, "analyzedAt"),
        updated_at=when(d, "updatedAt"),
        accesses=tuple(accesses),
        unused_permissions=tuple(unused_perms),
        unused_access_key_id=key_id,
        unused_last_accessed=last_used,
        unused_services=integer(d, "numberOfUnusedServices"),
        unused_actions=integer(d, "numberOfUnusedActions"),
        summary_only=list_v2 and not text(d, "error"),
    )


# --- lifecycle ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Snapshot:
    """What counts as a material change: principals, actions, public or not, conditions, unused permissions."""

    principals: m.Pairs
    actions: tuple[str, ...]
    is_public: bool
    conditions: m.Pairs
    unused: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "principals": [list(p) for p in self.principals],
            "actions": list(self.actions),
            "public": self.is_public,
            "conditions": [list(c) for c in self.conditions],
            "unused": list(self.unused),
        }


def material_snapshot(d: m.AccessAnalyzerDetails) -> Snapshot:
    conditions = {c for a in d.accesses for c in a.condition}
    unused = {f"{p.service_namespace or ''}:{x.action}" for p in d.unused_permissions for x in p.actions}
    unused.update(f"{p.service_namespace}:*" for p in d.unused_permissions if p.service_namespace and not p.actions)
    return Snapshot(
        principals=tuple(sorted(set(d.principals))),
        actions=tuple(sorted(set(d.actions))),
        is_public=d.is_public,
        conditions=tuple(sorted(conditions)),
        unused=tuple(sorted(unused)),
    )


def material_changes(old: Snapshot, new: Snapshot) -> tuple[str, ...]:
    """Which parts changed: ``principal``, ``action``, ``public``, ``condition``, ``unused`` (in that order)."""
    out = []
    if set(new.principals) - set(old.principals):
        out.append("principal")
    if set(new.actions) - set(old.actions):
        out.append("action")
    if new.is_public != old.is_public:
        out.append("public")
    if new.conditions != old.conditions:
        out.append("condition")
    if set(new.unused) - set(old.unused):
        out.append("unused")
    return tuple(out)


def lifecycle_status(d: m.AccessAnalyzerDetails) -> str:
    """``deleted`` (isDeleted: closed), ``resolved`` (closed as fixed), ``archived`` (closed, 対応しない-like), or
    ``active`` (open; also for a status this code does not know)."""
    if d.is_deleted:
        return "deleted"
    status = (d.status or "").upper()
    return {"RESOLVED": "resolved", "ARCHIVED": "archived"}.get(status, "active")
