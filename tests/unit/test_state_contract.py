"""One contract for every StateStore backend: Memory, SQLite, and DynamoDB on a real moto server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from inspector2backlog.state import ConflictError, Record, StateStore
from inspector2backlog.state.dynamodb import DynamoDBStore
from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.state.sqlite import SQLiteStore
from tests.fakes.moto_server import REGION, moto_endpoint  # noqa: F401

BACKENDS = ["memory", "sqlite", "dynamodb"]
ARN = "arn:aws:inspector2:ap-northeast-1:123456789012:finding/0123456789abcdef0123456789abcdef"


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], StateStore]]:
    """A function returning a new store handle on the same underlying storage (one per worker/thread)."""
    opened: list[StateStore] = []
    if request.param == "memory":
        shared = MemoryStore()
        make: Callable[[], StateStore] = lambda: shared  # noqa: E731 - one in-process store is the storage
    elif request.param == "sqlite":
        make = lambda: SQLiteStore(tmp_path / "state" / "s.sqlite3")  # noqa: E731
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        DynamoDBStore("i2b-contract", region=REGION, endpoint_url=endpoint).create_table()
        make = lambda: DynamoDBStore("i2b-contract", region=REGION, endpoint_url=endpoint)  # noqa: E731

    def opener() -> StateStore:
        store = make()
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(factory: Callable[[], StateStore]) -> StateStore:
    return factory()


def full_record(key: str = f"finding:{ARN}") -> Record:
    return Record(
        key=key,
        phase="synced",
        issue_key="SEC-123",
        issue_id=987654321,
        status="ACTIVE",
        updated_at=1718000000.123456,
        fingerprint="sha256:5f2b…",
        data={
            "title": "CVE-2024-1234 - openssl",
            "説明": "リモートの攻撃者により任意のコードを実行される可能性があります。",
            "emoji": "🔥🐍",
            "score": 9.8,
            "epss": 0.00043,
            "count": 3,
            "ok": True,
            "none": None,
            "members": [{"arn": ARN, "resource": "i-0abc"}, {"arn": "x", "resource": "ü\u0000\u2028"}],
        },
        version=1,
        claimed_at=1717999999.5,
    )


# ---- claim -------------------------------------------------------------------------------------------------
def test_claim_creates_a_claimed_record_and_a_second_claim_conflicts(store: StateStore) -> None:
    rec = store.claim("finding:a", now=1234.5)
    assert (rec.key, rec.phase, rec.version, rec.claimed_at, rec.issue_key) == ("finding:a", "claimed", 1, 1234.5, None)
    assert store.get("finding:a") == rec
    with pytest.raises(ConflictError):
        store.claim("finding:a")
    assert store.get("finding:a") == rec  # the losing claim changed nothing


def test_get_missing_returns_none(store: StateStore) -> None:
    assert store.get("finding:nope") is None


# ---- save --------------------------------------------------------------------------------------------------
def test_save_increments_version_and_stale_save_conflicts(store: StateStore) -> None:
    claimed = store.claim("finding:b", now=10.0)
    saved = store.save(Record(**{**asdict(claimed), "phase": "synced", "issue_key": "SEC-1", "issue_id": 1}))
    assert saved.version == 2
    assert store.get("finding:b") == saved
    with pytest.raises(ConflictError):
        store.save(Record(**{**asdict(claimed), "phase": "pending"}))  # still at version 1: stale
    assert store.get("finding:b").phase == "synced"
    again = store.save(Record(**{**asdict(saved), "status": "CLOSED"}))
    assert (again.version, store.get("finding:b").status) == (3, "CLOSED")


def test_save_of_a_record_that_was_never_claimed_conflicts(store: StateStore) -> None:
    with pytest.raises(ConflictError):
        store.save(Record(key="finding:ghost", version=1))
    assert store.get("finding:ghost") is None


def test_round_trip_of_every_field_with_unicode_data(store: StateStore) -> None:
    claimed = store.claim(f"finding:{ARN}", now=1717999999.5)
    full = full_record()
    assert full.version == claimed.version
    saved = store.save(full)
    got = store.get(full.key)
    assert got == saved
    assert asdict(got) == {**asdict(full), "version": 2}
    assert got.data["説明"].startswith("リモートの攻撃者")
    assert got.data["members"][1]["resource"] == "ü\u0000\u2028"
    assert isinstance(got.issue_id, int) and isinstance(got.updated_at, float)


def test_none_fields_round_trip_as_none(store: StateStore) -> None:
    claimed = store.claim("vuln:SEC:CVE-2024-1", now=1.0)
    saved = store.save(Record(**{**asdict(claimed), "phase": "pending", "fingerprint": "", "data": {}}))
    got = store.get("vuln:SEC:CVE-2024-1")
    assert got == saved
    assert (got.issue_key, got.issue_id, got.status, got.data) == (None, None, None, {})


def test_mutating_a_returned_record_does_not_change_the_store(store: StateStore) -> None:
    store.claim("finding:m", now=1.0)
    got = store.get("finding:m")
    got.data["x"] = 1
    got.phase = "synced"
    assert store.get("finding:m").data == {}
    assert store.get("finding:m").phase == "claimed"


def test_delete_then_claim_again(store: StateStore) -> None:
    store.claim("finding:d")
    store.delete("finding:d")
    assert store.get("finding:d") is None
    store.delete("finding:d")  # deleting a missing key is fine
    assert store.claim("finding:d").version == 1


# ---- scan --------------------------------------------------------------------------------------------------
def test_records_by_prefix_are_ordered_and_exact(store: StateStore) -> None:
    keys = ["finding:b", "finding:a", "finding:é", "findinh", "finding", "vuln:SEC:CVE-1", "vuln:SEC:CVE-0", "f"]
    for k in keys:
        store.claim(k, now=1.0)
    assert [r.key for r in store.records("finding:")] == ["finding:a", "finding:b", "finding:é"]
    assert [r.key for r in store.records("vuln:")] == ["vuln:SEC:CVE-0", "vuln:SEC:CVE-1"]
    assert [r.key for r in store.records("finding")] == ["finding", "finding:a", "finding:b", "finding:é"]
    assert [r.key for r in store.records()] == sorted(keys)
    assert list(store.records("nothing:")) == []
    assert all(r.phase == "claimed" and r.version == 1 for r in store.records())


def test_scan_does_not_see_translation_memory(store: StateStore) -> None:
    store.tm_put_many({"finding:x": "翻訳"})
    store.claim("finding:x")
    assert [r.key for r in store.records()] == ["finding:x"]
    assert store.tm_get_many(["finding:x"]) == {"finding:x": "翻訳"}
    store.delete("finding:x")
    assert store.tm_get_many(["finding:x"]) == {"finding:x": "翻訳"}


# ---- translation memory ------------------------------------------------------------------------------------
def test_tm_put_and_get_many_in_batches(store: StateStore) -> None:
    # > 100 keys (one BatchGetItem) and > 25 (one BatchWriteItem)
    items = {f"deepl:ja:{i:04d}": f"訳文 {i} — «テキスト» 🔒" for i in range(263)}
    store.tm_put_many(items)
    wanted = [*items, "deepl:ja:missing", "deepl:ja:0001", "deepl:ja:0001"]  # duplicates and a miss
    assert store.tm_get_many(wanted) == items
    store.tm_put_many({"deepl:ja:0001": "上書き"})
    assert store.tm_get_many(["deepl:ja:0001", "deepl:ja:0002"]) == {
        "deepl:ja:0001": "上書き",
        "deepl:ja:0002": items["deepl:ja:0002"],
    }
    assert store.tm_get_many([]) == {}
    store.tm_put_many({})


# ---- concurrency -------------------------------------------------------------------------------------------
def test_concurrent_claims_have_exactly_one_winner(factory: Callable[[], StateStore]) -> None:
    workers = 8
    stores = [factory() for _ in range(workers)]
    barrier = threading.Barrier(workers)
    results: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        barrier.wait(timeout=10)
        for n in range(5):
            try:
                stores[i].claim(f"finding:race-{n}", now=float(i))
                outcome = f"win:{n}:{i}"
            except ConflictError:
                outcome = f"lose:{n}"
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == workers * 5
    for n in range(5):
        winners = [r for r in results if r.startswith(f"win:{n}:")]
        assert len(winners) == 1, results
        winner = int(winners[0].rsplit(":", 1)[1])
        assert stores[0].get(f"finding:race-{n}").claimed_at == float(winner)


def test_concurrent_saves_from_the_same_version_have_exactly_one_winner(factory: Callable[[], StateStore]) -> None:
    claimed = factory().claim("finding:s", now=0.0)
    workers = 6
    stores = [factory() for _ in range(workers)]
    barrier = threading.Barrier(workers)
    wins: list[int] = []

    def worker(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            stores[i].save(Record(**{**asdict(claimed), "issue_key": f"SEC-{i}"}))
            wins.append(i)
        except ConflictError:
            pass

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(wins) == 1
    got = stores[0].get("finding:s")
    assert (got.version, got.issue_key) == (2, f"SEC-{wins[0]}")


# ---- update: the one read-modify-write helper ----------------------------------------------------------------------


def test_update_creates_by_claiming_and_writes_nothing_when_told(store: StateStore) -> None:
    from dataclasses import replace

    made = store.update(
        "twoway:pending", lambda rec: replace(rec or Record("x"), phase="synced", data={"n": 1}), now=5.0
    )
    assert made is not None and (made.key, made.phase, made.data, made.claimed_at) == (
        "twoway:pending",
        "synced",
        {"n": 1},
        5.0,
    )
    assert made.version == 2  # claimed (1), then written (2): a new record is never created by two workers
    same = store.update("twoway:pending", lambda rec: None)
    assert same == made and store.get("twoway:pending") == made
    assert store.update("reach:i-none", lambda rec: None) is None and store.get("reach:i-none") is None


def test_update_retries_a_lost_write_with_the_record_read_again(factory: Callable[[], StateStore]) -> None:
    from dataclasses import replace

    mine, other = factory(), factory()
    mine.update("sync:checkpoint:r", lambda rec: replace(rec or Record("x"), data={"pages": 1}))
    seen: list[dict] = []

    def bump(rec: Record | None) -> Record:
        assert rec is not None
        seen.append(dict(rec.data))
        if len(seen) == 1:  # another worker writes between our read and our write
            current = other.get("sync:checkpoint:r")
            assert current is not None
            other.save(replace(current, data={"pages": 5}))
        return replace(rec, data={"pages": rec.data["pages"] + 1})

    saved = mine.update("sync:checkpoint:r", bump, 3)
    assert seen == [{"pages": 1}, {"pages": 5}] and saved is not None and saved.data == {"pages": 6}
    assert other.get("sync:checkpoint:r") == saved


def test_update_gives_up_after_its_attempts(factory: Callable[[], StateStore]) -> None:
    from dataclasses import replace

    mine, other = factory(), factory()
    mine.update("group:vuln:p:CVE-1", lambda rec: replace(rec or Record("x"), data={"n": 0}))
    calls = []

    def always_beaten(rec: Record | None) -> Record:
        assert rec is not None
        calls.append(rec.version)
        current = other.get(rec.key)
        assert current is not None
        other.save(replace(current, data={"n": len(calls)}))
        return replace(rec, data={"n": -1})

    with pytest.raises(ConflictError):
        mine.update("group:vuln:p:CVE-1", always_beaten, 3)
    assert len(calls) == 3 and mine.get("group:vuln:p:CVE-1").data == {"n": 3}

    def refuses(rec: Record | None) -> Record:
        calls.append(0)
        raise ConflictError("gone")

    calls.clear()
    with pytest.raises(ConflictError):
        mine.update("finding:none", refuses, 5)
    assert calls == [0]  # what ``fn`` raises is not retried
