"""SQLite-specific behaviour: files, reopen, several processes, paging, and the claim+save rate."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from dataclasses import asdict
from pathlib import Path

import pytest

from inspector2backlog.state import ConflictError, Record, open_store
from inspector2backlog.state.sqlite import SCHEMA_VERSION, SQLiteStore

SRC = Path(__file__).resolve().parents[2] / "src"


def test_creates_parent_dirs_wal_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state.sqlite3"
    with SQLiteStore(path) as store:
        store.claim("finding:x")
    assert path.is_file()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("SELECT key, phase, version FROM records").fetchall() == [("finding:x", "claimed", 1)]
    con.close()


def test_everything_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with SQLiteStore(path) as store:
        claimed = store.claim("finding:p", now=5.0)
        saved = store.save(Record(**{**asdict(claimed), "phase": "synced", "issue_key": "SEC-9", "data": {"k": "値"}}))
        store.tm_put_many({"tm:1": "一", "tm:2": "二"})
    with SQLiteStore(str(path)) as again:
        assert again.get("finding:p") == saved
        assert again.tm_get_many(["tm:1", "tm:2", "tm:3"]) == {"tm:1": "一", "tm:2": "二"}
        with pytest.raises(ConflictError):
            again.claim("finding:p")
        assert again.save(saved).version == 3


def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SQLiteStore(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(RuntimeError, match="newer than this program supports"):
        SQLiteStore(path)


def test_many_stores_opening_a_fresh_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    errors: list[BaseException] = []
    barrier = threading.Barrier(10)

    def open_and_claim(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            with SQLiteStore(path) as s:
                s.claim(f"finding:{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_claim, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with SQLiteStore(path) as s:
        assert len(list(s.records("finding:"))) == 10


def test_claim_race_between_processes(tmp_path: Path) -> None:
    path = tmp_path / "procs.sqlite3"
    SQLiteStore(path).close()
    script = textwrap.dedent(
        f"""
        import random, sys, time
        sys.path.insert(0, {str(SRC)!r})
        from inspector2backlog.state.sqlite import SQLiteStore
        from inspector2backlog.state.base import ConflictError
        order = list(range(200))
        random.Random(sys.argv[2]).shuffle(order)  # different orders: the processes collide on keys
        store = SQLiteStore(sys.argv[1])
        print("ready", flush=True)
        sys.stdin.readline()  # all processes start claiming together
        won = []
        for n in order:
            try:
                rec = store.claim(f"finding:{{n}}", now=float(sys.argv[2]))
                store.save(rec)
                won.append(n)
            except ConflictError:
                pass
            time.sleep(0.002)  # yield, so that a loaded machine still interleaves the processes
        print(",".join(map(str, won)))
        """
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), str(i)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    assert [p.stdout.readline().strip() for p in procs] == ["ready"] * 4
    for p in procs:  # release them all before waiting for any
        p.stdin.write("go\n")
        p.stdin.close()
    outputs = [p.stdout.read().strip() for p in procs]
    for p in procs:
        p.wait(timeout=60)
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    won = [int(n) for out in outputs for n in out.split(",") if n]
    assert sorted(won) == list(range(200))  # every key claimed by exactly one process
    assert sum(1 for out in outputs if out) >= 2, outputs  # the processes really did race
    with SQLiteStore(path) as store:
        recs = list(store.records("finding:"))
    assert len(recs) == 200 and {r.version for r in recs} == {2}


def test_scan_pages_through_many_records_and_tolerates_writes_while_iterating(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "scan.sqlite3") as store:
        keys = [f"finding:{i:05d}" for i in range(1234)] + ["finding:\U0010ffff", "finding;", "findin", "vuln:1"]
        for k in keys:
            store.claim(k, now=0.0)
        seen = []
        for rec in store.records("finding:"):
            seen.append(rec.key)
            store.save(Record(**{**asdict(rec), "phase": "synced"}))  # write during the scan
        assert seen == sorted(k for k in keys if k.startswith("finding:"))
        assert {r.phase for r in store.records("finding:")} == {"synced"}
        assert [r.key for r in store.records("finding;")] == ["finding;"]


def test_tm_chunks_beyond_the_variable_limit(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "tm.sqlite3") as store:
        items = {f"k{i}": f"訳{i}" for i in range(2500)}
        store.tm_put_many(items)
        assert store.tm_get_many(list(items) + ["absent"]) == items


def test_in_memory_database(tmp_path: Path) -> None:
    with SQLiteStore(":memory:") as store:
        store.claim("finding:m")
        assert store.get("finding:m").version == 1
    assert not (Path.cwd() / ":memory:").exists()


def test_open_store_defaults_to_sqlite_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store() as store:
        assert isinstance(store, SQLiteStore)
        store.claim("finding:o")
    assert (tmp_path / "inspector2backlog.sqlite3").is_file()
    with open_store(path=str(tmp_path / "x" / "other.sqlite3")) as other:
        assert other.get("finding:o") is None


@pytest.mark.parametrize("durable", [True, False], ids=["synchronous=FULL", "synchronous=NORMAL"])
def test_claim_plus_save_in_both_durability_modes(tmp_path: Path, durable: bool) -> None:
    """Every claimed + saved record is there afterwards (the rate is printed by ``bench/micro.py``, not timed here)."""
    n = 100
    with SQLiteStore(tmp_path / "rate.sqlite3", durable=durable) as store:
        for i in range(n):
            assert store.get(f"finding:{i}") is None
            rec = store.claim(f"finding:{i}")
            store.save(Record(**{**asdict(rec), "phase": "synced", "issue_key": f"SEC-{i}", "data": {"t": "題名"}}))
        assert len(list(store.records("finding:"))) == n
        assert store.get("finding:7").issue_key == "SEC-7"
