"""Group-issue parts of the two-way decision: reading the group key back from an issue, and the lifecycle hook."""

from __future__ import annotations

from inspector2backlog.policy.echo import take
from inspector2backlog.render import backlog_notation, markdown
from inspector2backlog.render.doc import Bullets, Code, Heading
from inspector2backlog.state.records import Member
from inspector2backlog.twoway.groups import issue_group_key

KEY = "group:vuln:SEC:title:Port 22 is reachable"


def described(render) -> dict:
    text = render([Heading("管理情報"), Bullets([["グループキー: ", Code(KEY)], ["種別: ", "パッケージの脆弱性"]])])
    return {"description": "## 概要\n本文 グループキー: group:vuln:SEC:CVE-0000-0001 は例です\n" + text}


def test_group_key_read_back_in_both_markups():
    assert issue_group_key(described(markdown.render)) == KEY
    assert issue_group_key(described(backlog_notation.render)) == KEY


def test_group_key_absent_foreign_or_unbounded():
    assert issue_group_key({"description": "Finding ARN: arn:aws:inspector2:..."}) == ""
    assert issue_group_key({"description": "グループキー: finding:abc"}) == ""
    assert issue_group_key({"description": "グループキー: group:" + "x" * 5000}) == ""
    assert issue_group_key({"customFields": [{"id": 1, "value": KEY}], "description": ""}) == KEY


def entry(status: str, u: float, **written: str) -> Member:
    return Member.from_data({"s": status, "u": u, "v": "HIGH", "sc": 7.5, "p": [], "id": "CVE-2024-3094", **written})


def test_take_absorbs_our_echo_and_joiners_only():
    dec = {"want": "suppress", "done": True, "arns": ["a1", "a2"]}
    members = {"a1": entry("ACTIVE", 1, ws="ACTIVE"), "a2": entry("SUPPRESSED", 3, ws="SUPPRESSED")}
    assert take(dec, members, "a1", entry("SUPPRESSED", 2))  # our echo: recorded as shown
    assert members["a1"].status == members["a1"].written_status == "SUPPRESSED"
    assert take(dec, members, "a2", entry("CLOSED", 1)) and members["a2"].status == "SUPPRESSED"  # older: ignored
    assert take(dec, members, "a3", entry("ACTIVE", 4)) and "a3" not in members and "a3" in dec["joined"]
    assert dec["joined"]["a3"] == entry("ACTIVE", 4).to_data()  # kept compact, like the members on disk
    assert not take(dec, members, "a1", entry("ACTIVE", 5))  # undone in AWS: the lifecycle reopens as usual
    assert not take(dec, members, "a4", entry("SUPPRESSED", 5))  # not ours
    assert not take({"want": "open", "arns": ["a1"]}, members, "a1", entry("SUPPRESSED", 6))
