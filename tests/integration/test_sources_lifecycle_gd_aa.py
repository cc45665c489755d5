"""Issue 12's lifecycle acceptance through the real CLI (`send`, one event per run) against the loopback Backlog:
GuardDuty re-occurrences with a rising count write nothing, a severity raise is one comment, archived closes (対応しない
by default), a new occurrence after the archive reopens; Access Analyzer ACTIVE → RESOLVED closes as 対応済み and
ARCHIVED as 対応しない."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config

from ..conftest import EXAMPLES

GD_EVENT = EXAMPLES / "09-guardduty-credential-exfiltration.event.json"
AA_EVENT = EXAMPLES / "10-access-analyzer-s3-public.event.json"


@pytest.fixture
def fake():
    with FakeBacklog() as f:
        yield f


def gd_event(n: int, *, count: int, severity: float = 8, archived: bool = False) -> dict:
    ev = json.loads(GD_EVENT.read_text(encoding="utf-8"))
    ev["id"] = f"gd-ev-{n}"
    stamp = f"2024-08-{n:02d}T00:00:00.000Z"
    ev["time"] = stamp[:19] + "Z"
    d = ev["detail"]
    d["updatedAt"] = stamp
    d["severity"] = severity
    d["service"]["count"] = count
    d["service"]["eventLastSeen"] = stamp
    d["service"]["archived"] = archived
    return ev


def aa_event(n: int, status: str, finding_id: str = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9") -> dict:
    ev = json.loads(AA_EVENT.read_text(encoding="utf-8"))
    ev["id"] = f"aa-ev-{n}-{finding_id[:4]}"
    stamp = f"2024-08-{n:02d}T00:00:00Z"
    ev["detail"].update(id=finding_id, status=status, updatedAt=stamp, analyzedAt=stamp)
    return ev


class Runner:
    def __init__(self, tmp: Path, fake: FakeBacklog) -> None:
        self.tmp, self.fake, self.n = tmp, fake, 0
        self.cfg = write_config(tmp, fake)
        self.cli = CliRunner()

    def send(self, ev: dict) -> None:
        self.n += 1
        p = self.tmp / f"ev{self.n}.json"
        p.write_text(json.dumps(ev), encoding="utf-8")
        r = self.cli.invoke(app, ["send", str(p), "--config", str(self.cfg)], catch_exceptions=False)
        assert r.exit_code == 0, r.output

    def count(self, kind: str) -> int:
        return sum(1 for r in self.fake.requests if r.kind == kind)


def only_issue(fake: FakeBacklog) -> dict:
    issues = list(fake.issues.values())
    assert len(issues) == 1, [i["summary"] for i in issues]
    return issues[0]


def test_guardduty_rising_count_is_one_issue_one_create_no_update(tmp_path, fake, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    run = Runner(tmp_path, fake)
    for n in range(1, 6):
        run.send(gd_event(n, count=n * 3))
    issue = only_issue(fake)
    assert "【重要 8.0】" in issue["summary"] and "InstanceCredentialExfiltration" in issue["summary"]
    assert "対応手順" in issue["description"] and "203.0.113.45" in issue["description"]
    assert run.count("create_issue") == 1
    assert run.count("update_issue") == 0 and run.count("add_comment") == 0


def test_guardduty_severity_raise_is_one_comment(tmp_path, fake, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    run = Runner(tmp_path, fake)
    run.send(gd_event(1, count=1, severity=5))
    run.send(gd_event(2, count=2, severity=5))
    run.send(gd_event(3, count=3, severity=8))
    issue = only_issue(fake)
    comments = [c["content"] for c in fake.comments_of(issue["issueKey"])]
    assert len(comments) == 1 and "重要度: 警告 5.0 → 重要 8.0" in comments[0]
    assert issue["status"]["name"] == "未対応"


def test_guardduty_archived_closes_and_a_new_occurrence_reopens(tmp_path, fake, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    run = Runner(tmp_path, fake)
    run.send(gd_event(1, count=1))
    run.send(gd_event(2, count=1, archived=True))
    issue = only_issue(fake)
    assert issue["status"]["name"] == "完了" and issue["resolution"]["name"] == "対応しない"
    run.send(gd_event(3, count=2, archived=True))  # the same archived copy again: stays closed, no write
    assert only_issue(fake)["status"]["name"] == "完了"
    run.send(gd_event(4, count=5, archived=False))  # it occurs again, no longer archived
    issue = only_issue(fake)
    assert issue["status"]["name"] == "未対応"
    comments = [c["content"] for c in fake.comments_of(issue["issueKey"])]
    assert len(comments) == 2


def test_access_analyzer_resolved_closes_as_fixed_and_archived_as_wont_fix(tmp_path, fake, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    run = Runner(tmp_path, fake)
    resolved, archived = "11111111-aaaa-4bbb-8ccc-000000000001", "22222222-aaaa-4bbb-8ccc-000000000002"
    run.send(aa_event(1, "ACTIVE", resolved))
    run.send(aa_event(1, "ACTIVE", archived))
    assert len(fake.issues) == 2
    assert all(i["status"]["name"] == "未対応" for i in fake.issues.values())
    run.send(aa_event(2, "RESOLVED", resolved))
    run.send(aa_event(2, "ARCHIVED", archived))
    by_id = {fid: [i for i in fake.issues.values() if fid in i["description"]] for fid in (resolved, archived)}
    assert all(len(v) == 1 for v in by_id.values())
    fixed, wont = by_id[resolved][0], by_id[archived][0]
    assert fixed["status"]["name"] == "完了" and fixed["resolution"]["name"] == "対応済み"
    assert wont["status"]["name"] == "完了" and wont["resolution"]["name"] == "対応しない"
    assert "IAM Access Analyzer" in fixed["summary"] and "対応手順" in fixed["description"]


def test_access_analyzer_deleted_resource_closes(tmp_path, fake, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    run = Runner(tmp_path, fake)
    run.send(aa_event(1, "ACTIVE"))
    gone = aa_event(2, "ACTIVE")
    gone["detail"]["isDeleted"] = True
    run.send(gone)
    issue = only_issue(fake)
    assert issue["status"]["name"] == "完了" and issue["resolution"]["name"] == "対応済み"
    assert issue["summary"].startswith("【重要】IAM Access Analyzer: 公開アクセス")
