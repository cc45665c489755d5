"""IAM Access Analyzer findings → typed details: every real sample, statuses, previews skipped, garbage, Japanese."""

from __future__ import annotations

import copy
import json
import re

import pytest

from inspector2backlog.sources.access_analyzer import ja
from inspector2backlog.sources.access_analyzer.parse import (
    AccessAnalyzerParseError,
    lifecycle_status,
    material_changes,
    material_snapshot,
    parse_document,
    parse_finding,
    recognise,
)
from tests.conftest import shared_samples

_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FINDING_DETAIL_TYPES = {"Access Analyzer Finding", "Internal Access Finding", "Unused Access Finding for IAM entities"}


@pytest.fixture(scope="module")
def samples() -> dict[str, dict]:
    files = sorted(shared_samples("access-analyzer").glob("*.json"))
    assert len(files) >= 16
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in files}


def raw_findings(doc: dict) -> list[dict]:
    """The test's own reading: which objects of the sample are analyzer findings."""
    doc = doc.get("data", doc) if "status_code" in doc else doc
    if "detail-type" in doc:
        return [doc["detail"]] if doc["detail-type"] in FINDING_DETAIL_TYPES else []
    if "finding" in doc:
        return [doc["finding"]]
    if "findings" in doc:
        return [f for f in doc["findings"] if "changeType" not in f]
    return [doc]


def test_every_sample_parses_with_resource_principal_and_status(samples):
    kinds = set()
    for name, doc in samples.items():
        parsed = parse_document(json.dumps(doc))
        raws = raw_findings(doc)
        assert len(parsed.findings) == len(raws), name
        if not raws:
            assert parsed.skipped and parsed.skipped[0].reason, name  # previews: skipped with a reason
        for raw, d in zip(raws, parsed.findings, strict=False):
            kinds.add(d.kind)
            assert d.finding_id == (raw.get("id") or raw.get("findingId")), name
            assert d.resource == raw["resource"] and d.resource_type == raw["resourceType"], name
            assert d.status == raw["status"] and d.error == raw.get("error"), name
            assert d.is_deleted is bool(raw.get("isDeleted")), name
            access = raw
            if raw.get("findingDetails"):
                access = raw["findingDetails"][0].get("externalAccessDetails") or {}
            principal = access.get("principal") or {}
            assert set(d.principals) == set(principal.items()), name
            assert d.actions == tuple(access.get("action") or ()), name
            assert d.is_public is bool(access.get("isPublic")), name
            assert dict(a for x in d.accesses for a in x.condition) == (access.get("condition") or {}), name
            if raw.get("findingType"):
                assert d.finding_type == raw["findingType"], name
            if raw.get("numberOfUnusedActions") is not None:
                assert d.unused_actions == raw["numberOfUnusedActions"], name
            assert d.created_at is not None and d.updated_at is not None, name
    assert kinds == {"external", "internal", "unused"}


def test_previews_are_recognised_and_skipped(samples):
    for name in (
        "accessanalyzer-accesspreview-completed.event.json",
        "accessanalyzer-accesspreview-creating.event.json",
        "accessanalyzer-accesspreview-failed.event.json",
    ):
        parsed = parse_document(samples[name])
        assert parsed.kind == "event" and parsed.findings == ()
        assert "access preview" in parsed.skipped[0].reason
    listed = parse_document(samples["accessanalyzer-accesspreview-s3.awscli-listaccesspreviewfindings.response.json"])
    assert listed.findings == () and "proposed policy" in listed.skipped[0].reason


def test_shapes_are_recognised(samples):
    assert (
        recognise(samples["accessanalyzer-external-iamrole-cognito.awscli-getfinding.response.json"]) == "get_finding"
    )
    assert (
        recognise(samples["accessanalyzer-external-iamrole-cognito.awscli-getfindingv2.response.json"])
        == "get_finding_v2"
    )
    assert recognise(samples["accessanalyzer-external-iamroles.awscli-listfindingsv2.response.json"]) == "list_findings"
    assert (
        recognise(samples["accessanalyzer-external-sqs-public.custodian-placebo-listfindings.json"]) == "list_findings"
    )
    assert recognise(samples["accessanalyzer-unused-permission-iamrole-active.event.json"]) == "event"
    assert recognise({"hello": 1}) is None and recognise([]) is None


