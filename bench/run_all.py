"""Every benchmark of the project on one generated corpus, printed as one table (``make bench``).

* Backlog load per grouping mode (:mod:`backlog_load`, one process per mode so peak memory is comparable): the
  10,000-event corpus of ``_corpus.corpus`` (the shared samples spread over resources, accounts and re-deliveries)
  through the real pipeline against the loopback fake Backlog and a counting translation engine — findings/s,
  Backlog requests by kind, issues, characters translated, peak RSS, and the time the writes need under Backlog's
  150 updates/min budget. Modes: finding, vulnerability, fix, vulnerability + digest (below MEDIUM), and the Lambda
  path (SQS batches of 10, one invocation per second, ``coalesce_seconds = 300``, pending sweep every 5 min).
* Every source (:mod:`multi_source`): the shared samples of Inspector, GuardDuty, Access Analyzer and Security Hub
  (ASFF, OCSF) spread and re-delivered, per source: parse + render findings/s, the pipeline end to end against the
  fake Backlog, characters translated against distinct description characters (GuardDuty: <= 0.2), writes.
* Parse + render throughput (``throughput.measure``), translation cost (``translation_cost.main``), adversarial
  text (``adversarial.measure``: the worst input per text path at 50/100/200 KB) and, when the artifact can be
  built, the Lambda package numbers (``lambda_package.main --reuse``).

Exits 1 when vulnerability mode needs more than 1/5 of finding mode's Backlog writes, a run failed, or a source's
row missed (GuardDuty over 0.2, a re-delivery that wrote).

    python bench/run_all.py [--n 10000] [--skip-lambda] [--skip-adversarial]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

from inspector2backlog.policy.sync import estimate_seconds, estimate_text  # noqa: E402

MODES: list[tuple[str, list[str]]] = [
    ("finding", ["--mode", "finding"]),
    ("vulnerability", ["--mode", "vulnerability"]),
    ("fix", ["--mode", "fix"]),
    ("vulnerability+digest", ["--mode", "vulnerability", "--digest", "MEDIUM"]),
    ("vulnerability, Lambda", ["--mode", "vulnerability", "--batch", "10", "--coalesce", "300"]),
]
MAX_RATIO = 0.2


def load(n: int, args: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, str(BENCH / "backlog_load.py"), "--n", str(n), "--json", *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise SystemExit(f"backlog_load {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def fmt_minutes(writes: int) -> str:
    secs = estimate_seconds(writes)
    return f"{secs / 60:,.1f} min" if secs < 3600 else f"{secs / 3600:,.1f} h"


def table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def line(r: list[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False))
        )

    return "\n".join([line(head), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def translation_cost() -> list[str]:
    import translation_cost as tc

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = tc.main([])
    keep = (
        "events replayed",
        "baseline chars",
        "distinct text chars",
        "chars sent",
        "sent / baseline",
        "target",
        "descriptions from JVN",
        "JVN lookups answered",
        "MyJVN requests",
        "texts sent to the engine",
    )
    return [ln for ln in buf.getvalue().splitlines() if ln.startswith(keep)] + ([] if rc == 0 else ["MISSED"])


def adversarial() -> tuple[list[str], list[list[str]]]:
    import adversarial as adv

    results = adv.measure()
    sizes = adv.SIZES_KB
    head = ["text path", "worst input", *(f"{kb} KB" for kb in sizes), f"{sizes[-1]}/{sizes[0]} KB"]
    rows = []
    for path, name, times in adv.worst(results):
        lo, hi = times[sizes[0]], times[sizes[-1]]
        rows.append([path, name, *(adv.fmt_s(times[kb]) for kb in sizes), f"{hi / lo:.1f}x" if lo and hi else "-"])
    return head, rows


def lambda_package() -> str:
    try:
        proc = subprocess.run(
            [sys.executable, str(BENCH / "lambda_package.py"), "--reuse", "--json", "--runs", "3"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return "not measured (timed out)"
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"not measured (exit {proc.returncode}: {tail[:160]})"
    d = json.loads(lines[-1])
    return f"zip {d.get('zip_mb')} MB, unzipped {d.get('unzipped_mb')} MB, import {d.get('import_ms')} ms (median of 3)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="events in the corpus")
    ap.add_argument("--skip-lambda", action="store_true", help="do not build/measure the Lambda artifact")
    ap.add_argument("--skip-adversarial", action="store_true", help="do not time the adversarial text paths")
    args = ap.parse_args(argv)
    started = time.perf_counter()

    from _corpus import corpus

    events = corpus(args.n)
    distinct = len({e["detail"]["findingArn"] for e in events})
    accounts = len({e["detail"]["awsAccountId"] for e in events})
    print(
        f"corpus: {len(events):,} events, {distinct:,} distinct findings, {accounts} accounts, "
        f"{len(events) - distinct:,} re-deliveries (timestamps only)\n"
    )

    results = [(name, load(args.n, a)) for name, a in MODES]
    head = [
        "mode",
        "findings/s",
        "create",
        "patch",
        "comment",
        "get",
        "search",
        "issues",
        "chars translated",
        "peak RSS",
        "writes",
        "writes @150/min",
    ]
    rows = [
        [
            name,
            f"{r['findings_per_s']:,.0f}",
            f"{r['create']:,}",
            f"{r['patch']:,}",
            f"{r['comment']:,}",
            f"{r['get']:,}",
            f"{r['search']:,}",
            f"{r['issues']:,}",
            f"{r['translated_chars']:,}",
            f"{r['peak_rss_mb']:.0f} MB",
            f"{r['writes']:,}",
            fmt_minutes(r["writes"]),
        ]
        for name, r in results
    ]
    print("Backlog load (loopback fake Backlog, SQLite state, counting translation engine)")
    print(table(head, rows))
    by = dict(results)
    ratio = by["vulnerability"]["writes"] / max(1, by["finding"]["writes"])
    print()
    for name, r in results:
        print(f"  {name:<22} {estimate_text(r['writes'])}")
    print(
        f"\nvulnerability / finding writes: {by['vulnerability']['writes']:,} / {by['finding']['writes']:,} = "
        f"{ratio:.4f}  (target <= {MAX_RATIO:g}: {'OK' if ratio <= MAX_RATIO else 'MISSED'})"
    )
    lam = by["vulnerability, Lambda"]["writes"] / max(1, by["finding"]["writes"])
    print(f"Lambda path (batches of 10, coalesce 300 s) / finding writes: {lam:.4f}")

    from throughput import measure

    t = measure(5000)
    print(
        f"\nparse + render (offline engine): {t['findings_per_s']:,.0f} findings/s "
        f"(json.loads alone {t['json_loads_per_s']:,.0f} events/s; target >= 5,000)"
    )
    import multi_source

    sources_text, sources_ok, _ = multi_source.run(150)
    print("\n" + sources_text)
    print("\ntranslation cost (translation memory vs. every event):")
    for ln in translation_cost():
        print("  " + ln)
    print("\nhot paths (bench/micro.py):")
    micro = subprocess.run([sys.executable, str(BENCH / "micro.py")], capture_output=True, text=True, check=False)
    print("\n".join("  " + ln for ln in (micro.stdout or micro.stderr).splitlines()))
    if args.skip_adversarial:
        print("\nadversarial text: skipped")
    else:
        print("\nadversarial text (tests/fakes/adversarial.py; worst input per path; linear: ~4x for 4x the input)")
        print(table(*adversarial()))
    print("\nLambda package: " + ("skipped" if args.skip_lambda else lambda_package()))
    failures = sum(r["failures"] for _, r in results)
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s; delivery failures {failures}")
    return 0 if ratio <= MAX_RATIO and failures == 0 and sources_ok else 1


if __name__ == "__main__":
    sys.exit(main())
