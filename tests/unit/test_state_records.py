"""The typed records: the compact group member entries round-trip through :class:`Member`, and a finding's
lifecycle state maps onto the statuses records keep on disk."""

from __future__ import annotations

import json
from pathlib import Path

from inspector2backlog.findings.parse import parse_finding
from inspector2backlog.policy.grouping import member_entry
from inspector2backlog.state.base import Record
from inspector2backlog.state.records import FindingRecord, GroupRecord, Member, count_resolved, status_for

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _detail(name: str, **changes) -> dict:
    d = json.loads((EXAMPLES / name).read_text())["detail"]
    return {**d, **changes}


def test_every_member_entry_round_trips_with_named_fields() -> None:
    entries = []
    for p in sorted(EXAMPLES.glob("0[1-6]-*.event.json")):  # the findings (07: a scan event, 08: broken)
        detail = json.loads(p.read_text()).get("detail")
        if not isinstance(detail, dict) or "findingArn" not in detail:
            continue  # the scan event, the broken one
        f = parse_finding(detail)
        entries.append(member_entry(f, "group:vuln:SEC:" + (f.details.vulnerability_id or "x"), reachable="IGW"))
    assert len(entries) >= 5 and {m.status for m in entries} == {"ACTIVE", "CLOSED"}
    for m in entries:
        e = m.to_data()  # the compact entry a group record stores
        assert Member.from_data(e) == m and Member.from_data(e).to_data() == e
        assert m.status == e["s"] and m.severity == e["v"] and m.reachable == e["ir"] == "IGW"
        assert m.resource == e["r"] and m.updated == e["u"] and m.active == (e["s"] == "ACTIVE")
        assert m.exploit == e["x"] and m.fix == e["fx"] and m.subject == e["id"] and m.packages == e["p"]
    written = {**entries[0].to_data(), "ws": "ACTIVE", "wf": "abc", "prev": {"severity": "HIGH"}, "later": 1}
    m = Member.from_data(written)
    assert (m.written_status, m.written_fp, m.prev, m.extra) == ("ACTIVE", "abc", {"severity": "HIGH"}, {"later": 1})
    assert m.to_data() == written  # keys this version does not know are kept


def test_statuses_on_disk_follow_the_state() -> None:
    for status, state in (("ACTIVE", "open"), ("CLOSED", "closed"), ("SUPPRESSED", "suppressed")):
        f = parse_finding(_detail("02-ec2-high-openssh.event.json", status=status))
        assert f.state == state and status_for(f.state) == status  # Inspector's records are unchanged
    assert status_for("archived") == "SUPPRESSED"  # closed like a suppressed one until archived_resolution exists


def test_record_views() -> None:
    arn = "arn:aws:inspector2:ap-northeast-1:123456789012:finding/abc"
    fr = FindingRecord.of(Record("finding:" + arn, status="CLOSED", data={"tombstone": True, "expires_at": 10}))
    assert (fr.arn, fr.groups, fr.tombstone) == (arn, None, True) and fr.expired(10) and not fr.expired(9)
    assert FindingRecord.of(Record("finding:" + arn, data={"groups": ["group:vuln:p:CVE-1"]})).groups == (
        "group:vuln:p:CVE-1",
    )
    g = GroupRecord.of(
        Record("group:vuln:p:CVE-1", data={"members": {"a": {"s": "ACTIVE", "v": "HIGH"}, "b": {"s": "CLOSED"}}})
    )
    assert [m.severity for m in g.active()] == ["HIGH"] and g.lock == 0.0
    assert count_resolved({"HIGH": 1}, list(g.members.values())) == {"HIGH": 1, "UNTRIAGED": 1}
