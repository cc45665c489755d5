"""A round trip through a state store, for ``doctor``: claim, save, read back and delete one throw-away record.

The probe key (``doctor:probe:…``) is outside every prefix the pipeline scans for work, and the record carries
``expires_at`` (DynamoDB's TTL removes it) in case the process dies before the delete.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import STATE, Inspector2BacklogError
from .base import StateStore

PROBE_PREFIX = "doctor:probe:"


class ProbeError(Inspector2BacklogError, RuntimeError):
    """The store answered, but not with what was written."""

    kind = STATE


def probe(store: StateStore, clock: Callable[[], float] = time.time) -> None:
    """Write, read back and delete one record; raises what the backend raises, or :class:`ProbeError`."""
    now = clock()
    key = f"{PROBE_PREFIX}{socket.gethostname()}:{os.getpid()}:{time.time_ns()}"
    rec = store.claim(key, now=now)
    try:
        saved = store.save(replace(rec, phase="synced", data={"probe": True, "expires_at": int(now) + 3600}))
        got = store.get(key)
        if got is None or got.version != saved.version or got.data.get("probe") is not True:
            raise ProbeError(f"read back {got!r}, wrote version {saved.version}")
    finally:
        store.delete(key)
    if store.get(key) is not None:
        raise ProbeError("the probe record is still there after its delete")


def describe(state: Any) -> tuple[str, str]:
    """``[state]`` as (Japanese, English) labels: the backend and its table or absolute path."""
    if state.dynamodb_table:
        region = state.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "?"
        return (
            f"DynamoDB テーブル {state.dynamodb_table}（リージョン {region}）",
            f"DynamoDB table {state.dynamodb_table} (region {region})",
        )
    path = Path(state.path).absolute()
    return f"SQLite {path}", f"SQLite {path}"
