"""A corpus of Inspector events for the benchmarks, built from the shared samples (or the repo's examples).

The same findings spread over many resources, accounts and re-deliveries: what a real event stream looks like.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "samples" / "inspector2"
EXAMPLES = REPO / "examples"


def seed_findings(samples: Path = SAMPLES) -> list[dict]:
    """Every bare finding of the shared samples (falling back to the repo's examples)."""
    out: list[dict] = []
    paths = sorted(samples.glob("*.json")) if samples.is_dir() else []
    if not paths:
        paths = sorted(EXAMPLES.glob("0[1-6]*.json"))
    for p in paths:
        v = json.loads(p.read_text())
        if isinstance(v, dict) and isinstance(v.get("findings"), list):
            out += [f for f in v["findings"] if isinstance(f, dict)]
        elif isinstance(v, dict) and isinstance(v.get("detail"), dict):
            out.append(v["detail"])
        elif isinstance(v, dict) and "findingArn" in v:
            out.append(v)
    return out


def as_event(f: dict, n: int) -> dict:
    return {
        "version": "0",
        "id": f"bench-{n}",
        "detail-type": "Inspector2 Finding",
        "source": "aws.inspector2",
        "account": f.get("awsAccountId", "111122223333"),
        "time": "2024-09-04T16:50:37Z",
        "region": "ap-northeast-1",
        "resources": [r.get("id") for r in f.get("resources", [])],
        "detail": f,
    }


def corpus(n: int, *, seed: int = 7, redelivery: float = 0.3, accounts: int = 5) -> list[dict]:
    """``n`` events: distinct findings (seed × resource × account) plus re-deliveries with only timestamps changed."""
    rng = random.Random(seed)
    seeds = seed_findings()
    events: list[dict] = []
    uniques: list[dict] = []
    i = 0
    while len(events) < n:
        if uniques and rng.random() < redelivery:
            f = copy.deepcopy(rng.choice(uniques))
            f["updatedAt"] = f"2024-09-{rng.randint(5, 28):02d}T0{rng.randint(0, 9)}:00:00Z"
            f["lastObservedAt"] = f["updatedAt"]
        else:
            f = copy.deepcopy(seeds[i % len(seeds)])
            acct = f"{100000000000 + (i // len(seeds)) % accounts:012d}"
            f["awsAccountId"] = acct
            f["findingArn"] = f"arn:aws:inspector2:ap-northeast-1:{acct}:finding/bench{i:08d}"
            for r in f.get("resources", []):
                r["id"] = f"{r.get('id', 'res')}-{i}"
            uniques.append(f)
            i += 1
        events.append(as_event(f, len(events)))
    return events
