"""Hot-path micro benchmarks that used to live in the test suite as timing assertions (a test must not time).

    python bench/micro.py [--quick]

Prints, per operation, the best of 5 passes: state store get + claim + save (SQLite durable and not, DynamoDB on a
moto server on loopback), the cached CVSS explanation, protected-span detection and the offline engine per text.
The floors printed beside them are the ones the tests used to assert; nothing fails here, the numbers are for people.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from inspector2backlog.sources.inspector2.cvss import explain  # noqa: E402
from inspector2backlog.state.base import Record  # noqa: E402
from inspector2backlog.state.sqlite import SQLiteStore  # noqa: E402
from inspector2backlog.translate.offline import OfflineEngine  # noqa: E402
from inspector2backlog.translate.spans import find_spans  # noqa: E402

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"
TEXTS = [
    "Port 22 is reachable from an Internet Gateway - TCP",
    "None Provided",
    "apt-get update && apt-get upgrade",
    "A heap overflow in libfoo allows remote attackers to run code. " * 3,
]
SPAN_TEXT = (
    "In snapd versions prior to 2.62, snapd failed to check /usr/lib/x and CVE-2024-1234 on "
    "i-0123456789abcdef0. Ordinary words follow for a while to make the text long. "
) * 50


def best(fn: Callable[[], int], repeat: int = 5) -> float:
    """Seconds per operation: the best of ``repeat`` passes of ``fn`` (which returns how many operations it did)."""
    out = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = fn()
        out = min(out, (time.perf_counter() - t0) / n)
    return out


def _claims(store, n: int, offset: list[int]) -> int:
    base = offset[0]
    offset[0] += n
    for i in range(base, base + n):
        assert store.get(f"finding:{i}") is None
        rec = store.claim(f"finding:{i}")
        store.save(Record(**{**asdict(rec), "phase": "synced", "issue_key": f"SEC-{i}", "data": {"t": "題名"}}))
    return n


def state_rates(quick: bool) -> list[tuple[str, float, str]]:
    rows = []
    n = 100 if quick else 400
    with tempfile.TemporaryDirectory() as tmp:
        for durable in (True, False):
            with SQLiteStore(Path(tmp) / f"rate-{durable}.sqlite3", durable=durable) as store:
                off = [0]
                per = best(lambda s=store, o=off: _claims(s, n, o), repeat=3)
                rows.append((f"sqlite get+claim+save (synchronous={'FULL' if durable else 'NORMAL'})", per, "> 50/s"))
    try:
        from tests.fakes.moto_server import start_moto_server

        from inspector2backlog.state.dynamodb import DynamoDBStore
    except ImportError as e:  # moto is a dev dependency
        print(f"(dynamodb on moto skipped: {e})")
        return rows
    for var, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(var, value)  # moto accepts any credentials; never real ones
    server, url = start_moto_server()
    try:
        store = DynamoDBStore("bench-state", region="ap-northeast-1", endpoint_url=url)
        store.create_table()
        off = [0]
        per = best(lambda: _claims(store, 30 if quick else 150, off), repeat=2)
        rows.append(("dynamodb-on-moto get+claim+save (loopback)", per, "> 10/s"))
    finally:
        server.stop()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer operations (CI smoke run)")
    args = ap.parse_args()
    explain(V31)
    engine = OfflineEngine()
    rows = state_rates(args.quick)
    k = 2_000 if args.quick else 20_000
    rows.append(("cvss explain (cached)", best(lambda: [explain(V31) for _ in range(k)] and k), "< 20 µs"))
    rows.append(("find_spans, 6 KB text", best(lambda: [find_spans(SPAN_TEXT) for _ in range(20)] and 20), "< 50 ms"))
    m = 200 if args.quick else 2_000
    rows.append(
        (
            "offline engine, per text",
            best(lambda: [engine.translate_batch(TEXTS) for _ in range(m)] and m * len(TEXTS)),
            "< 50 µs",
        )
    )
    print(f"{'operation':<58} {'per op':>12} {'per second':>12}  floor")
    print(f"{'-' * 58} {'-' * 12} {'-' * 12}  -----")
    for name, per, floor in rows:
        per_s = f"{per * 1e6:,.1f} µs" if per < 1e-3 else f"{per * 1e3:,.2f} ms"
        print(f"{name:<58} {per_s:>12} {1 / per:>12,.0f}  {floor}")


if __name__ == "__main__":
    main()