def test_v1_and_v2_of_the_same_finding_agree(samples):
    v1 = parse_document(samples["accessanalyzer-external-iamrole-cognito.awscli-getfinding.response.json"]).findings[0]
    v2 = parse_document(samples["accessanalyzer-external-iamrole-cognito.awscli-getfindingv2.response.json"]).findings[
        0
    ]
    assert v1 == v2


def _pascal(node, keep=("principal", "condition", "Principal", "Condition")):
    if isinstance(node, list):
        return [_pascal(x) for x in node]
    if not isinstance(node, dict):
        return node
    return {k[:1].upper() + k[1:]: (v if k in keep else _pascal(v)) for k, v in node.items()}


def test_pascal_case_gives_equal_details(samples):
    for name in (
        "accessanalyzer-external-iamrole-cognito.awscli-getfindingv2.response.json",
        "accessanalyzer-external-iamroles.awscli-listfindings.response.json",
        "accessanalyzer-external-iamroles.awscli-listfindingsv2.response.json",
        "accessanalyzer-internal-s3bucket-iamrole-active.event.json",
    ):
        doc = samples[name]
        doc = doc.get("detail", doc)
        assert parse_document(_pascal(doc)).findings == parse_document(doc).findings, name


def test_status_mapping_and_is_deleted(samples):
    detail = copy.deepcopy(samples["accessanalyzer-external-s3bucket-active.event.json"]["detail"])
    assert lifecycle_status(parse_finding(detail)) == "active"
    for status, expected in (
        ("ARCHIVED", "archived"),
        ("RESOLVED", "resolved"),
        ("ACTIVE", "active"),
        ("SOMETHING_NEW", "active"),
    ):
        detail["status"] = status
        assert lifecycle_status(parse_finding(detail)) == expected
    detail["status"], detail["isDeleted"] = "ACTIVE", True
    assert lifecycle_status(parse_finding(detail)) == "deleted"
    resolved = parse_document(
        samples["accessanalyzer-external-iamrole-resolved-active.custodian-placebo-listfindings.json"]
    ).findings
    assert [lifecycle_status(d) for d in resolved] == ["resolved", "resolved", "active", "active"]


def test_unused_details_from_v2():
    d = parse_finding(
        {
            "id": "u1",
            "findingType": "UnusedPermission",
            "status": "ACTIVE",
            "resource": "arn:aws:iam::1:role/R",
            "resourceType": "AWS::IAM::Role",
            "findingDetails": [
                {
                    "unusedPermissionDetails": {
                        "serviceNamespace": "s3",
                        "lastAccessed": "2024-01-02T03:04:05Z",
                        "actions": [{"action": "s3:GetObject", "lastAccessed": None}],
                    }
                },
                {"unusedPermissionDetails": {"serviceNamespace": "ec2"}},
            ],
        }
    )
    assert d.kind == "unused" and [p.service_namespace for p in d.unused_permissions] == ["s3", "ec2"]
    assert d.unused_permissions[0].actions[0].action == "s3:GetObject"
    assert material_snapshot(d).unused == ("ec2:*", "s3:s3:GetObject")
    key = parse_finding(
        {
            "id": "k",
            "findingType": "UnusedIAMUserAccessKey",
            "resourceType": "AWS::IAM::User",
            "resource": "arn:aws:iam::1:user/u",
            "status": "ACTIVE",
            "findingDetails": [
                {
                    "unusedIamUserAccessKeyDetails": {
                        "accessKeyId": "AKIAEXAMPLE",
                        "lastAccessed": "2024-01-01T00:00:00Z",
                    }
                }
            ],
        }
    )
    assert key.unused_access_key_id == "AKIAEXAMPLE" and key.unused_last_accessed.year == 2024
    text = ja.explain(key)
    assert "AKIAEXAMPLE" in text.summary[0] and any("削除" in s for s in text.respond)


