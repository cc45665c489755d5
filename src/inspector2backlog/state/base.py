"""The storage seam, drawn once (after Powertools' idempotency persistence layer).

Two kinds of data cross it:

* :class:`Record` — what we know about one tracked thing (a finding, or a group of findings): the Backlog issue it
  maps to, the last Inspector status and ``updatedAt`` applied, a fingerprint of its material content, and a phase
  (``claimed`` while an issue is being created, ``synced`` when Backlog matches, ``pending`` when a delivery failed
  and must be retried). Writes are conditional on ``version`` so two workers never both create an issue.
* translation memory entries — ``key → Japanese text``.
* cache entries — ``key → text`` with an expiry (``cache_get_many`` / ``cache_put_many``), for answers fetched from
  elsewhere (JVN iPedia) that may change; an expired entry reads as absent.

Backends implement the small private methods; the public methods hold the logic and are what the rest of the code
calls.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import STATE, Inspector2BacklogError

PHASES = ("claimed", "synced", "pending")


@dataclass(slots=True)
class Record:
    key: str  # e.g. "finding:arn:aws:inspector2:…" or "vuln:SEC:CVE-2024-1234"
    phase: str = "claimed"  # one of PHASES
    issue_key: str | None = None  # Backlog "SEC-123"
    issue_id: int | None = None
    status: str | None = None  # last Inspector status applied: ACTIVE | CLOSED | SUPPRESSED
    updated_at: float = 0.0  # epoch seconds of the finding's updatedAt last applied
    fingerprint: str = ""  # hash of the material content last applied
    data: dict[str, Any] = field(default_factory=dict)  # JSON-able snapshot (for change comments, group members…)
    version: int = 0  # optimistic-lock counter; incremented by every successful write
    claimed_at: float = 0.0  # when phase became "claimed" (a stale claim can be recovered)


class ConflictError(Inspector2BacklogError):
    """A conditional write lost: someone else changed or claimed the record first."""

    kind = STATE


class StateOpenError(Inspector2BacklogError, RuntimeError):
    """The state store cannot be opened (a directory, not an SQLite file, under a regular file…); names the path."""

    kind = STATE


class RecordTooLargeError(Inspector2BacklogError, ValueError):
    """A record does not fit the backend's size limit (DynamoDB: 400 KB per item, even compressed)."""

    kind = STATE


class StateStore(ABC):
    """Records + translation memory. Thread-compatible (one store per worker), not necessarily thread-safe."""

    # ---- records -------------------------------------------------------------------------------------------
    def get(self, key: str) -> Record | None:
        return self._get_record(key)

    def claim(self, key: str, now: float | None = None, data: dict[str, Any] | None = None) -> Record:
        """Create the record in phase ``claimed`` if it does not exist yet. Raises :class:`ConflictError` if it does.

        Claim first, then create the Backlog issue, then :meth:`save` with the issue key: a crash in between leaves a
        ``claimed`` record, which the next run recovers (by searching Backlog for the ARN marker) instead of creating
        a second issue. ``data``: what the claim is for (the finding, its deadline), so that a claim whose worker died
        can be finished by someone else.
        """
        rec = Record(
            key=key,
            phase="claimed",
            version=1,
            claimed_at=now if now is not None else time.time(),
            data=dict(data or {}),
        )
        self._put_new(rec)
        return rec

    def save(self, record: Record) -> Record:
        """Write ``record`` if the stored version still equals ``record.version``; returns the new record."""
        new = replace(record, version=record.version + 1)
        self._put_if_version(new, expected_version=record.version)
        return new

    def update(
        self,
        key: str,
        fn: Callable[[Record | None], Record | None],
        attempts: int = 5,
        *,
        now: float | None = None,
    ) -> Record | None:
        """Read-modify-write with a conditional write, retried when it loses.

        ``fn`` gets the stored record (``None`` when there is none) and returns the record to store — usually
        ``replace(current, …)``, or ``Record(key, …)`` for a new one — or ``None`` to write nothing. A new record is
        claimed first (:meth:`claim`, ``now``), so two workers never both create it. When the conditional write
        loses, the record is read again and ``fn`` called again, ``attempts`` times in all; then
        :class:`ConflictError` is raised. ``fn`` may raise (a :class:`ConflictError` it raises is not retried).
        Returns the stored record: the one written, or the current one when ``fn`` wrote nothing.
        """
        for _ in range(max(1, attempts)):
            current = self.get(key)
            new = fn(current)
            if new is None:
                return current
            try:
                if current is None:
                    claimed = self.claim(key, now=now)
                    new = replace(new, key=key, version=claimed.version, claimed_at=claimed.claimed_at)
                else:  # conditional on the version read, whatever ``fn`` built
                    new = replace(new, key=key, version=current.version)
                return self.save(new)
            except ConflictError:
                continue
        raise ConflictError(key)

    def delete(self, key: str) -> None:
        self._delete_record(key)

    def records(self, prefix: str = "") -> Iterator[Record]:
        return self._scan(prefix)

    # ---- translation memory --------------------------------------------------------------------------------
    def tm_get_many(self, keys: Iterable[str]) -> dict[str, str]:
        keys = list(dict.fromkeys(keys))
        return self._tm_get_many(keys) if keys else {}

    def tm_put_many(self, items: dict[str, str]) -> None:
        if items:
            self._tm_put_many(items)

    # ---- cache (entries with an expiry) ---------------------------------------------------------------------
    def cache_get_many(self, keys: Iterable[str], now: float | None = None) -> dict[str, str]:
        """The entries of ``keys`` that have not expired at ``now`` (default: the current time)."""
        keys = list(dict.fromkeys(keys))
        return self._cache_get_many(keys, time.time() if now is None else now) if keys else {}

    def cache_put_many(self, items: dict[str, str], ttl_seconds: float, now: float | None = None) -> None:
        """Store ``items``, each expiring ``ttl_seconds`` after ``now``."""
        if items and ttl_seconds > 0:
            now = time.time() if now is None else now
            self._cache_put_many(items, now + ttl_seconds, now)

    def close(self) -> None:  # pragma: no cover - trivial default
        pass

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- what a backend implements -------------------------------------------------------------------------
    @abstractmethod
    def _get_record(self, key: str) -> Record | None: ...

    @abstractmethod
    def _put_new(self, record: Record) -> None:
        """Insert; raise ConflictError if the key exists."""

    @abstractmethod
    def _put_if_version(self, record: Record, expected_version: int) -> None:
        """Replace; raise ConflictError unless the stored version == expected_version."""

    @abstractmethod
    def _delete_record(self, key: str) -> None: ...

    @abstractmethod
    def _scan(self, prefix: str) -> Iterator[Record]: ...

    @abstractmethod
    def _tm_get_many(self, keys: list[str]) -> dict[str, str]: ...

    @abstractmethod
    def _tm_put_many(self, items: dict[str, str]) -> None: ...

    def _cache_get_many(self, keys: list[str], now: float) -> dict[str, str]:
        """Entries whose expiry is after ``now``. The default store keeps no cache."""
        return {}

    def _cache_put_many(self, items: dict[str, str], expires_at: float, now: float) -> None:
        """Insert or replace, with the absolute expiry ``expires_at`` (epoch seconds); ``now`` may prune expired ones."""
