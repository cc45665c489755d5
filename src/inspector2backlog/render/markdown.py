"""Backlog Markdown rendering (projects whose ``textFormattingRule`` is ``markdown``)."""

from __future__ import annotations

import re
from functools import lru_cache

from .doc import Bullets, Code, CodeBlock, Heading, Line, Link, Para, Quote, Strong, Table, Writer, is_web_url
from .safe import clean, clean_url, defuse_fence

_INLINE = re.compile(r"(?=[\\`*_\[\]<>|~])")  # a backslash goes before each: a constant, no call per match
# block syntax at the start of a line: headings, quotes, bullets and thematic breaks ("- ", "+ ", "---"), setext
# underlines ("===", "---"). Any ASCII punctuation may be backslash-escaped, so the first character is.
_LINE_START = re.compile(r"(^|\n)([ \t]*+)([#>=+\-])")
# ordered lists ("1. ", "2) "): the delimiter after the digits is escaped ("1\\."), a backslash before a digit is not
# an escape and would show
_ORDERED = re.compile(r"(^|\n)([ \t]*+\d++)([.)])(?=\s|$)")
_BACKTICKS = re.compile(r"`+")
_URL_UNSAFE = re.compile(r"[()<>\[\]\s\\`]")


@lru_cache(maxsize=16384)
def escape(text: str, line_start: bool = True) -> str:
    """Escape untrusted text; ``line_start`` says whether the text begins a line (block syntax possible there)."""
    text = _INLINE.sub(r"\\", clean(text))
    if line_start:
        return _block_starts(text)
    if "\n" in text:
        head, nl, tail = text.partition("\n")
        return head + _block_starts(nl + tail)
    return text


def _block_starts(text: str) -> str:
    text = _LINE_START.sub(r"\1\2\\\3", text)
    return _ORDERED.sub(r"\1\2\\\3", text) if "." in text or ")" in text else text


def _url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", url)


def inline(line: Line, line_start: bool = True, table: bool = False) -> str:
    if len(line) == 1 and type(line[0]) is str:  # the common case: one plain text
        return escape(line[0], line_start)
    out: list[str] = []
    append = out.append
    for i, x in enumerate(line):
        if type(x) is str:
            append(escape(x, line_start and i == 0))
        elif type(x) is Code:
            append(_code(x.text, table))
        elif type(x) is Strong:
            append("**" + escape(x.text, False) + "**")
        elif type(x) is Link:
            url = clean_url(x.url)
            if is_web_url(url):
                append("[" + escape(x.label, False) + "](" + _url(url) + ")")
            else:
                append(escape(x.label, line_start and i == 0))
    return "".join(out)


@lru_cache(maxsize=16384)
def _code(text: str, table: bool) -> str:
    t = clean(text).replace("\n", " ")
    if table and "|" in t:  # GFM splits cells on "|" even inside code spans
        t = t.replace("|", "\\|")
    if "`" in t:  # a delimiter longer than any backtick run inside: the span cannot be closed early
        fence = "`" * (max(map(len, _BACKTICKS.findall(t))) + 1)
        return fence + " " + t + " " + fence
    return "`" + t + "`"


def _cell(line: Line) -> str:
    return inline(line, line_start=False, table=True).replace("\n", " ") or " "


class _Markdown(Writer):
    def heading(self, b: Heading) -> str:
        return "## " + escape(b.text)

    def para(self, b: Para) -> str:
        return inline(b.line)

    def bullets(self, b: Bullets) -> str:
        return "\n".join("- " + inline(item).replace("\n", "\n  ") for item in b.items)

    def table(self, b: Table) -> str:
        head = "| " + " | ".join(escape(h, False) for h in b.header) + " |"
        sep = "|" + "---|" * len(b.header)
        rows = [
            "| "
            + " | ".join(
                (escape(c[0], False).replace("\n", " ") or " ") if len(c) == 1 and type(c[0]) is str else _cell(c)
                for c in row
            )
            + " |"
            for row in b.rows
        ]
        return "\n".join([head, sep, *rows])

    def code_block(self, b: CodeBlock) -> str:
        return "```" + b.lang + "\n" + defuse_fence(clean(b.text)).rstrip("\n") + "\n```"

    def quote(self, b: Quote) -> str:
        return "\n".join("> " + escape(ln) if ln.strip() else ">" for ln in clean(b.text).split("\n"))


render = _Markdown().render
