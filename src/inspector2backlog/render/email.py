"""Plain-text rendering for e-mail (Backlog's mail-to-issue: the subject becomes the summary)."""

from __future__ import annotations

from typing import Iterable

from .doc import Block, Bullets, Code, CodeBlock, Heading, Line, Link, Para, Quote, RenderCache, Section, Strong, Table
from .safe import clean


def inline(line: Line) -> str:
    out = []
    for x in line:
        if isinstance(x, str):
            out.append(clean(x))
        elif isinstance(x, (Code, Strong)):
            out.append(clean(x.text))
        elif isinstance(x, Link):
            label, url = clean(x.label), clean(x.url)
            out.append(url if label == url else f"{label} <{url}>")
    return "".join(out)


_CACHE = RenderCache()


def render(blocks: Iterable[Block]) -> str:
    return "\n\n".join(_parts(blocks)) + "\n"


def _parts(blocks: Iterable[Block]) -> list[str]:
    parts: list[str] = []
    for b in blocks:
        if isinstance(b, Section):
            text = _CACHE.get(b.sid)
            if text is None:
                text = _CACHE.put(b.sid, "\n\n".join(_parts(b.blocks)))
            if text:
                parts.append(text)
        elif isinstance(b, Heading):
            parts.append("■ " + clean(b.text))
        elif isinstance(b, Para):
            parts.append(inline(b.line))
        elif isinstance(b, Bullets):
            parts.append("\n".join("・" + inline(item) for item in b.items))
        elif isinstance(b, Table):
            lines = []
            if len(b.header) == 2:
                lines = [f"{inline(r[0])}: {inline(r[1])}" for r in b.rows]
            else:
                lines.append(" / ".join(b.header))
                lines += [" / ".join(inline(c) or "-" for c in r) for r in b.rows]
            parts.append("\n".join(lines))
        elif isinstance(b, CodeBlock):
            parts.append("\n".join("    " + ln for ln in clean(b.text).rstrip("\n").split("\n")))
        elif isinstance(b, Quote):
            parts.append("\n".join("> " + ln for ln in clean(b.text).split("\n")))
    return parts
