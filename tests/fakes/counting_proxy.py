"""A loopback HTTP proxy that counts the requests it forwards (to moto): point ``AWS_ENDPOINT_URL`` at it to assert
how many AWS calls a code path made — zero for a rejected webhook request."""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from ._loopback import LoopbackServer, QuietHandler


def _handler(server: CountingProxy) -> type[BaseHTTPRequestHandler]:
    class H(QuietHandler):
        def _serve(self) -> None:
            body = self.read_body()
            with server._lock:
                server.requests.append(
                    {"method": self.command, "path": self.path, "target": self.headers.get("X-Amz-Target", "")}
                )
            up = urlsplit(server.upstream)
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            skip = ("transfer-encoding", "connection", "content-length")
            self.send(resp.status, data, [(k, v) for k, v in resp.getheaders() if k.lower() not in skip])

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    return H


class CountingProxy(LoopbackServer[None]):
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        super().__init__(_handler)