GARBAGE = [
    "",
    "{",
    "nope",
    "null",
    "[]",
    "{}",
    "[1]",
    '{"findings": "x"}',
    '{"id": 5, "resourceType": "x"}',
    '{"source": "aws.access-analyzer", "detail-type": "Access Analyzer Finding", "detail": []}',
    b"\xff",
    "[" * 100_000,
    "z" * 100_000,
]


@pytest.mark.parametrize("bad", GARBAGE, ids=lambda b: repr(b[:20]))
def test_garbage_gives_a_typed_parse_error(bad):
    with pytest.raises(AccessAnalyzerParseError) as e:
        parse_document(bad)
    assert e.value.reason


def test_truncated_and_mistyped_samples(samples):
    tried = 0
    for doc in samples.values():
        text = json.dumps(doc)
        for cut in (1, len(text) // 2, len(text) - 1):
            with pytest.raises(AccessAnalyzerParseError):
                parse_document(text[:cut])
        for raw in raw_findings(doc)[:1]:
            for key in list(raw):
                for wrong in (None, "", 3, [], {}, True, [{"x": 1}], {"a": {"b": 1}}):
                    bent = dict(raw, **{key: wrong})
                    tried += 1
                    try:
                        parse_finding(bent)
                    except AccessAnalyzerParseError:
                        pass
    assert tried > 500


def test_material_snapshot(samples):
    detail = copy.deepcopy(samples["accessanalyzer-external-s3bucket-active.event.json"]["detail"])
    before = material_snapshot(parse_finding(detail))
    later = dict(detail, updatedAt="2030-01-01T00:00:00Z", analyzedAt="2030-01-01T00:00:00Z", status="ARCHIVED")
    assert material_snapshot(parse_finding(later)) == before
    cases = {
        "principal": dict(detail, principal={"AWS": "444455556666"}),
        "action": dict(detail, action=["s3:GetObject", "s3:PutObject"]),
        "public": dict(detail, isPublic=True),
        "condition": dict(detail, condition={"aws:SourceIp": "203.0.113.0/24"}),
    }
    for change, bent in cases.items():
        after = material_snapshot(parse_finding(bent))
        assert after != before and material_changes(before, after) == (change,), change
    assert json.dumps(before.as_dict())


def test_japanese_for_every_sample(samples):
    seen = 0
    for name, doc in samples.items():
        for d in parse_document(doc).findings:
            seen += 1
            text = ja.explain(d)
            assert text.summary and all(_JA.search(s) for s in text.summary), name
            assert text.respond and all(_JA.search(s) for s in text.respond), name
            assert d.resource in text.summary[0], name  # which resource, shown as it is
            rows = dict(text.facts)
            assert rows["リソース"] == d.resource and rows["検出結果の種類"] == d.finding_type, name
            for _, value in d.principals:
                expected = ja.PUBLIC if value == "*" else value
                assert ("アクセスできる主体", expected) in text.facts, name
            if d.is_public:
                assert ja.PUBLIC in text.summary[0], name
            if d.actions:
                assert d.actions[0] in text.summary[0], name
            if d.error:
                assert any(d.error in s for s in text.summary), name
    assert seen >= 14


def test_principal_phrases():
    assert ja.principal_ja("AWS", "*") == ja.PUBLIC
    assert ja.principal_ja("AWS", "999988887777") == "AWS アカウント 999988887777"
    assert ja.principal_ja("Federated", "cognito-identity.amazonaws.com").startswith("フェデレーション")
    assert ja.principal_ja("AWS", "arn:aws:iam::1:role/R") == "IAM ロール arn:aws:iam::1:role/R"


def test_sources_do_not_claim_each_others_inputs(samples):
    from inspector2backlog.sources.guardduty import parse as gd

    gd_dir = shared_samples("guardduty")
    gd_docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(gd_dir.glob("*.json"))]
    assert len(gd_docs) >= 10
    for doc in gd_docs:
        assert recognise(doc) is None
        for f in doc.get("Findings") or [doc.get("detail", doc)]:
            assert recognise(f) is None
    for name, doc in samples.items():
        assert gd.recognise(doc) is None, name
