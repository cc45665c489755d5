"""`inspector2backlog sync --source …` for GuardDuty, IAM Access Analyzer and Security Hub, through the real CLI and
real boto3: the loopback GuardDuty / Access Analyzer / GetFindingsV2 servers and moto's Security Hub (GetFindings,
seeded with BatchImportFindings), reached through boto3's ``AWS_ENDPOINT_URL_<SERVICE>``; the loopback Backlog.

Each source: the first sync files every open finding (an archived one gets no issue), archiving / resolving a finding
at the source closes its issue at the next sync, an interrupted sync resumes without filing anything twice, and a
finding the source no longer lists is not closed (only Inspector's listing speaks for absence).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector2backlog.state.sqlite import SQLiteStore
from tests.conftest import shared_samples
from tests.fakes.access_analyzer_server import AccessAnalyzerServer
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import write_config as backlog_config
from tests.fakes.guardduty_server import GuardDutyServer
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint  # noqa: F401
from tests.fakes.securityhub_v2_server import SecurityHubV2Server
from tests.integration.test_securityhub_api import _many, _prune, _sh_client
from tests.integration.test_sources_listers import aa_samples, gd_base
from tests.unit.test_securityhub_parse import _raw_asff

from .test_sync import PagingProxy, fake, inspector, plan_counts, run, seed_pages, writes  # noqa: F401

GD_ACCOUNT = "012345678910"
DETECTOR = "d1" + "0" * 30


def write_config(tmp: Path, fake: FakeBacklog, *lines: str) -> Path:
    return backlog_config(tmp, fake, "[sync]", f'regions = ["{REGION}"]', *lines)


def source_counts(output: str, source: str) -> dict[str, str]:
    prefix = f"plan.{source}: "
    line = next(x for x in output.splitlines() if x.startswith(prefix))
    return dict(kv.split("=") for kv in line[len(prefix) :].split())


def sync_records(tmp: Path) -> list[str]:
    with SQLiteStore(tmp / "state.sqlite3") as store:
        return [r.key for r in store.records("sync:")]


def finding_records(tmp: Path) -> dict[str, tuple[str | None, str | None]]:
    with SQLiteStore(tmp / "state.sqlite3") as store:
        return {r.key: (r.status, r.issue_key) for r in store.records("finding:")}


def issue(fake: FakeBacklog, key: str | None) -> dict:
    (found,) = [i for i in fake.issues.values() if i["issueKey"] == key]
    return found


def open_issues(fake: FakeBacklog) -> list[dict]:
    return [i for i in fake.issues.values() if i["status"]["name"] != "完了"]


# ---- GuardDuty ---------------------------------------------------------------------------------------------------


def gd_findings(n: int, *, archived: tuple[int, ...] = ()) -> list[dict]:
    base = gd_base()
    out = []
    for i in range(n):
        f = copy.deepcopy(base)
        f["id"] = f"gd-{i:03d}"
        f["arn"] = f"arn:aws:guardduty:{REGION}:{GD_ACCOUNT}:detector/{DETECTOR}/finding/gd-{i:03d}"
        f["accountId"] = GD_ACCOUNT
        f["service"]["archived"] = i in archived
        out.append(f)
    return out


@pytest.fixture()
def guardduty(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[GuardDutyServer]:
    with GuardDutyServer() as srv:
        monkeypatch.setenv("AWS_ENDPOINT_URL_GUARDDUTY", srv.url)  # boto3's service-specific endpoint variable
        yield srv


def test_guardduty_sync_files_open_findings_and_closes_archived_ones(
    tmp_path: Path, fake: FakeBacklog, guardduty: GuardDutyServer
):
    guardduty.add_findings(DETECTOR, gd_findings(4, archived=(3,)))
    cfg = write_config(tmp_path, fake)

    r = run(cfg, "sync", "--source", "guardduty", "--dry-run")
    assert r.exit_code == 0, r.output
    assert source_counts(r.stdout, "guardduty")["created"] == "3" and fake.issues == {}
    assert "Amazon GuardDuty（guardduty）" in r.stdout and "検出結果の状態で完了にします" in r.stdout

    r = run(cfg, "sync", "--source", "guardduty", "--no-progress")
    assert r.exit_code == 0, r.output
    c = source_counts(r.stderr, "guardduty")
    assert (c["created"], c["closed"], c["complete"]) == ("3", "0", "yes"), r.stderr
    assert len(fake.issues) == 3 and len(open_issues(fake)) == 3
    recs = finding_records(tmp_path)
    arn = f"finding:arn:aws:guardduty:{REGION}:{GD_ACCOUNT}:detector/{DETECTOR}/finding/gd-001"
    assert recs[arn][0] == "ACTIVE" and recs[arn][1]
    assert sync_records(tmp_path) == []  # checkpoints cleared

    # archived in GuardDuty (through its API) → the next sync closes that issue, and only that one
    gd = aws_client("guardduty", guardduty.url)
    gd.archive_findings(DetectorId=DETECTOR, FindingIds=["gd-001"])
    before = len(writes(fake))
    r = run(cfg, "sync", "--source", "guardduty", "--no-progress")
    assert r.exit_code == 0, r.output
    assert source_counts(r.stderr, "guardduty")["closed"] == "1"
    closed = issue(fake, recs[arn][1])
    assert closed["status"]["name"] == "完了" and closed["resolution"]["name"] == "対応しない"
    assert len(writes(fake)) - before == 1 and len(open_issues(fake)) == 2

    # a finding GuardDuty no longer lists (deleted after 90 days) is not closed: absence proves nothing here
    del guardduty.detectors[DETECTOR]["gd-000"]
    r = run(cfg, "sync", "--source", "guardduty", "--no-progress")
    assert r.exit_code == 0, r.output
    assert source_counts(r.stderr, "guardduty")["gone_closed"] == "0" and len(open_issues(fake)) == 2


def test_guardduty_sync_resumes_after_an_interruption_without_filing_twice(
    tmp_path: Path, fake: FakeBacklog, guardduty: GuardDutyServer
):
    guardduty.add_findings(DETECTOR, gd_findings(7))
    guardduty.add_findings("d2" + "0" * 30, gd_findings(0))
    cfg = write_config(tmp_path, fake, "[sources.guardduty]", "enabled = true")
    cfg.write_text(cfg.read_text().replace("[sync]\n", '[sync]\nsources = ["guardduty"]\n'), encoding="utf-8")
    # the listing pages at 50; three findings a page through a small page size is not configurable from the CLI,
    # so the interruption is made by --max-pages after the first of two detectors' pages
    r = run(cfg, "sync", "--max-pages", "1", "--no-progress")
    assert r.exit_code == 0, r.output
    assert source_counts(r.stderr, "guardduty")["complete"] == "no" and len(fake.issues) == 7
    (cp,) = sync_records(tmp_path)
    assert cp == f"sync:checkpoint:guardduty:{REGION}"
    lists_before = len([q for q in guardduty.requests if q["path"].endswith("/findings")])
    r = run(cfg, "sync", "--no-progress")
    assert r.exit_code == 0, r.output
    c = source_counts(r.stderr, "guardduty")
    assert (c["created"], c["complete"]) == ("0", "yes") and "前回の中断位置から再開" in r.stderr
    lists = [q for q in guardduty.requests if q["path"].endswith("/findings")][lists_before:]
    assert [q["path"].split("/")[2] for q in lists] == ["d2" + "0" * 30]  # the first detector was not listed again
    assert len(fake.issues) == 7 and sync_records(tmp_path) == []


def test_a_disabled_source_is_refused_when_named(tmp_path: Path, fake: FakeBacklog, guardduty: GuardDutyServer):
    cfg = write_config(tmp_path, fake, "[sources.guardduty]", "enabled = false")
    r = run(cfg, "sync", "--source", "guardduty", "--no-progress")
    assert r.exit_code == 2 and "enabled = false" in r.output
    r = run(cfg, "sync", "--source", "macie", "--no-progress")
    assert r.exit_code == 2 and "macie" in r.output
    assert guardduty.requests == []


# ---- IAM Access Analyzer -----------------------------------------------------------------------------------------


@pytest.fixture()
def access_analyzer(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AccessAnalyzerServer]:
    with AccessAnalyzerServer() as srv:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", srv.url)
        yield srv


def test_access_analyzer_sync_files_active_findings_and_closes_archived_ones(
    tmp_path: Path, fake: FakeBacklog, access_analyzer: AccessAnalyzerServer
):
    samples = aa_samples()
    analyzer = access_analyzer.add_analyzer("A1")
    access_analyzer.add_findings(analyzer, samples)
    cfg = write_config(tmp_path, fake)
    r = run(cfg, "sync", "--source", "access_analyzer", "--no-progress")
    assert r.exit_code == 0, r.output
    c = source_counts(r.stderr, "access_analyzer")
    # ACTIVE ones are filed; RESOLVED ones get none; those with an analysis error are INFORMATIONAL (< LOW)
    active = [s for s in samples if s["status"] == "ACTIVE" and not s.get("error")]
    assert active and int(c["created"]) == len(active) == len(fake.issues), r.stderr
    assert c["complete"] == "yes" and all(i["status"]["name"] == "未対応" for i in fake.issues.values())

    # archived in Access Analyzer (UpdateFindings through boto3) → closed as 対応しない at the next sync
    target = active[0].get("id") or active[0]["findingId"]
    aws_client("accessanalyzer", access_analyzer.url).update_findings(
        analyzerArn=analyzer, status="ARCHIVED", ids=[target]
    )
    before = len(writes(fake))
    r = run(cfg, "sync", "--source", "access_analyzer", "--no-progress")
    assert r.exit_code == 0, r.output
    assert source_counts(r.stderr, "access_analyzer")["closed"] == "1"
    (closed,) = [i for i in fake.issues.values() if i["status"]["name"] == "完了"]
    assert closed["resolution"]["name"] == "対応しない" and target in closed["description"]
    assert len(writes(fake)) - before == 1


# ---- Security Hub ------------------------------------------------------------------------------------------------

SEEDED = (
    "securityhub-asff-inspector2-ec2-cve.defectdojo.getfindings.json",
    "securityhub-asff-guardduty-ec2-accesskey.defectdojo.getfindings.json",
    "securityhub-imported-fsbp-ec2.8-failed-archived-new.jira-sample.event.json",
)


def asff_samples() -> list[dict]:
    out = []
    for name in SEEDED:
        doc = json.loads((shared_samples("securityhub") / name).read_text(encoding="utf-8"))
        out += list(_raw_asff(doc))
    return out


def import_asff(endpoint: str, findings: list[dict]) -> None:
    client = _sh_client(endpoint, validate=False)
    shape = client.meta.service_model.operation_model("BatchImportFindings").input_shape.members["Findings"].member
    out = client.batch_import_findings(Findings=[_prune(f, shape) for f in findings])
    assert out["FailedCount"] == 0, out["FailedFindings"]


@pytest.fixture()
def securityhub(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECURITYHUB", moto_endpoint)
    return moto_endpoint


def test_securityhub_get_findings_sync_files_and_an_archived_record_closes(
    tmp_path: Path, fake: FakeBacklog, securityhub: str
):
    findings = [f for f in asff_samples() if f.get("RecordState") != "ARCHIVED"]
    for f in findings:
        f.setdefault("Workflow", {})["Status"] = "NEW"
    import_asff(securityhub, findings)
    cfg = write_config(tmp_path, fake)
    r = run(cfg, "sync", "--source", "securityhub", "--no-progress")
    assert r.exit_code == 0, r.output
    c = source_counts(r.stderr, "securityhub")
    assert int(c["created"]) == len(fake.issues) >= 2 and c["complete"] == "yes", r.stderr
    n = len(fake.issues)

    # the same listing again: nothing written
    before = len(writes(fake))
    r = run(cfg, "sync", "--source", "securityhub", "--no-progress")
    assert r.exit_code == 0 and source_counts(r.stderr, "securityhub")["writes"] == "0"
    assert len(writes(fake)) == before

    # Security Hub archives one (BatchImportFindings again with RecordState ARCHIVED) → its issue closes
    archived = copy.deepcopy(findings[0])
    archived["RecordState"] = "ARCHIVED"
    archived["UpdatedAt"] = "2030-01-01T00:00:00.000Z"
    import_asff(securityhub, [archived])
    r = run(cfg, "sync", "--source", "securityhub", "--no-progress")
    assert r.exit_code == 0, r.output
    assert source_counts(r.stderr, "securityhub")["closed"] == "1"
    assert len(fake.issues) == n and len(open_issues(fake)) == n - 1


def test_securityhub_get_findings_v2_sync_files_and_closes(
    tmp_path: Path, fake: FakeBacklog, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
):
    ocsf = _many(5)
    with SecurityHubV2Server(ocsf) as srv:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECURITYHUB", srv.url)
        if True:
            cfg = write_config(tmp_path, fake, 'sources = ["securityhub"]', 'securityhub_apis = ["ocsf"]')
            r = run(cfg, "sync", "--no-progress")
            assert r.exit_code == 0, r.output
            c = source_counts(r.stderr, "securityhub")
            opened = int(c["created"])
            assert opened == len(fake.issues) >= 1 and c["complete"] == "yes", r.stderr
            assert srv.calls("GetFindingsV2") and not srv.calls("GetFindings")

            # resolve one in Security Hub → its issue closes
            first = next(iter(fake.issues.values()))
            with srv.store_lock:
                uids = [f for f in srv.findings if f["finding_info"]["uid"] in first["description"]]
                hit = max(uids, key=lambda f: len(f["finding_info"]["uid"]))  # "x-copy1" also contains "x"
                hit["status_id"], hit["status"] = 4, "Resolved"
                hit["finding_info"]["modified_time_dt"] = "2030-01-01T00:00:00.000Z"
            r = run(cfg, "sync", "--no-progress")
            assert r.exit_code == 0, r.output
            assert source_counts(r.stderr, "securityhub")["closed"] == "1"
            assert issue(fake, first["issueKey"])["status"]["name"] == "完了" and len(fake.issues) == opened


# ---- several sources in one run ----------------------------------------------------------------------------------


def test_several_sources_in_one_run_report_each_and_resume_per_source(
    tmp_path: Path, fake: FakeBacklog, guardduty: GuardDutyServer, access_analyzer: AccessAnalyzerServer
):
    guardduty.add_findings(DETECTOR, gd_findings(2))
    analyzer = access_analyzer.add_analyzer("A1")
    samples = [s for s in aa_samples() if s["status"] == "ACTIVE"][:2]
    access_analyzer.add_findings(analyzer, samples)
    cfg = write_config(tmp_path, fake)
    r = run(cfg, "sync", "--source", "guardduty", "--source", "access_analyzer", "--max-pages", "1", "--no-progress")
    assert r.exit_code == 0, r.output
    assert source_counts(r.stderr, "guardduty")["complete"] == "yes"
    assert "plan.access_analyzer" not in r.stderr  # interrupted before Access Analyzer was listed
    assert plan_counts(r.stderr)["complete"] == "no" and len(fake.issues) == 2
    r = run(cfg, "sync", "--source", "guardduty", "--source", "access_analyzer", "--no-progress")
    assert r.exit_code == 0, r.output
    assert source_counts(r.stderr, "guardduty")["created"] == "0"  # done before the interruption: not listed again
    assert source_counts(r.stderr, "access_analyzer")["created"] == "2"
    assert plan_counts(r.stderr)["complete"] == "yes" and len(fake.issues) == 4 and sync_records(tmp_path) == []


def test_inspector_gone_check_leaves_other_sources_issues_alone(
    tmp_path: Path, fake: FakeBacklog, guardduty: GuardDutyServer, inspector: PagingProxy
):
    """A complete Inspector listing of the region lacks the GuardDuty finding's ARN: its issue is not Inspector's
    to close (the gone-check only covers Inspector ARNs)."""
    guardduty.add_findings(DETECTOR, gd_findings(1))
    cfg = write_config(tmp_path, fake)
    assert run(cfg, "sync", "--source", "guardduty", "--no-progress").exit_code == 0
    seed_pages(inspector.upstream, [[]])
    r = run(cfg, "sync", "--no-progress")  # Inspector, the default source
    assert r.exit_code == 0, r.output
    assert plan_counts(r.stderr)["gone_closed"] == "0" and inspector.list_tokens == [None]
    assert len(open_issues(fake)) == 1
