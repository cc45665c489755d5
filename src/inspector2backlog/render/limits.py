"""A length cap on every text field of a finding, applied once where it enters rendering and translation.

Backlog shows no more than this (a summary is 255 characters, a description 100,000 in all), so no issue changes:
a field long enough to fill a whole description still fills it, and one from a hostile or broken input is cut
before any pattern or engine sees it (every text path is linear anyway; the cap bounds the constant).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ..findings.model import Finding

FIELD_LIMIT = 128 * 1024  # characters per text field: above DESCRIPTION_LIMIT
CUT_MARK = "…"
_SKIP = frozenset({"raw", "arn"})  # the original document (fallback issue, change digest) and the key, kept whole


def cap_text(text: str, limit: int = FIELD_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + CUT_MARK


def cap_finding(f: Finding) -> Finding:
    """``f`` itself when no text field is longer than :data:`FIELD_LIMIT`, else a copy with those fields cut.

    Fast paths: a parsed finding's text fields all come from its document, so when the JSON text it was read from
    (``input_chars``, set by the envelope walk) or, failing that, its document (``raw``) serialised is within the
    limit, no field can exceed it and the walk is skipped (the walk was a quarter of parse + render time, the
    ``json.dumps`` of every document a tenth)."""
    if 0 < f.input_chars <= FIELD_LIMIT:  # read from a JSON text this short: no string in it can be longer
        return f
    if f.raw and len(json.dumps(f.raw, default=str)) <= FIELD_LIMIT:
        return f
    return _cap(f, 0)


def _cap(v: Any, depth: int) -> Any:
    t = type(v)
    if t is str:
        return v if len(v) <= FIELD_LIMIT else v[:FIELD_LIMIT] + CUT_MARK
    if depth > 20:
        return v
    if t is tuple or t is list:
        new = [_cap(x, depth + 1) for x in v]
        return v if all(a is b for a, b in zip(new, v, strict=False)) else t(new)
    if t is dict:
        changed = {}
        for k, x in v.items():
            k2, x2 = _cap(k, depth + 1), _cap(x, depth + 1)
            if k2 is not k or x2 is not x:
                changed[k] = (k2, x2)
        if not changed:
            return v
        return {changed[k][0] if k in changed else k: changed[k][1] if k in changed else x for k, x in v.items()}
    names = _FIELDS.get(t)
    if names is None:
        names = _FIELDS[t] = (
            tuple(f.name for f in dataclasses.fields(v) if f.name not in _SKIP)
            if dataclasses.is_dataclass(v) and not isinstance(v, type)
            else ()
        )
    if not names:
        return v
    updates = {}
    for name in names:
        old = getattr(v, name)
        if old is None or type(old) in _SCALARS:
            continue
        new = _cap(old, depth + 1)
        if new is not old:
            updates[name] = new
    return dataclasses.replace(v, **updates) if updates else v


_FIELDS: dict[type, tuple[str, ...]] = {}
_SCALARS = frozenset({int, float, bool})
