"""The loopback Access Analyzer server through real boto3: analyzers, ListFindingsV2 paging and filters,
GetFindingV2 (details paged), UpdateFindings; boto3's output parses into the same details as the samples."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from inspector2backlog.sources.access_analyzer.parse import lifecycle_status, parse_document, parse_finding
from tests.conftest import shared_samples
from tests.fakes.access_analyzer_server import AccessAnalyzerServer

FINDING_EVENTS = {"Access Analyzer Finding", "Internal Access Finding", "Unused Access Finding for IAM entities"}


def sample_findings() -> list[dict]:
    out: dict[str, dict] = {}
    for path in sorted(shared_samples("access-analyzer").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc = doc.get("data", doc) if "status_code" in doc else doc
        if "detail-type" in doc:
            items = [doc["detail"]] if doc["detail-type"] in FINDING_EVENTS else []
        elif "finding" in doc:
            items = [doc["finding"]]
        elif "findings" in doc:
            items = [f for f in doc["findings"] if "changeType" not in f and "principal" in f]
        else:
            items = [doc]
        for f in items:
            out[f.get("id") or f["findingId"]] = f  # the richest form of a finding wins (v2 / v1 come last)
    return list(out.values())


@pytest.fixture
def server():
    with AccessAnalyzerServer() as srv:
        yield srv


def client(srv):
    return boto3.client(
        "accessanalyzer",
        endpoint_url=srv.url,
        region_name="us-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _core(d):
    return (
        d.finding_id,
        d.kind,
        d.finding_type,
        d.status,
        d.resource,
        d.resource_type,
        d.accesses,
        d.error,
        d.created_at,
        d.updated_at,
    )


def test_boto3_output_parses_like_the_samples(server):
    samples = sample_findings()
    assert len(samples) >= 10
    arn = server.add_analyzer("MyAnalyzer")
    server.add_findings(arn, samples)
    aa = client(server)
    assert [a["arn"] for a in aa.list_analyzers()["analyzers"]] == [arn]
    summaries = []
    for page in aa.get_paginator("list_findings_v2").paginate(analyzerArn=arn, PaginationConfig={"PageSize": 3}):
        summaries += page["findings"]
    assert len(summaries) == len(samples)
    listed = parse_document({"findings": summaries}).findings
    assert {d.finding_id for d in listed} == {s.get("id") or s.get("findingId") for s in samples}
    for s in samples:
        original = parse_finding(s)
        got = aa.get_finding_v2(analyzerArn=arn, id=original.finding_id)
        parsed = parse_document(got, analyzer_arn=arn)
        assert parsed.kind == "get_finding_v2" and parsed.findings[0].analyzer_arn == (original.analyzer_arn or arn)
        assert _core(parsed.findings[0]) == _core(original), original.finding_id


def test_get_finding_v2_pages_details_and_the_sample_v2_round_trips(server):
    v2 = json.loads(
        (
            shared_samples("access-analyzer") / "accessanalyzer-external-iamrole-cognito.awscli-getfindingv2"
            ".response.json"
        ).read_text(encoding="utf-8")
    )
    arn = server.add_analyzer("A")
    detail = v2["findingDetails"][0]
    server.add_findings(arn, [dict(v2, findingDetails=[detail, detail, detail])])
    aa = client(server)
    pages = list(
        aa.get_paginator("get_finding_v2").paginate(analyzerArn=arn, id=v2["id"], PaginationConfig={"PageSize": 2})
    )
    assert [len(p["findingDetails"]) for p in pages] == [2, 1]
    server.add_findings(arn, [v2])
    assert parse_document(aa.get_finding_v2(analyzerArn=arn, id=v2["id"])).findings == parse_document(v2).findings


def test_filters_update_findings_and_errors(server):
    samples = sample_findings()
    arn = server.add_analyzer("MyAnalyzer")
    server.add_findings(arn, samples)
    aa = client(server)
    active = aa.list_findings_v2(analyzerArn=arn, filter={"status": {"eq": ["ACTIVE"]}})["findings"]
    resolved = aa.list_findings_v2(analyzerArn=arn, filter={"status": {"eq": ["RESOLVED"]}})["findings"]
    assert len(active) + len(resolved) == len(samples) and len(resolved) == 2
    target = active[0]["id"]
    aa.update_findings(analyzerArn=arn, status="ARCHIVED", ids=[target])
    got = parse_document(aa.get_finding_v2(analyzerArn=arn, id=target)).findings[0]
    assert got.status == "ARCHIVED" and lifecycle_status(got) == "archived"
    aa.update_findings(analyzerArn=arn, status="ACTIVE", ids=[target])
    assert lifecycle_status(parse_document(aa.get_finding_v2(analyzerArn=arn, id=target)).findings[0]) == "active"
    with pytest.raises(ClientError) as e:
        aa.update_findings(analyzerArn=arn, status="ARCHIVED", ids=["no-such-id"])
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        aa.list_findings_v2(analyzerArn=arn + "-missing")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    server.fail(1, "ValidationException")
    with pytest.raises(ClientError) as e:
        aa.list_analyzers()
    assert e.value.response["Error"]["Code"] == "ValidationException"
