"""Untrusted finding text cannot inject markup, mentions, images or fence terminators into Backlog."""

from __future__ import annotations

import copy

import pytest

from inspector2backlog.findings.model import Unparsed
from inspector2backlog.findings.parse import parse_finding
from inspector2backlog.render.issue import IssueBuilder, fallback_issue
from inspector2backlog.render.safe import has_astral
from inspector2backlog.translate import make_translator

EVIL = (
    "# Heading\n* bullet\n> quote\n**bold** ''bold'' %%strike%% [[KEY-1>http://evil]] [x](http://evil) "
    "![img](http://evil/i.png) @admin hi @all #image(http://evil/a.png) #thumbnail(http://evil/b.png) "
    "{code}x{/code} {/quote} ``` ~~~ <script>alert(1)</script> | pipe | &br; 😀🔥 𠮷"
)
BASE = {
    "findingArn": "arn:aws:inspector2:ap-northeast-1:111122223333:finding/evil",
    "awsAccountId": "111122223333",
    "type": "PACKAGE_VULNERABILITY",
    "severity": "HIGH",
    "status": "ACTIVE",
    "title": "CVE-2024-0001 - " + EVIL,
    "description": EVIL,
    "remediation": {"recommendation": {"text": EVIL}},
    "packageVulnerabilityDetails": {
        "vulnerabilityId": "CVE-2024-0001",
        "vulnerablePackages": [{"name": "evil|pkg`@x", "version": "1.0 ```", "fixedInVersion": "{/code}"}],
        "referenceUrls": ["http://evil/(x)[y]", "javascript:alert(1)"],
    },
    "resources": [{"type": "AWS_EC2_INSTANCE", "id": "i-1", "tags": {"Name": "@team 😀", "k": "[[v]]"}}],
}


@pytest.fixture(scope="module")
def issue():
    return IssueBuilder(make_translator("offline")).build(parse_finding(copy.deepcopy(BASE)))


def test_markdown_is_neutralised(issue):
    md = issue.description("markdown")
    assert not has_astral(md) and not has_astral(issue.summary)
    assert "@admin" not in md and "@all" not in md and "＠admin" in md
    assert "#image(" not in md and "#thumbnail(" not in md
    assert "![" not in md  # no live image syntax
    assert "\n# Heading" not in md and "\n* bullet" not in md
    assert "<script>" not in md and "\\<script\\>" in md
    assert "**bold**" not in md.replace("**あり**", "")
    assert "](javascript:" not in md and "](http://evil/(x)" not in md  # only http(s) links, URL-encoded
    # every fenced block is closed by our fence only: an odd number of ``` would mean injection
    assert md.count("```") % 2 == 0


def test_backlog_notation_is_neutralised(issue):
    bl = issue.description("backlog")
    assert not has_astral(bl)
    assert "@admin" not in bl and "#image(" not in bl and "#thumbnail(" not in bl
    assert "[[KEY-1>http://evil]]" not in bl and "\\[\\[KEY-1" in bl
    assert "''bold''" not in bl and "%%strike%%" not in bl
    assert "{code}x{/code}" not in bl
    assert "\n* bullet" not in bl and "\n> quote" not in bl
    # quote blocks: only our own {quote} … {/quote} pairs remain
    assert bl.count("{/quote}") == bl.count("{quote}")
    assert "[[javascript" not in bl and ">javascript" not in bl
    assert ">http://evil/%28x%29%5By%5D]]" in bl  # brackets in a URL cannot close the link early


def test_summary_is_clean_and_short(issue):
    s = issue.summary
    assert len(s) <= 255 and "\n" not in s and "@admin" not in s and not has_astral(s)


def test_fenced_raw_dump_in_fallback_cannot_be_closed_early():
    raw = '{"x": "```\\n# not a heading\\n{/code}\\n@here"}'
    fb = fallback_issue(Unparsed("evil", "bad", raw))
    md, bl = fb.description("markdown"), fb.description("backlog")
    assert md.count("```") == 2 and bl.count("{/code}") == 1
    assert "@here" not in md and "@here" not in bl


def test_length_limits(issue):
    huge = dict(copy.deepcopy(BASE), description="A" * 300_000, title="T" * 1000)
    big = IssueBuilder(make_translator("offline")).build(parse_finding(huge))
    assert len(big.summary) <= 255
    for fmt in ("markdown", "backlog", "email"):
        text = big.description(fmt)
        assert len(text) <= 100_000 and "…（長さの上限のため省略）" in text[-1000:]
        # the ARN survives the cut: a create that timed out is found again by it (keyword search), not filed twice
        assert text.rstrip().endswith(BASE["findingArn"] + ("`" if fmt == "markdown" else ""))


# ---- rendered, not just grepped: the Markdown goes through a CommonMark + GFM-table parser ------------------------


def _html(md: str) -> str:
    from markdown_it import MarkdownIt  # rich's Markdown parser: CommonMark, plus the tables Backlog renders

    return MarkdownIt("commonmark").enable("table").render(md)


