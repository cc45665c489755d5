"""A per-run circuit breaker for a remote text source (a translation engine, JVN iPedia).

After ``threshold`` failed calls it opens and stays open for its life — one breaker per run — so a service that is
down costs one timeout (or a few), not one per finding. Each distinct failure reason is logged once. A breaker of a
long-lived process (a warm Lambda container) may close again ``retry_after`` seconds after it opened, to let one
call through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        threshold: int,
        log: logging.Logger,
        what: str,
        open_note: str = "",
        *,
        retry_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = max(1, threshold)
        self.failures = 0
        self._log = log
        self._what = what  # "translation via deepl", "JVN iPedia lookup"
        self._open_note = open_note  # appended to the message once the breaker is open
        self._logged: set[str] = set()
        self._retry_after = retry_after
        self._clock = clock
        self._opened_at = 0.0

    @property
    def broken(self) -> bool:
        """True while the breaker is open: the source is not called."""
        if self.failures < self.threshold:
            return False
        if self._retry_after is not None and self._clock() - self._opened_at >= self._retry_after:
            self.failures = self.threshold - 1  # half open: one more failure opens it again
            self._logged.clear()
            return False
        return True

    def failure(self, reason: str) -> None:
        """Count one failed call and log its reason (once per distinct reason)."""
        self.failures += 1
        if self.failures == self.threshold:
            self._opened_at = self._clock()
        self.log_once(reason)

    def log_once(self, reason: str) -> None:
        if reason in self._logged:
            return
        self._logged.add(reason)
        extra = self._open_note if self.broken else ""
        self._log.warning("%s failed: %s%s", self._what, reason, extra)
