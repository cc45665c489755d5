"""A per-run circuit breaker for a remote text source (a translation engine, JVN iPedia).

After ``threshold`` failed calls it opens and stays open for its life — one breaker per run — so a service that is
down costs one timeout (or a few), not one per finding. Each distinct failure reason is logged once.
"""

from __future__ import annotations

import logging


class CircuitBreaker:
    def __init__(self, threshold: int, log: logging.Logger, what: str, open_note: str = "") -> None:
        self.threshold = max(1, threshold)
        self.failures = 0
        self._log = log
        self._what = what  # "translation via deepl", "JVN iPedia lookup"
        self._open_note = open_note  # appended to the message once the breaker is open
        self._logged: set[str] = set()

    @property
    def broken(self) -> bool:
        """True once the breaker opened: the source is not called again."""
        return self.failures >= self.threshold

    def failure(self, reason: str) -> None:
        """Count one failed call and log its reason (once per distinct reason)."""
        self.failures += 1
        self.log_once(reason)

    def log_once(self, reason: str) -> None:
        if reason in self._logged:
            return
        self._logged.add(reason)
        extra = self._open_note if self.broken else ""
        self._log.warning("%s failed: %s%s", self._what, reason, extra)