def _with_package(name: str, **extra) -> dict:
    f = copy.deepcopy(BASE)
    f.update(title="CVE-2024-0001 - x", description="A plain description.", **extra)
    f["remediation"] = {"recommendation": {"text": "None Provided"}}
    f["packageVulnerabilityDetails"]["vulnerablePackages"] = [
        {
            "name": name,
            "version": "1.0",
            "fixedInVersion": "1.1",
            "packageManager": "NPM",
            "remediation": f"npm install {name}@1.1",
        }
    ]
    return f


def test_backticks_in_a_package_name_cannot_close_the_code_span():
    evil = "x``` ![p](https://evil.example/p.png) [login](https://evil.example) ```"
    issue = IssueBuilder(make_translator("offline")).build(parse_finding(_with_package(evil)))
    html = _html(issue.description("markdown"))
    assert "<img" not in html and 'href="https://evil.example"' not in html
    assert "![p](https://evil.example/p.png)" in html  # shown as text, inside code


def test_at_signs_in_urls_and_commands_keep_links_working():
    f = _with_package("@babel/traverse")
    f["packageVulnerabilityDetails"]["referenceUrls"] = ["https://www.npmjs.com/package/@babel/traverse"]
    issue = IssueBuilder(make_translator("offline")).build(parse_finding(f))
    md, bl = issue.description("markdown"), issue.description("backlog")
    assert 'href="https://www.npmjs.com/package/%40babel/traverse"' in _html(md)
    assert ">https://www.npmjs.com/package/%40babel/traverse]]" in bl
    assert "@babel" not in md and "@babel" not in bl  # still no mention anywhere


def test_numbered_lists_and_setext_underlines_in_text_stay_text():
    f = copy.deepcopy(BASE)
    f.update(description="Steps:\n1. first\n2) second\nTitle line\n---\nA = B\n===\n+ plus")
    issue = IssueBuilder(make_translator("offline")).build(parse_finding(f))
    md = issue.description("markdown")
    html = _html(md)
    assert "<ol" not in html and "<h2>Title line" not in html and "<h1>A = B" not in html and "<hr" not in html
    assert "1\\. first" in md and "\\1." not in md  # the escape goes after the digits, where it is one


def test_backslashes_cannot_escape_backlog_notation_delimiters():
    f = _with_package("pkg\\")
    f["resources"][0]["tags"] = {"path": "C:\\app\\"}
    bl = IssueBuilder(make_translator("offline")).build(parse_finding(f)).description("backlog")
    row = next(ln for ln in bl.splitlines() if ln.startswith("|pkg"))
    assert row.startswith("|pkg\\\u200b|")  # the backslash is followed by a zero-width space, not by our "|"
    head = bl.splitlines()[bl.splitlines().index(row) - 1]
    assert head.endswith("|h") and row.count("|") == head.count("|") and "\\|" not in row  # all separators live


def test_email_body_is_inert_if_backlog_renders_it():
    """Mail-to-issue turns the body into a description: no live image, link, code block or heading in it."""
    issue = IssueBuilder(make_translator("offline")).build(parse_finding(copy.deepcopy(BASE)))
    _, body = issue.email()
    for live in ("![", "[[", "](", "{code}", "{/code}", "{quote}", "''", "%%", "&br;", "\n# ", "\n* ", "\n> quote"):
        assert live not in body, live
    assert "Heading" in body and "KEY-1" in body  # the text itself is all still there
    assert "<img" not in _html(body) and "<h1" not in _html(body)


def test_lone_surrogates_become_replacement_characters_not_crashes():
    import json

    from inspector2backlog.findings.model import Finding
    from inspector2backlog.findings.parse import iter_text

    event = {"detail-type": "Inspector2 Finding", "source": "aws.inspector2", "detail": copy.deepcopy(BASE)}
    text = json.dumps(event).replace(
        '"description": "', '"description": "\\ud83d lone \\udc00, pair \\ud83d\\ude00 ', 1
    )
    (f,) = iter_text(text, "surrogates")
    assert isinstance(f, Finding) and f.description.startswith("\ufffd lone \ufffd, pair \U0001f600 ")
    issue = IssueBuilder(make_translator("offline")).build(f)
    assert not issue.fallback
    for fmt in ("markdown", "backlog", "email"):
        issue.description(fmt).encode("utf-8")  # encodable: SQLite, DynamoDB and httpx would all accept it


def test_url_at_signs_are_encoded_outside_the_host_only():
    from inspector2backlog.render.safe import clean_url

    assert clean_url("https://www.npmjs.com/package/@babel/core") == "https://www.npmjs.com/package/%40babel/core"
    assert clean_url("https://user@example.com/a@b?q=@c#@d") == "https://user@example.com/a%40b?q=%40c#%40d"


def test_escaped_backslashes_before_u_are_text_not_surrogates():
    import json

    from inspector2backlog.findings.parse import loads

    assert loads(json.dumps({"p": "C:\\ud800\\x"})) == {"p": "C:\\ud800\\x"}  # a literal backslash-u: kept
    assert loads('{"a": "\\ud800", "\\udc00": ["\\ud83d\\ude00"]}') == {"a": "\ufffd", "\ufffd": ["\U0001f600"]}
