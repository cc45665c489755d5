"""What every loopback test server here shares: a ThreadingHTTPServer on 127.0.0.1:0 in a daemon thread, a context
manager to start and stop it, recorded requests, and a queue of injected faults."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

F = TypeVar("F")


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
