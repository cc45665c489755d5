"""Protected spans: what is found, and that restoration puts every span back byte-identical whatever the engine does."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from inspector2backlog.translate.spans import (
    HTML,
    PLACEHOLDER,
    XML,
    find_spans,
    join_translated,
    markup_bytes,
    protect,
    restore,
    split_text,
)
from tests.fakes._mangle import MODES, PREFIX, mangle


def spans_of(text: str) -> list[str]:
    return [text[s:e] for s, e in find_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("similar with the older CVE-2019-18808.", ["CVE-2019-18808"]),
        (
            "see GHSA-m5vv-6r4h-3vj9, ALAS2-2024-2536, ALAS-2023-1234 and USN-6700-1",
            ["GHSA-m5vv-6r4h-3vj9", "ALAS2-2024-2536", "ALAS-2023-1234", "USN-6700-1"],
        ),
        ("fixed by RHSA-2023:7877 and DSA-5532-1", ["RHSA-2023:7877", "DSA-5532-1"]),
        ("upgrade openssl 3.0.13 and flask 2.0.0 now", ["openssl 3.0.13", "flask 2.0.0"]),
        ("In libssh2 v1.9.0 and earlier versions", ["libssh2 v1.9.0"]),
        ("installed 0:2.63+22.04ubuntu0.1 today", ["0:2.63+22.04ubuntu0.1"]),
        ("snapd versions prior to 2.62, snapd failed", ["2.62"]),
        ("Users should upgrade to version 2.32.4.", ["2.32.4"]),
        ("tag v0.1.0 released", ["v0.1.0"]),
        ("in drivers/crypto/ccp/ccp-ops.c, which", ["drivers/crypto/ccp/ccp-ops.c"]),
        ("the file /usr/lib/x86_64-linux-gnu/libssl.so.3.", ["/usr/lib/x86_64-linux-gnu/libssl.so.3"]),
        (
            "path vol-0abc1234def567890:/p1:/usr/local/bin/kubelet here",
            ["vol-0abc1234def567890:/p1:/usr/local/bin/kubelet"],
        ),
        ("see https://nvd.nist.gov/vuln/detail/CVE-2024-1234).", ["https://nvd.nist.gov/vuln/detail/CVE-2024-1234"]),
        (
            "fn arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST, done",
            ["arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST"],
        ),
        (
            "On the instance i-0cc555cfcdf60a48f, from igw-0164390e83f9a0f6b via eni-07db2a50cfa018a03.",
            ["i-0cc555cfcdf60a48f", "igw-0164390e83f9a0f6b", "eni-07db2a50cfa018a03"],
        ),
        (
            "groups sg-0123456789abcdef0 vpc-0a1b2c3d subnet-0a1b2c3d4e5f6a7b8 acl-0a1b2c3d ami-0a1b2c3d4e5f6a7b8",
            [
                "sg-0123456789abcdef0",
                "vpc-0a1b2c3d",
                "subnet-0a1b2c3d4e5f6a7b8",
                "acl-0a1b2c3d",
                "ami-0a1b2c3d4e5f6a7b8",
            ],
        ),
        (
            "caches `Set-Cookie` headers and the 'session_id' or \"PATH\" value",
            ["`Set-Cookie`", "'session_id'", '"PATH"'],
        ),
        ("image sha256:" + "ab" * 32 + " pushed", ["sha256:" + "ab" * 32]),
        (
            "the ccp_run_aes_gcm_cmd() function and SSH_MSG_DISCONNECT logic",
            ["ccp_run_aes_gcm_cmd()", "SSH_MSG_DISCONNECT"],
        ),
        ("the net/http.Request.ParseForm method", ["net/http.Request.ParseForm"]),
        ("open from 0.0.0.0/0 on port 22", ["0.0.0.0/0"]),
    ],
)
def test_finds_protected_spans(text: str, expected: list[str]) -> None:
    assert spans_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "read and/or write over TCP/IP with HTTP/2",
        "A remote attacker can't cause a denial of service.",
        "The client's session was reused by the server's cache.",
        "None Provided",
    ],
)
def test_ordinary_english_is_not_protected(text: str) -> None:
    assert spans_of(text) == []


def test_markup_escapes_text_and_wraps_spans() -> None:
    markup, values = protect('a < b & CVE-2024-0001 "x y" \nnext', HTML)
    assert markup == 'a &lt; b &amp; <span translate="no" data-p="0">CVE-2024-0001</span> "x y" <br/>next'
    assert values == ["CVE-2024-0001"]
    markup, _ = protect("a < b & CVE-2024-0001", XML)
    assert markup == 'a &lt; b &amp; <x i="0">CVE-2024-0001</x>'


# ---- property: any engine layout ------------------------------------------------------------------------------------
TOKENS = st.sampled_from(
    [
        "CVE-2024-3094",
        "GHSA-m5vv-6r4h-3vj9",
        "USN-6700-1",
        "RHSA-2023:7877",
        "openssl 3.0.13",
        "flask 2.0.0",
        "v0.1.0",
        "0:2.63+22.04ubuntu0.1",
        "/usr/lib/libssl.so.3",
        "a/b/c.py",
        "https://example.com/a?b=1&c=2",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-0abcdef1234567890",
        "i-0abcdef1234567890",
        "sg-0123456789abcdef0",
        "vol-0abc1234def567890:/p1:/usr/bin/x",
        "`a<b>&c`",
        "'x_y'",
        "sha256:" + "0f" * 32,
    ]
)
WORDS = st.sampled_from(
    [
        "the",
        "attacker",
        "may",
        "cause",
        "a",
        "denial",
        "of",
        "service",
        "in",
        "and",
        "<b>",
        "&",
        "&amp;",
        '"q"',
        "x > y",
        "\n",
        "it's",
        "é",
        "日本",
        ".",
        ",",
        "(",
        ")",
        "<br/>",
        "</span>",
        "<x>",
    ]
)
TEXTS = st.lists(st.one_of(TOKENS, WORDS), min_size=1, max_size=25).map(" ".join)
DIALECTS = {"html": (HTML, "span"), "xml": (XML, "x"), "placeholder": (PLACEHOLDER, "")}
_ELEMENTS = {
    "html": re.compile(r"<span\b[^>]*\btranslate=\"no\"[^>]*>.*?</span>", re.S),
    "xml": re.compile(r"<x\b[^>]*>.*?</x>", re.S),
    "placeholder": PLACEHOLDER.element,
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, dialect=st.sampled_from(sorted(DIALECTS)))
def test_round_trip_is_identity(text: str, dialect: str) -> None:
    d, _ = DIALECTS[dialect]
    markup, values = protect(text, d)
    assert restore(markup, values, d) == text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, dialect=st.sampled_from(sorted(DIALECTS)), mode=st.sampled_from(MODES))
def test_every_span_survives_any_engine_layout(text: str, dialect: str, mode: str) -> None:
    d, tag = DIALECTS[dialect]
    if dialect == "placeholder" and mode in ("requote", "pad", "strip_attrs"):
        mode = "reorder"
    markup, values = protect(text, d)
    engine_out = mangle(markup, _ELEMENTS[dialect], mode, tag)
    restored = restore(engine_out, values, d)
    assert restored.startswith(PREFIX)
    for value in values:  # byte-identical
        assert value in restored
    # Placement per index: restore with unique sentinels and count them.
    sentinels = [f"§{i}§" for i in range(len(values))]
    placed = Counter(re.findall(r"§\d+§", restore(engine_out, sentinels, d)))
    for s in sentinels:
        if mode == "duplicate" and s == sentinels[0]:
            assert placed[s] == 2
        else:
            assert placed[s] == 1, (mode, engine_out)
    # No markup of ours is left behind.
    if dialect == "html":
        assert 'translate="no"' not in restored.replace("'", '"') or 'translate="no"' in text
    if dialect == "xml":
        assert "<x i" not in restored.replace(" ", "") or "<x" in text


def test_dropped_span_is_appended_not_lost() -> None:
    markup, values = protect("Fixed in openssl 3.0.13 (CVE-2024-0001).", HTML)
    out = markup.replace('<span translate="no" data-p="1">CVE-2024-0001</span>', "")
    assert restore(out, values, HTML) == "Fixed in openssl 3.0.13 (). CVE-2024-0001"


def test_engine_content_inside_element_is_not_trusted() -> None:
    _markup, values = protect("Update openssl 3.0.13 now", XML)
    assert restore('更新 <x i="0">OpenSSL 3.0.１３</x> 今', values, XML) == "更新 openssl 3.0.13 今"


def test_split_respects_limit_and_spans() -> None:
    sentence = "The package openssl 3.0.13 in /usr/lib/libssl.so.3 is affected by CVE-2024-0001 & more. "
    text = sentence * 400
    parts = split_text(text, 2_000, HTML)
    assert len(parts) > 1
    assert "".join(c + s for c, s in parts) == text
    for chunk, _ in parts:
        assert len(protect(chunk, HTML)[0].encode("utf-8")) <= 2_000
        assert "openssl 3.0.13" in chunk  # never cut inside a span
    assert join_translated([("一文目。", " "), ("second.", " "), ("三", "")]) == "一文目。second. 三"


def test_split_without_sentences_falls_back_to_whitespace_then_hard() -> None:
    words = "word " * 3000
    parts = split_text(words, 1_000, HTML)
    assert "".join(c + s for c, s in parts) == words and all(markup_bytes(c, HTML) <= 1_000 for c, _ in parts)
    blob = "x" * 5000
    parts = split_text(blob, 1_000, HTML)
    assert "".join(c + s for c, s in parts) == blob and all(len(c) <= 1_000 for c, _ in parts)


def test_find_spans_on_a_long_text_finds_every_repetition() -> None:
    """A long text's identifiers are all found (its speed is printed by ``bench/micro.py``)."""
    text = (
        "In snapd versions prior to 2.62, snapd failed to check /usr/lib/x and CVE-2024-1234 on i-0123456789abcdef0."
        " Ordinary words follow for a while to make the text long. "
    ) * 50
    found = [text[s:e] for s, e in find_spans(text)]
    assert found.count("CVE-2024-1234") == 50, found[:6]
    assert found.count("i-0123456789abcdef0") == 50, found[:6]


