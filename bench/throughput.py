"""Findings parsed + rendered per second (offline engine, no network), against plain json.loads of the same events.

    python bench/throughput.py [N] [--repeat R]

Each figure is the best of R passes over the same N events (as ``timeit`` does: the minimum is the least disturbed
by other work on the machine). Target (issue #2): ≥ 5,000 findings/s on one core; json.loads alone is the ceiling.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import corpus

from inspector2backlog.findings.model import Finding
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.translate import make_translator

TARGET = 5000


def measure(n: int = 5000, fmt: str = "markdown", repeat: int = 5) -> dict[str, float]:
    texts = [json.dumps(e) for e in corpus(n)]
    gc.collect()
    gc.freeze()  # the corpus is scaffolding: keep the collector from re-scanning it while we measure
    best_loads = best_full = float("inf")
    count = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        for t in texts:
            json.loads(t)
        best_loads = min(best_loads, time.perf_counter() - t0)

        builder = IssueBuilder(make_translator("offline"))  # a cold builder each pass: no caches carried over
        t0 = time.perf_counter()
        count = 0
        for t in texts:
            for item in iter_text(t, "bench"):
                if isinstance(item, Finding):
                    issue = builder.build(item)
                    _ = issue.summary
                    issue.description(fmt)
                    count += 1
        best_full = min(best_full, time.perf_counter() - t0)
    return {"events": n, "findings": count, "json_loads_per_s": n / best_loads, "findings_per_s": count / best_full}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)  # as timeit: the best of 5 is the least disturbed
    args = ap.parse_args()
    r = measure(args.n, repeat=args.repeat)
    print(f"{'events':<28}{r['events']:>12,}")
    print(f"{'json.loads only (events/s)':<28}{r['json_loads_per_s']:>12,.0f}")
    print(
        f"{'parse + render (findings/s)':<28}{r['findings_per_s']:>12,.0f}   target ≥ {TARGET:,}"
        f"   ({r['findings_per_s'] / r['json_loads_per_s']:.0%} of json.loads)"
    )
    return 0 if r["findings_per_s"] >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
