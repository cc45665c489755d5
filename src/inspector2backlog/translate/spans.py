"""Protected spans: the parts of a text no engine may touch (ids, versions, paths, URLs, ARNs, code, digests).

Use:

* :func:`find_spans` — where the protected spans are, as sorted, non-overlapping ``(start, end)`` pairs;
* :func:`to_markup` — the text with every span wrapped by the engine's "do not translate" markup and the rest escaped;
* :func:`restore` — the engine's output with every span put back byte-identical and the rest unescaped.

A :class:`Dialect` bundles the markup of one engine (HTML ``<span translate="no">`` for Amazon Translate, ``<x>`` with
``ignore_tags`` for DeepL, bare placeholders for Argos). Each wrapped span carries its index, so restoration does not
depend on what the engine does around it.

Restoration policy (what :func:`restore` guarantees, whatever the engine returned):

1. Every protected element found in the output is replaced by the original span, chosen by its index; when the engine
   lost the index, by its (unescaped) content among the spans not placed yet, else the next span not placed yet in
   source order. The content the engine put inside the element is never trusted.
2. An element the engine duplicated is restored at each place (the span is identical each time).
3. A span the engine dropped is appended at the end, after one space, in source order — a protected token is never
   lost (an id or a version missing from a translation is worse than one in an odd place).
4. Orphan opening/closing tags of the dialect are removed; the remaining text is unescaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from re import Pattern

from .protected import Span, find_spans  # find_spans: part of this module's interface


# ---- markup ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Dialect:
    """The "do not translate" markup of one engine.

    ``element`` matches one protected element in engine output; it has a group ``idx`` (the index, may be absent when
    the engine dropped it) and optionally ``body`` (the content). ``orphan`` matches leftover opening/closing tags.
    """

    wrap: Callable[[int, str], str]
    escape: Callable[[str], str]
    unescape: Callable[[str], str]
    element: Pattern[str]
    orphan: Pattern[str] | None = None


def _html_escape(s: str) -> str:
    return html.escape(s, quote=False).replace("\n", "<br/>")


_BR = re.compile(r"<br\s*+/?>", re.I)


def _html_unescape(s: str) -> str:
    return html.unescape(_BR.sub("\n", s))


HTML = Dialect(
    wrap=lambda i, s: f'<span translate="no" data-p="{i}">{html.escape(s, quote=False)}</span>',
    escape=_html_escape,
    unescape=_html_unescape,
    # The opening tag is read once (atomic, and it stops at the next "<"): an element whose body fails is not
    # retried with another reading of its attributes.
    element=re.compile(
        r"<span\b(?>(?=[^<>]*?\btranslate\s*+=\s*+[\"']?+no)"
        r"(?:(?=[^<>]*?\bdata-p\s*+=\s*+[\"']?+\s*+(?P<idx>\d++)))?[^<>]*+)>"
        r"(?P<body>(?:(?!<span\b).)*?)</\s*+span\s*+>",
        re.I | re.S,
    ),
    # (an opening tag cut short by another "<" is engine markup too: the source's own "<" are escaped)
    orphan=re.compile(
        r"<span\b[^<>]*?\btranslate\s*+=\s*+[\"']?+no[^<>]*+>|<span\b(?=[^<>]*+(?:<|\Z))"
        r"|</\s*+span\s*+>",
        re.I,
    ),
)


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_unescape(s: str) -> str:
    return html.unescape(s)  # the exact inverse of _xml_escape, and it also reads numeric entities


XML = Dialect(
    wrap=lambda i, s: f'<x i="{i}">{_xml_escape(s)}</x>',
    escape=_xml_escape,
    unescape=_xml_unescape,
    element=re.compile(
        r"<x\b(?>(?:(?=[^<>]*?\bi\s*+=\s*+[\"']?+\s*+(?P<idx>\d++)))?[^<>]*+)"
        r"(?:(?<=/)>|>(?P<body>(?:(?!<x\b).)*?)</\s*+x\s*+>)",
        re.S,
    ),
    orphan=re.compile(r"<x\b[^<>]*+>|<x\b|</\s*+x\s*+>"),
)

# Placeholders for engines without markup support (Argos): a token NMT models tend to copy through.
PLACEHOLDER = Dialect(
    wrap=lambda i, s: f"⟦{i}⟧",
    escape=lambda s: s.replace("⟦", "[").replace("⟧", "]"),
    unescape=lambda s: s,
    element=re.compile(r"⟦\s*+(?P<idx>\d++)\s*+⟧"),
)


def to_markup(
    text: str,
    wrap: Callable[[int, str], str],
    escape: Callable[[str], str],
    spans: Sequence[Span] | None = None,
) -> tuple[str, list[str]]:
    """``text`` with span *i* replaced by ``wrap(i, span_text)`` and everything else ``escape``-d.

    Returns the markup and the span texts (index *i* = the *i*-th span), which :func:`restore` needs.
    """
    if spans is None:
        spans = find_spans(text)
    out: list[str] = []
    values: list[str] = []
    pos = 0
    for s, e in spans:
        out.append(escape(text[pos:s]))
        out.append(wrap(len(values), text[s:e]))
        values.append(text[s:e])
        pos = e
    out.append(escape(text[pos:]))
    return "".join(out), values


def protect(text: str, dialect: Dialect) -> tuple[str, list[str]]:
    return to_markup(text, dialect.wrap, dialect.escape)


def restore(translated: str, spans: Sequence[str], dialect: Dialect) -> str:
    """``translated`` with every span of ``spans`` put back byte-identical (policy: see the module docstring)."""
    n = len(spans)
    placed = [False] * n
    out: list[str] = []
    pos = 0
    cursor = 0  # next span in source order for elements that lost both index and recognisable content
    by_content = _ByContent(spans)
    for m in dialect.element.finditer(translated):
        out.append(_unescape_text(translated[pos : m.start()], dialect))
        pos = m.end()
        idx = _index_of(m, spans, placed, dialect, by_content)
        if idx is None:
            while cursor < n and placed[cursor]:
                cursor += 1
            idx = cursor if cursor < n else None
        if idx is None:  # more elements than spans: an invented element, keep its text
            body = m.groupdict().get("body")
            out.append(dialect.unescape(body) if body else "")
            continue
        placed[idx] = True
        out.append(spans[idx])
    out.append(_unescape_text(translated[pos:], dialect))
    missing = [spans[i] for i in range(n) if not placed[i]]
    result = "".join(out)
    if missing:
        result = result.rstrip() + " " + " ".join(missing)
    return result


def _unescape_text(chunk: str, dialect: Dialect) -> str:
    if dialect.orphan is not None:
        chunk = dialect.orphan.sub("", chunk)
    return dialect.unescape(chunk)


def _index_of(
    m: re.Match[str], spans: Sequence[str], placed: list[bool], dialect: Dialect, by_content: _ByContent
) -> int | None:
    raw = m.group("idx")
    if raw is not None:
        i = int(raw)
        if 0 <= i < len(spans):
            return i
    body = m.groupdict().get("body")
    if body is not None:
        return by_content.find(dialect.unescape(body).strip(), placed)
    return None


class _ByContent:
    """Spans by their stripped text, for elements that lost their index: the first one not placed yet, else (a
    duplicate) the first one. Built on first use; each list is walked once over a whole restore."""

    def __init__(self, spans: Sequence[str]) -> None:
        self.spans = spans
        self.index: dict[str, list[int]] | None = None
        self.next: dict[str, int] = {}

    def find(self, content: str, placed: list[bool]) -> int | None:
        if self.index is None:
            self.index = {}
            for i, value in enumerate(self.spans):
                self.index.setdefault(value.strip(), []).append(i)
        ids = self.index.get(content)
        if not ids:
            return None
        k = self.next.get(content, 0)
        while k < len(ids) and placed[ids[k]]:
            k += 1
        self.next[content] = k
        return ids[k] if k < len(ids) else ids[0]


# ---- splitting long texts ---------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"')\]]*+\s++|\n\s*+")
_WHITESPACE = re.compile(r"\s+")


def markup_bytes(text: str, dialect: Dialect) -> int:
    """UTF-8 size of ``text`` as markup, with room for multi-digit span indexes."""
    spans = find_spans(text)
    markup, _ = to_markup(text, dialect.wrap, dialect.escape, spans)
    return len(markup.encode("utf-8")) + 4 * len(spans)


def split_text(text: str, max_bytes: int, dialect: Dialect) -> list[tuple[str, str]]:
    """Split ``text`` into ``(chunk, separator)`` pairs whose markup fits in ``max_bytes``.

    Cuts on sentence boundaries first, then on whitespace, then anywhere (only a single token longer than the limit
    is cut inside, and may then lose its protection). Cuts never fall inside a protected span otherwise.
    ``"".join(chunk + sep for chunk, sep in result) == text``.
    """
    if markup_bytes(text, dialect) <= max_bytes:
        return [(text, "")]
    spans = find_spans(text)
    pieces = _cut(text, spans, _SENTENCE_END)
    out: list[tuple[str, str]] = []
    sizes: list[int] = []  # markup_bytes of each piece of out, computed once
    for piece, sep in pieces:
        size = markup_bytes(piece, dialect)
        if size <= max_bytes:
            out.append((piece, sep))
            sizes.append(size)
            continue
        sub = _cut(piece, find_spans(piece), _WHITESPACE)
        for j, (p2, s2) in enumerate(sub):
            tail = s2 + sep if j == len(sub) - 1 else s2
            size = markup_bytes(p2, dialect)
            if size <= max_bytes:
                out.append((p2, tail))
                sizes.append(size)
            else:
                hard = _hard_cut(p2, max_bytes, dialect)
                out.extend((h, "") for h in hard[:-1])
                out.append((hard[-1], tail))
                sizes.extend(markup_bytes(h, dialect) for h in hard)
    return _pack(out, max_bytes, dialect, sizes)


def _cut(text: str, spans: Sequence[Span], boundary: Pattern[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    k = 0  # spans are sorted and do not overlap, boundaries come in order: one pass over both
    for m in boundary.finditer(text):
        s, e = m.span()
        while k < len(spans) and spans[k][1] <= s:
            k += 1
        if s == 0 or (k < len(spans) and spans[k][0] < e):
            continue
        out.append((text[pos:s], text[s:e]))
        pos = e
    if pos < len(text) or not out:
        out.append((text[pos:], ""))
    return out


def _hard_cut(text: str, max_bytes: int, dialect: Dialect) -> list[str]:
    out: list[str] = []
    start = 0
    size = 0
    sizes: dict[str, int] = {}  # escaped size per distinct character
    for i, ch in enumerate(text):
        n = sizes.get(ch)
        if n is None:
            n = sizes[ch] = len(dialect.escape(ch).encode("utf-8"))
        if size + n > max_bytes // 2 and i > start:  # half: the wrap of a cut span must still fit
            out.append(text[start:i])
            start, size = i, 0
        size += n
    out.append(text[start:])
    return out


def _pack(
    pieces: list[tuple[str, str]], max_bytes: int, dialect: Dialect, sizes: Sequence[int] | None = None
) -> list[tuple[str, str]]:
    """Greedily join consecutive pieces (with their separators) while the markup stays within ``max_bytes``."""
    out: list[tuple[str, str]] = []
    acc: list[str] = []  # the pieces and separators of the chunk being packed (joined once: linear)
    acc_len = 0  # characters in acc
    acc_sep, acc_size = "", 0
    for k, (piece, sep) in enumerate(pieces):
        # Sizes add up: spans never cross pieces, and markup_bytes() leaves room for 5-digit span indexes.
        size = sizes[k] if sizes is not None else markup_bytes(piece, dialect)
        joined = acc_size + len(dialect.escape(acc_sep).encode("utf-8")) + size
        if acc_len and joined <= max_bytes:
            acc += (acc_sep, piece)
            acc_len += len(acc_sep) + len(piece)
            acc_size = joined
        else:
            if acc_len or acc_sep:
                out.append(("".join(acc), acc_sep))
            acc, acc_len, acc_size = [piece], len(piece), size
        acc_sep = sep
    out.append(("".join(acc), acc_sep))
    return out


_JA_END = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff5e]$")


def join_translated(parts: Sequence[tuple[str, str]]) -> str:
    """Join translated chunks with their source separators; a plain space after Japanese text is dropped."""
    out: list[str] = []
    for text, sep in parts:
        out.append(text)
        if sep and "\n" not in sep and _JA_END.search(text):
            sep = ""
        out.append(sep)
    return "".join(out)
