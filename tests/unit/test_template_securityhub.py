"""The SAM template's Security Hub part (issue 13): an EventBridge rule for ASFF and OCSF finding events into the
findings queue when EnableSecurityHub is true, and a scoped managed policy for `sync` (GetFindings, GetFindingsV2)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import SHARED
from tests.fakes.moto_server import moto_endpoint  # noqa: F401
from tests.unit.test_template import NO_VALUE, EventBus, iam_problems, resources_of, template

DETAIL_TYPES = ["Security Hub Findings - Imported", "Security Hub Findings - Custom Action", "Findings Imported V2"]


def test_security_hub_is_off_by_default_and_everything_of_it_follows_the_parameter() -> None:
    tpl = template()
    assert tpl["Parameters"]["EnableSecurityHub"]["Default"] == "false"
    assert tpl["Conditions"]["SecurityHubEnabled"] == {"Fn::Equals": [{"Ref": "EnableSecurityHub"}, "true"]}
    own = {n for n, r in tpl["Resources"].items() if r.get("Condition") == "SecurityHubEnabled"}
    assert own == {"SecurityHubFindingsRule", "SecurityHubSyncPolicy"}


def test_the_rule_feeds_the_findings_queue_with_every_finding_event() -> None:
    rule = template()["Resources"]["SecurityHubFindingsRule"]["Properties"]
    assert rule["EventPattern"] == {"source": ["aws.securityhub"], "detail-type": DETAIL_TYPES}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["FindingsQueue", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}


def test_sync_policy_reads_findings_on_this_hub_only() -> None:
    tpl = template()
    policy = tpl["Resources"]["SecurityHubSyncPolicy"]["Properties"]["PolicyDocument"]
    (st,) = policy["Statement"]
    assert st["Action"] == ["securityhub:GetFindings", "securityhub:GetFindingsV2"]
    assert st["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default"
    }
    assert iam_problems(tpl) == []
    _, role = next(iter(resources_of(tpl, "AWS::IAM::Role").items()))
    assert "securityhub" not in json.dumps(role)  # the function itself needs no Security Hub access
    assert template()["Outputs"]["SecurityHubSyncPolicyArn"]["Condition"] == "SecurityHubEnabled"
    assert NO_VALUE == {"Ref": "AWS::NoValue"}


def test_the_pattern_routes_the_real_sample_events(moto_endpoint: str) -> None:
    bus = EventBus(moto_endpoint)
    bus.add_rule("securityhub", template()["Resources"]["SecurityHubFindingsRule"]["Properties"]["EventPattern"])
    sent: set[str] = set()
    events: list[dict[str, Any]] = []
    if not (SHARED / "samples" / "securityhub").is_dir():
        pytest.skip(f"the shared samples are not here ({SHARED}/samples/securityhub): set I2B_SHARED_DIR")
    for folder in ("securityhub", "securityhub-ocsf"):
        events += [
            json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((SHARED / "samples" / folder).glob("*.event.json"))
        ]
    assert len(events) >= 10
    for i, ev in enumerate(events):
        detail = {**ev["detail"], "findingArn": f"sample-{i}"}  # EventBus reads findingArn back from the queue
        bus.put(detail, source=ev["source"], detail_type=ev["detail-type"])
        sent.add(detail["findingArn"])
    bus.put({"findingArn": "insight"}, source="aws.securityhub", detail_type="Security Hub Insight Results")
    bus.put({"findingArn": "inspector"}, source="aws.inspector2", detail_type="Security Hub Findings - Imported")
    assert bus.received("securityhub") == sent
