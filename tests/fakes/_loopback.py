"""What every loopback test server here shares: a ThreadingHTTPServer on 127.0.0.1:0 in a daemon thread, a context
manager to start and stop it, recorded requests, and a queue of injected faults."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

F = TypeVar("F")


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 without an access log; :meth:`read_body` and :meth:`send` for one request and its response."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
        pass

    def read_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status: int, data: bytes, headers: Iterable[tuple[str, str]] = ()) -> None:
        """One response: ``headers``, then Content-Length, then ``data``."""
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_json(
        self, status: int, payload: Any, headers: Iterable[tuple[str, str]] = (), content_type: str = "application/json"
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send(status, body, [("Content-Type", content_type), *headers])


def aws_headers(request_id: str, error: str | None = None) -> list[tuple[str, str]]:
    """``x-amzn-RequestId`` and, for an error, ``x-amzn-ErrorType`` (the code botocore reads)."""
    return [("x-amzn-RequestId", request_id)] + ([("x-amzn-ErrorType", error)] if error else [])


class LoopbackServer(Generic[F]):
    """Subclasses pass a factory ``server -> handler class`` and use :meth:`next_fault` in their handler."""

    def __init__(self, handler: Callable[[Any], type[BaseHTTPRequestHandler]]) -> None:
        self.requests: list[dict[str, Any]] = []
        self._faults: deque[F] = deque()
        self._always: F | None = None
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, n: int | None, fault: F) -> None:
        """The next ``n`` requests fail with ``fault`` (``n=None``: every request, until :meth:`heal`)."""
        with self._lock:
            if n is None:
                self._always = fault
            else:
                self._faults.extend([fault] * n)

    def heal(self) -> None:
        with self._lock:
            self._faults.clear()
            self._always = None

    def _next_fault(self) -> F | None:
        with self._lock:
            return self._faults.popleft() if self._faults else self._always

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
