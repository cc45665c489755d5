"""The one surface the drivers use (issue 11 item 3): :class:`Pipeline` built from a configuration, its readiness
check, its preview, and the issue plan decided before any issue is built (for single and group issues alike)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector2backlog.config import RiskConfig, load_config
from inspector2backlog.deliver.paced import PacedSink
from inspector2backlog.findings.model import Skipped
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.pipeline import Pipeline
from inspector2backlog.policy.grouping import group_keys, member_entry
from inspector2backlog.policy.plan import IssuePlan, Planner
from inspector2backlog.render.group import build_group_issue, lead_info
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.render.members import shown_members
from inspector2backlog.translate import make_translator
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config

from ..conftest import EXAMPLES

RAISE = RiskConfig(exploit_priority="高", raised_due_days=7)


def finding(name: str, **changes):
    raw = json.loads((EXAMPLES / f"{name}.event.json").read_text())
    raw["detail"].update(changes)
    (f,) = list(iter_text(json.dumps(raw), name))
    return f


@pytest.fixture()
def fake():
    with FakeBacklog() as f:
        yield f


def test_from_config_is_a_context_manager_that_closes_what_it_opened(tmp_path: Path, fake, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = load_config(write_config(tmp_path, fake), env={})
    with Pipeline.from_config(cfg) as p:
        assert p.ready()  # the project, its issue type and statuses were found
        # pacing lives in one wrapper the runtime puts around every driver's sink: a pass-through until `sync` paces
        assert isinstance(p.sink, PacedSink) and (p.sink.min_interval, p.sink.max_wait) == (0.0, 0.0)
        report = p.run([finding("01-ecr-critical-xz")])
        assert report.ok and [o.action for o in report.outcomes] == ["created"]
        store = p.store
    with pytest.raises(Exception, match="closed"):  # the SQLite store was closed on leaving the block
        store.get("finding:x")
    p.close()  # closing again is harmless


def test_ready_names_a_project_that_cannot_be_used(tmp_path: Path, fake, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    path = write_config(tmp_path, fake)
    path.write_text(path.read_text(encoding="utf-8").replace('project_key = "SEC"', 'project_key = "NOPE"'))
    with Pipeline.from_config(load_config(path, env={})) as p:
        assert p.ready(probe=False)  # nothing looked up yet
        ready = p.ready()
        assert not ready and ready.config_problem and "NOPE" in str(ready.error)
        assert not p.ready(probe=False)  # what the last look-up found


def test_a_dry_run_writes_to_stdout_and_is_always_ready(tmp_path: Path, fake, monkeypatch) -> None:
    import io

    monkeypatch.setenv(KEY_ENV, fake.api_key)
    out = io.StringIO()
    with Pipeline.from_config(load_config(write_config(tmp_path, fake), env={}), dry_run=True, out=out) as p:
        assert p.ready()
        assert p.run([finding("01-ecr-critical-xz")]).ok
    assert "CVE-2024-3094" in out.getvalue() and not [r for r in fake.requests if r.method == "POST"]


def test_preview_plans_from_the_severity_and_delivers_nothing() -> None:
    with Pipeline.for_render() as p:
        got = list(p.preview([finding("03-lambda-medium-requests"), Skipped("x", "not a finding")]))
        assert [type(i).__name__ for i, _ in got] == ["Finding", "Skipped"] and got[1][1] is None
        issue = got[0][1]
        assert issue is not None and (issue.priority, issue.due_days) == ("中", 30)
        assert p.stats["skipped"] == 1
        with pytest.raises(RuntimeError, match="render"):
            p.run([])


def test_the_plan_is_decided_before_the_issue_and_the_renderer_shows_it() -> None:
    f = finding("03-lambda-medium-requests", exploitAvailable="YES")
    assert Planner().for_finding(f) == IssuePlan("中", 30)  # no [risk]: the severity's base
    plan = Planner({"MEDIUM": "低"}, {"MEDIUM": 60}, risk=RAISE).for_finding(f)
    assert plan.priority == "高" and plan.due_days == 7 and plan.raised
    issue = IssueBuilder(make_translator("offline")).build(f, plan)
    md = issue.description("markdown")
    assert (issue.priority, issue.due_days) == ("高", 7)
    assert md.index("## 優先度を上げた理由") < md.index("## 深刻度とスコア") and "既知の悪用があります" in md


def test_a_group_is_planned_from_its_members_and_a_digest_never_raised() -> None:
    f = finding("03-lambda-medium-requests", exploitAvailable="YES")
    key = group_keys(f, "vulnerability", "SEC")[0]
    data = {
        "lead": lead_info(f, "vulnerability", key.rsplit(":", 1)[1]),
        "members": {f.arn: member_entry(f, key).to_data()},
    }
    planner = Planner(risk=RAISE)
    plan = planner.for_group("vulnerability", shown_members(data), data)
    assert plan.priority == "高" and plan.due_days == 7
    issue = build_group_issue(key, "vulnerability", data, IssueBuilder(make_translator("offline")), plan)
    assert issue.priority == "高" and "## 優先度を上げた理由" in issue.description("markdown")
    assert planner.for_group("digest", shown_members(data), data) == IssuePlan("中", 30)
    assert planner.for_group("vulnerability", [], {"last_severity": "HIGH"}) == IssuePlan("高", 14)
