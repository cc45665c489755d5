"""Every source on one bench: the shared samples of each source, spread and re-delivered, through the real pipeline.

    python bench/multi_source.py [--n 150] [--json]

For each sample directory (``../shared/samples/inspector2``, ``guardduty``, ``access-analyzer``, ``securityhub``
(ASFF), ``securityhub-ocsf``) the documents that hold findings — EventBridge events, bare findings, the elements of
a ``findings`` / ``Findings`` page, an Access Analyzer ``{"finding": …}``, a placebo ``{"data": …}`` recording —
are the seeds. Like ``_corpus.corpus`` does for Inspector, ``--n`` events per source are generated from them:
distinct findings (each seed in another account, its finding id suffixed, consistently in every id, ARN and text
of the document) and, with probability 0.3, re-deliveries of one already sent with only its timestamps (and
GuardDuty's ``service.count``) changed, which must cost no Backlog write.

Each source runs alone (``backlog_load.run_mode``: ``Pipeline.from_config``, SQLite state, the loopback fake
Backlog, a counting remote-like translation engine behind the translation memory), so the characters sent to
translation are that source's. Printed per source: findings/s, the distinct description characters of its
findings, the distinct characters its ``texts()`` hand to translation, the characters sent, sent / distinct
description (GuardDuty's target: ≤ 0.2, since its knowledge base carries the meaning), and the Backlog writes.
Exits 1 when GuardDuty misses the target, a delivery failed, or a re-delivery wrote to Backlog.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

from backlog_load import run_mode  # noqa: E402

from inspector2backlog import sources  # noqa: E402
from inspector2backlog.findings.model import Finding  # noqa: E402
from inspector2backlog.findings.parse import iter_items, iter_text  # noqa: E402
from inspector2backlog.render.issue import IssueBuilder  # noqa: E402
from inspector2backlog.translate import make_translator  # noqa: E402

#: the shared reference folder: ``I2B_SHARED_DIR``, else ``../shared`` beside the repo (as the tests find it)
SAMPLES = Path(os.environ.get("I2B_SHARED_DIR") or ROOT.parent / "shared") / "samples"
#: sample directory → the row's name
SOURCES = {
    "inspector2": "Inspector",
    "guardduty": "GuardDuty",
    "access-analyzer": "Access Analyzer",
    "securityhub": "Security Hub ASFF",
    "securityhub-ocsf": "Security Hub OCSF",
}
GUARDDUTY_TARGET = 0.2
#: timestamps a re-delivery changes (whichever of them a document has)
_TIMESTAMPS = frozenset(
    {
        "updatedAt",
        "UpdatedAt",
        "lastObservedAt",
        "LastObservedAt",
        "eventLastSeen",
        "EventLastSeen",
        "analyzedAt",
        "AnalyzedAt",
        "time",
        "modified_time",
        "modified_time_dt",
        "last_seen_time",
        "last_seen_time_dt",
    }
)
_ACCOUNT = re.compile(r"^\d{10,12}$")


def _unwrap(value: Any) -> Iterator[Any]:
    """The documents of a sample file that each hold one finding (or one event)."""
    if isinstance(value, list):
        for v in value:
            yield from _unwrap(v)
        return
    if not isinstance(value, dict):
        return
    if "status_code" in value and "data" in value:  # a placebo recording
        yield from _unwrap(value["data"])
        return
    for key in ("findings", "Findings"):
        if isinstance(value.get(key), list) and "detail" not in value:
            yield from _unwrap(value[key])
            return
    if isinstance(value.get("finding"), dict) and len(value) == 1:  # Access Analyzer GetFinding
        yield value["finding"]
        return
    yield value


def _findings(doc: Any) -> list[Finding]:
    return [it for it in iter_items(copy.deepcopy(doc), "seed") if isinstance(it, Finding)]


def seeds(directory: Path) -> list[tuple[dict, list[Finding]]]:
    """``(document, its findings)`` for every document of the directory that parses into findings."""
    out = []
    for path in sorted(directory.glob("*.json")):
        for doc in _unwrap(json.loads(path.read_text())):
            found = _findings(doc)
            if found:
                out.append((doc, found))
    return out


def _ids(found: list[Finding]) -> list[str]:
    """The finding ids to suffix: the last segment of each key when the document names it and it is long enough
    to be replaced safely (Security Hub control keys are rebuilt from the account, which changes anyway)."""
    tails = {f.arn.rsplit("/", 1)[-1] for f in found}
    return sorted((t for t in tails if len(t) >= 12 and not t.startswith("securityhub-control:")), key=len)[::-1]


def _clone(doc: dict, found: list[Finding], n: int) -> dict:
    text = json.dumps(doc)
    for tail in _ids(found):
        text = text.replace(tail, f"{tail}b{n:06d}")
    for acct in {f.account for f in found if _ACCOUNT.match(f.account)}:
        text = re.sub(rf"(?<!\d){acct}(?!\d)", f"{900000000000 + n:012d}", text)
    clone: dict = json.loads(text)
    return clone


def _redeliver(value: Any, stamp: str) -> None:
    """Only timestamps change (and GuardDuty's occurrence count): not material for any source."""
    if isinstance(value, list):
        for v in value:
            _redeliver(v, stamp)
    elif isinstance(value, dict):
        for k, v in list(value.items()):
            if k in _TIMESTAMPS and isinstance(v, str) and v[:2] in ("19", "20"):
                value[k] = stamp
            elif (
                k in ("count", "Count")
                and isinstance(v, int)
                and ("eventFirstSeen" in value or "EventFirstSeen" in value)
            ):
                value[k] = v + 1
            else:
                _redeliver(v, stamp)


def corpus(directory: Path, n: int, *, seed: int = 11, redelivery: float = 0.3) -> tuple[list[dict], int]:
    """``n`` documents (distinct findings and re-deliveries) and how many distinct documents there are."""
    rng = random.Random(seed)
    base = seeds(directory)
    docs: list[dict] = []
    uniques: list[dict] = []
    i = 0
    while len(docs) < n and base:
        if uniques and rng.random() < redelivery:
            doc = copy.deepcopy(rng.choice(uniques))
            _redeliver(doc, f"2025-02-{rng.randint(1, 28):02d}T0{rng.randint(0, 9)}:00:00Z")
        else:
            original, found = base[i % len(base)]
            doc = _clone(original, found, i)
            uniques.append(doc)
            i += 1
        docs.append(doc)
    return docs, len(uniques)


def render_rate(docs: list[dict], repeat: int = 3) -> float:
    """Parse + render findings/s (offline engine, no Backlog): the best of ``repeat`` passes, as throughput.py."""
    texts = [json.dumps(d) for d in docs]
    best, count = float("inf"), 0
    for _ in range(repeat):
        builder = IssueBuilder(make_translator("offline"))  # a cold builder each pass: no caches carried over
        t0 = time.perf_counter()
        count = 0
        for t in texts:
            for item in iter_text(t, "bench"):
                if isinstance(item, Finding):
                    issue = builder.build(item)
                    _ = issue.summary
                    issue.description("markdown")
                    count += 1
        best = min(best, time.perf_counter() - t0)
    return count / best if best else 0.0


def measure(name: str, n: int) -> dict:
    directory = SAMPLES / name
    docs, distinct_docs = corpus(directory, n)
    findings = [f for d in docs for f in _findings(d)]
    descriptions = {f.description for f in findings}
    texts = {t for f in findings for t in sources.get(f.source).texts(f) if t.strip()}
    r = run_mode("finding", events=docs)
    desc_chars = sum(len(t) for t in descriptions)
    return {
        "source": SOURCES[name],
        "seeds": len(seeds(directory)),
        "documents": len(docs),
        "findings": len(findings),
        "distinct_findings": len({f.arn for f in findings}),
        "open_findings": len({f.arn for f in findings if f.state == "open"}),
        "redeliveries": len(docs) - distinct_docs,
        "seconds": r["seconds"],
        "findings_per_s": round(len(findings) / r["seconds"], 1) if r["seconds"] else 0.0,
        "render_per_s": round(render_rate(docs), 1),
        "distinct_description_chars": desc_chars,
        "distinct_text_chars": sum(len(t) for t in texts),
        "translated_chars": r["translated_chars"],
        "ratio": round(r["translated_chars"] / desc_chars, 3) if desc_chars else None,
        "issues": r["issues"],
        "create": r["create"],
        "patch": r["patch"],
        "comment": r["comment"],
        "writes": r["writes"],
        "failures": r["failures"],
    }


def verdicts(r: dict) -> list[str]:
    """What is wrong with one source's row (empty: nothing)."""
    bad = []
    if r["failures"]:
        bad.append(f"{r['failures']} delivery failures")
    if r["writes"] != r["open_findings"]:  # one create per distinct open finding; re-deliveries write nothing
        bad.append(f"{r['writes']} writes for {r['open_findings']} distinct open findings")
    if r["source"] == "GuardDuty" and (r["ratio"] is None or r["ratio"] > GUARDDUTY_TARGET):
        bad.append(f"translated / distinct description {r['ratio']} > {GUARDDUTY_TARGET}")
    return bad


def table(results: list[dict]) -> str:
    head = [
        "source",
        "findings",
        "distinct",
        "open",
        "parse+render/s",
        "pipeline/s",
        "desc chars",
        "text chars",
        "chars sent",
        "sent/desc",
        "create",
        "patch",
        "comment",
        "writes",
    ]
    rows = [
        [
            r["source"],
            f"{r['findings']:,}",
            f"{r['distinct_findings']:,}",
            f"{r['open_findings']:,}",
            f"{r['render_per_s']:,.0f}",
            f"{r['findings_per_s']:,.0f}",
            f"{r['distinct_description_chars']:,}",
            f"{r['distinct_text_chars']:,}",
            f"{r['translated_chars']:,}",
            "-" if r["ratio"] is None else f"{r['ratio']:.3f}",
            f"{r['create']:,}",
            f"{r['patch']:,}",
            f"{r['comment']:,}",
            f"{r['writes']:,}",
        ]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(head), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def report(results: list[dict]) -> tuple[str, bool]:
    lines = [
        "multi-source corpus (shared samples per source, spread over accounts + re-deliveries). parse+render/s: "
        "offline engine, best of 3; pipeline/s and the rest: finding mode end to end against the loopback fake "
        "Backlog (one create per distinct open finding), SQLite state, a counting translation engine",
        table(results),
    ]
    ok = True
    for r in results:
        bad = verdicts(r)
        ok = ok and not bad
        if r["source"] == "GuardDuty":
            verdict = "PASS" if not bad else "FAIL"
            lines.append(
                f"GuardDuty chars sent / distinct description chars: {r['translated_chars']:,} / "
                f"{r['distinct_description_chars']:,} = {r['ratio']}  (target <= {GUARDDUTY_TARGET:g}: {verdict})"
            )
        elif bad:
            lines.append(f"{r['source']}: FAIL ({'; '.join(bad)})")
    return "\n".join(lines), ok


def run(n: int = 150) -> tuple[str, bool, list[dict]]:
    """The report, whether every row passed, and the rows; (a note, True, []) without the shared samples."""
    missing = [name for name in SOURCES if not (SAMPLES / name).is_dir()]
    if missing:
        return f"multi-source corpus: skipped (no {', '.join(missing)} under {SAMPLES}; set I2B_SHARED_DIR)", True, []
    results = [measure(name, n) for name in SOURCES]
    text, ok = report(results)
    return text, ok, results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=150, help="documents per source")
    ap.add_argument("--json", action="store_true", help="print one JSON line per source")
    args = ap.parse_args(argv)
    text, ok, results = run(args.n)
    if args.json:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    else:
        print(text)
    if not results:
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
