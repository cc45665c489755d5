"""JVN iPedia answers per CVE in the state store's cache (SQLite / DynamoDB, with an expiry).

Key ``jvn1:<CVE id>``; value the entry as JSON, or ``{"miss":1}`` when JVN iPedia has no usable entry (kept for the
shorter miss TTL: JVN publishes new CVEs some days after NVD). A broken store never stops a lookup: a read failure
reads as "not cached", a write failure is logged once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .parse import JvnEntry

KEY_PREFIX = "jvn1:"
_MISS = '{"miss":1}'
log = logging.getLogger("inspector2backlog.jvn")


class JvnCache:
    def __init__(
        self, store: Any, *, hit_ttl_seconds: float, miss_ttl_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.hit_ttl = hit_ttl_seconds
        self.miss_ttl = miss_ttl_seconds
        self._clock = clock
        self._logged: set[str] = set()

    def get_many(self, cves: Iterable[str]) -> dict[str, JvnEntry | None]:
        """The cached answers among ``cves``: an entry, or None for a cached miss."""
        keys = {KEY_PREFIX + c: c for c in cves}
        if self.store is None or not keys:
            return {}
        try:
            found = self.store.cache_get_many(list(keys), now=self._clock())
        except Exception as exc:  # noqa: BLE001 - a broken cache costs a lookup, never the issue
            self._log_once(f"JVN cache read failed: {type(exc).__name__}")
            return {}
        out: dict[str, JvnEntry | None] = {}
        for key, text in found.items():
            try:
                out[keys[key]] = None if json.loads(text).get("miss") else JvnEntry.from_json(text)
            except (ValueError, TypeError, AttributeError):
                continue  # unreadable (an older layout): asked again
        return out

    def put(self, found: Mapping[str, JvnEntry], missing: Iterable[str]) -> None:
        if self.store is None:
            return
        now = self._clock()
        try:
            if found:
                self.store.cache_put_many(
                    {KEY_PREFIX + c: e.to_json() for c, e in found.items()}, self.hit_ttl, now=now
                )
            misses = {KEY_PREFIX + c: _MISS for c in missing}
            if misses:
                self.store.cache_put_many(misses, self.miss_ttl, now=now)
        except Exception as exc:  # noqa: BLE001
            self._log_once(f"JVN cache write failed: {type(exc).__name__}")

    def _log_once(self, reason: str) -> None:
        if reason not in self._logged:
            self._logged.add(reason)
            log.warning(reason)
