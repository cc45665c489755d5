"""SQLite backend: one file, WAL mode, safe for several ``inspector2backlog`` processes on one machine.

* Every write is its own transaction (one commit per claim/save) so a crash never loses a committed claim;
  translation-memory writes are batched into a single transaction. ``synchronous=FULL`` (the default) makes each
  commit durable across power loss too; ``durable=False`` switches to ``synchronous=NORMAL`` (WAL: still safe against
  process crashes, a power cut may drop the last commits) for throw-away stores and benchmarks.
* Concurrent writers wait up to ``timeout`` seconds for the write lock (SQLite's busy timeout) instead of failing.
* The cache table (entries with an expiry) is created on first use, so a file written by this version still opens
  with an older one; expired rows read as absent and are deleted when new entries are written.
* Conditional writes are single statements, so they are atomic across processes: a claim is an ``INSERT`` that
  fails on the primary key; a save is ``UPDATE … WHERE key = ? AND version = ?``.
* A path that cannot hold the store (a directory, a file that is not SQLite or not writable, a path under a regular
  file or in a directory we may not write) raises :class:`StateOpenError` naming the path, never a bare
  ``sqlite3`` / ``OSError``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .base import ConflictError, Record, StateOpenError, StateStore

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    key         TEXT PRIMARY KEY,
    phase       TEXT NOT NULL,
    issue_key   TEXT,
    issue_id    INTEGER,
    status      TEXT,
    updated_at  REAL NOT NULL DEFAULT 0,
    fingerprint TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}',
    version     INTEGER NOT NULL,
    claimed_at  REAL NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tm (
    key  TEXT PRIMARY KEY,
    text TEXT NOT NULL
) WITHOUT ROWID;
"""
_COLUMNS = "key, phase, issue_key, issue_id, status, updated_at, fingerprint, data, version, claimed_at"
_CACHE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, text TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS cache_expires ON cache (expires_at)",
)
_CHUNK = 500  # bound parameters per IN (…) — well under SQLite's variable limit on every version
_SCAN_PAGE = 500


def _row(record: Record) -> tuple:
    return (
        record.key,
        record.phase,
        record.issue_key,
        record.issue_id,
        record.status,
        float(record.updated_at),
        record.fingerprint,
        json.dumps(record.data, ensure_ascii=False, separators=(",", ":")),
        record.version,
        float(record.claimed_at),
    )


