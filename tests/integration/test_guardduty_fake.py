"""The loopback GuardDuty server through real boto3: detectors, criteria, paging, ≤ 50 ids, archive; the boto3
(PascalCase) findings parse into the same details as the camelCase samples they were seeded from."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from inspector2backlog.sources.guardduty.parse import lifecycle_status, parse_document, parse_finding
from tests.fakes.guardduty_server import GuardDutyServer

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("I2B_SHARED_DIR") or REPO.parent / "shared")
SAMPLES = SHARED / "samples" / "guardduty"
DETECTOR = "d4b040365221be2b54a6264dcexample"


def sample_findings() -> list[dict]:
    if not SAMPLES.is_dir():
        pytest.skip(f"GuardDuty samples not found at {SAMPLES} (../shared beside the repo, or set I2B_SHARED_DIR)")
    out = []
    for path in sorted(SAMPLES.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out += [doc["detail"]] if "detail" in doc else doc.get("Findings") or [doc]
    return out


@pytest.fixture
def server():
    with GuardDutyServer() as srv:
        yield srv


def client(srv):
    return boto3.client("guardduty", endpoint_url=srv.url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def fetch_all(gd, detector: str, criterion: dict | None = None) -> list[dict]:
    ids: list[str] = []
    kwargs = {"DetectorId": detector, "MaxResults": 50}
    if criterion:
        kwargs["FindingCriteria"] = {"Criterion": criterion}
    for page in gd.get_paginator("list_findings").paginate(**kwargs):
        ids += page["FindingIds"]
    found: list[dict] = []
    for i in range(0, len(ids), 50):
        found += gd.get_findings(DetectorId=detector, FindingIds=ids[i : i + 50])["Findings"]
    return found


def test_boto3_pascal_case_equals_the_camel_case_samples(server):
    samples = sample_findings()
    server.add_findings(DETECTOR, samples)
    gd = client(server)
    assert gd.list_detectors()["DetectorIds"] == [DETECTOR]
    got = fetch_all(gd, DETECTOR)
    assert len(got) == len(samples)
    assert all("Id" in f and "id" not in f for f in got)  # boto3's shape, not the wire's
    by_id = {d.finding_id: d for d in parse_document({"Findings": got}).findings}
    camel = [f for f in samples if "id" in f]
    assert len(camel) >= 4
    for raw in samples:
        original = parse_finding(raw)
        assert by_id[original.finding_id] == original, original.finding_type


def test_paging_criteria_archive_and_unarchive(server):
    base = next(f for f in sample_findings() if f.get("type") == "Recon:EC2/PortProbeUnprotectedPort")
    many = []
    for i in range(120):
        f = copy.deepcopy(base)
        f["id"] = f"finding-{i:03d}"
        f["severity"] = 8 if i % 3 == 0 else 2
        many.append(f)
    server.add_findings(DETECTOR, many)
    gd = client(server)
    first = gd.list_findings(DetectorId=DETECTOR, MaxResults=50)
    assert len(first["FindingIds"]) == 50 and first["NextToken"]
    assert len(fetch_all(gd, DETECTOR)) == 120
    high = fetch_all(gd, DETECTOR, {"severity": {"GreaterThanOrEqual": 7}})
    assert len(high) == 40 and all(f["Severity"] == 8 for f in high)

    gd.archive_findings(DetectorId=DETECTOR, FindingIds=[f"finding-{i:03d}" for i in range(30)])
    archived = fetch_all(gd, DETECTOR, {"service.archived": {"Equals": ["true"]}})
    assert len(archived) == 30
    assert {lifecycle_status(d) for d in parse_document({"Findings": archived}).findings} == {"archived"}
    assert len(fetch_all(gd, DETECTOR, {"service.archived": {"Eq": ["false"]}})) == 90
    gd.unarchive_findings(DetectorId=DETECTOR, FindingIds=["finding-000"])
    assert len(fetch_all(gd, DETECTOR, {"service.archived": {"Eq": ["true"]}})) == 29
    assert server.finding(DETECTOR, "finding-000")["service"]["archived"] is False


def test_limits_and_errors(server):
    server.add_detector(DETECTOR)
    gd = client(server)
    with pytest.raises(ClientError) as e:
        gd.get_findings(DetectorId=DETECTOR, FindingIds=[f"x{i}" for i in range(51)])
    assert e.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as e:
        gd.list_findings(DetectorId="not-a-detector")
    assert e.value.response["Error"]["Code"] == "BadRequestException"
    server.fail(1, "AccessDeniedException")
    with pytest.raises(ClientError) as e:
        gd.list_detectors()
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert gd.list_detectors()["DetectorIds"] == [DETECTOR]
    assert server.requests[-1]["method"] == "GET" and server.requests[-1]["path"] == "/detector"
