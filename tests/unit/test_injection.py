"""Untrusted finding text cannot inject markup, mentions, images or fence terminators into Backlog."""

from __future__ import annotations

import copy

import pytest

from inspector2backlog.findings.parse import parse_finding
from inspector2backlog.render.issue import IssueBuilder, fallback_issue
from inspector2backlog.findings.model import Unparsed
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
        assert len(big.description(fmt)) <= 100_000
        assert big.description(fmt).endswith("…（長さの上限のため省略）")
