"""Inspector on the source seam: the registry finds it, its parse sets the core fields the seam adds, its details
are typed (resources included), and it answers every method the pipeline asks (``Source`` + ``BaseSource``)."""

from __future__ import annotations

import copy

from inspector2backlog import sources
from inspector2backlog.findings.model import Finding, RawDetails, Skipped
from inspector2backlog.findings.parse import iter_items, parse_finding
from inspector2backlog.sources.base import BaseSource, RiskInputs, Source
from inspector2backlog.sources.inspector2.model import Ec2Instance, EcrImage, InspectorDetails, LambdaFunction

from .test_parse import EVENT, FINDING


def test_the_registry_lazily_gives_inspector_and_it_satisfies_the_protocol() -> None:
    src = sources.get("inspector2")
    assert isinstance(src, Source) and isinstance(src, BaseSource)
    assert src.name == "inspector2" and src.label == "Amazon Inspector"
    assert sources.for_finding(FINDING) is not None and sources.for_finding({"id": "x"}) is None
    assert sources.for_event("anything", "Inspector2 Coverage") is not None  # by its detail-type prefix


def test_parse_sets_source_state_and_typed_details() -> None:
    f = parse_finding(FINDING)
    assert (f.source, f.state, f.severity_source) == ("inspector2", "open", "HIGH")
    assert isinstance(f.details, InspectorDetails) and f.details.vulnerability_id == "CVE-2024-0001"
    assert isinstance(f.resources[0].details, Ec2Instance)
    for status, state in (("CLOSED", "closed"), ("SUPPRESSED", "suppressed"), ("active", "open")):
        assert parse_finding(dict(FINDING, status=status)).state == state


def test_resource_details_are_typed_once_and_unknown_kinds_kept_whole() -> None:
    d = copy.deepcopy(FINDING)
    d["resources"] = [
        {"type": "AWS_EC2_INSTANCE", "id": "i-1", "details": {"awsEc2Instance": {"ipV4Addresses": ["10.0.0.1", 7]}}},
        {"type": "AWS_ECR_CONTAINER_IMAGE", "id": "r", "details": {"image": {"imageTags": ["v1", True]}}},
        {"type": "AWS_LAMBDA_FUNCTION", "id": "fn", "details": {"awsLambdaFunction": {"vpcConfig": {"vpcId": "v"}}}},
        {"type": "AWS_SOMETHING_NEW", "id": "x", "details": {"awsSomethingNew": {"a": 1}}},
    ]
    ec2, image, fn, other = (r.details for r in parse_finding(d).resources)
    assert isinstance(ec2, Ec2Instance) and ec2.ipv4_addresses == ("10.0.0.1", "7")
    assert isinstance(image, EcrImage) and image.image_tags == ("v1",)  # a boolean is no tag
    assert isinstance(fn, LambdaFunction) and fn.vpc_id == "v"
    assert other == RawDetails("awsSomethingNew", {"awsSomethingNew": {"a": 1}})


def test_non_finding_events_are_skipped_with_the_source_reason() -> None:
    (item,) = iter_items(dict(EVENT, **{"detail-type": "Inspector2 Scan"}, detail={"scan-status": "x"}))
    assert isinstance(item, Skipped) and item.reason == "スキャン完了通知（検出結果ではありません）"


def test_policy_values_come_from_the_source_and_a_bare_finding_has_defaults() -> None:
    src = sources.get("inspector2")
    f = parse_finding(dict(FINDING, epss={"score": 0.5}, exploitAvailable="YES", fixAvailable="NO"))
    assert src.filter_values(f) == {"exploit": "YES", "fix": "NO", "epss": 0.5}
    assert src.risk_inputs(f) == RiskInputs(True, 0.5, "", "")
    bare = Finding("arn:x", "1", "PACKAGE_VULNERABILITY", "LOW", "ACTIVE", "t", "d")
    assert src.snapshot(bare)["packages"] == [] and src.group_ids(bare, "fix") == [("vuln", "title:t")]
    assert BaseSource().group_ids(bare, "vulnerability") == [] and BaseSource().filter_values(bare) == {}
