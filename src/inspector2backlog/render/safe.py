"""Untrusted finding text made safe for Backlog.

Finding text (descriptions, titles, tags, paths) comes from package vendors and resource owners. Before it reaches
Backlog it is:

* cleaned — 4-byte UTF-8 (emoji etc.) replaced, because Backlog rejects it with 400 "Incorrect String"; control
  characters removed; bidirectional controls (U+202E…, which can make a name display reversed) shown as the visible
  text ``U+202E`` (removed from summaries: :func:`summary_line`); newlines normalised;
* defused — ``@mentions`` neutralised (people are notified only through ``notifiedUserId[]``), image / thumbnail /
  attachment macros broken, code-fence and ``{/code}`` / ``{/quote}`` terminators neutralised inside blocks;
* escaped for the target syntax (Markdown or Backlog notation) by the renderers, using the helpers here;
* cut to Backlog's length limits.

Every pattern here is linear in its input: no unbounded repetition is followed by something it could also match
(possessive ``*+`` where a class precedes a required character).
"""

from __future__ import annotations

import re
from functools import lru_cache

SUMMARY_LIMIT = 255
DESCRIPTION_LIMIT = 100_000
COMMENT_LIMIT = 50_000

REPLACEMENT = "\ufffd"  # 3 bytes in UTF-8: accepted by Backlog
ZWSP = "\u200b"

#: bidirectional controls: embeddings/overrides U+202A–202E, isolates U+2066–2069, marks U+200E/200F, U+061C
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# astral characters (4 bytes in UTF-8), lone surrogates (not encodable at all), control characters, bidi controls
_ASTRAL_OR_CONTROL = re.compile(
    "[\U00010000-\U0010ffff\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f" + BIDI_CONTROLS + "]"
)
_ASTRAL = re.compile("[\U00010000-\U0010ffff\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BIDI = re.compile("[" + BIDI_CONTROLS + "]")
_BIDI_VISIBLE = {ord(c): f"U+{ord(c):04X}" for c in BIDI_CONTROLS}
_MENTION = re.compile(r"(?<![\w.\-+])@(?=[\w.\-])")  # "@user", not "user@example.com" or "pkg@v1.0"
# the whitespace run after a macro name is scanned once per "#name" (runs after different names are disjoint)
_MACRO = re.compile(r"#(?=(?:image|thumbnail|attach|rev|contents|youtube)\s*+\()", re.I)


@lru_cache(maxsize=16384)
def clean(text: str) -> str:
    """Normalise newlines, drop control characters, replace 4-byte characters, neutralise mentions and macros."""
    if not text:
        return ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ASTRAL_OR_CONTROL.search(text):  # each kind replaced by a constant: no call per character
        text = _CONTROL.sub("", _ASTRAL.sub(REPLACEMENT, text))
        if _BIDI.search(text):
            text = text.translate(_BIDI_VISIBLE)
    if "@" in text:
        text = _MENTION.sub("＠", text)
    if "#" in text:
        text = _MACRO.sub("＃", text)
    return text


def summary_line(text: str) -> str:
    """One line for a summary: bidirectional controls removed (not shown), then :func:`clean` and :func:`one_line`."""
    if _BIDI.search(text):
        text = _BIDI.sub("", text)
    return one_line(clean(text))


def clean_url(url: str) -> str:
    """A URL for a link target: control/4-byte characters removed, ``@`` in the path, query or fragment
    percent-encoded (``%40`` is the same URL, and no renderer can read it as a mention), nothing else rewritten.
    An ``@`` of the authority (``user@host``) stays: encoded, it would break the host."""
    if _ASTRAL_OR_CONTROL.search(url):
        url = _ASTRAL_OR_CONTROL.sub("", url)
    if "@" not in url:
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url.replace("@", "%40")
    end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    return scheme + sep + rest[:end] + rest[end:].replace("@", "%40")


# markup either Backlog format would act on, for text that is plain but may become a description (mail-to-issue)
# (the position right after the opener: a zero-width match replaced by a constant, no call per match)
_MARKUP_INLINE = re.compile(
    r"(?<=[!\[\]{'%&`])(?:(?<=!)(?=\[)|(?<=\[)(?=\[)|(?<=\])(?=\()|(?<=\{)(?=\s*+/?\s*+(?:code|quote)\b)|(?<=')(?=')"
    r"|(?<=%)(?=%)|(?<=&)(?=br;)|(?<=`)(?=``))",
    re.I,
)
_MARKUP_LINE_START = re.compile(r"(^|\n)([ \t]*+)(?=[#*>|+\-=]|\d++[.)]\s)")


def defang_markup(text: str) -> str:
    """Plain text that reads the same but is inert if rendered as Backlog Markdown or notation: a zero-width space
    breaks every image/link/code/quote opener and every block marker at a line start."""
    text = _MARKUP_INLINE.sub(ZWSP, text)
    return _MARKUP_LINE_START.sub(lambda m: m.group() + ZWSP, text)


def one_line(text: str) -> str:
    """Collapse whitespace (for summaries and table cells)."""
    return " ".join(text.split())


def truncate(text: str, limit: int, marker: str = "…（長さの上限のため省略）") -> str:
    if len(text) <= limit:
        return text
    cut = max(0, limit - len(marker))
    head = text[:cut]
    nl = head.rfind("\n", max(0, cut - 2000))  # prefer to cut at a line end
    if nl > cut // 2:
        head = head[: nl + 1]
    return head + marker


def defuse_fence(code: str) -> str:
    """Content of a Markdown code block: no line may close the fence."""
    if "```" in code:
        code = code.replace("```", "`" + ZWSP + "``")
    if "~~~" in code:
        code = code.replace("~~~", "~" + ZWSP + "~~")
    return code


_BLOCK_END = re.compile(r"\{(\s*+/\s*+(?:code|quote))", re.I)


def defuse_backlog_block(code: str) -> str:
    """Content of a Backlog ``{code}``/``{quote}`` block: no ``{/code}`` / ``{/quote}`` terminators inside."""
    if "{/" in code or "{ /" in code:
        code = _BLOCK_END.sub("{" + ZWSP + r"\1", code)
    return code


def has_astral(text: str) -> bool:
    return any(ord(c) > 0xFFFF for c in text)
