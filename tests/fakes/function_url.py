"""A Lambda Function URL on loopback: each HTTP request becomes a payload-format-2.0 event for a handler (e.g.
``aws_lambda.webhook_handler``), its answer the HTTP response — so webhook tests send real HTTP requests."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from ._loopback import LoopbackServer, QuietHandler


def _handler(server: FunctionUrl) -> type[BaseHTTPRequestHandler]:
    class H(QuietHandler):
        def _serve(self) -> None:
            body = self.read_body()
            parts = urlsplit(self.path)
            try:
                text, b64 = body.decode("utf-8"), False
            except UnicodeDecodeError:
                text, b64 = base64.b64encode(body).decode("ascii"), True
            event = {
                "version": "2.0",
                "rawPath": parts.path,
                "rawQueryString": parts.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "requestContext": {
                    "http": {
                        "method": self.command,
                        "path": parts.path,
                        "sourceIp": server.source_ip or self.client_address[0],
                    }
                },
                "body": text,
                "isBase64Encoded": b64,
            }
            server.requests.append({"method": self.command, "path": parts.path, "bytes": len(body)})
            out = server.target(event, None)
            data = str(out.get("body") or "").encode("utf-8")
            self.send(int(out.get("statusCode") or 200), data, [("Content-Type", "application/json")])

        do_POST = do_GET = _serve

    return H


class FunctionUrl(LoopbackServer[None]):
    def __init__(self, target: Callable[[dict, Any], dict], source_ip: str = "") -> None:
        self.target = target
        self.source_ip = source_ip  # pretend the request came from here ("" = the real peer, 127.0.0.1)
        super().__init__(_handler)


def reply(body: str) -> dict:
    return json.loads(body)
