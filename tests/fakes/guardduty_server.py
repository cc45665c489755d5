"""A loopback Amazon GuardDuty endpoint (REST-JSON) for real boto3 clients: ListDetectors, ListFindings (with
FindingCriteria, including ``service.archived``), GetFindings (≤ 50 ids), ArchiveFindings, UnarchiveFindings.

    with GuardDutyServer() as srv:
        srv.add_findings("d4b0…", [finding, ...])     # camelCase (wire) or boto3 PascalCase findings
        gd = boto3.client("guardduty", endpoint_url=srv.url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")

It serves the wire format botocore parses (camelCase ``locationName``s), pages with opaque tokens, checks the
SigV4 header and the documented limits, records every request, and injects faults: ``srv.fail(n, "BadRequestException")``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from ._loopback import LoopbackServer
from ._restjson import ApiError, handler_for, lookup_path, page, service_model, to_wire

MAX_IDS = 50
_NUMERIC = {
    "gt": "gt",
    "gte": "ge",
    "lt": "lt",
    "lte": "le",
    "greaterThan": "gt",
    "greaterThanOrEqual": "ge",
    "lessThan": "lt",
    "lessThanOrEqual": "le",
}


def wire_finding(finding: dict[str, Any]) -> dict[str, Any]:
    """A finding as the GuardDuty API sends it: boto3 PascalCase is mapped through botocore's model; an event's
    camelCase stays, except its unpacked ``additionalInfo``."""
    if "Id" in finding or "Type" in finding:
        return to_wire(finding, service_model("guardduty").shape_for("Finding"))
    wire = copy.deepcopy(finding)
    service = wire.get("service")
    info = service.get("additionalInfo") if isinstance(service, dict) else None
    if isinstance(info, dict) and "value" not in info:
        # events unpack additionalInfo; the API sends it as {"value": "<JSON text>", "type": "default"}
        service["additionalInfo"] = {"value": json.dumps(info, separators=(",", ":")), "type": "default"}
    return wire


class GuardDutyServer(LoopbackServer[str]):
    def __init__(self) -> None:
        self.detectors: dict[str, dict[str, dict[str, Any]]] = {}  # detector id → finding id → wire finding
        super().__init__(lambda srv: handler_for(srv, srv._route, "BadRequestException"))

    def add_detector(self, detector_id: str) -> None:
        with self._lock:
            self.detectors.setdefault(detector_id, {})

    def add_findings(self, detector_id: str, findings: list[dict[str, Any]]) -> None:
        with self._lock:
            store = self.detectors.setdefault(detector_id, {})
            for f in findings:
                w = wire_finding(f)
                store[w["id"]] = w

    def finding(self, detector_id: str, finding_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.detectors[detector_id][finding_id])

    def _route(self, method: str, parts: list[str], query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if parts == ["detector"] and method == "GET":
            ids = sorted(self.detectors)
            chunk, nxt = page(ids, _q(query, "maxResults"), _q(query, "nextToken"), 50)
            return 200, _drop_none({"detectorIds": chunk, "nextToken": nxt})
        if len(parts) >= 3 and parts[0] == "detector" and parts[2] == "findings" and method == "POST":
            store = self.detectors.get(parts[1])
            if store is None:
                raise ApiError(
                    400,
                    "BadRequestException",
                    "The request is rejected because the input detectorId is not owned by the current account.",
                )
            op = parts[3] if len(parts) == 4 else ""
            if len(parts) == 3:
                return 200, self._list(store, body)
            if op == "get":
                return 200, {"findings": [copy.deepcopy(store[i]) for i in _ids(body) if i in store]}
            if op in ("archive", "unarchive"):
                with self._lock:
                    for i in _ids(body):
                        if i in store:
                            store[i].setdefault("service", {})["archived"] = op == "archive"
                return 200, {}
        raise ApiError(404, "BadRequestException", f"no route for {method} /{'/'.join(parts)}")

    def _list(self, store: dict[str, dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
        criteria = (body.get("findingCriteria") or {}).get("criterion") or {}
        with self._lock:
            found = [f for f in store.values() if all(_match(f, k, c) for k, c in criteria.items())]
        sort = body.get("sortCriteria") or {}
        key = sort.get("attributeName") or "updatedAt"
        found.sort(key=lambda f: (str(lookup_path(f, key)), f["id"]), reverse=sort.get("orderBy") == "DESC")
        chunk, nxt = page([f["id"] for f in found], body.get("maxResults"), body.get("nextToken"), 50)
        return _drop_none({"findingIds": chunk, "nextToken": nxt})


def _q(query: dict[str, list[str]], name: str) -> str | None:
    return query.get(name, [None])[0]


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("findingIds")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, "BadRequestException", "findingIds is required")
    if len(ids) > MAX_IDS:
        raise ApiError(400, "BadRequestException", f"findingIds: at most {MAX_IDS} ids a call")
    return ids


def _as_text(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _match(finding: dict[str, Any], field: str, cond: dict[str, Any]) -> bool:
    value = lookup_path(finding, field)
    if field == "service.archived" and value is None:
        value = False
    for op, want in cond.items():
        if op in ("eq", "equals") and _as_text(value) not in [str(w) for w in want]:
            return False
        if op in ("neq", "notEquals") and _as_text(value) in [str(w) for w in want]:
            return False
        if op in _NUMERIC:
            x = _numeric(value)
            if x is None:
                return False
            w = float(want)
            if not {"gt": x > w, "ge": x >= w, "lt": x < w, "le": x <= w}[_NUMERIC[op]]:
                return False
    return True


def _numeric(value: Any) -> float | None:
    """A number, or a timestamp string as epoch milliseconds (GuardDuty's criteria on ``updatedAt``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        from inspector2backlog.findings.timestamps import try_parse

        dt = try_parse(value.replace(" ", "T", 1))
        return dt.timestamp() * 1000 if dt else None
    return None
