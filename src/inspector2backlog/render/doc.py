"""A tiny document model, so one issue layout renders to Markdown, Backlog notation and plain e-mail text.

Inline content is a sequence of: ``str`` (untrusted text, escaped by each renderer), :class:`Code`,
:class:`Strong` and :class:`Link`. Blocks are the dataclasses below. The renderers live in ``markdown.py``,
``backlog_notation.py`` and ``email.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, frozen=True)
class Code:
    text: str


@dataclass(slots=True, frozen=True)
class Strong:
    text: str


@dataclass(slots=True, frozen=True)
class Link:
    label: str
    url: str


Inline = str | Code | Strong | Link
Line = Sequence[Inline]


def code_spans(text: str) -> Line:
    """Our own text (knowledge bases, fix steps) with its `…` spans as inline code (commands, API and event names);
    an unpaired backtick leaves the text plain."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        return [text]
    return [Code(p) if n % 2 else p for n, p in enumerate(parts) if p]


@dataclass(slots=True, frozen=True)
class Heading:
    text: str


@dataclass(slots=True, frozen=True)
class Para:
    line: Line


@dataclass(slots=True, frozen=True)
class Bullets:
    items: Sequence[Line]


@dataclass(slots=True, frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Line]]


@dataclass(slots=True, frozen=True)
class CodeBlock:
    text: str
    lang: str = ""


@dataclass(slots=True, frozen=True)
class Quote:
    text: str


_SECTION_IDS = itertools.count(1)


@dataclass(slots=True, frozen=True)
class Section:
    """A run of blocks that depends only on ``key``. Renderers cache its text per (key, format).

    Findings of the same vulnerability on many resources share their score, package, remediation and reference
    sections; building and rendering them once is what keeps the pipeline fast on real event streams.
    """

    key: Hashable
    blocks: tuple
    #: a serial number: renderers cache by it (hashing ``key`` again at render time would cost as much as rendering)
    sid: int = field(default_factory=lambda: next(_SECTION_IDS), compare=False)


Block = Heading | Para | Bullets | Table | CodeBlock | Quote | Section


class RenderCache:
    """A small bounded memo of rendered sections (cleared wholesale when full: cheap and good enough)."""

    __slots__ = ("_data", "_limit")

    def __init__(self, limit: int = 4096) -> None:
        self._data: dict = {}
        self._limit = limit

    def get(self, key: Hashable) -> str | None:
        return self._data.get(key)

    def put(self, key: Hashable, text: str) -> str:
        if len(self._data) >= self._limit:
            self._data.clear()
        self._data[key] = text
        return text


class Writer:
    """The walk every output format shares: one method per block type, blocks joined by a blank line, and each
    :class:`Section` rendered once per format (cached by its serial number). A format overrides the six methods."""

    def __init__(self) -> None:
        self._cache = RenderCache()
        self._methods: dict[type, Callable[[Any], str]] = {
            Heading: self.heading,
            Para: self.para,
            Bullets: self.bullets,
            Table: self.table,
            CodeBlock: self.code_block,
            Quote: self.quote,
        }

    def render(self, blocks: Iterable[Block]) -> str:
        return "\n\n".join(self._parts(blocks)) + "\n"

    def _parts(self, blocks: Iterable[Block]) -> list[str]:
        parts: list[str] = []
        for b in blocks:
            if type(b) is Section:
                text = self._cache.get(b.sid)
                if text is None:
                    text = self._cache.put(b.sid, "\n\n".join(self._parts(b.blocks)))
                if text:
                    parts.append(text)
            else:
                parts.append(self._methods[type(b)](b))
        return parts

    def heading(self, b: Heading) -> str:
        raise NotImplementedError

    def para(self, b: Para) -> str:
        raise NotImplementedError

    def bullets(self, b: Bullets) -> str:
        raise NotImplementedError

    def table(self, b: Table) -> str:
        raise NotImplementedError

    def code_block(self, b: CodeBlock) -> str:
        raise NotImplementedError

    def quote(self, b: Quote) -> str:
        raise NotImplementedError


def plain(line: Line) -> str:
    """The text of an inline sequence without any markup (summaries, logs)."""
    out = []
    for x in line:
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, Link):
            out.append(x.label)
        else:
            out.append(x.text)
    return "".join(out)


def is_web_url(url: str) -> bool:
    return url.startswith(("https://", "http://")) and " " not in url and "\n" not in url
