"""The 概要 text of an issue whose CVE JVN iPedia describes: JVN's Japanese overview, its impact and solution where
they add something, and the 「出典: JVN iPedia JVNDB-…」 line with its link.

JVN text is untrusted like any finding text: it is passed as plain strings, which every renderer cleans and escapes
(:mod:`.safe`). Imported only when an entry is shown.
"""

from __future__ import annotations

from typing import Any

from .doc import Block, Bullets, Link, Para, Strong

#: JVN's stock solution: it adds nothing to the issue's own 推奨対応
_GENERIC_SOLUTION = ("参照して適切な対策を実施してください", "参考情報を参照して")


def text_blocks(text: str) -> list[Block]:
    """Plain lines as paragraphs; runs of lines starting with 「・」 as one bullet list."""
    blocks: list[Block] = []
    items: list[list[str]] = []
    for line in text.split("\n"):
        if line.startswith("・"):
            items.append([line[1:].strip()])
            continue
        if items:
            blocks.append(Bullets(items))
            items = []
        if line.strip():
            blocks.append(Para([line]))
    if items:
        blocks.append(Bullets(items))
    return blocks


def adds_something(text: str, overview: str, generic: tuple[str, ...] = ()) -> bool:
    """False for an empty text, one the overview already says, or a short stock sentence."""
    t = text.strip()
    if not t or t in overview:
        return False
    return not (len(t) < 80 and any(g in t for g in generic))


def overview_blocks(entry: Any) -> list[Block]:
    """Blocks for a :class:`~inspector2backlog.jvn.parse.JvnEntry`, placed where the description would be."""
    blocks = text_blocks(entry.overview)
    if adds_something(entry.impact, entry.overview):
        blocks += [Para([Strong("想定される影響")]), *text_blocks(entry.impact)]
    if adds_something(entry.solution, entry.overview, _GENERIC_SOLUTION):
        blocks += [Para([Strong("対策（JVN iPedia）")]), *text_blocks(entry.solution)]
    blocks.append(Para(["出典: ", Link(f"JVN iPedia {entry.jvndb_id}", entry.url)]))
    return blocks
