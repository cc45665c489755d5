"""JVN iPedia in front of the translation engine: CVE → Japanese entry, cached, batched, never blocking.

:meth:`JvnSource.prefetch` resolves many CVEs at once: the cache first, then one ``getVulnOverviewList`` per
uncached CVE and one ``getVulnDetailInfo`` per ten JVNDB ids. Every answer — an entry or a miss — is cached, so a
CVE is fetched at most once per TTL. Entries JVN marks 「** 未確定 **」 / 「** 削除 **」 count as misses.

A failed call (timeout, 5xx, bad XML) is logged and counted; the CVEs it left open fall back to the engine for this
run (for :data:`RETRY_AFTER` in a long-lived process) and are not cached (the next run asks again). After ``failure_threshold`` failed calls the circuit breaker
opens and the run asks no more (a warm Lambda container tries one call again after :data:`RETRY_AFTER`).

Counters (:class:`Stats`): ``jvn_requests`` (HTTP calls), ``jvn_failures`` (failed calls), ``jvn_fetched``
(entries fetched from MyJVN), ``jvn_not_found`` (misses fetched), ``jvn_cache_hits`` (CVEs answered from the
cache, misses included), ``jvn_texts`` (descriptions shown from JVN iPedia instead of the engine).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import sources
from ..findings.model import Finding
from ..stats import Stats
from ..translate.base import Translation
from ..translate.breaker import CircuitBreaker
from .cache import JvnCache
from .client import MAX_DETAIL_IDS, JvnError, MyJvnClient
from .parse import CVE_ID, JvnEntry

log = logging.getLogger("inspector2backlog.jvn")
RETRY_AFTER = 900.0  # seconds an open breaker stays open in a long-lived process (a CLI run is shorter)
LOOKAHEAD = 10  # findings read ahead by :meth:`JvnSource.lookahead` (one detail call covers ten entries)


@dataclass(frozen=True, slots=True)
class JvnText(Translation):
    """A description answered by JVN iPedia: ``text`` is its Japanese overview, ``jvn`` the whole entry."""

    jvn: JvnEntry | None = None


class JvnSource:
    def __init__(
        self,
        client: MyJvnClient,
        cache: JvnCache,
        stats: Stats | None = None,
        *,
        failure_threshold: int = 3,
        retry_after: float = RETRY_AFTER,
    ) -> None:
        self.client = client
        self.cache = cache
        self.stats = stats if stats is not None else Stats()
        self.breaker = CircuitBreaker(
            failure_threshold,
            log,
            "JVN iPedia lookup",
            " — the rest of this run uses the translation engine",
            retry_after=retry_after,
        )
        self._retry_after = retry_after
        self._clock = time.monotonic
        # CVE -> JvnEntry | None (a miss) | float (when a lookup failed: not asked again for ``retry_after``)
        self._memo: dict[str, object] = {}

    # ---- what rendering calls --------------------------------------------------------------------------------
    def text_for(self, vulnerability_id: str, description: str) -> JvnText | None:
        """JVN iPedia's Japanese text for the CVE ``vulnerability_id``, standing in for ``description``."""
        if not description.strip():
            return None
        entry = self.entry(vulnerability_id)
        if entry is None or not entry.overview:
            return None
        self.stats.add("jvn_texts")
        return JvnText(description, entry.overview, "translated", "jvn", entry)

    def entry(self, vulnerability_id: str) -> JvnEntry | None:
        cve = (vulnerability_id or "").strip().upper()
        if not CVE_ID.fullmatch(cve):
            return None
        if not self._known(cve):
            self.prefetch([cve])
        got = self._memo.get(cve)
        return got if isinstance(got, JvnEntry) else None

    def lookahead(self, items: Iterable[Any], n: int = LOOKAHEAD) -> Iterator[Any]:
        """``items`` unchanged, read ``n`` ahead so that their CVEs are looked up together. When reading fails,
        the items read before are still yielded, then the error is raised."""
        chunk: list[Any] = []
        it = iter(items)
        while True:
            try:
                item = next(it)
            except StopIteration:
                break
            except Exception:
                yield from self._flush(chunk)
                raise
            chunk.append(item)
            if len(chunk) >= n:
                yield from self._flush(chunk)
                chunk = []
        yield from self._flush(chunk)

    def _flush(self, chunk: list[Any]) -> list[Any]:
        self.prefetch_items(chunk)
        return chunk

    def prefetch_items(self, items: Iterable[Any]) -> None:
        """:meth:`prefetch` for parsed items: the CVE each finding's source names (other items are ignored)."""
        self.prefetch(_vulnerability_id(x) for x in items)

    # ---- lookups ---------------------------------------------------------------------------------------------
    def prefetch(self, vulnerability_ids: Iterable[str]) -> None:
        """Resolve the CVEs among ``vulnerability_ids`` (others are ignored) with as few calls as possible."""
        try:
            self._prefetch(vulnerability_ids)
        except Exception as exc:  # noqa: BLE001 - a bug here must not cost the issue; the engine path remains
            self.breaker.failure(f"unexpected {type(exc).__name__}")
            self.stats.add("jvn_failures")

    def _prefetch(self, vulnerability_ids: Iterable[str]) -> None:
        want = list(
            dict.fromkeys(
                c
                for c in (str(v or "").strip().upper() for v in vulnerability_ids)
                if CVE_ID.fullmatch(c) and not self._known(c)
            )
        )
        if not want:
            return
        if len(self._memo) > 50_000:  # a long-lived process (a warm Lambda container): the cache still has them
            self._memo.clear()
        cached = self.cache.get_many(want)
        if cached:
            self.stats.add("jvn_cache_hits", len(cached))
            self._memo.update(cached)
        ids_of: dict[str, list[str]] = {}
        for cve in (c for c in want if c not in cached):
            ids = self._ask(self.client.find, cve)
            if ids is None:
                self._memo[cve] = self._clock()
            else:
                ids_of[cve] = ids
        entries = self._details(list(dict.fromkeys(i for ids in ids_of.values() for i in ids)))
        found: dict[str, JvnEntry] = {}
        missing: list[str] = []
        for cve, ids in ids_of.items():
            if any(i not in entries for i in ids):  # a detail call failed: unresolved this run
                self._memo[cve] = self._clock()
                continue
            usable = [e for e in (entries[i] for i in ids) if e is not None and not e.marked and e.overview]
            best = next((e for e in usable if cve in e.cves), usable[0] if usable else None)
            self._memo[cve] = best
            if best is None:
                missing.append(cve)
            else:
                found[cve] = best
        self.stats.add("jvn_fetched", len(found))
        self.stats.add("jvn_not_found", len(missing))
        self.cache.put(found, missing)

    def _known(self, cve: str) -> bool:
        got = self._memo.get(cve, self)
        if isinstance(got, float):  # a failed lookup: known for a while, then asked again
            return self._clock() - got < self._retry_after
        return got is not self

    def _details(self, ids: list[str]) -> dict[str, JvnEntry | None]:
        """id -> entry (None: MyJVN answered without it); ids of failed calls are absent."""
        out: dict[str, JvnEntry | None] = {}
        for i in range(0, len(ids), MAX_DETAIL_IDS):
            batch = ids[i : i + MAX_DETAIL_IDS]
            got = self._ask(self.client.details, batch)
            if got is None:
                continue
            by_id = {e.jvndb_id: e for e in got}
            out.update((j, by_id.get(j)) for j in batch)
        return out

    def _ask(self, call: Any, arg: Any) -> Any:
        if self.breaker.broken:
            return None
        self.stats.add("jvn_requests")
        try:
            return call(arg)
        except JvnError as exc:
            self.stats.add("jvn_failures")
            self.breaker.failure(str(exc))
            return None

    def close(self) -> None:
        self.client.close()


def _vulnerability_id(item: Any) -> str:
    """The CVE id JVN iPedia may explain, as the item's source names it ("" for anything but a finding)."""
    return sources.get(item.source).vulnerability_id(item) if isinstance(item, Finding) else ""
