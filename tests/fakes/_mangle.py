"""Deterministic 'translation' shared by the fake translation servers: mark the text and mistreat the protected
elements the way real engines sometimes do (reorder, re-quote, pad, drop, duplicate, strip attributes), to exercise
restoration."""

from __future__ import annotations

import re

MODES = ("none", "reorder", "requote", "pad", "drop", "duplicate", "strip_attrs")
PREFIX = "【訳】"


def mangle(markup: str, element: re.Pattern[str], mode: str, tag: str) -> str:
    """``element`` matches one protected element of the dialect; ``tag`` is its tag name (span or x)."""
    els = [m.group(0) for m in element.finditer(markup)]
    # Replace elements by tokens so the "translation" of the text around them cannot touch them.
    tokens = iter(range(len(els)))
    body = element.sub(lambda m: f"\x00{next(tokens)}\x00", markup)
    body = PREFIX + body.replace(". ", "。")
    order = list(range(len(els)))
    if mode == "reorder" and els:
        order = order[-1:] + order[1:-1] + order[:1] if len(order) > 1 else order
        if len(order) == 1:  # a single element moves to the front
            body = PREFIX + "\x000\x00 " + body[len(PREFIX) :].replace("\x000\x00", "", 1)
    out = re.sub(r"\x00(\d+)\x00", lambda m: els[order[int(m.group(1))]], body)
    if not els or mode in ("none", "reorder"):
        return out
    if mode == "requote":
        return out.replace('"', "'")
    if mode == "pad":
        return re.sub(rf"<{tag}\b([^>]*)>", lambda m: f"<{tag} {m.group(1).replace('=', ' = ')} >", out).replace(
            f"</{tag}>", f"</ {tag} >"
        )
    if mode == "drop":  # lose the last element entirely
        idx = out.rfind(els[-1])
        return out[:idx] + out[idx + len(els[-1]) :]
    if mode == "duplicate":
        return out + " " + els[0]
    if mode == "strip_attrs":  # the engine drops the index attribute but keeps the element
        return re.sub(rf"<{tag}\b[^>]*>", f"<{tag}>" if tag == "x" else '<span translate="no">', out)
    raise ValueError(mode)
