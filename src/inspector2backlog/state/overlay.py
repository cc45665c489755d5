"""A copy-on-write view of a store for ``--dry-run``: reads see the real state, writes stay in memory."""

from __future__ import annotations

from collections.abc import Iterator

from .base import ConflictError, Record, StateStore
from .memory import MemoryStore


class OverlayStore(StateStore):
    def __init__(self, base: StateStore) -> None:
        self.base = base
        self.top = MemoryStore()
        self._deleted: set[str] = set()

    def _get_record(self, key: str) -> Record | None:
        if key in self._deleted:
            return None
        return self.top.get(key) or self.base.get(key)

    def _put_new(self, record: Record) -> None:
        if self._get_record(record.key) is not None:
            raise ConflictError(f"record already exists: {record.key}")
        self._deleted.discard(record.key)
        self.top._put_new(record)

    def _put_if_version(self, record: Record, expected_version: int) -> None:
        current = self._get_record(record.key)
        if current is None or current.version != expected_version:
            raise ConflictError(f"version conflict on {record.key}")
        self.top.delete(record.key)
        self.top._put_new(record)

    def _delete_record(self, key: str) -> None:
        self.top.delete(key)
        self._deleted.add(key)

    def _scan(self, prefix: str) -> Iterator[Record]:
        seen = set()
        for rec in self.top.records(prefix):
            seen.add(rec.key)
            yield rec
        for rec in self.base.records(prefix):
            if rec.key not in seen and rec.key not in self._deleted:
                yield rec

    def _tm_get_many(self, keys: list[str]) -> dict[str, str]:
        found = self.base.tm_get_many(keys)
        found.update(self.top.tm_get_many(keys))
        return found

    def _tm_put_many(self, items: dict[str, str]) -> None:
        self.top.tm_put_many(items)

    def _cache_get_many(self, keys: list[str], now: float) -> dict[str, str]:
        found = self.base.cache_get_many(keys, now)
        found.update(self.top.cache_get_many(keys, now))
        return found

    def _cache_put_many(self, items: dict[str, str], expires_at: float, now: float) -> None:
        self.top._cache_put_many(items, expires_at, now)
