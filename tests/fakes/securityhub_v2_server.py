"""A loopback Security Hub (OCSF) API: ``GetFindingsV2`` and ``BatchUpdateFindingsV2`` for the real boto3 client.

The wire format is botocore's ``securityhub`` 2018-10-26 model (rest-json): ``POST /findingsv2`` with
``{Filters, SortCriteria, NextToken, MaxResults}`` → ``{Findings, NextToken}``; ``PATCH /findingsv2/batchupdatev2``
with ``{FindingIdentifiers | MetadataUids, Comment, SeverityId, StatusId}`` → ``{ProcessedFindings,
UnprocessedFindings}``. Errors carry ``x-amzn-ErrorType`` and ``{"message"}`` with the model's status codes.

    with SecurityHubV2Server(findings) as srv:
        client = boto3.client("securityhub", endpoint_url=srv.url, region_name="ap-northeast-1", …)

Filters: ``CompositeFilters[].StringFilters`` (EQUALS, NOT_EQUALS, PREFIX, PREFIX_NOT_EQUALS, CONTAINS,
NOT_CONTAINS) and ``NumberFilters`` (Eq/Gt/Gte/Lt/Lte) on dotted OCSF paths (lists are searched), ``Operator`` /
``CompositeOperator`` AND | OR; ``SortCriteria`` by one dotted field. Unsupported filter kinds are a
ValidationException (so a test cannot silently rely on them). ``srv.fail(n, (429, "ThrottlingException"))``
injects faults; ``srv.requests`` records every call.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from ._loopback import LoopbackServer, QuietHandler, aws_headers

MAX_BODY = 1024 * 1024
STATUS_NAMES = {0: "Unknown", 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 5: "Archived", 99: "Other"}
SEVERITY_NAMES = {
    0: "Unknown",
    1: "Informational",
    2: "Low",
    3: "Medium",
    4: "High",
    5: "Critical",
    6: "Fatal",
    99: "Other",
}
_SUPPORTED_FILTERS = {"StringFilters", "NumberFilters", "Operator"}
Fault = tuple[int, str]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _values(doc: Any, path: str) -> list[Any]:
    """Every value at a dotted path; lists on the way are searched."""
    current = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in current:
            items = item if isinstance(item, list) else [item]
            for x in items:
                if isinstance(x, dict) and part in x:
                    nxt.append(x[part])
        current = nxt
    out: list[Any] = []
    for v in current:
        out.extend(v if isinstance(v, list) else [v])
    return out


def _string_match(values: list[Any], comparison: str, want: str) -> bool:
    texts = [v for v in values if isinstance(v, str)]
    if comparison == "EQUALS":
        return want in texts
    if comparison == "NOT_EQUALS":
        return want not in texts
    if comparison == "PREFIX":
        return any(t.startswith(want) for t in texts)
    if comparison == "PREFIX_NOT_EQUALS":
        return not any(t.startswith(want) for t in texts)
    if comparison == "CONTAINS":
        return any(want in t for t in texts)
    if comparison == "NOT_CONTAINS":
        return not any(want in t for t in texts)
    raise ApiError(400, "ValidationException", f"unsupported string comparison {comparison!r}")


def _number_match(values: list[Any], cond: dict[str, Any]) -> bool:
    nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    checks = {
        "Eq": lambda a, b: a == b,
        "Gt": lambda a, b: a > b,
        "Gte": lambda a, b: a >= b,
        "Lt": lambda a, b: a < b,
        "Lte": lambda a, b: a <= b,
    }
    return any(all(checks[k](n, float(v)) for k, v in cond.items() if k in checks) for n in nums)


def _composite(doc: dict[str, Any], comp: dict[str, Any]) -> bool:
    unknown = set(comp) - _SUPPORTED_FILTERS
    if unknown:
        raise ApiError(400, "ValidationException", f"the fake does not implement {sorted(unknown)}")
    results = [
        _string_match(_values(doc, f["FieldName"]), f["Filter"]["Comparison"], f["Filter"]["Value"])
        for f in comp.get("StringFilters", [])
    ] + [_number_match(_values(doc, f["FieldName"]), f["Filter"]) for f in comp.get("NumberFilters", [])]
    if not results:
        return True
    return any(results) if comp.get("Operator") == "OR" else all(results)


def _matches(doc: dict[str, Any], filters: dict[str, Any] | None) -> bool:
    if not filters:
        return True
    results = [_composite(doc, comp) for comp in filters.get("CompositeFilters", [])]
    if not results:
        return True
    return any(results) if filters.get("CompositeOperator") == "OR" else all(results)


def _identifier(doc: dict[str, Any]) -> dict[str, str]:
    return {
        "CloudAccountUid": doc.get("cloud", {}).get("account", {}).get("uid", ""),
        "FindingInfoUid": doc.get("finding_info", {}).get("uid", ""),
        "MetadataProductUid": doc.get("metadata", {}).get("product", {}).get("uid", ""),
    }


class SecurityHubV2Server(LoopbackServer[Fault]):
    """Holds OCSF findings (deep copies); ``findings`` is the live store, guarded by ``store_lock``."""

    def __init__(self, findings: list[dict[str, Any]] | None = None) -> None:
        self.findings: list[dict[str, Any]] = [copy.deepcopy(f) for f in findings or []]
        self.store_lock = threading.Lock()
        super().__init__(_handler)

    def add(self, *findings: dict[str, Any]) -> None:
        with self.store_lock:
            self.findings.extend(copy.deepcopy(f) for f in findings)

    def fail(self, n: int | None, fault: Fault = (429, "ThrottlingException")) -> None:
        super().fail(n, fault)

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["operation"] == operation]

    # --- operations ---------------------------------------------------------------------------------------

    def get_findings_v2(self, body: dict[str, Any]) -> dict[str, Any]:
        size = body.get("MaxResults", 100)
        if not isinstance(size, int) or not 1 <= size <= 100:
            raise ApiError(400, "ValidationException", "MaxResults must be between 1 and 100")
        offset = 0
        if body.get("NextToken"):
            try:
                offset = int(base64.urlsafe_b64decode(body["NextToken"].encode()).decode().removeprefix("o:"))
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, "ValidationException", "The NextToken is invalid") from None
        with self.store_lock:
            hits = [f for f in self.findings if _matches(f, body.get("Filters"))]
        for crit in reversed(body.get("SortCriteria") or []):
            hits.sort(
                key=lambda f, c=crit: str((_values(f, c["Field"]) or [""])[0]), reverse=crit.get("SortOrder") == "desc"
            )
        page = hits[offset : offset + size]
        out: dict[str, Any] = {"Findings": copy.deepcopy(page)}
        if offset + size < len(hits):
            out["NextToken"] = base64.urlsafe_b64encode(f"o:{offset + size}".encode()).decode()
        return out

    def batch_update_findings_v2(self, body: dict[str, Any]) -> dict[str, Any]:
        ids, uids = body.get("FindingIdentifiers"), body.get("MetadataUids")
        if bool(ids) == bool(uids):
            raise ApiError(400, "ValidationException", "Provide exactly one of FindingIdentifiers and MetadataUids")
        if len(ids or uids) > 100:
            raise ApiError(400, "ValidationException", "At most 100 findings per request")
        comment, status_id, severity_id = body.get("Comment"), body.get("StatusId"), body.get("SeverityId")
        if comment is not None and not 1 <= len(comment) <= 512:
            raise ApiError(400, "ValidationException", "Comment must be 1 to 512 characters")
        if status_id is not None and status_id not in STATUS_NAMES:
            raise ApiError(400, "ValidationException", f"StatusId {status_id} is not allowed")
        if severity_id is not None and severity_id not in SEVERITY_NAMES:
            raise ApiError(400, "ValidationException", f"SeverityId {severity_id} is not allowed")
        if comment is None and status_id is None and severity_id is None:
            raise ApiError(400, "ValidationException", "Nothing to update")
        processed, unprocessed = [], []
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        with self.store_lock:
            for wanted in ids or uids:
                if ids is not None:
                    hit = next((f for f in self.findings if _identifier(f) == wanted), None)
                else:
                    hit = next((f for f in self.findings if f.get("metadata", {}).get("uid") == wanted), None)
                ref = {"FindingIdentifier": wanted} if ids is not None else {"MetadataUid": wanted}
                if hit is None:
                    unprocessed.append(
                        {**ref, "ErrorCode": "ResourceNotFoundException", "ErrorMessage": "The finding was not found"}
                    )
                    continue
                if status_id is not None:
                    hit["status_id"], hit["status"] = status_id, STATUS_NAMES[status_id]
                if severity_id is not None:
                    hit["severity_id"], hit["severity"] = severity_id, SEVERITY_NAMES[severity_id]
                if comment is not None:
                    hit["comment"] = comment
                hit.setdefault("finding_info", {})["modified_time_dt"] = now
                processed.append(ref)
        return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}


_ROUTES = {
    ("POST", "/findingsv2"): ("GetFindingsV2", "get_findings_v2"),
    ("PATCH", "/findingsv2/batchupdatev2"): ("BatchUpdateFindingsV2", "batch_update_findings_v2"),
}


def _handler(server: SecurityHubV2Server) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _reply(self, status: int, payload: dict[str, Any], error: str | None = None) -> None:
            self.send_json(status, payload, aws_headers("00000000-0000-4000-8000-000000000000", error))

        def _error(self, status: int, code: str, message: str) -> None:
            self._reply(status, {"message": message, "Message": message, "Code": code}, code)

        def _dispatch(self) -> None:
            raw = self.read_body()
            route = _ROUTES.get((self.command, self.path.split("?", 1)[0]))
            record: dict[str, Any] = {
                "operation": route[0] if route else None,
                "path": self.path,
                "method": self.command,
                "headers": dict(self.headers.items()),
                "body": None,
            }
            with server._lock:
                server.requests.append(record)
            if route is None:
                return self._error(404, "ResourceNotFoundException", f"no route {self.command} {self.path}")
            if not self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
                return self._error(403, "AccessDeniedException", "Missing or unsigned request")
            if len(raw) > MAX_BODY:
                return self._error(413, "ValidationException", "Request too large")
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._error(400, "ValidationException", "Body is not JSON")
            if not isinstance(body, dict):
                return self._error(400, "ValidationException", "Body is not an object")
            record["body"] = body
            fault = server._next_fault()
            if fault:
                return self._error(fault[0], fault[1], f"injected {fault[1]}")
            try:
                result = getattr(server, route[1])(body)
            except ApiError as e:
                return self._error(e.status, e.code, e.message)
            except (KeyError, TypeError, AttributeError) as e:
                return self._error(400, "ValidationException", f"malformed request: {e}")
            self._reply(200, result)

        do_POST = _dispatch
        do_PATCH = _dispatch

    return Handler
