"""Markdown links inside Inspector's free text (``[Learn more](https://…)``): real links, never raw markup.

Inspector writes recommendations in Markdown; our renderers escape untrusted text, so the markup showed as is.
:func:`inline_links` turns a text into inline content with :class:`~.doc.Link` parts (shown in a paragraph);
:func:`quoted` gives a quote with the links' labels and a 「詳細: <URL>」 line for each link after it. Only http(s)
URLs become links: a ``javascript:`` (or any other) target stays plain text, its label only.
"""

from __future__ import annotations

import re

from .doc import Block, Bullets, Line, Link, Para, Quote, is_web_url

# a label without brackets or line breaks, a target without brackets, parentheses or spaces: each character is
# looked at a bounded number of times (no nested quantifiers), so the scan is linear
_MD_LINK = re.compile(r"\[([^\[\]\n]{1,500})\]\(([^()\[\]\s]{1,2000})\)")
MAX_DETAIL_LINKS = 10


def _web(url: str) -> bool:
    return url.lower().startswith(("https://", "http://")) and is_web_url(url)


def inline_links(text: str) -> Line:
    """``text`` as inline content: each Markdown link with an http(s) target becomes a :class:`Link`."""
    if "](" not in text:
        return [text]
    out: list = []
    pos = 0
    for m in _MD_LINK.finditer(text):
        label, url = m.group(1), m.group(2)
        if m.start() > pos:
            out.append(text[pos : m.start()])
        out.append(Link(label, url) if _web(url) else label)
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out or [text]


def strip_links(text: str, skip: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """(the text with each Markdown link replaced by its label, the distinct http(s) targets in order). With
    several targets each label gets its number (「Learn more [2]」) for the 「詳細」 list; ``skip``: targets shown
    elsewhere, kept out of the list."""
    if "](" not in text:
        return text, []
    found = [(m, m.group(2)) for m in _MD_LINK.finditer(text)]
    urls = list(dict.fromkeys(u for _, u in found if _web(u) and u not in skip))
    number = {u: i for i, u in enumerate(urls, 1)} if len(urls) > 1 else {}
    parts: list[str] = []
    pos = 0
    for m, url in found:
        parts.append(text[pos : m.start()])
        parts.append(m.group(1) + (f" [{number[url]}]" if url in number else ""))
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts), urls


def detail_lines(urls: list[str]) -> list[Block]:
    """「詳細: <URL>」 for one link, a numbered list for several."""
    urls = urls[:MAX_DETAIL_LINKS]
    if not urls:
        return []
    if len(urls) == 1:
        return [Para(["詳細: ", Link(urls[0], urls[0])])]
    return [Para(["詳細:"]), Bullets([[f"[{i}] ", Link(u, u)] for i, u in enumerate(urls, 1)])]


def quoted(text: str, skip: tuple[str, ...] = ()) -> list[Block]:
    """A quote of ``text`` whose Markdown links show as their labels, then 「詳細: <URL>」 for their targets
    (``skip``: URLs shown elsewhere in the same section)."""
    body, urls = strip_links(text, skip)
    return [Quote(body), *detail_lines(urls)]
