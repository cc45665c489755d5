"""``sync`` listers of GuardDuty and IAM Access Analyzer through real boto3 against the loopback fakes: every detector
and analyzer, archived / resolved findings included, ≤ 50 ids a GetFindings call, resumable by page token, paced,
and each listed finding parses on the seam into the same Finding as the sample it was seeded from."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import boto3
import pytest

from inspector2backlog.findings.model import Finding
from inspector2backlog.sources.access_analyzer import SOURCE as AA
from inspector2backlog.sources.guardduty import SOURCE as GD
from tests.conftest import shared_samples
from tests.fakes.access_analyzer_server import AccessAnalyzerServer
from tests.fakes.guardduty_server import GuardDutyServer

DETECTORS = ("d1" + "0" * 30, "d2" + "0" * 30)


def options(srv, **extra):
    def client_for(service: str, region: str):
        return boto3.client(
            service,
            endpoint_url=srv.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return SimpleNamespace(client_for=client_for, **extra)


def gd_base() -> dict:
    p = shared_samples("guardduty") / "guardduty-ec2-recon-portprobe-2017-schema.sumologic.finding.json"
    return json.loads(p.read_text(encoding="utf-8"))


def many(base: dict, n: int, prefix: str) -> list[dict]:
    out = []
    for i in range(n):
        f = copy.deepcopy(base)
        f["id"] = f"{prefix}-{i:03d}"
        f["arn"] = f"arn:aws:guardduty:us-east-1:012345678910:detector/x/finding/{prefix}-{i:03d}"
        f["service"]["archived"] = i % 4 == 0
        out.append(f)
    return out


@pytest.fixture
def gd_server():
    with GuardDutyServer() as srv:
        yield srv


@pytest.fixture
def aa_server():
    with AccessAnalyzerServer() as srv:
        yield srv


def parsed(src, page) -> list[Finding]:
    out = []
    for raw in page.findings:
        items = list(src.parse(raw, "sync", None))
        assert len(items) == 1 and isinstance(items[0], Finding), items
        out.append(items[0])
    return out


def test_guardduty_lists_every_detector_archived_included_50_ids_a_call(gd_server):
    base = gd_base()
    gd_server.add_findings(DETECTORS[0], many(base, 120, "a"))
    gd_server.add_findings(DETECTORS[1], many(base, 7, "b"))
    lister = GD.lister(options(gd_server))
    pages = list(lister.pages("us-east-1"))
    assert [len(p.findings) for p in pages] == [50, 50, 20, 7]
    assert pages[-1].next_token is None and all(p.next_token for p in pages[:-1])
    found = [f for p in pages for f in parsed(GD, p)]
    assert len({f.arn for f in found}) == 127
    assert sum(f.state == "archived" for f in found) == 30 + 2  # archived ones are listed: their issues close
    gets = [r for r in gd_server.requests if r["path"].endswith("/findings/get")]
    assert gets and all(len(r["body"]["findingIds"]) <= 50 for r in gets)
    lists = [r for r in gd_server.requests if r["path"].endswith("/findings")]
    assert all("findingCriteria" not in r["body"] for r in lists)  # no archived filter
    # the boto3 (PascalCase, datetime-free) copy parses to the same details as the sample itself
    (direct,) = [i for i in GD.parse(many(base, 1, "a")[0], "t", None)]
    assert next(f for f in found if f.arn == direct.arn).details == direct.details


def test_guardduty_resumes_from_a_saved_token(gd_server):
    base = gd_base()
    gd_server.add_findings(DETECTORS[0], many(base, 60, "a"))
    gd_server.add_findings(DETECTORS[1], many(base, 3, "b"))
    lister = GD.lister(options(gd_server))
    first = next(iter(lister.pages("us-east-1")))
    rest = list(GD.lister(options(gd_server)).pages("us-east-1", token=first.next_token))
    ids = [f["Id"] for p in [first, *rest] for f in p.findings]
    assert len(ids) == len(set(ids)) == 63
    # a token saved at a detector boundary starts that detector from its beginning
    boundary = rest[0].next_token
    tail = list(GD.lister(options(gd_server)).pages("us-east-1", token=boundary))
    assert [f["Id"] for p in tail for f in p.findings] == [f"b-{i:03d}" for i in range(3)]
    # an unreadable token lists everything again (harmless: the lifecycle ignores what it applied)
    assert sum(len(p.findings) for p in GD.lister(options(gd_server)).pages("us-east-1", token="garbage")) == 63


def test_guardduty_accounts_filter_and_pacing(gd_server):
    gd_server.add_findings(DETECTORS[0], many(gd_base(), 5, "a"))
    slept: list[float] = []
    now = [0.0]
    opts = options(gd_server, accounts=("012345678910",), api_interval=2.0, sleep=slept.append, clock=lambda: now[0])
    pages = list(GD.lister(opts).pages("us-east-1"))
    assert sum(len(p.findings) for p in pages) == 5
    lists = [r for r in gd_server.requests if r["path"].endswith("/findings")]
    assert lists[0]["body"]["findingCriteria"] == {"criterion": {"accountId": {"eq": ["012345678910"]}}}
    assert slept and all(s == 2.0 for s in slept)  # ListDetectors → ListFindings → GetFindings, 2 s apart
    opts.accounts = ("999999999999",)
    assert sum(len(p.findings) for p in GD.lister(opts).pages("us-east-1")) == 0


def aa_samples() -> list[dict]:
    out: dict[str, dict] = {}
    for path in sorted(shared_samples("access-analyzer").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc = doc.get("data", doc) if "status_code" in doc else doc
        if doc.get("detail-type") in ("Access Analyzer Finding", "Internal Access Finding"):
            items = [doc["detail"]]
        elif "finding" in doc:
            items = [doc["finding"]]
        elif "findings" in doc:
            items = [f for f in doc["findings"] if "changeType" not in f and "principal" in f]
        else:
            items = []
        for f in items:
            out[f.get("id") or f["findingId"]] = f
    return list(out.values())


def test_access_analyzer_lists_every_analyzer_and_status_with_details(aa_server):
    samples = aa_samples()
    assert len(samples) >= 8
    first = aa_server.add_analyzer("A1")
    second = aa_server.add_analyzer("A2", "ORGANIZATION")
    aa_server.add_findings(first, samples[:5])
    aa_server.add_findings(second, samples[5:])
    lister = AA.lister(options(aa_server, page_size=2))
    pages = list(lister.pages("us-west-2"))
    assert pages[-1].next_token is None and all(p.next_token for p in pages[:-1])
    found = [f for p in pages for f in parsed(AA, p)]
    assert {f.details.finding_id for f in found} == {s.get("id") or s.get("findingId") for s in samples}
    assert {f.details.analyzer_arn for f in found} == {first, second} and {f.region for f in found} == {"us-west-2"}
    assert {"closed", "open"} <= {f.state for f in found}  # RESOLVED ones are listed: their issues close
    with_access = [f for f in found if f.details.accesses]
    assert with_access and all(not f.details.summary_only for f in found)  # GetFindingV2 filled the details
    gets = [r for r in aa_server.requests if r["method"] == "GET" and r["path"].startswith("/findingv2/")]
    assert len(gets) == len(samples)


def test_access_analyzer_resumes_and_the_key_matches_the_event_path(aa_server):
    samples = aa_samples()
    arn = aa_server.add_analyzer("A1")
    aa_server.add_findings(arn, samples)
    pages = AA.lister(options(aa_server, page_size=3)).pages("us-west-2")
    head = next(pages)
    rest = list(AA.lister(options(aa_server, page_size=3)).pages("us-west-2", token=head.next_token))
    ids = [f["id"] for p in [head, *rest] for f in p.findings]
    assert len(ids) == len(set(ids)) == len(samples)
    event = json.loads(
        (shared_samples("access-analyzer") / "accessanalyzer-external-s3bucket-active.event.json").read_text()
    )
    aa_server.add_findings(arn, [event["detail"]])
    listed = [f for p in AA.lister(options(aa_server)).pages("us-west-2") for f in parsed(AA, p)]
    (from_event,) = [i for i in AA.parse(event, "ev", None) if isinstance(i, Finding)]
    (from_sync,) = [f for f in listed if f.details.finding_id == event["detail"]["id"]]
    assert from_sync.arn == from_event.arn and AA.snapshot(from_sync) == AA.snapshot(from_event)
