"""``[sources.<name>]`` through the real CLI (``send``, one event per run) against the loopback Backlog: a disabled
source is skipped (not filed, not a fallback), ``types`` / ``exclude_types`` decide only new issues, an archived
finding closes with its source's ``archived_resolution``, a source's issues go to its own project / issue type /
category, and the Security Hub filters (products, severities, controls, standards, compliance)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config

from .test_securityhub_lifecycle import _asff_of, _control, _native
from .test_sources_lifecycle_gd_aa import aa_event, gd_event


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    with FakeBacklog() as f:
        monkeypatch.setenv(KEY_ENV, f.api_key)
        yield f


class Run:
    def __init__(self, tmp: Path, fake: FakeBacklog, *lines: str) -> None:
        self.tmp, self.fake, self.n = tmp, fake, 0
        self.cfg = write_config(tmp, fake, *lines)
        self.cli = CliRunner()

    def configure(self, *lines: str) -> None:
        """The same state file and Backlog, another configuration."""
        self.cfg = write_config(self.tmp, self.fake, *lines)

    def send(self, ev: dict[str, Any]) -> str:
        self.n += 1
        path = self.tmp / f"ev{self.n}.json"
        path.write_text(json.dumps(ev), encoding="utf-8")
        r = self.cli.invoke(app, ["send", str(path), "--config", str(self.cfg)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r.output

    def count(self, kind: str) -> int:
        return len(self.fake.requests_of(kind))


def _issues(fake: FakeBacklog, project: str | None = None) -> list[dict[str, Any]]:
    pid = fake.projects[project].id if project else None
    return [i for i in fake.issues.values() if pid is None or i["projectId"] == pid]


def test_a_disabled_source_is_recognised_and_skipped_not_filed_and_no_fallback(tmp_path: Path, fake: FakeBacklog):
    run = Run(tmp_path, fake, "[sources.guardduty]", "enabled = false")
    run.send(gd_event(1, count=1))
    run.send(aa_event(1, "ACTIVE"))  # another source is not affected
    assert len(fake.issues) == 1 and "IAM Access Analyzer" in _issues(fake)[0]["summary"]
    assert not any("解析に失敗" in i["summary"] for i in fake.issues.values())
    # an issue filed while it was enabled is not followed either once it is off
    run.configure()
    run.send(gd_event(2, count=1))
    run.configure("[sources.guardduty]", "enabled = false")
    run.send(gd_event(3, count=1, archived=True))
    gd = next(i for i in fake.issues.values() if "CredentialExfiltration" in i["summary"])
    assert gd["status"]["name"] == "未対応"


def test_types_decide_only_new_issues_an_existing_one_is_followed(tmp_path: Path, fake: FakeBacklog) -> None:
    excluded = ["[sources.guardduty]", 'exclude_types = ["UnauthorizedAccess:IAMUser/*"]']
    run = Run(tmp_path, fake, *excluded)
    run.send(gd_event(1, count=1, severity=5))
    assert not fake.issues
    run.configure("[sources.guardduty]", 'types = ["UnauthorizedAccess:*"]')
    run.send(gd_event(2, count=1, severity=5))
    assert len(fake.issues) == 1
    run.configure(*excluded)  # excluded again: the issue it has is still updated and closed
    run.send(gd_event(3, count=2, severity=8))
    run.send(gd_event(4, count=2, severity=8, archived=True))
    issue = _issues(fake)[0]
    assert issue["status"]["name"] == "完了" and len(fake.comments_of(issue["issueKey"])) == 2


def test_archived_closes_with_the_sources_archived_resolution(tmp_path: Path, fake: FakeBacklog) -> None:
    run = Run(tmp_path, fake, "[sources.guardduty]", 'archived_resolution = "無効"')
    run.send(gd_event(1, count=1))
    run.send(gd_event(2, count=1, archived=True))
    issue = _issues(fake)[0]
    assert issue["status"]["name"] == "完了" and issue["resolution"]["name"] == "無効"
    close = fake.comments_of(issue["issueKey"])[-1]["content"]
    assert "アーカイブされました" in close and "完了理由: 無効" in close and "GuardDuty" in close


def test_an_empty_archived_resolution_closes_without_one_and_resolved_stays_fixed(
    tmp_path: Path, fake: FakeBacklog
) -> None:
    run = Run(tmp_path, fake, "[sources.access_analyzer]", 'archived_resolution = ""')
    a, b = "11111111-aaaa-4bbb-8ccc-000000000001", "22222222-aaaa-4bbb-8ccc-000000000002"
    run.send(aa_event(1, "ACTIVE", a))
    run.send(aa_event(1, "ACTIVE", b))
    run.send(aa_event(2, "ARCHIVED", a))
    run.send(aa_event(2, "RESOLVED", b))
    archived, resolved = (next(i for i in fake.issues.values() if fid in i["description"]) for fid in (a, b))
    assert archived["status"]["name"] == "完了" and archived["resolution"] is None
    assert resolved["status"]["name"] == "完了" and resolved["resolution"]["name"] == "対応済み"


def _soc(fake: FakeBacklog) -> None:
    fake.add_project(
        "SOC",
        issue_types=("インシデント", "脆弱性"),
        categories=("GuardDuty",),
        custom_fields=[{"name": "Finding ARN", "typeId": 1}],
    )


def test_a_source_files_into_its_own_project_issue_type_and_category(tmp_path: Path, fake: FakeBacklog) -> None:
    _soc(fake)
    run = Run(
        tmp_path,
        fake,
        "[sources.guardduty]",
        'project_key = "SOC"',
        'issue_type = "インシデント"',
        'category = "GuardDuty"',
        'archived_resolution = "無効"',
    )
    run.send(gd_event(1, count=1, severity=5))
    run.send(_native(1))
    (gd,), (insp,) = _issues(fake, "SOC"), _issues(fake, "SEC")
    assert gd["issueKey"].startswith("SOC-") and gd["issueType"]["name"] == "インシデント"
    assert [c["name"] for c in gd["category"]] == ["GuardDuty"] and "CredentialExfiltration" in gd["summary"]
    assert insp["issueKey"].startswith("SEC-") and insp["issueType"]["name"] == "脆弱性"
    # its updates and its close go to its own issue (the key names the project; the record is unchanged)
    run.send(gd_event(2, count=2, severity=8))
    run.send(gd_event(3, count=2, severity=8, archived=True))
    gd = _issues(fake, "SOC")[0]
    assert gd["status"]["name"] == "完了" and gd["resolution"]["name"] == "無効"
    assert len(fake.comments_of(gd["issueKey"])) == 2 and len(fake.issues) == 2


def test_a_group_of_a_routed_source_is_filed_in_its_project(tmp_path: Path, fake: FakeBacklog) -> None:
    _soc(fake)
    run = Run(tmp_path, fake, "[grouping]", 'group_by = "control"', "[sources.securityhub]", 'project_key = "SOC"')
    run.send(_control(1))
    (issue,) = _issues(fake, "SOC")
    assert "EC2.8" in issue["summary"] and not _issues(fake, "SEC")


def test_a_misnamed_per_source_setting_is_a_configuration_error_before_any_write(
    tmp_path: Path, fake: FakeBacklog
) -> None:
    _soc(fake)
    run = Run(tmp_path, fake, "[sources.guardduty]", 'project_key = "SOC"', 'archived_resolution = "見送り"')
    path = tmp_path / "gd.json"
    path.write_text(json.dumps(gd_event(1, count=1)), encoding="utf-8")
    r = run.cli.invoke(app, ["send", str(path), "--config", str(run.cfg)], catch_exceptions=False)
    assert r.exit_code == 2 and "見送り" in r.output
    assert not fake.issues


# ---- Security Hub filters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "filed"),
    [
        (['products = ["Inspector"]'], {"inspector"}),
        (['products = ["security hub", "GuardDuty"]'], {"control"}),  # names compared ignoring case
        (['controls = ["S3.*", "IAM.*"]'], {"inspector"}),  # a finding without a control passes controls
        (['controls = ["EC2.*"]'], {"inspector", "control"}),
        (['compliance = ["WARNING"]'], {"inspector"}),
        (['standards = ["cis-aws-foundations-benchmark/*"]'], {"inspector"}),
        (['standards = ["aws-foundational-security-best-practices/*"]'], {"inspector", "control"}),
        (['severities = ["CRITICAL"]'], {"inspector"}),
        (['types = ["EC2.*"]'], {"control"}),
    ],
)
def test_security_hub_filters(tmp_path: Path, fake: FakeBacklog, lines: list[str], filed: set[str]) -> None:
    run = Run(tmp_path, fake, "[sources.securityhub]", *lines)
    run.send(_control(1))  # EC2.8, FAILED, MEDIUM, AWS Foundational Security Best Practices
    run.send(_asff_of(_native(1), 1))  # Inspector's CRITICAL finding through Security Hub
    got = {"control" if "EC2.8" in i["summary"] else "inspector" for i in fake.issues.values()}
    assert got == filed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[sources.guardduty]\ncontrols = ['S3.*']\n",
            "[sources.guardduty] controls: [sources.securityhub] だけの設定",
        ),
        ("[sources.securityhub]\ncompliance = ['FAIL']\n", "'FAIL': 不明な準拠状況です / unknown compliance status"),
        ("[sources.securityhub]\nseverities = ['high']\n", "'high': 不明な深刻度です / unknown severity label"),
    ],
)
def test_security_hub_filter_errors_name_the_table_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    from inspector2backlog.config import ConfigError, load_config

    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(p, env={})
    assert message in str(info.value)


# ---- the same finding natively and through Security Hub ------------------------------------------------------------


@pytest.mark.parametrize("first", ["native", "securityhub"])
def test_native_wins_copies_write_nothing_and_never_reopen(tmp_path: Path, fake: FakeBacklog, first: str) -> None:
    run = Run(tmp_path, fake)
    base = _native(1)
    for day in range(1, 5):  # interleaved, no real change: timestamps and the other format only
        native, copy = _native(day), _asff_of(base, day)
        for ev in (native, copy) if first == "native" else (copy, native):
            run.send(ev)
    (issue,) = _issues(fake)
    assert run.count("create_issue") == 1 and run.count("update_issue") == 0
    run.send(_native(5, severity="HIGH"))  # the native finding changes: one update with its comment
    run.send(_asff_of(base, 5))  # its copy (still CRITICAL in Security Hub) changes nothing
    run.send(_native(6, severity="HIGH"))
    assert run.count("update_issue") == 1
    assert "深刻度" in fake.comments_of(issue["issueKey"])[-1]["content"]
    run.send(_native(7, severity="HIGH", status="CLOSED"))
    run.send(_asff_of(base, 8))  # the copy arrives after the native close, still ACTIVE: no reopen
    issue = fake.issue(issue["issueKey"])
    assert issue["status"]["name"] == "完了" and run.count("update_issue") == 2


def test_the_copy_owns_the_finding_when_the_native_source_is_disabled(tmp_path: Path, fake: FakeBacklog) -> None:
    run = Run(tmp_path, fake)
    base = _native(1)
    run.send(base)
    run.configure("[sources.inspector2]", "enabled = false")
    run.send(_asff_of(base, 2))  # takes over: another format, no comment
    assert run.count("update_issue") == 0
    run.send(_asff_of(base, 3, RecordState="ARCHIVED"))
    run.send(_asff_of(base, 4))  # Security Hub owns it now: its ACTIVE again reopens
    (issue,) = _issues(fake)
    assert issue["status"]["name"] == "未対応" and run.count("update_issue") == 2


def test_doctor_looks_up_each_sources_project_and_archived_resolution(tmp_path: Path, fake: FakeBacklog) -> None:
    from inspector2backlog.config import load_config
    from inspector2backlog.doctor import run_doctor

    _soc(fake)
    cfg = write_config(
        tmp_path,
        fake,
        "[sources.guardduty]",
        'project_key = "SOC"',
        'issue_type = "インシデント"',
        'category = "GuardDuty"',
        'archived_resolution = "無効"',
        "[sources.access_analyzer]",
        'archived_resolution = "見送り"',
    )
    report = run_doctor(load_config(cfg, env={}), env={KEY_ENV: fake.api_key})
    lines = [x for x in report.lines if "(Source project)" in x]
    assert any("guardduty: SOC / インシデント / GuardDuty（アーカイブ時の完了理由: 無効）" in x for x in lines), lines
    bad = next(x for x in report.lines if "(Resolution for archived)" in x)
    assert "見送り" in bad and bad.startswith("[NG]") and report.exit_code != 0
    assert fake.counts["create_issue"] == 0
