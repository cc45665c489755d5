"""A loopback Amazon Translate endpoint (JSON 1.1 protocol, ``TranslateText`` only) for real boto3 clients.

    with TranslateServer() as srv:
        client = boto3.client("translate", endpoint_url=srv.url, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")

It validates what botocore sends (target header, content type, SigV4 authorization, body shape, the 10,000-byte
limit), "translates" deterministically (see :mod:`tests.fakes._mangle`), records every request, and injects faults:
``srv.fail(n, "TooManyRequestsException")`` makes the next ``n`` requests fail (``n=None``: all of them).
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any

from ._loopback import LoopbackServer
from ._mangle import mangle

TARGET = "AWSShineFrontendService_20170701.TranslateText"
CONTENT_TYPE = "application/x-amz-json-1.1"
FAULTS = {
    "TooManyRequestsException": 429,
    "ServiceUnavailableException": 503,
    "InternalServerException": 500,
    "AccessDeniedException": 400,
    "TextSizeLimitExceededException": 400,
}
_ELEMENT = re.compile(r"<span\b[^>]*\btranslate=\"no\"[^>]*>.*?</span>", re.S)
_ALLOWED = {"Text", "SourceLanguageCode", "TargetLanguageCode", "Settings", "TerminologyNames"}


class TranslateServer(LoopbackServer[str]):
    def __init__(self, mode: str = "reorder") -> None:
        self.mode = mode
        super().__init__(_handler)

    def fail(self, n: int | None, error: str = "TooManyRequestsException") -> None:
        super().fail(n, error)


def _handler(server: TranslateServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "fake-request-id")
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: str, message: str) -> None:
            self._reply(status, {"__type": code, "message": message})

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            record = {"headers": dict(self.headers.items()), "path": self.path, "body": None}
            with server._lock:
                server.requests.append(record)
            if self.headers.get("X-Amz-Target") != TARGET:
                return self._error(400, "UnknownOperationException", f"bad target {self.headers.get('X-Amz-Target')}")
            if self.headers.get("Content-Type") != CONTENT_TYPE:
                return self._error(400, "SerializationException", "bad content type")
            if not (self.headers.get("Authorization") or "").startswith("AWS4-HMAC-SHA256 Credential="):
                return self._error(403, "MissingAuthenticationTokenException", "not signed")
            try:
                body = json.loads(raw)
            except ValueError:
                return self._error(400, "SerializationException", "body is not JSON")
            record["body"] = body
            problems = _check(body)
            if problems:
                return self._error(400, "ValidationException", problems)
            if len(body["Text"].encode("utf-8")) > 10_000:
                return self._error(400, "TextSizeLimitExceededException", "Input text size exceeds limit")
            fault = server._next_fault()
            if fault:
                return self._error(FAULTS.get(fault, 400), fault, "injected fault")
            out: dict[str, Any] = {
                "TranslatedText": mangle(body["Text"], _ELEMENT, server.mode, "span"),
                "SourceLanguageCode": body["SourceLanguageCode"],
                "TargetLanguageCode": body["TargetLanguageCode"],
            }
            if body.get("Settings"):
                out["AppliedSettings"] = body["Settings"]
            if body.get("TerminologyNames"):
                out["AppliedTerminologies"] = [{"Name": n, "Terms": []} for n in body["TerminologyNames"]]
            self._reply(200, out)

    return Handler


def _check(body: Any) -> str:
    if not isinstance(body, dict):
        return "body must be an object"
    extra = set(body) - _ALLOWED
    if extra:
        return f"unexpected members {sorted(extra)}"
    for key in ("Text", "SourceLanguageCode", "TargetLanguageCode"):
        if not isinstance(body.get(key), str) or not body[key]:
            return f"{key} is required"
    settings = body.get("Settings")
    if settings is not None and (
        not isinstance(settings, dict) or settings.get("Formality") not in (None, "FORMAL", "INFORMAL")
    ):
        return "bad Settings"
    names = body.get("TerminologyNames")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        return "bad TerminologyNames"
    return ""