# ---- property: detection (a span that is not found cannot be protected, whatever restore() does) -----------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.one_of(TOKENS, WORDS), min_size=1, max_size=25))
def test_every_identifier_in_a_text_is_inside_a_protected_span(parts: list[str]) -> None:
    """CVE ids, package versions, paths, URLs, ARNs, resource ids and hashes — wherever they stand in a sentence."""
    text = " ".join(parts)
    spans = find_spans(text)
    pos = 0
    for part in parts:
        start = text.index(part, pos)
        pos = start + len(part)
        if part in _IDENTIFIER_TOKENS:
            core = part.split(" ")[-1]  # "openssl 3.0.13": at least the version
            c0 = start + part.index(core)
            assert any(s <= c0 and c0 + len(core) <= e for s, e in spans), (part, text, [text[s:e] for s, e in spans])


_IDENTIFIER_TOKENS = {
    "CVE-2024-3094",
    "GHSA-m5vv-6r4h-3vj9",
    "USN-6700-1",
    "RHSA-2023:7877",
    "openssl 3.0.13",
    "flask 2.0.0",
    "v0.1.0",
    "0:2.63+22.04ubuntu0.1",
    "/usr/lib/libssl.so.3",
    "a/b/c.py",
    "https://example.com/a?b=1&c=2",
    "arn:aws:ec2:us-east-1:123456789012:instance/i-0abcdef1234567890",
    "i-0abcdef1234567890",
    "sg-0123456789abcdef0",
    "vol-0abc1234def567890:/p1:/usr/bin/x",
    "sha256:" + "0f" * 32,
}
