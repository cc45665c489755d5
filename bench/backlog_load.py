"""One grouping mode end to end: the generated corpus → pipeline → loopback fake Backlog, counting everything.

    python bench/backlog_load.py --mode vulnerability [--n 10000] [--digest MEDIUM] [--json]

Runs the real pipeline in-process (``Pipeline.from_config`` with a Config built in code, SQLite state in a temp
dir, the fake Backlog of ``tests/fakes/backlog_server.py`` with generous rate limits, and a counting remote-like
translation engine so ``translated_chars`` means something), as one ``send`` run would. Prints one JSON line with:
findings/s, Backlog requests by kind, issues created, characters translated and the peak RSS of this process (run
one mode per process so the peaks are comparable: ``run_all.py`` does).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

from _corpus import corpus  # noqa: E402
from tests.fakes.backlog_server import FakeBacklog  # noqa: E402
from translation_cost import CountingEngine  # noqa: E402

from inspector2backlog.config import (  # noqa: E402
    BacklogConfig,
    Config,
    DigestConfig,
    FilterConfig,
    GroupingConfig,
    StateConfig,
)
from inspector2backlog.findings.parse import iter_items  # noqa: E402
from inspector2backlog.pipeline import Pipeline  # noqa: E402
from inspector2backlog.policy.sync import estimate_seconds  # noqa: E402
from inspector2backlog.state.sqlite import SQLiteStore  # noqa: E402
from inspector2backlog.translate.memory import TranslationService  # noqa: E402

KEY_ENV = "I2B_BENCH_BACKLOG_KEY"
GENEROUS = {"read": 10**9, "update": 10**9, "search": 10**9}
WRITE_KINDS = ("create_issue", "update_issue", "add_comment")


def run_mode(
    mode: str, n: int = 10_000, *, digest: str = "", batch: int = 0, coalesce: int = 0, events: list[dict] | None = None
) -> dict:
    """``batch`` > 0: one ``pipeline.run`` per ``batch`` events (an SQS batch per Lambda invocation), else one run.
    ``coalesce`` > 0 (with ``batch``): a simulated clock advances 1 s per batch, the pending sweep runs every 300
    simulated seconds (as the Lambda handler does) and once more at the end, after the window."""
    events = events if events is not None else corpus(n)
    with FakeBacklog(rate_limits=GENEROUS) as fake, tempfile.TemporaryDirectory(prefix="i2b-bench-") as tmp:
        os.environ[KEY_ENV] = fake.api_key
        config = Config(
            backlog=BacklogConfig(space_url=fake.url, api_key_env=KEY_ENV, project_key="SEC", issue_type="脆弱性"),
            state=StateConfig(path=str(Path(tmp) / "state.sqlite3")),
            filter=FilterConfig(min_severity="INFORMATIONAL"),
            grouping=GroupingConfig(group_by=mode, coalesce_seconds=coalesce),
            digest=DigestConfig(below_severity=digest),
        )
        store = SQLiteStore(Path(tmp) / "state.sqlite3", durable=False)
        now = [time.time()]
        ctx = Pipeline.from_config(config, store=store, clock=lambda: now[0])
        engine = CountingEngine()
        ctx.builder.translator = TranslationService(engine, store, ctx.stats)
        setup_requests = len(fake.requests)
        started = time.perf_counter()
        failures = 0
        try:
            step = batch or len(events) or 1
            last_sweep = now[0]
            for start in range(0, len(events), step):
                chunk = events[start : start + step]
                items = (item for i, ev in enumerate(chunk, start) for item in iter_items(ev, f"bench#{i}"))
                sweep = start == 0 or (coalesce and now[0] - last_sweep >= 300)
                if sweep:
                    last_sweep = now[0]
                failures += len(ctx.run(items, retry_pending=bool(sweep)).failures)
                if coalesce:
                    now[0] += 1.0
            if coalesce:
                now[0] += coalesce + 1
                failures += sum(1 for o in ctx.lifecycle.retry_pending() if o.failed)
        finally:
            ctx.close()
            store.close()
        elapsed = time.perf_counter() - started
        reqs = fake.requests[setup_requests:]
        kinds: dict[str, int] = {}
        for r in reqs:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        writes = sum(kinds.get(k, 0) for k in WRITE_KINDS)
        reads = sum(v for k, v in kinds.items() if k not in WRITE_KINDS and k not in ("list_issues", "count_issues"))
        return {
            "mode": mode
            + (f"+digest<{digest}" if digest else "")
            + (f", batches of {batch}" if batch else "")
            + (f", coalesce {coalesce}s" if coalesce else ""),
            "events": len(events),
            "seconds": round(elapsed, 2),
            "findings_per_s": round(len(events) / elapsed, 1) if elapsed else 0.0,
            "create": kinds.get("create_issue", 0),
            "patch": kinds.get("update_issue", 0),
            "comment": kinds.get("add_comment", 0),
            "get": reads,
            "search": kinds.get("list_issues", 0) + kinds.get("count_issues", 0),
            "writes": writes,
            "write_minutes_at_150": round(estimate_seconds(writes) / 60, 1),
            "issues": len(fake.issues),
            "issues_created": ctx.stats["issues_created"],
            "translated_chars": ctx.stats["translated_chars"],
            "failures": failures,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("finding", "vulnerability", "fix"), default="finding")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--digest", default="", help="[digest] below_severity (e.g. MEDIUM); empty = no digest")
    ap.add_argument("--batch", type=int, default=0, help="events per pipeline run (0 = all in one run)")
    ap.add_argument("--coalesce", type=int, default=0, help="[grouping] coalesce_seconds (simulated clock)")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON line")
    args = ap.parse_args(argv)
    result = run_mode(args.mode, args.n, digest=args.digest.upper(), batch=args.batch, coalesce=args.coalesce)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for k, v in result.items():
            print(f"{k:<22}{v}")
    return 0 if result["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
