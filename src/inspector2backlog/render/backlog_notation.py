"""Backlog notation rendering (projects whose ``textFormattingRule`` is ``backlog``).

Syntax: ``** 見出し``, ``- 箇条書き``, ``|a|b|h`` header rows, ``''太字''``, ``[[ラベル>URL]]``, ``{code}…{/code}``,
``{quote}…{/quote}``. Special sequences in untrusted text are escaped with ``\\`` as Backlog documents.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .doc import Bullets, Code, CodeBlock, Heading, Line, Link, Para, Quote, Strong, Table, Writer, is_web_url
from .safe import ZWSP, clean, clean_url, defuse_backlog_block

# inline sequences with a meaning in Backlog notation
# Inline sequences are escaped with fixed replacements (no call per match): the doubled ones ('' %% [[ ]]) by
# str.replace, then a backslash inserted before each single one (a zero-width match). Their characters differ, so
# the steps cannot interact. (Possessive: the whitespace after "{" is scanned once, whatever follows it.)
_INLINE_PAIRS = ("''", "%%", "[[", "]]")
_INLINE_ONE = re.compile(r"(?=\{\s*+/?\s*+(?:code|quote)\b|&(?:br;|color\()|\|)", re.I)
_URL_UNSAFE = re.compile(r"[\[\]<>()|\s\\`'{}]")
_LINE_START = re.compile(r"(^|\n)([ \t]*+)([*\-+>])")
# a backslash of the text right before a special character (or at the end, where our own markup follows) would
# escape that character instead: a zero-width space after it keeps it a plain backslash
_LONE_BACKSLASH = re.compile(r"\\(?=$|[|'%\[\]{&*\-+>\\])")


def _pct(m: re.Match) -> str:
    return f"%{ord(m.group()):02X}"


@lru_cache(maxsize=16384)
def escape(text: str, line_start: bool = True) -> str:
    """Escape untrusted text; ``line_start`` says whether the text begins a line (block syntax possible there)."""
    text = clean(text)
    if "\\" in text:
        text = _LONE_BACKSLASH.sub("\\\\" + ZWSP, text)
    for pair in _INLINE_PAIRS:
        if pair in text:
            text = text.replace(pair, "\\" + pair[0] + "\\" + pair[1])
    text = _INLINE_ONE.sub(r"\\", text)
    if line_start:
        return _LINE_START.sub(r"\1\2\\\3", text)
    if "\n" in text:
        head, nl, tail = text.partition("\n")
        return head + _LINE_START.sub(r"\1\2\\\3", nl + tail)
    return text


def inline(line: Line, line_start: bool = True) -> str:
    if len(line) == 1 and type(line[0]) is str:  # the common case: one plain text
        return escape(line[0], line_start)
    out = []
    for i, x in enumerate(line):
        first = line_start and i == 0
        if isinstance(x, str):
            out.append(escape(x, first))
        elif isinstance(x, Code):  # Backlog notation has no inline code span: keep the text, escaped
            out.append(escape(x.text.replace("\n", " "), first))
        elif isinstance(x, Strong):
            out.append("''" + escape(x.text, False) + "''")
        elif isinstance(x, Link):
            url = clean_url(x.url)
            if is_web_url(url):
                label = escape(x.label, False).replace(">", "＞")
                out.append("[[" + label + ">" + _URL_UNSAFE.sub(_pct, url) + "]]")
            else:
                out.append(escape(x.label, first))
    return "".join(out)


def _cell(text: str) -> str:
    """A table cell that keeps its text: a cell that is only ``>`` would merge with its neighbour and one starting
    with ``~`` would become a header cell; a zero-width space in front keeps either plain."""
    if not text:
        return " "
    body = text.lstrip(" \t")
    if body[:1] == "~" or body.rstrip(" \t") == ">":
        return text[: len(text) - len(body)] + ZWSP + body
    return text


class _BacklogNotation(Writer):
    def heading(self, b: Heading) -> str:
        return "** " + escape(b.text)

    def para(self, b: Para) -> str:
        return inline(b.line)

    def bullets(self, b: Bullets) -> str:
        return "\n".join("- " + inline(item).replace("\n", "&br;") for item in b.items)

    def table(self, b: Table) -> str:
        head = "|" + "|".join(_cell(escape(h, False)) for h in b.header) + "|h"
        rows = ["|" + "|".join(_cell(inline(c, False).replace("\n", "&br;")) for c in row) + "|" for row in b.rows]
        return "\n".join([head, *rows])

    def code_block(self, b: CodeBlock) -> str:
        return "{code}\n" + defuse_backlog_block(clean(b.text)).rstrip("\n") + "\n{/code}"

    def quote(self, b: Quote) -> str:
        return "{quote}\n" + defuse_backlog_block(escape(b.text)).rstrip("\n") + "\n{/quote}"


render = _BacklogNotation().render
