"""What the loopback REST-JSON AWS fakes (GuardDuty, Access Analyzer) share: the request handler skeleton (routing,
SigV4 check, JSON bodies, AWS error replies, injected faults), opaque paging tokens and botocore-model helpers."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ._loopback import QuietHandler, aws_headers

CONTENT_TYPE = "application/json"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def offset(value: str | None) -> int:
    if not value:
        return 0
    try:
        text = base64.urlsafe_b64decode(value.encode()).decode()
        if not text.startswith("offset:"):
            raise ValueError(text)
        return int(text[7:])
    except ValueError:
        raise ApiError(400, "BadRequestException", "the nextToken is invalid") from None


def page(items: list[Any], max_results: Any, next_token: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of ``items`` and the token of the next (None at the end)."""
    n = limit if max_results in (None, "") else int(max_results)
    if not 1 <= n <= limit:
        raise ApiError(400, "BadRequestException", f"maxResults must be between 1 and {limit}")
    start = offset(next_token)
    chunk = items[start : start + n]
    return chunk, token(start + n) if start + n < len(items) else None


def handler_for(
    server: Any, route: Callable[[str, list[str], dict[str, list[str]], Any], tuple[int, Any]], bad_request: str
) -> type[BaseHTTPRequestHandler]:
    """A handler that checks SigV4 and JSON, records the request, injects faults and calls ``route``
    (method, path parts, query, body) → (status, payload)."""

    class Handler(QuietHandler):
        def _reply(self, status: int, payload: Any, code: str | None = None) -> None:
            self.send_json(status, payload, aws_headers("fake-request-id", code), CONTENT_TYPE)

        def _handle(self) -> None:
            raw = self.read_body()
            url = urlsplit(self.path)
            parts = [unquote(p) for p in url.path.split("/") if p]
            query = parse_qs(url.query)
            record: dict[str, Any] = {"method": self.command, "path": url.path, "query": query, "body": None}
            with server._lock:
                server.requests.append(record)
            try:
                if not (self.headers.get("Authorization") or "").startswith("AWS4-HMAC-SHA256 Credential="):
                    raise ApiError(403, "AccessDeniedException", "request is not signed")
                body: Any = {}
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise ApiError(400, bad_request, "body is not JSON") from None
                    if not isinstance(body, dict):
                        raise ApiError(400, bad_request, "body must be an object")
                record["body"] = body
                fault = server._next_fault()
                if fault:
                    status = {
                        "ThrottlingException": 429,
                        "TooManyRequestsException": 429,
                        "InternalServerException": 500,
                        "InternalServerErrorException": 500,
                        "AccessDeniedException": 403,
                    }.get(fault, 400)
                    raise ApiError(status, fault, "injected fault")
                status, payload = route(self.command, parts, query, body)
            except ApiError as e:
                return self._reply(e.status, {"message": e.message, "__type": e.code}, e.code)
            self._reply(status, payload)

        do_GET = do_POST = do_PUT = _handle

    return Handler


@lru_cache(maxsize=4)
def service_model(name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(name)


def to_wire(value: Any, shape: Any) -> Any:
    """A boto3-shaped (PascalCase member names) value → the wire form (``locationName``s) that botocore parses."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                out[key] = item
            else:
                out[member.serialization.get("name") or key] = to_wire(item, member)
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [to_wire(x, shape.member) for x in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: to_wire(v, shape.value) for k, v in value.items()}
    return value


def lookup_path(doc: Any, dotted: str) -> Any:
    """``service.archived`` → doc["service"]["archived"] (None when absent)."""
    for part in dotted.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc
