"""Grouping modes over a replay stream, through `inspector2backlog send` (one run per step) against the loopback fake
Backlog: opens, closes, reopens, a material change, a timestamp-only re-send, a duplicate and a late (older) event,
across several resources. Checks the issue set, the resource lists (rewritten, not appended), the one comment per
change, the final statuses and the number of writes per run.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config as backlog_config

from ..conftest import EXAMPLES


def write_config(tmp: Path, fake: FakeBacklog, group_by: str, *extra: str) -> Path:
    return backlog_config(tmp, fake, "[grouping]", f'group_by = "{group_by}"', *extra)


def detail(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.event.json").read_text())["detail"]


def on_resource(f: dict, rid: str, name: str, arn_tail: str, **changes) -> dict:
    f = copy.deepcopy(f)
    f["findingArn"] = f["findingArn"].rsplit("/", 1)[0] + "/" + arn_tail
    f["resources"][0]["id"] = rid
    f["resources"][0].setdefault("tags", {})["Name"] = name
    f.update(changes)
    return f


def at(f: dict, day: int, **changes) -> dict:
    f = copy.deepcopy(f)
    f.update(changes)
    stamp = f"2024-10-{day:02d}T00:00:00Z"
    f["updatedAt"] = f["lastObservedAt"] = stamp
    return {
        "version": "0",
        "id": f"ev-{day}-{f['findingArn'][-8:]}",
        "detail-type": "Inspector2 Finding",
        "source": "aws.inspector2",
        "account": f["awsAccountId"],
        "time": stamp,
        "region": "ap-northeast-1",
        "resources": [],
        "detail": f,
    }


SSH = detail("02-ec2-high-openssh")  # CVE-2024-6387, packages openssh-server + openssh, one fixed-in version
XZ = detail("01-ecr-critical-xz")  # CVE-2024-3094, packages liblzma5 + xz-utils
A = on_resource(SSH, "i-0aaaaaaaaaaaaaaa1", "web-a", "ssh-a")
B = on_resource(SSH, "i-0bbbbbbbbbbbbbbb2", "web-b", "ssh-b")
C = on_resource(SSH, "i-0ccccccccccccccc3", "web-c", "ssh-c")
A2 = on_resource(SSH, "i-0aaaaaaaaaaaaaaa1", "web-a", "ssh2-a", title="CVE-2024-6409 - openssh-server, openssh")
A2["packageVulnerabilityDetails"]["vulnerabilityId"] = "CVE-2024-6409"
A2["inspectorScore"] = 7.0
X = copy.deepcopy(XZ)
Y = on_resource(XZ, XZ["resources"][0]["id"] + "-y", "img-y", "xz-y")
Y["resources"][0]["details"]["awsEcrContainerImage"]["imageTags"] = ["v2.15.0-rc1"]


def steps() -> list[tuple[str, list[dict]]]:
    crit = {"severity": "CRITICAL", "inspectorScore": 9.8}
    return [
        ("open", [at(A, 1), at(B, 1), at(C, 1), at(A2, 1), at(X, 1)]),
        ("noise", [at(A, 2), at(B, 1), at(X, 2)]),  # timestamp-only, exact duplicate, timestamp-only
        ("close-b", [at(B, 3, status="CLOSED")]),
        ("change-c+add-y", [at(C, 4, **crit), at(Y, 4)]),
        ("close-rest", [at(A, 5, status="CLOSED"), at(C, 5, status="CLOSED", **crit), at(A2, 5, status="CLOSED")]),
        ("reopen-b", [at(B, 6)]),
        ("late", [at(A, 2), at(C, 4, **crit)]),  # older than what was applied: ignored
    ]


@pytest.fixture()
def fake():
    with FakeBacklog() as f:
        yield f


def replay(tmp: Path, fake: FakeBacklog, group_by: str) -> dict[str, int]:
    cfg = write_config(tmp, fake, group_by)
    runner = CliRunner()
    writes: dict[str, int] = {}
    for n, (name, events) in enumerate(steps()):
        d = tmp / f"step{n}"
        d.mkdir()
        for i, ev in enumerate(events):
            (d / f"{i}.json").write_text(json.dumps(ev))
        before = sum(1 for r in fake.requests if r.method in ("POST", "PATCH"))
        r = runner.invoke(app, ["send", str(d), "--config", str(cfg)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        assert fake.api_key not in r.output
        writes[name] = sum(1 for r in fake.requests if r.method in ("POST", "PATCH")) - before
    return writes


def by_summary(fake: FakeBacklog, pattern: str) -> dict:
    found = [i for i in fake.issues.values() if re.search(pattern, i["summary"])]
    assert len(found) == 1, [i["summary"] for i in fake.issues.values()]
    return found[0]


def table_rows(description: str, heading: str) -> list[str]:
    part = description.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return [ln for ln in part.splitlines() if ln.startswith("| ") and not ln.startswith("| リソース")]


def contents(fake: FakeBacklog, issue: dict) -> list[str]:
    return [c["content"] or "" for c in fake.comments_of(issue["issueKey"])]


def test_vulnerability_mode(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    writes = replay(tmp_path, fake, "vulnerability")
    # one write per changed group per run; noise and late events cost nothing
    assert writes == {
        "open": 3,
        "noise": 0,
        "close-b": 1,
        "change-c+add-y": 2,
        "close-rest": 2,
        "reopen-b": 1,
        "late": 0,
    }
    assert len(fake.issues) == 3
    ssh = by_summary(fake, r"CVE-2024-6387")
    ssh2 = by_summary(fake, r"CVE-2024-6409")
    xz = by_summary(fake, r"CVE-2024-3094")
    # final statuses
    assert ssh["status"]["name"] == "未対応" and ssh2["status"]["name"] == "完了" and xz["status"]["name"] == "未対応"
    assert ssh2["resolution"]["name"] == "対応済み"
    # the resource list is the current member set (rewritten): only B is active again
    rows = table_rows(ssh["description"], "対象リソース")
    assert len(rows) == 1 and "web-b" in rows[0] and "openssh-server 8.7p1" in rows[0]
    assert ssh["summary"] == "【重要 8.1】CVE-2024-6387 openssh-server、openssh — 1 リソース"
    xz_rows = table_rows(xz["description"], "対象リソース")
    assert len(xz_rows) == 2 and any("v2.15.0-rc1" in r for r in xz_rows)
    assert "— 2 リソース" in xz["summary"]
    assert "group:vuln:SEC:CVE-2024-6387" in ssh["description"]  # the recovery marker
    cf = fake.custom_field_id("Finding ARN")
    assert any(v.get("id") == cf and v.get("value") == "group:vuln:SEC:CVE-2024-6387" for v in ssh["customFields"])
    # one short comment per change
    c = contents(fake, ssh)
    assert len(c) == 4, c
    assert "1 件が Inspector で検出されなくなりました" in c[0] and "web-b" in c[0]
    assert "web-c" in c[1] and "深刻度: 重要 → 緊急" in c[1] and "スコア: 8.1 → 9.8" in c[1]
    assert (
        "すべての対象が Inspector で検出されなくなったため" in c[2]
        and "2 件が Inspector で検出されなくなりました" in c[2]
    )
    assert "再オープン" in c[3] and "再び検出された対象リソース（1 件）" in c[3] and "web-b" in c[3]
    cx = contents(fake, xz)
    assert len(cx) == 1 and "対象リソースが 1 件追加されました" in cx[0]
    assert len(contents(fake, ssh2)) == 1


def test_fix_mode(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    writes = replay(tmp_path, fake, "fix")
    # openssh-server + openssh (both CVEs), liblzma5 + xz-utils
    assert len(fake.issues) == 4, [i["summary"] for i in fake.issues.values()]
    assert writes["open"] == 4 and writes["noise"] == 0 and writes["late"] == 0
    assert writes["close-b"] == 2 and writes["change-c+add-y"] == 4 and writes["close-rest"] == 2
    srv = by_summary(fake, r"openssh-server を 0:8\.7p1-8\.amzn2023\.0\.11 に更新")
    assert "（脆弱性 1 件）" in srv["summary"]  # after everything: only CVE-2024-6387 on B is active
    fixed = srv["description"].split("## この更新で解消される脆弱性", 1)[1].split("\n## ", 1)[0]
    assert "CVE-2024-6387" in fixed and "CVE-2024-6409" not in fixed
    assert srv["status"]["name"] == "未対応"
    c = contents(fake, srv)
    assert any("CVE-2024-6409" in x and "検出されなくなりました" in x for x in c)  # the second CVE's close was reported
    assert (
        "すべての対象が Inspector で検出されなくなったため、課題を完了にします（完了理由: 対応済み）" in c[-2]
        and "再オープン" in c[-1]
    )
    liblzma = by_summary(fake, r"liblzma5 を .* に更新")
    assert "— 2 リソース" in liblzma["summary"] and liblzma["status"]["name"] == "未対応"
    assert "`liblzma5` を `0:5.6.1+really5.4.5-1` 以降に更新してください" in liblzma["description"]
    # every fix issue lists exactly its current resources, each with its own package and the version that fixes it
    ssh_pkg = by_summary(fake, r"^【重要 8\.1】openssh を ")
    xz_utils = by_summary(fake, r"xz-utils を .* に更新")
    for issue, pkg, hosts in (
        (srv, "openssh-server 8.7p1", ["web-b"]),
        (ssh_pkg, "openssh 8.7p1", ["web-b"]),
        (liblzma, "liblzma5 5.6.0-1", ["v2.14.0", "v2.15.0-rc1"]),
        (xz_utils, "xz-utils 5.6.0-1", ["v2.14.0", "v2.15.0-rc1"]),
    ):
        rows = table_rows(issue["description"], "対象リソース")
        assert len(rows) == len(hosts) and all(h in r for h, r in zip(hosts, rows, strict=True)), rows
        assert all(f"`{pkg}" in r and "→" in r for r in rows)
        assert issue["status"]["name"] == "未対応"


def test_crash_during_group_create_is_recovered(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    """The create reached Backlog but the answer was lost: the next run finds the issue by its group key."""
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = write_config(tmp_path, fake, "vulnerability")
    fake.fail_next(1, "disconnect", method="POST", path=r"issues$", apply=True)
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.json").write_text(json.dumps(at(A, 1)))
    (d / "b.json").write_text(json.dumps(at(B, 1)))
    runner = CliRunner()
    r = runner.invoke(app, ["send", str(d), "--config", str(cfg)], catch_exceptions=False)
    assert r.exit_code == 1 and "group:vuln:SEC:CVE-2024-6387" in r.output
    assert len(fake.issues) == 1  # it was created, we just did not hear back
    (d / "c.json").write_text(json.dumps(at(C, 2)))
    r = runner.invoke(app, ["send", str(d / "c.json"), "--config", str(cfg)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert len(fake.issues) == 1 and len(fake.requests_of("create_issue")) == 1
    issue = next(iter(fake.issues.values()))
    assert len(table_rows(issue["description"], "対象リソース")) == 3


def test_dry_run_in_group_mode_writes_nothing(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = write_config(tmp_path, fake, "vulnerability")
    d = tmp_path / "in"
    d.mkdir()
    for i, f in enumerate((A, B, C)):
        (d / f"{i}.json").write_text(json.dumps(at(f, 1)))
    r = CliRunner().invoke(app, ["send", str(d), "--config", str(cfg), "--dry-run"], catch_exceptions=False)
    assert r.exit_code == 0
    assert r.output.count("[作成 / create]") == 1 and "— 3 リソース" in r.output
    assert not fake.issues and not [x for x in fake.requests if x.method != "GET"]


def test_coalescing_window_per_event_like_lambda(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    """Handled one event at a time (the Lambda path) with coalesce_seconds: the create is immediate, later changes
    are recorded and written together once the window has passed (by the pending sweep)."""
    from inspector2backlog.config import load_config
    from inspector2backlog.findings.parse import iter_items
    from inspector2backlog.pipeline import Pipeline

    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = load_config(write_config(tmp_path, fake, "vulnerability", "coalesce_seconds = 300"), env={})
    now = [1_728_000_000.0]
    ctx = Pipeline.from_config(cfg, clock=lambda: now[0])
    writes = lambda: sum(1 for r in fake.requests if r.method in ("POST", "PATCH"))  # noqa: E731
    try:
        lc = ctx.lifecycle
        for i, f in enumerate((A, B, C)):
            (item,) = iter_items(at(f, 1 + i), "sqs")
            out = lc.handle(item)
            assert not out.failed
            now[0] += 10
        assert writes() == 1  # the create; B and C are recorded, not yet written
        (issue,) = fake.issues.values()
        assert len(table_rows(issue["description"], "対象リソース")) == 1
        assert [o for o in lc.retry_pending() if o.key.startswith("group:")] == []  # window still open
        now[0] += 300
        (out,) = [o for o in lc.retry_pending() if o.key.startswith("group:")]
        assert out.action == "updated" and writes() == 2
    finally:
        ctx.close()
    issue = fake.issue(issue["issueKey"])
    assert len(table_rows(issue["description"], "対象リソース")) == 3
    (comment,) = [c["content"] for c in fake.comments_of(issue["issueKey"])]
    assert "対象リソースが 2 件追加されました" in comment


def test_close_gone_for_sync(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    """What `sync` needs for grouped findings Inspector no longer lists: resolve them in their group, in one write."""
    from inspector2backlog.config import load_config
    from inspector2backlog.findings.parse import iter_items
    from inspector2backlog.pipeline import Pipeline

    monkeypatch.setenv(KEY_ENV, fake.api_key)
    ctx = Pipeline.from_config(load_config(write_config(tmp_path, fake, "vulnerability"), env={}))
    try:
        ctx.run([item for f in (A, B, C) for item in iter_items(at(f, 1), "x")])
        lc = ctx.lifecycle
        recs = [r for r in lc.store.records("finding:") if r.key.endswith(("ssh-a", "ssh-b"))]
        assert len(recs) == 2 and all(lc.groups_of(r) == ["group:vuln:SEC:CVE-2024-6387"] for r in recs)
        before = len(fake.requests_of("update_issue"))
        with lc.batch() as flushed:
            outs = [lc.close_gone(r) for r in recs]
        assert all(o.action == "grouped" for o in outs)
        assert [o.action for o in flushed] == ["updated"] and len(fake.requests_of("update_issue")) == before + 1
        assert lc.close_gone(lc.store.get(recs[0].key)).action == "skipped"  # already resolved
    finally:
        ctx.close()
    (issue,) = fake.issues.values()
    rows = table_rows(issue["description"], "対象リソース")
    assert len(rows) == 1 and "web-c" in rows[0]
    assert "2 件が Inspector で検出されなくなりました" in fake.comments_of(issue["issueKey"])[-1]["content"]


def test_finding_mode_over_the_same_stream(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    """The baseline the grouping modes are measured against: one issue per finding, one write per change."""
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    writes = replay(tmp_path, fake, "finding")
    assert writes == {
        "open": 5,
        "noise": 0,
        "close-b": 1,
        "change-c+add-y": 2,
        "close-rest": 3,
        "reopen-b": 1,
        "late": 0,
    }
    assert len(fake.issues) == 6
    status = {
        f["findingArn"]: next(i for i in fake.issues.values() if f["findingArn"] in i["description"])["status"]["name"]
        for f in (A, B, C, A2, X, Y)
    }
    assert [status[f["findingArn"]] for f in (A, B, C, A2, X, Y)] == [
        "完了",
        "未対応",
        "完了",
        "完了",
        "未対応",
        "未対応",
    ]
    c_issue = next(i for i in fake.issues.values() if C["findingArn"] in i["description"])
    assert c_issue["summary"].startswith("【緊急 9.8】")  # the material change rewrote the summary
