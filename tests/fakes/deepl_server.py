"""A loopback DeepL API v2 (``POST /v2/translate``) for the real ``deepl`` client (``server_url=srv.url``).

It checks the ``Authorization: DeepL-Auth-Key …`` header (403 otherwise) and the JSON body the library sends,
"translates" deterministically (see :mod:`tests.fakes._mangle`), records requests, and injects HTTP faults:
``srv.fail(n, 429)`` / ``srv.fail(None, 456)``.
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any

from ._loopback import LoopbackServer
from ._mangle import mangle

_ELEMENT = re.compile(r"<x\b[^>]*>.*?</x>", re.S)
MAX_BODY = 128 * 1024


class DeepLServer(LoopbackServer[int]):
    def __init__(self, auth_key: str, mode: str = "reorder") -> None:
        self.auth_key = auth_key
        self.mode = mode
        super().__init__(_handler)

    def fail(self, n: int | None, status: int = 429) -> None:
        super().fail(n, status)


def _handler(server: DeepLServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            record: dict[str, Any] = {
                "path": self.path,
                "headers": dict(self.headers.items()),
                "body": None,
                "size": len(raw),
            }
            with server._lock:
                server.requests.append(record)
            if self.path != "/v2/translate":
                return self._reply(404, {"message": "Not found"})
            if self.headers.get("Authorization") != f"DeepL-Auth-Key {server.auth_key}":
                return self._reply(403, {"message": "Wrong endpoint. Use https://api.deepl.com"})
            if len(raw) > MAX_BODY:
                return self._reply(413, {"message": "Request Entity Too Large"})
            try:
                body = json.loads(raw)
            except ValueError:
                return self._reply(400, {"message": "Bad request: body is not JSON"})
            record["body"] = body
            texts = body.get("text")
            if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
                return self._reply(400, {"message": "Parameter 'text' not specified."})
            if body.get("target_lang") != "JA":
                return self._reply(400, {"message": "Value for 'target_lang' not supported."})
            if len(texts) > 50:
                return self._reply(413, {"message": "Too many texts"})
            fault = server._next_fault()
            if fault:
                return self._reply(fault, {"message": f"injected {fault}"})
            tagged = body.get("tag_handling") == "xml" and "x" in (body.get("ignore_tags") or [])
            out = []
            for text in texts:
                translated = mangle(text, _ELEMENT, server.mode if tagged else "none", "x")
                out.append({"detected_source_language": "EN", "text": translated, "billed_characters": len(text)})
            self._reply(200, {"translations": out})

    return Handler
