"""Adversarial text and the text paths it must get through in linear time (shared by the test and the benchmark).

``INPUTS``: name → ``size → text`` (about ``size`` characters). ``PATHS``: name → ``text → output`` — every way finding
text reaches an issue: a normal finding with the text in its title, description, package name, file path and
remediation, rendered by the CLI's own builder in each format; a fallback (unparseable) input; and the text
helpers on their own (offline translation, span protection, redaction, DeepL's XML markup and restoration).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "01-ecr-critical-xz.event.json"


def _rep(unit: str) -> Callable[[int], str]:
    return lambda n: unit * max(1, n // len(unit))


INPUTS: dict[str, Callable[[int], str]] = {
    "word run": _rep("a"),
    "apikey×N": _rep("apikey"),
    "a=×N": _rep("a="),
    "Bearer + N": lambda n: "Bearer " + "A" * n,
    "Bearer + spaces": lambda n: "Bearer" + " " * n,
    "backslashes": _rep("\\"),
    "[×N": _rep("["),
    "{×N": _rep("{"),
    "(×N": _rep("("),
    "@×N": _rep("@"),
    "{ + spaces": lambda n: "{" + " " * n,
    "{ + spaces + /": lambda n: "{" + " " * (n // 2) + "/" + " " * (n // 2),
    "apt-get + spaces": lambda n: "apt-get " + " " * n + "x && y",
    "pip --a×N |": lambda n: "pip " + "--a " * (n // 4) + "|",
    "a.×N + (": lambda n: "a." * (n // 2) + "(",
    "a:×N": _rep("a:"),
    "a+×N": _rep("a+"),
    "SNYK-×N": _rep("SNYK-"),
    "http://a + )×N": lambda n: "http://a" + ")" * n,
    "private key header": lambda n: "-----BEGIN PRIVATE KEY-----\n" + "A" * n,
    "private key headers×N": _rep("-----BEGIN PRIVATE KEY-----"),
    'key = "…': lambda n: 'token = "' + "a" * n,
    "<x i= + spaces": lambda n: "<x i=" + " " * n,
    "<x×N": _rep("<x"),
    "<x>×N": _rep("<x>a"),
    "port title + spaces": lambda n: "Port 22 is reachable from an Internet" + " " * n + "!",
    "bidi controls": _rep("a\u202eb\u2066c\u200f"),
    "4-byte chars": _rep("\U0001f600x"),
}

SIZES_KB = (50, 100, 200)


# ---- normal findings ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _detail() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def finding_event(text: str) -> str:
    """The xz example with ``text`` as title, description, first package's name, file path and remediation, and as
    the recommendation."""
    ev = copy.deepcopy(_detail())
    d = ev["detail"]
    d["title"] = text
    d["description"] = text
    pkg = d["packageVulnerabilityDetails"]["vulnerablePackages"][0]
    pkg["name"] = text
    pkg["filePath"] = text
    pkg["remediation"] = text
    d["remediation"]["recommendation"]["text"] = text
    return json.dumps(ev, ensure_ascii=False)


@lru_cache(maxsize=1)
def _context():
    from inspector2backlog.pipeline import Pipeline

    return Pipeline.for_render()  # what `inspector2backlog render` uses without a config: the offline engine


def issues(raw: str) -> list:
    """The issues ``inspector2backlog render`` makes of ``raw`` (a normal finding, or fallbacks)."""
    from inspector2backlog.findings.model import Finding, Skipped
    from inspector2backlog.findings.parse import iter_text

    builder = _context().builder
    return [
        builder.build(item) if isinstance(item, Finding) else builder.fallback(item, ("s3cr3t-value",))
        for item in iter_text(raw, "adversarial")
        if not isinstance(item, Skipped)
    ]


def render(raw: str, fmt: str) -> str:
    """``inspector2backlog render --format fmt`` of one input: summaries and descriptions (json: the lines)."""
    out = []
    for issue in issues(raw):
        if fmt == "json":
            out.append(json.dumps(issue.as_json("backlog"), ensure_ascii=False))
        elif fmt == "email":
            subject, body = issue.email()
            out.append(subject + "\n\n" + body)
        else:
            out.append(issue.summary + "\n\n" + issue.description(fmt))
    return "\n".join(out)


# ---- the text helpers on their own --------------------------------------------------------------------------------
def _offline(text: str) -> str:
    from inspector2backlog.translate.offline import OfflineEngine, is_command

    is_command(text)
    return str(OfflineEngine().translate_batch([text, "Run " + text + " to update your system."]))


def _spans(text: str) -> str:
    from inspector2backlog.translate.spans import HTML, PLACEHOLDER, find_spans, protect, restore, split_text

    find_spans(text)
    out = []
    for d in (HTML, PLACEHOLDER):
        markup, values = protect(text, d)
        out.append(restore(markup, values, d))
        out.append(restore(text, values, d))  # the engine answered with the raw text itself
    split_text(text, 4096, HTML)
    return "".join(out)


def _redaction(text: str) -> str:
    from inspector2backlog.redaction import redact
    from inspector2backlog.render.redact import redact_text, redact_value

    return redact(text) + redact_text(text, ("s3cr3t-value",)) + json.dumps(redact_value({"k": text, text[:64]: text}))


def _deepl_xml(text: str) -> str:
    from inspector2backlog.translate.spans import XML, find_spans, restore, split_text, to_markup

    out = []
    for chunk, _ in split_text(text, (120 * 1024 - 2048) // 6, XML):  # as DeepLEngine.translate_batch cuts
        markup, values = to_markup(chunk, XML.wrap, XML.escape, find_spans(chunk))
        out.append(restore(markup, values, XML))
        out.append(restore(chunk, values, XML))  # the engine answered with the raw text itself
    return "".join(out)


def _fallback(fmt: str) -> Callable[[str], str]:
    # not JSON (a truncated event): the raw text is shown, redacted, in a code block
    return lambda text: render('{"detail": "' + text, fmt)


PATHS: dict[str, Callable[[str], str]] = {
    "finding → markdown": lambda t: render(finding_event(t), "markdown"),
    "finding → backlog": lambda t: render(finding_event(t), "backlog"),
    "finding → email": lambda t: render(finding_event(t), "email"),
    "finding → json": lambda t: render(finding_event(t), "json"),
    "fallback → markdown": _fallback("markdown"),
    "fallback → backlog": _fallback("backlog"),
    "fallback → email": _fallback("email"),
    "offline translator": _offline,
    "span protection": _spans,
    "redaction": _redaction,
    "DeepL XML": _deepl_xml,
}


def clear_caches() -> None:
    """Forget memoised renderings, so that each measurement does the work."""
    from inspector2backlog.render import backlog_notation, markdown, safe

    for fn in (safe.clean, markdown.escape, markdown._code, backlog_notation.escape):
        fn.cache_clear()
    _context.cache_clear()
