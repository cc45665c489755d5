"""The document walk shared by the ASFF and OCSF readers: which raw findings a JSON document holds."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from . import _read as r

Envelope = tuple[str | None, str | None]  # (detail-type, Custom Action name)
MAX_FINDINGS = 10_000
_MAX_DEPTH = 3


def walk(
    doc: Any,
    is_finding: Callable[[Any], bool],
    detail_types: Collection[str],
    list_keys: tuple[str, ...] = ("Findings",),
    *,
    action_key: str | None = None,
    placebo: bool = False,
) -> Iterator[tuple[Mapping[str, Any], Envelope]]:
    """Each finding in ``doc`` (a bare finding, an EventBridge event of ``detail_types`` with ``detail.findings[]``,
    a ``list_keys`` list, a JSON array of these; a placebo ``{"status_code", "data"}`` recording when ``placebo``)
    with its envelope; at most :data:`MAX_FINDINGS` per list, :data:`_MAX_DEPTH` levels deep."""
    yield from _walk(doc, (None, None), 0, is_finding, detail_types, list_keys, action_key, placebo)


def _walk(
    doc: Any,
    env: Envelope,
    depth: int,
    is_finding: Callable[[Any], bool],
    detail_types: Collection[str],
    list_keys: tuple[str, ...],
    action_key: str | None,
    placebo: bool,
) -> Iterator[tuple[Mapping[str, Any], Envelope]]:
    if depth > _MAX_DEPTH:
        return
    again = (is_finding, detail_types, list_keys, action_key, placebo)
    if isinstance(doc, list):
        for item in doc[:MAX_FINDINGS]:
            yield from _walk(item, env, depth + 1, *again)
        return
    if not isinstance(doc, Mapping):
        return
    if is_finding(doc):
        yield doc, env
        return
    detail_type = doc.get("detail-type")
    if isinstance(detail_type, str) and isinstance(doc.get("detail"), Mapping):
        if detail_type in detail_types:
            detail = doc["detail"]
            found = (detail_type, r.s(detail.get(action_key)) if action_key else None)
            for item in r.lst(detail.get("findings"))[:MAX_FINDINGS]:
                if is_finding(item):
                    yield item, found
        return
    for key in list_keys:
        if isinstance(doc.get(key), list):
            for item in doc[key][:MAX_FINDINGS]:
                if is_finding(item):
                    yield item, env
            return
    if placebo and isinstance(doc.get("data"), Mapping) and "status_code" in doc:
        yield from _walk(doc["data"], env, depth + 1, *again)
