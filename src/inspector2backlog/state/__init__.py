"""State: one storage seam (SQLite locally, DynamoDB in AWS) for issue records and the translation memory.

Backends are imported lazily by :func:`open_store`, so importing this package costs nothing beyond ``base``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import PHASES, ConflictError, Record, StateOpenError, StateStore

if TYPE_CHECKING:  # pragma: no cover
    from .dynamodb import DynamoDBStore  # lazy: boto3 loads only with a DynamoDB table
    from .memory import MemoryStore  # lazy: tests and dry runs only
    from .sqlite import SQLiteStore  # lazy: only the named backend loads (sqlite3 off the Lambda)

DEFAULT_SQLITE_PATH = "inspector2backlog.sqlite3"

__all__ = [
    "DEFAULT_SQLITE_PATH",
    "PHASES",
    "ConflictError",
    "DynamoDBStore",
    "MemoryStore",
    "Record",
    "SQLiteStore",
    "StateOpenError",
    "StateStore",
    "open_store",
]


def open_store(
    *,
    path: str | None = None,
    dynamodb_table: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    translation_ttl_days: int = 365,
) -> StateStore:
    """DynamoDB when ``dynamodb_table`` is given, else SQLite at ``path`` (default ``inspector2backlog.sqlite3``)."""
    if dynamodb_table:  # a table wins; ``path`` is then ignored
        from .dynamodb import DynamoDBStore  # lazy: boto3 loads only with a DynamoDB table

        return DynamoDBStore(
            dynamodb_table, region=region, endpoint_url=endpoint_url, translation_ttl_days=translation_ttl_days
        )
    from .sqlite import SQLiteStore  # lazy: only the named backend loads (sqlite3 off the Lambda)

    return SQLiteStore(path or DEFAULT_SQLITE_PATH)


def __getattr__(name: str):  # lazy re-exports: `from inspector2backlog.state import SQLiteStore`
    if name == "SQLiteStore":
        from .sqlite import SQLiteStore  # lazy: only the named backend loads (sqlite3 off the Lambda)

        return SQLiteStore
    if name == "DynamoDBStore":
        from .dynamodb import DynamoDBStore  # lazy: boto3 loads only with a DynamoDB table

        return DynamoDBStore
    if name == "MemoryStore":
        from .memory import MemoryStore  # lazy: tests and dry runs only

        return MemoryStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
