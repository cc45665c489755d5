"""A loopback HTTP proxy that counts the requests it forwards (to moto): point ``AWS_ENDPOINT_URL`` at it to assert
how many AWS calls a code path made — zero for a rejected webhook request."""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from ._loopback import LoopbackServer


def _handler(server: CountingProxy) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _serve(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            with server._lock:
                server.requests.append({"method": self.command, "path": self.path,
                                        "target": self.headers.get("X-Amz-Target", "")})
            up = urlsplit(server.upstream)
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    return H


class CountingProxy(LoopbackServer[None]):
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        super().__init__(_handler)
