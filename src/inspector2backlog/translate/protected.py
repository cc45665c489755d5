"""What a translation must not touch: :func:`find_spans` finds ids, versions, paths, URLs, ARNs, code and digests.

Linear in the text: every repetition is possessive or bounded where something could follow that it also matches,
and the runs that one pattern would rescan from every position inside them (``a.a.a.…()``, ``a+a+a+…``) are found
run by run, with the start inside the run chosen in Python.
"""

from __future__ import annotations

import re
from re import Pattern

Span = tuple[int, int]

_TRAIL = ".,;:!?'\")]}>"  # punctuation that ends a sentence rather than a URL/path

_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`]+", re.I)
_ARN = re.compile(r"\barn:aws[\w-]*+:[\w-]*+:[\w-]*+:\d*+:[^\s<>\"'`,;]+")
_VULN_ID = re.compile(
    r"\b(?:CVE-\d{4}-\d{4,}+"
    r"|GHSA(?:-[0-9a-z]{4}){3}"
    r"|ALAS(?:\d++|KERNEL-[\d.]++|[A-Z]++\d*+)?-\d{4}-\d++"
    r"|USN-\d++-\d++"
    r"|(?:RHSA|RHBA|RHEA|ELSA|CESA|FEDORA)-\d{4}[:-][\w-]+"
    r"|(?:DSA|DLA)-\d++(?:-\d++)?"
    # SNYK-<ecosystem>-<package>-<n>: bounded, or every "SNYK-" of a long run would rescan the rest of it
    r"|GO-\d{4}-\d++|PYSEC-\d{4}-\d++|RUSTSEC-\d{4}-\d++|SNYK-[\w-]{1,120}-\d++|CWE-\d++)\b"
)
_DIGEST = re.compile(r"\bsha(?:256|384|512|1):[0-9a-fA-F]{7,}+\b")
_AWS_ID = re.compile(
    r"\b(?:i|sg|eni|igw|eigw|vpc|subnet|acl|ami|vol|snap|rtb|nat|eipalloc|pcx|tgw|tgw-attach|vpce|lt|pl|dopt|vgw|cgw)"
    r"-[0-9a-f]{8,17}\b"
    r"(?::/p\d+:/[^\s<>\"'`]*)?"  # agentless scan file paths: vol-0123:/p1:/usr/bin/x
)
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\w.]\w)")
_CODE = re.compile(r"`[^`\n]++`")
# calls: ccp_run_aes_gcm_cmd(), Request.ParseForm() — a run of [\w.:] followed by "()", from its first letter (or
# "_") at a word boundary. Found run by run (see _calls): "\b[A-Za-z_][\w.:]*\(\)" rescans the rest of a long run
# ("a.a.a.…", "a:a:…") from every letter in it.
_CALL_RUN = re.compile(r"(?<![\w.:])[\w.:]++\(\)")
_CALL_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_CALL_START = re.compile(r"(?<=[.:])[A-Za-z_]")  # inside the run: after "." or ":"
_SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*+_\w++\b")  # SSH_MSG_DISCONNECT, sco_sock_sendmsg
_QUOTED = re.compile(
    r"(?<![\w'\"])(?:'[A-Za-z_$][\w$.:/@+-]*+'|\"[A-Za-z_$][\w$.:/@+-]*+\""
    r"|‘[A-Za-z_$][\w$.:/@+-]*+’|“[A-Za-z_$][\w$.:/@+-]*+”)"
    r"(?![\w'\"])"
)
# the first segment needs a letter: "[\w.+@~-]*?[A-Za-z_]" finds the first one, the rest of the segment follows
_ABS_PATH = re.compile(r"(?<![\w/.:~<-])(?:~|\.{1,2})?/[\w.+@~-]*?[A-Za-z_][\w.+@~-]*+(?:/[\w.+@~*-]++)*+/?")
# relative paths: a/b/c, drivers/x.c, net/http.Request — a run of [A-Za-z0-9_.+-] (from a position not after
# [\w/.:@-]) followed by "/"-segments. Found run by run (see _rel_paths): as one pattern, every "+" of a long run
# ("a+a+a+…") would be a new start that rescans the rest of the run.
_REL_RUN = re.compile(r"[A-Za-z0-9_.+-]++")
_REL_TAIL = re.compile(r"(?:/[A-Za-z0-9_.+-]++){2,}+|/[A-Za-z0-9_+-]++\.[A-Za-z][\w.]*+")
_NOT_BEFORE_PATH = re.compile(r"[\w/.:@-]")
_WIN_PATH = re.compile(r"\b[A-Za-z]:\\[^\s<>\"'`]+")
# versions: 2.62, v1.9.0, 0:2.63+22.04ubuntu0.1, 1.2.3-r0, 5.4.0-1045-aws, 2.0.0rc1
_VERSION_CORE = r"(?:\d++:)?v?\d++(?:\.\d++)++(?:[A-Za-z~+_-][\w.+~:-]*+)?"
_VERSION = re.compile(r"(?<![\w.:/-])" + _VERSION_CORE)
_VERSION_V = re.compile(r"(?<![\w.:/-])v\d++(?:\.\d++)*\b")  # v2, v0.1.0
# "openssl 3.0.13", "libssh2 v1.9.0": the word before a version is kept with it unless it is ordinary English. The
# word is a run of [\w.+-] from its first letter that is not after [\w.:/-] (see _package_versions); the pattern
# takes whole runs, so that the "+"s of a long run ("a+a+a+…") do not each rescan the rest of it.
_PKG_RUN = re.compile(r"(?<![\w.+-])[\w.+-]++\s(?=" + _VERSION_CORE + r")")
_PKG_START = re.compile(r"(?<![\w.:/-])[A-Za-z]")
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

