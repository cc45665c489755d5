"""Issue 13's acceptance through the real CLI (`inspector2backlog send`, one event per run) against the loopback
Backlog fake: cross-source dedup of an Inspector finding arriving natively and as ASFF (both orders), control
FAILED → PASSED → FAILED, ARCHIVED, UpdatedAt-only re-sends, several findings per event, control grouping.

These need the pipeline to read Security Hub events through the source registry (the seam wiring of issue 11).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config

from ..conftest import EXAMPLES, shared_samples

CONTROL_EVENT = "securityhub-imported-fsbp-ec2.8-failed-active-new.jira-sample.event.json"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    with FakeBacklog() as f:
        monkeypatch.setenv(KEY_ENV, f.api_key)
        yield f


def _native(day: int, **changes: Any) -> dict[str, Any]:
    ev = json.loads((EXAMPLES / "01-ecr-critical-xz.event.json").read_text(encoding="utf-8"))
    ev["detail"].update(changes)
    stamp = f"2024-10-{day:02d}T00:00:00Z"
    ev["detail"]["updatedAt"] = ev["detail"]["lastObservedAt"] = stamp
    ev["id"], ev["time"] = f"native-{day}", stamp
    return ev


def _asff_of(native: dict[str, Any], day: int, **changes: Any) -> dict[str, Any]:
    """The Security Hub copy of an Inspector finding, as Security Hub CSPM sends it (``Id`` = the finding ARN)."""
    d = native["detail"]
    region = d["findingArn"].split(":")[3]
    stamp = f"2024-10-{day:02d}T00:00:00Z"
    vuln = d.get("packageVulnerabilityDetails") or {}
    finding: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "Id": d["findingArn"],
        "ProductArn": f"arn:aws:securityhub:{region}::product/aws/inspector",
        "ProductName": "Inspector",
        "CompanyName": "Amazon",
        "Region": region,
        "GeneratorId": "AWSInspector",
        "AwsAccountId": d["awsAccountId"],
        "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
        "FirstObservedAt": d["firstObservedAt"],
        "LastObservedAt": stamp,
        "CreatedAt": d["firstObservedAt"],
        "UpdatedAt": stamp,
        "Severity": {"Label": d["severity"], "Normalized": 90},
        "Title": d["title"],
        "Description": d["description"],
        "Remediation": {
            "Recommendation": {"Text": (d.get("remediation") or {}).get("recommendation", {}).get("text", "")}
        },
        "ProductFields": {"aws/inspector/ProductVersion": "2", "aws/inspector/FindingStatus": d["status"]},
        "Resources": [{"Type": "AwsEcrContainerImage", "Id": r["id"], "Region": region} for r in d["resources"]],
        "Vulnerabilities": [{"Id": vuln.get("vulnerabilityId", "CVE-?")}],
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
    }
    finding.update(changes)
    return _event([finding], f"asff-{day}", stamp)


def _event(findings: list[dict[str, Any]], eid: str, stamp: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": eid,
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "account": findings[0].get("AwsAccountId", "123456789012"),
        "time": stamp,
        "region": findings[0].get("Region", "ap-northeast-1"),
        "resources": [f["ProductArn"] + "/" + f["Id"] for f in findings],
        "detail": {"findings": findings},
    }


def _control(day: int, resource: str = "i-0123456789abcdef0", **changes: Any) -> dict[str, Any]:
    ev = json.loads((shared_samples("securityhub") / CONTROL_EVENT).read_text(encoding="utf-8"))
    f = ev["detail"]["findings"][0]
    stamp = f"2024-10-{day:02d}T00:00:00Z"
    f["UpdatedAt"] = f["LastObservedAt"] = stamp
    f["Resources"][0]["Id"] = f"arn:aws:ec2:{f['Region']}:{f['AwsAccountId']}:instance/{resource}"
    f["Id"] = f"{f['Id']}-{resource}"
    for key, value in changes.items():
        f[key] = value if not isinstance(value, dict) else {**f.get(key, {}), **value}
    return _event([f], f"control-{day}-{resource}", stamp)


class Run:
    def __init__(self, tmp: Path, fake: FakeBacklog, *lines: str) -> None:
        self.tmp, self.fake, self.n = tmp, fake, 0
        self.cfg = write_config(tmp, fake, *lines)
        self.runner = CliRunner()

    def send(self, ev: dict[str, Any]) -> int:
        """Send one event; the number of Backlog requests it caused."""
        self.n += 1
        path = self.tmp / f"ev{self.n}.json"
        path.write_text(json.dumps(ev), encoding="utf-8")
        before = len(self.fake.requests)
        r = self.runner.invoke(app, ["send", str(path), "--config", str(self.cfg)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return len(self.fake.requests) - before

    def creates(self) -> int:
        return len(self.fake.requests_of("create_issue"))


def _only_issue(fake: FakeBacklog) -> dict[str, Any]:
    issues = list(fake.issues.values())
    assert len(issues) == 1, [i["summary"] for i in issues]
    return issues[0]


@pytest.mark.parametrize("order", ["native-first", "securityhub-first"])
def test_the_same_inspector_finding_natively_and_through_security_hub_is_one_issue(
    tmp_path: Path, fake: FakeBacklog, order: str
) -> None:
    run = Run(tmp_path, fake)
    native = _native(1)
    copies = [native, _asff_of(native, 1)]
    for ev in copies if order == "native-first" else reversed(copies):
        run.send(ev)
    issue = _only_issue(fake)
    assert run.creates() == 1 and issue["status"]["name"] == "未対応"
    # its CLOSED (natively) and ARCHIVED (the Security Hub copy) close it once
    closing = [_native(3, status="CLOSED"), _asff_of(native, 3, RecordState="ARCHIVED")]
    for ev in closing if order == "native-first" else reversed(closing):
        run.send(ev)
    issue = _only_issue(fake)
    assert issue["status"]["name"] == "完了" and issue["resolution"]["name"] == "対応済み"
    closes = [c for c in fake.comments_of(issue["issueKey"]) if "クローズ" in c["content"]]
    assert len(closes) == 1 and run.creates() == 1


def test_a_control_that_passes_closes_and_reopens_when_it_fails_again(tmp_path: Path, fake: FakeBacklog) -> None:
    run = Run(tmp_path, fake)
    run.send(_control(1))
    issue = _only_issue(fake)
    assert "EC2.8" in issue["summary"] and "IMDSv2" in issue["summary"]
    assert "なぜ重要か" in issue["description"] and "対応方法" in issue["description"]
    run.send(_control(2, Compliance={"Status": "PASSED"}))
    issue = _only_issue(fake)
    assert issue["status"]["name"] == "完了" and issue["resolution"]["name"] == "対応済み"
    run.send(_control(3, Compliance={"Status": "FAILED"}))
    issue = _only_issue(fake)
    assert issue["status"]["name"] == "未対応" and run.creates() == 1
    assert any("再び検出" in c["content"] for c in fake.comments_of(issue["issueKey"]))


def test_archived_closes_and_updated_at_only_writes_nothing(tmp_path: Path, fake: FakeBacklog) -> None:
    run = Run(tmp_path, fake)
    run.send(_control(1))
    assert run.send(_control(2)) == 0  # UpdatedAt / LastObservedAt only: not even a GET
    assert run.send(_control(3, Workflow={"Status": "NOTIFIED"})) == 0  # our own workflow echo
    run.send(_control(4, RecordState="ARCHIVED"))
    issue = _only_issue(fake)
    assert issue["status"]["name"] == "完了"
    assert run.send(_control(4, RecordState="ARCHIVED")) == 0  # the same again: nothing


def _five() -> dict[str, Any]:
    events = [_control(1, resource=f"i-{n:017x}") for n in range(5)]
    return _event([e["detail"]["findings"][0] for e in events], "five", "2024-10-01T00:00:00Z")


def test_one_event_with_five_findings_is_five_issues(tmp_path: Path, fake: FakeBacklog) -> None:
    run = Run(tmp_path, fake)
    run.send(_five())
    assert len(fake.issues) == 5 and run.creates() == 5
    assert run.send(_five()) == 0


def test_one_event_with_five_findings_of_one_control_is_one_group_issue(tmp_path: Path, fake: FakeBacklog) -> None:
    run = Run(tmp_path, fake, "[grouping]", 'group_by = "control"')
    run.send(_five())
    issue = _only_issue(fake)
    assert "EC2.8" in issue["summary"]
    assert all(f"i-{n:017x}" in issue["description"] for n in range(5))  # every failing resource is listed
