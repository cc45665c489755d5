"""How many characters reach a paid translation engine: translation memory vs. translating every event.

Builds a corpus from the shared Inspector samples (EventBridge events' ``detail``, bare findings, ListFindings
``findings[]``):

* every finding on many resources (a clone per resource, with new resource ids and ARNs, also inside the
  description — network-reachability descriptions name the instance, gateway and ENI);
* re-deliveries of each (finding, resource) with only the timestamps changed;
* material updates (severity / status / fix availability changed) and a few revised descriptions;

and replays it, in several runs (a new service per run, one translation memory store), through
:class:`TranslationService` with a counting engine that behaves like a remote engine, over ``description`` and
``remediation.recommendation.text`` of every finding.

Prints the characters sent against the sum of distinct texts and against the per-event baseline (translating both
texts on every event, the original design). Exits 1 if sent > 1.0 × distinct or sent > baseline / 10.

Then replays the same runs with ``[jvn]`` on, against the loopback MyJVN server of the tests (which holds entries
for a few of the samples' CVEs): how many descriptions came from JVN iPedia, how many JVN lookups the cache
answered, how many texts still went to the engine, and the MyJVN requests that cost.

    .venv/bin/python bench/translation_cost.py [--samples DIR] [--resources 40] [--redeliveries 4] [--runs 8]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from _corpus import (
    REPO,
    seed_findings,
)

if str(REPO) not in sys.path:  # the loopback MyJVN server lives in tests/fakes
    sys.path.append(str(REPO))

from inspector2backlog.config import JvnConfig
from inspector2backlog.jvn import make_source
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.stats import Stats
from inspector2backlog.translate.base import Engine
from inspector2backlog.translate.memory import TranslationService

DEFAULT_SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "samples" / "inspector2"
_RESOURCE_ID = re.compile(r"\b(i|eni|igw|sg|vpc|subnet|acl|vol|ami)-([0-9a-f]{8,17})\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class CountingEngine(Engine):
    """A stand-in for a paid engine: remote, counts characters, 'translates' by marking the text."""

    name = "counting"

    def __init__(self) -> None:
        self.chars = 0
        self.texts = 0
        self.request_count = 0

    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        self.request_count += 1
        self.texts += len(texts)
        self.chars += sum(len(t) for t in texts)
        return [f"【訳】{t}" for t in texts]


# ---- corpus -----------------------------------------------------------------------------------------------------
def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def clone_on_resource(finding: dict[str, Any], k: int) -> dict[str, Any]:
    """The same finding on the k-th other resource: resource ids/ARNs (also in the text) replaced consistently."""
    if k == 0:
        return copy.deepcopy(finding)
    raw = json.dumps(finding)
    raw = _RESOURCE_ID.sub(lambda m: f"{m.group(1)}-{_hex(f'{m.group(0)}/{k}', len(m.group(2)))}", raw)
    clone = json.loads(raw)
    clone["findingArn"] = f"{finding.get('findingArn', 'arn:aws:inspector2:::finding')}/clone-{k}"
    for res in clone.get("resources") or []:
        if isinstance(res, dict) and isinstance(res.get("id"), str) and not _RESOURCE_ID.search(res["id"]):
            res["id"] = f"{res['id']}-clone-{k}"
    return clone


def events(findings: list[dict[str, Any]], resources: int, redeliveries: int, rng: random.Random) -> Iterator[dict]:
    for _f_index, finding in enumerate(findings):
        revised = rng.random() < 0.1  # NVD revised this description once
        for k in range(resources):
            base = clone_on_resource(finding, k)
            for r in range(redeliveries):  # re-delivered, only timestamps change
                ev = copy.deepcopy(base)
                ev["updatedAt"] = f"2025-01-{1 + r:02d}T00:00:00Z"
                yield ev
            if rng.random() < 0.3:  # a material update: severity / status / fix availability
                ev = copy.deepcopy(base)
                ev["severity"] = rng.choice(["CRITICAL", "HIGH", "MEDIUM", "LOW"])
                ev["status"] = rng.choice(["ACTIVE", "CLOSED"])
                ev["fixAvailable"] = rng.choice(["YES", "NO", "PARTIAL"])
                yield ev
            if revised and k == resources - 1:
                ev = copy.deepcopy(base)
                ev["description"] = (ev.get("description") or "") + " This description was revised."
                yield ev


def texts_of(finding: dict[str, Any]) -> list[str]:
    rec = ((finding.get("remediation") or {}).get("recommendation") or {}).get("text") or ""
    return [finding.get("description") or "", rec]


# ---- replay -----------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    ap.add_argument("--resources", type=int, default=40)
    ap.add_argument("--redeliveries", type=int, default=4)
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    if not args.samples.is_dir():
        print(f"samples not found: {args.samples}", file=sys.stderr)
        return 2
    findings = seed_findings(args.samples)
    rng = random.Random(args.seed)
    corpus = list(events(findings, args.resources, args.redeliveries, rng))
    rng.shuffle(corpus)

    baseline = sum(len(t) for ev in corpus for t in texts_of(ev) if t.strip())
    distinct_texts = {t for ev in corpus for t in texts_of(ev) if t.strip()}
    distinct = sum(len(t) for t in distinct_texts)
    distinct_sentences = {s for t in distinct_texts for s in _SENTENCE.split(t) if s.strip()}
    sentence_chars = sum(len(s) for s in distinct_sentences)

    store, stats, engine = MemoryStore(), Stats(), CountingEngine()
    per_run = -(-len(corpus) // args.runs)
    started = time.perf_counter()
    for run in range(args.runs):  # a new service per run (a new Lambda invocation), one store
        service = TranslationService(engine, store, stats)
        for ev in corpus[run * per_run : (run + 1) * per_run]:
            service.translate_many(texts_of(ev))
    elapsed = time.perf_counter() - started
    sent = stats["translated_chars"]
    assert sent == engine.chars

    rows = [
        ("findings in samples", f"{len(findings):,}"),
        ("events replayed", f"{len(corpus):,} in {args.runs} runs"),
        ("baseline chars (every event)", f"{baseline:,}"),
        ("distinct text chars", f"{distinct:,} ({len(distinct_texts):,} texts)"),
        ("distinct sentence chars (info)", f"{sentence_chars:,}"),
        ("chars sent", f"{sent:,}"),
        ("sent / distinct", f"{sent / distinct:.3f}" if distinct else "-"),
        ("sent / baseline", f"{sent / baseline:.4f}" if baseline else "-"),
        ("engine requests", f"{stats['translation_requests']:,}"),
        ("cache hits", f"{stats['translation_cache_hits']:,}"),
        ("replay time", f"{elapsed:.2f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    ok_distinct = sent <= distinct
    ok_baseline = sent * 10 <= baseline
    print(f"target sent <= 1.0 x distinct : {'OK' if ok_distinct else 'MISSED'}")
    print(f"target sent <= baseline / 10  : {'OK' if ok_baseline else 'MISSED'}")
    print()
    jvn_rows = replay_with_jvn(corpus, args.runs, engine.texts, sent)
    width = max(len(k) for k, _ in jvn_rows)
    for k, v in jvn_rows:
        print(f"{k:<{width}}  {v}")
    return 0 if ok_distinct and ok_baseline else 1


def replay_with_jvn(corpus: list[dict], runs: int, texts_without: int, chars_without: int) -> list[tuple[str, str]]:
    """The same runs with JVN iPedia in front of the engine (loopback MyJVN server, one state store)."""
    from tests.fakes.myjvn_server import MyJvnServer

    store, stats, engine = MemoryStore(), Stats(), CountingEngine()
    per_run = -(-len(corpus) // runs)
    with MyJvnServer() as srv:
        conf = JvnConfig(enabled=True, endpoint_url=srv.url + "/myjvn", timeout_seconds=5.0)
        for run in range(runs):  # a new source and service per run, one store: the cache carries over
            builder = IssueBuilder(TranslationService(engine, store, stats), jvn=make_source(conf, store, stats))
            events = corpus[run * per_run : (run + 1) * per_run]
            for i in range(0, len(events), 10):  # what the pipeline's lookahead does
                chunk = events[i : i + 10]
                builder.jvn.prefetch(_cve(ev) for ev in chunk)
                for ev in chunk:
                    builder.translate_texts(
                        [t for t in texts_of(ev) if t.strip()], _cve(ev), ev.get("description") or ""
                    )
            builder.jvn.close()
        myjvn_requests = len(srv.requests)
    descriptions = sum(1 for ev in corpus if (ev.get("description") or "").strip())
    return [
        ("with JVN iPedia (loopback MyJVN)", f"{len(corpus):,} events, {descriptions:,} descriptions"),
        ("descriptions from JVN iPedia", f"{stats['jvn_texts']:,}"),
        ("JVN entries fetched from MyJVN", f"{stats['jvn_fetched']:,} (+ {stats['jvn_not_found']:,} misses)"),
        ("JVN lookups answered by the cache", f"{stats['jvn_cache_hits']:,}"),
        ("MyJVN requests", f"{myjvn_requests:,} ({stats['jvn_failures']:,} failed)"),
        ("texts sent to the engine", f"{engine.texts:,} (without JVN: {texts_without:,})"),
        ("texts from translation memory", f"{stats['translation_cache_hits']:,}"),
        ("chars sent to the engine", f"{engine.chars:,} (without JVN: {chars_without:,})"),
    ]


def _cve(ev: dict) -> str:
    return str((ev.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId") or "")


if __name__ == "__main__":
    sys.exit(main())
