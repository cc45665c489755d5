"""Plain-text rendering for e-mail (Backlog's mail-to-issue: the subject becomes the summary, the body the description).

The body is plain text, but mail-to-issue makes it a description that Backlog renders with the project's formatting
rule, so untrusted text is also defanged: a zero-width space breaks any image, link, code or quote syntax in it.
"""

from __future__ import annotations

from .doc import Bullets, Code, CodeBlock, Heading, Line, Link, Para, Quote, Strong, Table, Writer
from .safe import clean, clean_url, defang_markup


def inline(line: Line) -> str:
    out = []
    for x in line:
        if isinstance(x, str):
            out.append(defang_markup(clean(x)))
        elif isinstance(x, (Code, Strong)):
            out.append(defang_markup(clean(x.text)))
        elif isinstance(x, Link):
            url = defang_markup(clean_url(x.url))
            label = defang_markup(clean(x.label))
            out.append(url if x.label == x.url else f"{label} <{url}>")
    return "".join(out)


class _Email(Writer):
    def heading(self, b: Heading) -> str:
        return "■ " + defang_markup(clean(b.text))

    def para(self, b: Para) -> str:
        return inline(b.line)

    def bullets(self, b: Bullets) -> str:
        return "\n".join("・" + inline(item) for item in b.items)

    def table(self, b: Table) -> str:
        head = [defang_markup(clean(h)) for h in b.header]
        if len(b.header) == 2:  # a key/value table reads best as "key: value" lines under its title
            title = [f"【{head[0]}】"] if head[0] != "項目" else []
            return "\n".join([*title, *(f"{inline(r[0])}: {inline(r[1])}" for r in b.rows)])
        # one entry per row: the first column, then "column: value" lines (a separator would collide with paths)
        out = []
        for r in b.rows:
            out.append(f"・{head[0]}: {inline(r[0]) or '—'}")
            out += [f"    {h}: {inline(c) or '—'}" for h, c in zip(head[1:], r[1:], strict=False)]
        return "\n".join(out)

    def code_block(self, b: CodeBlock) -> str:
        return "\n".join("    " + ln for ln in defang_markup(clean(b.text)).rstrip("\n").split("\n"))

    def quote(self, b: Quote) -> str:
        return "\n".join("> " + ln for ln in defang_markup(clean(b.text)).split("\n"))


render = _Email().render
