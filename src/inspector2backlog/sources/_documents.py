"""Reading a source's input document (text, bytes or decoded JSON), shared by GuardDuty and Access Analyzer:
the bounded JSON decode, the one-line description of a shape, and the per-item parse of a findings list."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import PARSE, Inspector2BacklogError

T = TypeVar("T")
#: a JSON document given as text is refused above this size (the Lambda's SQS body is far smaller)
MAX_DOCUMENT_CHARS = 16_000_000


class DocumentError(Inspector2BacklogError, ValueError):
    """The input is not a finding (or document of findings) of the source; ``reason`` says why."""

    kind = PARSE

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Skipped:
    """An item of a document that was not parsed, and why."""

    index: int
    reason: str


def decode(doc: Any, error: type[DocumentError], limit: int = MAX_DOCUMENT_CHARS) -> Any:
    """``doc`` as decoded JSON (bytes must be UTF-8, text at most ``limit``); anything else is returned as is.
    Raises ``error`` with the reason."""
    if isinstance(doc, (bytes, bytearray)):
        if len(doc) > limit:
            raise error(f"input too large ({len(doc)} bytes > {limit})")
        try:
            doc = bytes(doc).decode("utf-8")
        except UnicodeDecodeError as e:
            raise error(f"input is not UTF-8 (byte {e.start})") from None
    if isinstance(doc, str):
        if len(doc) > limit:
            raise error(f"input too large ({len(doc)} characters > {limit})")
        try:
            return json.loads(doc)
        except RecursionError:
            raise error("input is not JSON: nested too deeply") from None
        except ValueError as e:
            raise error(
                f"input is not JSON: {getattr(e, 'msg', 'unreadable')} at character {getattr(e, 'pos', '?')}"
            ) from None
    return doc


def shape(doc: Any) -> str:
    """What ``doc`` is, for an error message: its first keys, its length, or its type."""
    if isinstance(doc, Mapping):
        keys = ", ".join(str(k)[:40] for k in list(doc)[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(doc, list):
        return f"an array of {len(doc)} items"
    return f"a JSON {type(doc).__name__}"


def parse_items(
    items: Iterable[Any],
    parse: Callable[[Any], T],
    error: type[DocumentError],
    skip: Callable[[Any], str | None] | None = None,
) -> tuple[tuple[T, ...], tuple[Skipped, ...]]:
    """Each item parsed; an item ``skip`` gives a reason for, or one ``parse`` refuses with ``error``, is skipped."""
    found: list[T] = []
    skipped: list[Skipped] = []
    for i, item in enumerate(items):
        reason = skip(item) if skip else None
        if reason is not None:
            skipped.append(Skipped(i, reason))
            continue
        try:
            found.append(parse(item))
        except error as e:
            skipped.append(Skipped(i, e.reason))
    return tuple(found), tuple(skipped)
