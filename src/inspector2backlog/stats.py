"""Counters shared by every stage of one run, printed by ``--stats`` as one JSON line."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Stats:
    """Run-wide counters. Each stage increments its own keys; unknown keys are allowed."""

    counts: Counter = field(default_factory=Counter)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)

    def as_dict(self, keys: tuple[str, ...] = ()) -> dict[str, int]:
        out = {k: self.counts.get(k, 0) for k in keys}
        out.update(self.counts)
        return dict(sorted(out.items()))

    def json_line(self, keys: tuple[str, ...] = ()) -> str:
        return json.dumps(self.as_dict(keys), ensure_ascii=False, sort_keys=True)


TRANSLATION_KEYS = ("translated_chars", "translation_requests", "translation_cache_hits")
DELIVERY_KEYS = (
    "issues_created",
    "comments",
    "closed",
    "reopened",
    "skipped",
    "backlog_requests",
    "fallbacks",
)
