"""The state store's cache (entries with an expiry) on every backend: Memory, SQLite, the dry-run overlay, and
DynamoDB on a real moto server."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector2backlog.state import StateStore
from inspector2backlog.state.dynamodb import DynamoDBStore
from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.state.overlay import OverlayStore
from inspector2backlog.state.sqlite import SQLiteStore
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint  # noqa: F401

T0 = 1_900_000_000.0
TABLE = "i2b-cache"


@pytest.fixture(params=["memory", "sqlite", "overlay", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    if request.param == "memory":
        s: StateStore = MemoryStore()
    elif request.param == "sqlite":
        s = SQLiteStore(tmp_path / "s.sqlite3")
    elif request.param == "overlay":
        s = OverlayStore(SQLiteStore(tmp_path / "s.sqlite3"))
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        s = DynamoDBStore(TABLE, region=REGION, endpoint_url=endpoint)
        s.create_table()
    yield s
    s.close()


def test_entries_are_read_until_they_expire(store: StateStore) -> None:
    store.cache_put_many({"jvn1:CVE-2024-3094": '{"a":1}', "jvn1:CVE-2024-6387": "二"}, 86400, now=T0)
    store.cache_put_many({"jvn1:CVE-2099-0001": '{"miss":1}'}, 3600, now=T0)
    keys = ["jvn1:CVE-2024-3094", "jvn1:CVE-2024-6387", "jvn1:CVE-2099-0001", "jvn1:other"]
    assert store.cache_get_many(keys, now=T0 + 60) == {
        "jvn1:CVE-2024-3094": '{"a":1}',
        "jvn1:CVE-2024-6387": "二",
        "jvn1:CVE-2099-0001": '{"miss":1}',
    }
    assert set(store.cache_get_many(keys, now=T0 + 7200)) == {"jvn1:CVE-2024-3094", "jvn1:CVE-2024-6387"}
    assert store.cache_get_many(keys, now=T0 + 86400) == {}
    store.cache_put_many({"jvn1:CVE-2024-3094": "新"}, 86400, now=T0 + 86400)  # replaced, with a new expiry
    assert store.cache_get_many(keys, now=T0 + 90000) == {"jvn1:CVE-2024-3094": "新"}


def test_the_cache_is_apart_from_records_and_translation_memory(store: StateStore) -> None:
    store.cache_put_many({"k": "cache"}, 60)
    store.tm_put_many({"k": "tm"})
    assert store.cache_get_many(["k"]) == {"k": "cache"} and store.tm_get_many(["k"]) == {"k": "tm"}
    assert list(store.records("")) == []
    assert store.cache_get_many([]) == {}
    store.cache_put_many({"x": "never"}, 0)  # no TTL: nothing stored
    assert store.cache_get_many(["x"]) == {}


def test_many_keys_are_read_and_written_in_batches(store: StateStore) -> None:
    items = {f"jvn1:CVE-2024-{n:05d}": f"v{n}" for n in range(260)}
    store.cache_put_many(items, 3600)
    assert store.cache_get_many(list(items) + ["missing"]) == items


def test_dry_run_overlay_writes_only_in_memory(tmp_path: Path) -> None:
    base = SQLiteStore(tmp_path / "s.sqlite3")
    base.cache_put_many({"old": "基"}, 3600)
    view = OverlayStore(base)
    view.cache_put_many({"new": "新"}, 3600)
    assert view.cache_get_many(["old", "new"]) == {"old": "基", "new": "新"}
    assert base.cache_get_many(["old", "new"]) == {"old": "基"}


def test_sqlite_creates_the_cache_table_on_first_use_and_prunes_expired_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SQLiteStore(path).close()
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "cache" not in tables  # a file an older version can still open: its schema is unchanged
    s = SQLiteStore(path)
    s.cache_put_many({"a": "1"}, 10, now=T0)
    s.cache_put_many({"b": "2"}, 10, now=T0 + 100)  # "a" expired by now: deleted with this write
    (n,) = sqlite3.connect(path).execute("SELECT count(*) FROM cache").fetchone()
    assert n == 1 and s.cache_get_many(["a", "b"], now=T0 + 100) == {"b": "2"}


def test_dynamodb_cache_items_carry_the_ttl_attribute(moto_endpoint: str) -> None:
    s = DynamoDBStore(TABLE, region=REGION, endpoint_url=moto_endpoint)
    s.create_table()
    s.cache_put_many({"jvn1:CVE-2024-3094": "{}"}, 30 * 86400)
    item = aws_client("dynamodb", moto_endpoint).get_item(
        TableName=TABLE, Key={"pk": {"S": "cache#jvn1:CVE-2024-3094"}}
    )["Item"]
    assert abs(int(item["ttl"]["N"]) - (time.time() + 30 * 86400)) < 120 and item["text"] == {"S": "{}"}
