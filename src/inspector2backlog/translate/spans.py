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

Span = tuple[int, int]

# ---- what is protected -------------------------------------------------------------------------------------------
_TRAIL = ".,;:!?'\")]}>"  # punctuation that ends a sentence rather than a URL/path

_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`]+", re.I)
_ARN = re.compile(r"\barn:aws[\w-]*:[\w-]*:[\w-]*:\d*:[^\s<>\"'`,;]+")
_VULN_ID = re.compile(
    r"\b(?:CVE-\d{4}-\d{4,}"
    r"|GHSA(?:-[0-9a-z]{4}){3}"
    r"|ALAS(?:\d+|KERNEL-[\d.]+|[A-Z]+\d*)?-\d{4}-\d+"
    r"|USN-\d+-\d+"
    r"|(?:RHSA|RHBA|RHEA|ELSA|CESA|FEDORA)-\d{4}[:-][\w-]+"
    r"|(?:DSA|DLA)-\d+(?:-\d+)?"
    r"|GO-\d{4}-\d+|PYSEC-\d{4}-\d+|RUSTSEC-\d{4}-\d+|SNYK-[\w-]+-\d+|CWE-\d+)\b"
)
_DIGEST = re.compile(r"\bsha(?:256|384|512|1):[0-9a-fA-F]{7,}\b")
_AWS_ID = re.compile(
    r"\b(?:i|sg|eni|igw|eigw|vpc|subnet|acl|ami|vol|snap|rtb|nat|eipalloc|pcx|tgw|tgw-attach|vpce|lt|pl|dopt|vgw|cgw)"
    r"-[0-9a-f]{8,17}\b"
    r"(?::/p\d+:/[^\s<>\"'`]*)?"  # agentless scan file paths: vol-0123:/p1:/usr/bin/x
)
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\w.]\w)")
_CODE = re.compile(r"`[^`\n]+`")
_CALL = re.compile(r"\b[A-Za-z_][\w.:]*\(\)")  # ccp_run_aes_gcm_cmd(), Request.ParseForm()
_SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*_\w+\b")  # SSH_MSG_DISCONNECT, sco_sock_sendmsg
_QUOTED = re.compile(
    r"(?<![\w'\"])(?:'[A-Za-z_$][\w$.:/@+-]*'|\"[A-Za-z_$][\w$.:/@+-]*\""
    r"|‘[A-Za-z_$][\w$.:/@+-]*’|“[A-Za-z_$][\w$.:/@+-]*”)"
    r"(?![\w'\"])"
)
_ABS_PATH = re.compile(r"(?<![\w/.:~<-])(?:~|\.{1,2})?/[\w.+@~-]*[A-Za-z_][\w.+@~-]*(?:/[\w.+@~*-]+)*/?")
_REL_PATH = re.compile(
    r"(?<![\w/.:@-])[A-Za-z0-9_.+-]+(?:/[A-Za-z0-9_.+-]+){2,}"  # a/b/c
    r"|(?<![\w/.:@-])[A-Za-z0-9_.+-]+/[A-Za-z0-9_+-]+\.[A-Za-z][\w.]*"  # drivers/x.c, net/http.Request
)
_WIN_PATH = re.compile(r"\b[A-Za-z]:\\[^\s<>\"'`]+")
# versions: 2.62, v1.9.0, 0:2.63+22.04ubuntu0.1, 1.2.3-r0, 5.4.0-1045-aws, 2.0.0rc1
_VERSION_CORE = r"(?:\d+:)?v?\d+(?:\.\d+)+(?:[A-Za-z~+_-][\w.+~:-]*)?"
_VERSION = re.compile(r"(?<![\w.:/-])" + _VERSION_CORE)
_VERSION_V = re.compile(r"(?<![\w.:/-])v\d+(?:\.\d+)*\b")  # v2, v0.1.0
# "openssl 3.0.13", "libssh2 v1.9.0": the word before a version is kept with it unless it is ordinary English
_PKG_VERSION = re.compile(r"(?<![\w.:/-])([A-Za-z][\w.+-]*)\s(?=" + _VERSION_CORE + r")")
_NOT_A_PACKAGE = frozenset(
    """a an the to than from and or of in on at is are was be by as with without for prior before after since until
    through version versions release releases releasing up including include includes includ below above between
    earlier later older newer only fixed fix fixes patched upgrade update updated updating versions: v ver rev
    affected affects affecting introduced starting beginning onwards onward like via if but not all any both
    CVSS cvss score scores port ports range kernel uses use using requires require needs need see run runs package
    packages library libraries module modules component components build builds branch tag tags series line
    where which that this these those it its has have had was were being then""".split()
)
_ENGLISH_SUFFIX = re.compile(r"(?:ed|ing|ly)$")  # installed, backported, running, previously — English, not a package

_PATTERNS: tuple[Pattern[str], ...] = (
    _URL, _ARN, _VULN_ID, _DIGEST, _AWS_ID, _IPV4, _CODE, _CALL, _SNAKE, _QUOTED,
    _ABS_PATH, _REL_PATH, _WIN_PATH, _VERSION, _VERSION_V,
)
_TRIMMED = (_URL, _ARN, _ABS_PATH, _REL_PATH, _WIN_PATH, _AWS_ID, _VERSION)