def _record(row: tuple) -> Record:
    key, phase, issue_key, issue_id, status, updated_at, fingerprint, data, version, claimed_at = row
    return Record(
        key=key,
        phase=phase,
        issue_key=issue_key,
        issue_id=issue_id,
        status=status,
        updated_at=updated_at,
        fingerprint=fingerprint,
        data=json.loads(data),
        version=version,
        claimed_at=claimed_at,
    )


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot hold an SQLite store, judged before anything is opened or created: a directory, a file
    we may not write, a path under a regular file, a directory we may not create the file in."""
    if path.is_dir():
        return "ディレクトリです。SQLite のファイルのパスを指定してください / is a directory, not an SQLite file"
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return "読み書きできません（ファイルの権限）/ cannot read and write it (file permissions)"
        return None
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                return f"{parent} はファイルです（ディレクトリではありません）/ {parent} is a file, not a directory"
            if not os.access(parent, os.W_OK | os.X_OK):
                return f"ディレクトリ {parent} にファイルを作れません（権限）/ cannot create files in {parent} (permissions)"
            break
    return None


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
        return f"SQLite のデータベースではありません / not an SQLite database ({text})"
    if isinstance(exc, OSError):
        text = exc.strerror or text
    return f"状態ストアを開けません / cannot open the state store ({type(exc).__name__}: {text})"


class SQLiteStore(StateStore):
    """State in a local SQLite file (created with its parent directories on first use).

    One connection per store; calls are serialised by a lock, so a store may be shared by threads. Separate
    processes (or separate stores on the same path) coordinate through SQLite's own locking.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0, durable: bool = True) -> None:
        self.path = Path(path)
        shown = self.path.absolute()  # relative paths are relative to the working directory: say which one
        problem = path_problem(shown) if str(path) != ":memory:" else None
        if problem:
            raise StateOpenError(f"{shown}: {problem}")
        try:
            self._open(path, timeout, durable)
        except (sqlite3.Error, OSError, StateOpenError) as exc:
            conn = getattr(self, "_conn", None)
            if conn is not None:
                conn.close()
            if isinstance(exc, StateOpenError):
                raise
            raise StateOpenError(f"{shown}: {_describe(exc)}") from exc

    def _open(self, path: str | Path, timeout: float, durable: bool) -> None:
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._cache_ready = False
        # isolation_level=None: autocommit; single statements are their own transaction, batches use BEGIN IMMEDIATE.
        self._conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if str(path) != ":memory:":
            self._enable_wal(timeout)
        self._conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        with self._lock:
            self._migrate()

    def _enable_wal(self, timeout: float) -> None:
        # WAL is a property of the file and sticks once set. Switching needs an exclusive lock and SQLite reports
        # "database is locked" at once (no busy handler) when several connections open a fresh file together.
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                (mode,) = self._conn.execute("PRAGMA journal_mode").fetchone()
                if mode.lower() != "wal":
                    self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def _migrate(self) -> None:
        (current,) = self._conn.execute("PRAGMA user_version").fetchone()
        if current > SCHEMA_VERSION:
            raise StateOpenError(
                f"{self.path.absolute()}: state schema version {current} is newer than this program supports ({SCHEMA_VERSION})"
            )
        if current == SCHEMA_VERSION:
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                self._conn.execute(stmt)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    # ---- records -------------------------------------------------------------------------------------------
    def _get_record(self, key: str) -> Record | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM records WHERE key = ?", (key,)).fetchone()
        return _record(row) if row else None

    def _put_new(self, record: Record) -> None:
        row = _row(record)
        try:
            with self._lock:
                self._conn.execute(f"INSERT INTO records ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", row)
        except sqlite3.IntegrityError as exc:
            raise ConflictError(f"record already exists: {record.key}") from exc

    def _put_if_version(self, record: Record, expected_version: int) -> None:
        row = _row(record)
        with self._lock:
            cur = self._conn.execute(
                "UPDATE records SET phase=?, issue_key=?, issue_id=?, status=?, updated_at=?, fingerprint=?, data=?,"
                " version=?, claimed_at=? WHERE key = ? AND version = ?",
                (*row[1:], row[0], expected_version),
            )
        if cur.rowcount == 0:
            raise ConflictError(f"version conflict on {record.key} (expected {expected_version})")

    def _delete_record(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM records WHERE key = ?", (key,))

    def _scan(self, prefix: str) -> Iterator[Record]:
        # Keys sharing a prefix are contiguous in BINARY (UTF-8 byte = code point) order, starting at the prefix
        # itself; page through by key so no read transaction stays open while the caller writes.
        after, inclusive = prefix, True
        while True:
            op = ">=" if inclusive else ">"
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM records WHERE key {op} ? ORDER BY key LIMIT {_SCAN_PAGE}", (after,)
                ).fetchall()
            for row in rows:
                if not row[0].startswith(prefix):
                    return
                yield _record(row)
            if len(rows) < _SCAN_PAGE:
                return
            after, inclusive = rows[-1][0], False

    # ---- translation memory --------------------------------------------------------------------------------
    def _tm_get_many(self, keys: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        with self._lock:
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                out.update(self._conn.execute(f"SELECT key, text FROM tm WHERE key IN ({marks})", chunk).fetchall())
        return out

    def _tm_put_many(self, items: dict[str, str]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # one transaction (one fsync) for the whole batch
            try:
                self._conn.executemany(
                    "INSERT INTO tm (key, text) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET text = excluded.text",
                    items.items(),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    # ---- cache --------------------------------------------------------------------------------------------------
    def _cache_table(self) -> None:
        """Create the cache table once (under the lock)."""
        if not self._cache_ready:
            for stmt in _CACHE_SCHEMA:
                self._conn.execute(stmt)
            self._cache_ready = True

    def _cache_get_many(self, keys: list[str], now: float) -> dict[str, str]:
        out: dict[str, str] = {}
        with self._lock:
            self._cache_table()
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                out.update(
                    self._conn.execute(
                        f"SELECT key, text FROM cache WHERE key IN ({marks}) AND expires_at > ?", (*chunk, now)
                    ).fetchall()
                )
        return out

    def _cache_put_many(self, items: dict[str, str], expires_at: float, now: float) -> None:
        rows = [(k, v, expires_at) for k, v in items.items()]
        with self._lock:
            self._cache_table()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM cache WHERE expires_at <= ?", (now,))
                self._conn.executemany(
                    "INSERT INTO cache (key, text, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
                    " text = excluded.text, expires_at = excluded.expires_at",
                    rows,
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"