_DIGIT = "\\d"  # in _PATTERNS: "needs a digit"
_HAS_DIGIT = re.compile(r"\d")
# each pattern with what it cannot match without (one of these literals, or a digit): a short text (a word of a long
# sentence being split) skips most patterns without running them
_PATTERNS: tuple[tuple[Pattern[str], tuple[str, ...]], ...] = (
    (_URL, ("://",)),
    (_ARN, ("arn:aws",)),
    (_VULN_ID, (_DIGIT, "GHSA")),
    (_DIGEST, ("sha",)),
    (_AWS_ID, ("-",)),
    (_IPV4, (_DIGIT,)),
    (_CODE, ("`",)),
    (_SNAKE, ("_",)),
    (_QUOTED, ("'", '"', "‘", "“")),
    (_ABS_PATH, ("/",)),
    (_WIN_PATH, (":\\",)),
    (_VERSION, (_DIGIT,)),
    (_VERSION_V, (_DIGIT,)),
)
_TRIMMED = (_URL, _ARN, _ABS_PATH, _WIN_PATH, _AWS_ID, _VERSION)


def _trim(text: str, start: int, end: int) -> int:
    """``end`` moved back over trailing punctuation; a ``)`` stays while it closes a ``(`` of the span."""
    if end <= start or text[end - 1] not in _TRAIL:
        return end
    opens = closes = -1  # counted once, on the first ")"
    while end > start and text[end - 1] in _TRAIL:
        ch = text[end - 1]
        if ch == ")":
            if opens < 0:
                opens, closes = text.count("(", start, end), text.count(")", start, end)
            if opens >= closes:
                break
            closes -= 1
        end -= 1
    return end


def _calls(text: str):
    for m in _CALL_RUN.finditer(text):
        rs = m.start()
        if text[rs] in _CALL_FIRST:
            yield rs, m.end()
        else:
            s = _CALL_START.search(text, rs, m.end() - 2)
            if s is not None:
                yield s.start(), m.end()


def _rel_paths(text: str):
    n = len(text)
    pos = 0
    while pos < n:
        run = _REL_RUN.search(text, pos)
        if run is None:
            return
        rs, re_ = run.span()
        pos = re_
        if re_ >= n or text[re_] != "/":
            continue
        # the first start in the run: its beginning, unless [\w/.:@-] is before it; else just after a "+"
        if rs == 0 or not _NOT_BEFORE_PATH.match(text, rs - 1):
            start = rs
        else:
            plus = text.find("+", rs, re_ - 1)
            if plus < 0:
                continue
            start = plus + 1
        tail = _REL_TAIL.match(text, re_)
        if tail is not None:
            yield start, _trim(text, start, tail.end())
            pos = tail.end()


def _package_versions(text: str):
    for m in _PKG_RUN.finditer(text):
        s = _PKG_START.search(text, m.start(), m.end() - 1)
        if s is not None:
            yield s.start(), m.end() - 1


def find_spans(text: str) -> list[Span]:
    """Sorted, non-overlapping ``(start, end)`` of the protected spans of ``text`` (overlapping matches are merged)."""
    if not text:
        return []
    found: list[Span] = []
    digit = _HAS_DIGIT.search(text) is not None
    for pattern, needs in _PATTERNS:
        if not any(digit if n is _DIGIT else n in text for n in needs):
            continue
        trim = pattern in _TRIMMED
        for m in pattern.finditer(text):
            s, e = m.span()
            if trim:
                e = _trim(text, s, e)
            if e > s:
                found.append((s, e))
    if "()" in text:
        found.extend(_calls(text))
    if "/" in text:
        found.extend((s, e) for s, e in _rel_paths(text) if e > s)
    for s, e in _package_versions(text) if digit else ():
        word = text[s:e]
        if word.lower() not in _NOT_A_PACKAGE and not (word.isalpha() and _ENGLISH_SUFFIX.search(word)):
            found.append((s, e + 2))  # overlaps the version that follows, so the two merge
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
