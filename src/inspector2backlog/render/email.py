"""Plain-text rendering for e-mail (Backlog's mail-to-issue: the subject becomes the summary)."""

from __future__ import annotations


from .doc import Bullets, Code, CodeBlock, Heading, Line, Link, Para, Quote, Strong, Table, Writer
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


class _Email(Writer):
    def heading(self, b: Heading) -> str:
        return "■ " + clean(b.text)

    def para(self, b: Para) -> str:
        return inline(b.line)

    def bullets(self, b: Bullets) -> str:
        return "\n".join("・" + inline(item) for item in b.items)

    def table(self, b: Table) -> str:
        if len(b.header) == 2:  # a key/value table reads best as "key: value" lines in a mail
            return "\n".join(f"{inline(r[0])}: {inline(r[1])}" for r in b.rows)
        return "\n".join([" / ".join(b.header), *(" / ".join(inline(c) or "-" for c in r) for r in b.rows)])

    def code_block(self, b: CodeBlock) -> str:
        return "\n".join("    " + ln for ln in clean(b.text).rstrip("\n").split("\n"))

    def quote(self, b: Quote) -> str:
        return "\n".join("> " + ln for ln in clean(b.text).split("\n"))


render = _Email().render
