"""Findings parsed + rendered per second (offline engine, no network), against plain json.loads of the same events.

    python bench/throughput.py [N]

Target (issue #2): ≥ 5,000 findings/s on one core; json.loads alone is the ceiling to keep in view.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import corpus  # noqa: E402

from inspector2backlog.findings.model import Finding  # noqa: E402
from inspector2backlog.findings.parse import iter_text  # noqa: E402
from inspector2backlog.render.issue import IssueBuilder  # noqa: E402
from inspector2backlog.translate import make_translator  # noqa: E402


def measure(n: int = 5000, fmt: str = "markdown") -> dict[str, float]:
    texts = [json.dumps(e) for e in corpus(n)]
    gc.collect()
    gc.freeze()  # the corpus is scaffolding: keep the collector from re-scanning it while we measure
    t0 = time.perf_counter()
    for t in texts:
        json.loads(t)
    loads = time.perf_counter() - t0

    builder = IssueBuilder(make_translator("offline"))
    t0 = time.perf_counter()
    count = 0
    for t in texts:
        for item in iter_text(t, "bench"):
            if isinstance(item, Finding):
                issue = builder.build(item)
                issue.summary
                issue.description(fmt)
                count += 1
    full = time.perf_counter() - t0
    return {"events": n, "findings": count, "json_loads_per_s": n / loads, "findings_per_s": count / full}


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    r = measure(n)
    print(f"{'events':<28}{r['events']:>12,}")
    print(f"{'json.loads only (events/s)':<28}{r['json_loads_per_s']:>12,.0f}")
    print(f"{'parse + render (findings/s)':<28}{r['findings_per_s']:>12,.0f}   target ≥ 5,000")
    return 0 if r["findings_per_s"] >= 5000 else 1


if __name__ == "__main__":
    sys.exit(main())
