"""A loopback IAM Access Analyzer endpoint (REST-JSON) for real boto3 clients: ListAnalyzers, ListFindingsV2 (with
``filter``), GetFindingV2 (finding details paged), UpdateFindings (status ARCHIVED / ACTIVE, by ids or resourceArn).

    with AccessAnalyzerServer() as srv:
        arn = srv.add_analyzer("MyAnalyzer", "ACCOUNT")
        srv.add_findings(arn, [v2_finding_or_v1_finding_or_event_detail, ...])
        aa = boto3.client("accessanalyzer", endpoint_url=srv.url, region_name="us-west-2",
                          aws_access_key_id="testing", aws_secret_access_key="testing")

Findings are stored in the GetFindingV2 shape (camelCase, ISO 8601 timestamps); :func:`to_v2` converts a v1
finding (ListFindings / GetFinding / an event detail). Faults: ``srv.fail(n, "ThrottlingException")``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from ._loopback import LoopbackServer
from ._restjson import ApiError, handler_for, lookup_path, page

REGION = "us-west-2"
ACCOUNT = "111122223333"
SUMMARY_KEYS = (
    "analyzedAt",
    "createdAt",
    "error",
    "id",
    "resource",
    "resourceType",
    "resourceOwnerAccount",
    "status",
    "updatedAt",
    "findingType",
)
_EXTERNAL_KEYS = ("action", "condition", "isPublic", "principal", "sources")
_RESTRICTIONS = (
    ("resourceControlPolicyRestrictionType", "resourceControlPolicyRestriction"),
    ("serviceControlPolicyRestrictionType", "serviceControlPolicyRestriction"),
)
_INTERNAL_KEYS = ("action", "condition", "principal", "sources", "principalOwnerAccount", "accessType", "principalType")


def _iso(v: Any) -> Any:
    if isinstance(v, dict) and v.get("__class__") == "datetime":  # placebo recordings
        v = datetime(
            v["year"],
            v["month"],
            v["day"],
            v.get("hour", 0),
            v.get("minute", 0),
            v.get("second", 0),
            v.get("microsecond", 0),
            tzinfo=UTC,
        )
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return v


def to_v2(finding: dict[str, Any]) -> dict[str, Any]:
    """A v1 finding or an event detail → the GetFindingV2 shape (a v2 finding is returned as a copy)."""
    f = copy.deepcopy(finding)
    out: dict[str, Any] = {k: _iso(f[k]) for k in SUMMARY_KEYS if f.get(k) is not None}
    out["id"] = f.get("id") or f.get("findingId")
    out.setdefault("findingType", "ExternalAccess")
    out.setdefault("resourceOwnerAccount", f.get("accountId") or ACCOUNT)
    for k in ("analyzedAt", "createdAt", "updatedAt"):
        out.setdefault(k, "2024-01-01T00:00:00.000Z")
    if "findingDetails" in f:
        out["findingDetails"] = f["findingDetails"]
    elif out["findingType"] in ("ExternalAccess", "InternalAccess"):
        external = out["findingType"] == "ExternalAccess"
        keys = _EXTERNAL_KEYS if external else _INTERNAL_KEYS
        access = {k: f[k] for k in keys if k in f}
        for event_key, v2_key in _RESTRICTIONS:  # events: "…RestrictionType"; GetFindingV2: "…Restriction"
            if access and f.get(event_key) is not None:
                access[v2_key] = f[event_key]
        name = "externalAccessDetails" if external else "internalAccessDetails"
        out["findingDetails"] = [{name: access}] if access else []
    else:
        out["findingDetails"] = []
    return out


class AccessAnalyzerServer(LoopbackServer[str]):
    def __init__(self) -> None:
        self.analyzers: dict[str, dict[str, Any]] = {}  # arn → AnalyzerSummary
        self.findings: dict[str, dict[str, dict[str, Any]]] = {}  # analyzer arn → id → v2 finding
        super().__init__(lambda srv: handler_for(srv, srv._route, "ValidationException"))

    def add_analyzer(self, name: str, analyzer_type: str = "ACCOUNT") -> str:
        arn = f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/{name}"
        with self._lock:
            self.analyzers[arn] = {
                "arn": arn,
                "name": name,
                "type": analyzer_type,
                "createdAt": "2024-01-01T00:00:00.000Z",
                "status": "ACTIVE",
            }
            self.findings.setdefault(arn, {})
        return arn

    def add_findings(self, analyzer_arn: str, findings: list[dict[str, Any]]) -> None:
        with self._lock:
            store = self.findings[analyzer_arn]
            for f in findings:
                v2 = to_v2(f)
                store[v2["id"]] = v2

    def finding(self, analyzer_arn: str, finding_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.findings[analyzer_arn][finding_id])

    def _store(self, arn: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(arn, str) or not arn:
            raise ApiError(400, "ValidationException", "analyzerArn is required")
        store = self.findings.get(arn)
        if store is None:
            raise ApiError(404, "ResourceNotFoundException", f"Analyzer {arn} not found")
        return store

    def _route(self, method: str, parts: list[str], query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        q = {k: v[0] for k, v in query.items()}
        if parts == ["analyzer"] and method == "GET":
            items = [a for a in self.analyzers.values() if not q.get("type") or a["type"] == q["type"]]
            chunk, nxt = page(items, q.get("maxResults"), q.get("nextToken"), 1000)
            return 200, _drop_none({"analyzers": copy.deepcopy(chunk), "nextToken": nxt})
        if parts == ["findingv2"] and method == "POST":
            store = self._store(body.get("analyzerArn"))
            criteria = body.get("filter") or {}
            with self._lock:
                found = [f for f in store.values() if all(_match(f, k, c) for k, c in criteria.items())]
            sort = body.get("sort") or {}
            key = sort.get("attributeName") or "updatedAt"
            found.sort(key=lambda f: (str(f.get(key)), f["id"]), reverse=sort.get("orderBy") == "DESC")
            chunk, nxt = page(found, body.get("maxResults"), body.get("nextToken"), 1000)
            summaries = [{k: f[k] for k in SUMMARY_KEYS if k in f} for f in chunk]
            return 200, _drop_none({"findings": summaries, "nextToken": nxt})
        if len(parts) == 2 and parts[0] == "findingv2" and method == "GET":
            store = self._store(q.get("analyzerArn"))
            with self._lock:
                f = copy.deepcopy(store.get(parts[1]))
            if f is None:
                raise ApiError(404, "ResourceNotFoundException", f"Finding {parts[1]} not found")
            details, nxt = page(f.pop("findingDetails", []), q.get("maxResults"), q.get("nextToken"), 1000)
            return 200, _drop_none({**f, "findingDetails": details, "nextToken": nxt})
        if parts == ["finding"] and method == "PUT":
            return 200, self._update(body)
        raise ApiError(404, "ResourceNotFoundException", f"no route for {method} /{'/'.join(parts)}")

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        store = self._store(body.get("analyzerArn"))
        status = body.get("status")
        if status not in ("ARCHIVED", "ACTIVE"):
            raise ApiError(400, "ValidationException", "status must be ARCHIVED or ACTIVE")
        ids, resource = body.get("ids"), body.get("resourceArn")
        if bool(ids) == bool(resource):
            raise ApiError(400, "ValidationException", "give exactly one of ids and resourceArn")
        with self._lock:
            targets = [store[i] for i in ids or () if i in store] or [
                f for f in store.values() if resource and f.get("resource") == resource
            ]
            if ids and len(targets) != len(ids):
                raise ApiError(404, "ResourceNotFoundException", "a finding id was not found")
            for f in targets:
                f["status"] = status
                f["updatedAt"] = _iso(datetime.now(UTC))
        return {}


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _match(finding: dict[str, Any], field: str, cond: dict[str, Any]) -> bool:
    value = lookup_path(finding, field)
    text = str(value).lower() if isinstance(value, bool) else (None if value is None else str(value))
    if "eq" in cond and text not in cond["eq"]:
        return False
    if "neq" in cond and text in cond["neq"]:
        return False
    if "contains" in cond and not (text and any(c in text for c in cond["contains"])):
        return False
    return not ("exists" in cond and (value is not None) != bool(cond["exists"]))
