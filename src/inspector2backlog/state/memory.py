"""In-process :class:`StateStore` for tests and dry runs.

Behaves like the persistent backends where it matters: conditional writes, ordered prefix scans, and records are
copied in and out (``data`` goes through JSON exactly as SQLite and DynamoDB store it), so a caller mutating a
returned :class:`Record` never changes what is stored.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace

from .base import ConflictError, Record, StateStore


class MemoryStore(StateStore):
    """Records and translation memory in two dicts, guarded by a lock (safe to share between threads)."""

    def __init__(self) -> None:
        self._records: dict[str, tuple[Record, str]] = {}  # key -> (record without data, data as JSON)
        self._tm: dict[str, str] = {}
        self._cache: dict[str, tuple[str, float]] = {}  # key -> (text, expires_at)
        self._lock = threading.Lock()

    # ---- records -------------------------------------------------------------------------------------------
    @staticmethod
    def _freeze(record: Record) -> tuple[Record, str]:
        return replace(record, data={}), json.dumps(record.data, ensure_ascii=False)

    @staticmethod
    def _thaw(stored: tuple[Record, str]) -> Record:
        rec, data = stored
        return replace(rec, data=json.loads(data))

    def _get_record(self, key: str) -> Record | None:
        with self._lock:
            stored = self._records.get(key)
        return self._thaw(stored) if stored is not None else None

    def _put_new(self, record: Record) -> None:
        frozen = self._freeze(record)
        with self._lock:
            if record.key in self._records:
                raise ConflictError(f"record already exists: {record.key}")
            self._records[record.key] = frozen

    def _put_if_version(self, record: Record, expected_version: int) -> None:
        frozen = self._freeze(record)
        with self._lock:
            current = self._records.get(record.key)
            if current is None or current[0].version != expected_version:
                raise ConflictError(f"version conflict on {record.key} (expected {expected_version})")
            self._records[record.key] = frozen

    def _delete_record(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)

    def _scan(self, prefix: str) -> Iterator[Record]:
        with self._lock:
            matches = sorted((k, v) for k, v in self._records.items() if k.startswith(prefix))
        return (self._thaw(v) for _, v in matches)

    # ---- translation memory --------------------------------------------------------------------------------
    def _tm_get_many(self, keys: list[str]) -> dict[str, str]:
        with self._lock:
            return {k: self._tm[k] for k in keys if k in self._tm}

    def _tm_put_many(self, items: dict[str, str]) -> None:
        with self._lock:
            self._tm.update(items)

    def _cache_get_many(self, keys: list[str], now: float) -> dict[str, str]:
        with self._lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
        return {k: text for k, (text, expires) in found.items() if expires > now}

    def _cache_put_many(self, items: dict[str, str], expires_at: float, now: float) -> None:
        with self._lock:
            self._cache.update((k, (v, expires_at)) for k, v in items.items())

    def __len__(self) -> int:
        return len(self._records)