def _trim(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _TRAIL:
        ch = text[end - 1]
        if ch == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def find_spans(text: str) -> list[Span]:
    """Sorted, non-overlapping ``(start, end)`` of the protected spans of ``text`` (overlapping matches are merged)."""
    if not text:
        return []
    found: list[Span] = []
    for pattern in _PATTERNS:
        trim = pattern in _TRIMMED
        for m in pattern.finditer(text):
            s, e = m.span()
            if trim:
                e = _trim(text, s, e)
            if e > s:
                found.append((s, e))
    for m in _PKG_VERSION.finditer(text):
        word = m.group(1)
        if word.lower() not in _NOT_A_PACKAGE and not (word.isalpha() and _ENGLISH_SUFFIX.search(word)):
            found.append((m.start(1), m.end() + 1))  # overlaps the version that follows, so the two merge
    if not found:
        return []
    found.sort()
    merged: list[list[int]] = []
    for s, e in found:
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


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


_BR = re.compile(r"<br\s*/?>", re.I)


def _html_unescape(s: str) -> str:
    return html.unescape(_BR.sub("\n", s))


HTML = Dialect(
    wrap=lambda i, s: f'<span translate="no" data-p="{i}">{html.escape(s, quote=False)}</span>',
    escape=_html_escape,
    unescape=_html_unescape,
    element=re.compile(
        r"<span\b(?=[^>]*\btranslate\s*=\s*[\"']?no)(?:[^>]*?\bdata-p\s*=\s*[\"']?\s*(?P<idx>\d+)\s*[\"']?)?[^>]*>"
        r"(?P<body>(?:(?!<span\b).)*?)</\s*span\s*>",
        re.I | re.S,
    ),
    orphan=re.compile(r"<span\b[^>]*\btranslate\s*=\s*[\"']?no[^>]*>|</\s*span\s*>", re.I),
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
        r"<x\b(?:[^>]*?\bi\s*=\s*[\"']?\s*(?P<idx>\d+)\s*[\"']?)?[^>]*?"
        r"(?:/>|>(?P<body>(?:(?!<x\b).)*?)</\s*x\s*>)",
        re.S,
    ),
    orphan=re.compile(r"<x\b[^>]*>|</\s*x\s*>"),
)

# Placeholders for engines without markup support (Argos): a token NMT models tend to copy through.
PLACEHOLDER = Dialect(
    wrap=lambda i, s: f"⟦{i}⟧",
    escape=lambda s: s.replace("⟦", "[").replace("⟧", "]"),
    unescape=lambda s: s,
    element=re.compile(r"⟦\s*(?P<idx>\d+)\s*⟧"),
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
    for m in dialect.element.finditer(translated):
        out.append(_unescape_text(translated[pos : m.start()], dialect))
        pos = m.end()
        idx = _index_of(m, spans, placed, dialect)
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


def _index_of(m: re.Match[str], spans: Sequence[str], placed: list[bool], dialect: Dialect) -> int | None:
    raw = m.group("idx")
    if raw is not None:
        i = int(raw)
        if 0 <= i < len(spans):
            return i
    body = m.groupdict().get("body")
    if body is not None:
        content = dialect.unescape(body).strip()
        for i, value in enumerate(spans):
            if not placed[i] and value.strip() == content:
                return i
        for i, value in enumerate(spans):  # a duplicate of a span already placed
            if value.strip() == content:
                return i
    return None


# ---- splitting long texts ---------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"')\]]*\s+|\n\s*")
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
    for piece, sep in pieces:
        if markup_bytes(piece, dialect) <= max_bytes:
            out.append((piece, sep))
            continue
        sub = _cut(piece, find_spans(piece), _WHITESPACE)
        for j, (p2, s2) in enumerate(sub):
            tail = s2 + sep if j == len(sub) - 1 else s2
            if markup_bytes(p2, dialect) <= max_bytes:
                out.append((p2, tail))
            else:
                hard = _hard_cut(p2, max_bytes, dialect)
                out.extend((h, "") for h in hard[:-1])
                out.append((hard[-1], tail))
    return _pack(out, max_bytes, dialect)


def _cut(text: str, spans: Sequence[Span], boundary: Pattern[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    for m in boundary.finditer(text):
        s, e = m.span()
        if s == 0 or any(a < e and s < b for a, b in spans):
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
    for i, ch in enumerate(text):
        n = len(dialect.escape(ch).encode("utf-8"))
        if size + n > max_bytes // 2 and i > start:  # half: the wrap of a cut span must still fit
            out.append(text[start:i])
            start, size = i, 0
        size += n
    out.append(text[start:])
    return out


def _pack(pieces: list[tuple[str, str]], max_bytes: int, dialect: Dialect) -> list[tuple[str, str]]:
    """Greedily join consecutive pieces (with their separators) while the markup stays within ``max_bytes``."""
    out: list[tuple[str, str]] = []
    acc, acc_sep, acc_size = "", "", 0
    for piece, sep in pieces:
        # Sizes add up: spans never cross pieces, and markup_bytes() leaves room for 5-digit span indexes.
        size = markup_bytes(piece, dialect)
        joined = acc_size + len(dialect.escape(acc_sep).encode("utf-8")) + size
        if acc and joined <= max_bytes:
            acc, acc_size = acc + acc_sep + piece, joined
        else:
            if acc or acc_sep:
                out.append((acc, acc_sep))
            acc, acc_size = piece, size
        acc_sep = sep
    out.append((acc, acc_sep))
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
