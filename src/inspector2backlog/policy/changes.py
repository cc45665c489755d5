"""Material change detection: what in a re-sent finding is worth telling people about.

A source re-sends a finding on every change, including timestamp-only ones. Its *snapshot* keeps the fields that
matter (for Inspector: severity, score, exploit and fix availability, packages and their fixed-in versions,
resources); the fingerprint decides whether a re-send needs a Backlog call, and the diff of two snapshots is the
comment. Which fields are material is the source's knowledge (``Source.snapshot`` / ``Source.describe``); this
module hands over to it through the registry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .. import sources
from ..findings.model import Finding


def snapshot(f: Finding) -> dict[str, Any]:
    return dict(sources.get(f.source).snapshot(f))


def fingerprint(snap: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(snap, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def describe(old: Mapping[str, Any], new: Mapping[str, Any], source: str = sources.DEFAULT) -> list[str]:
    """Japanese lines, one per material change between two snapshots of ``source`` (empty: nothing material)."""
    return list(sources.get(source).describe(old, new))
