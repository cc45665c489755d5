"""Digest: findings below ``[digest] below_severity`` go into one issue per period (JST day / ISO week / standing),
rewritten with counts by severity and a top table, one comment per run; a finding whose severity rises leaves the
digest for its own issue. Driven in-process (the period depends on the clock) against the loopback fake Backlog.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest

from inspector2backlog.config import load_config
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.findings.timestamps import JST
from inspector2backlog.pipeline import Pipeline
from inspector2backlog.policy.digest import digest_key, period_id
from inspector2backlog.render.group_text import period_label
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config as backlog_config

from ..conftest import EXAMPLES

DAY1 = datetime(2024, 10, 5, 12, 0, tzinfo=JST).timestamp()


def config(tmp: Path, fake: FakeBacklog, period: str = "day", group_by: str = "finding"):
    cfg = backlog_config(
        tmp,
        fake,
        "[grouping]",
        f'group_by = "{group_by}"',
        "[digest]",
        'below_severity = "MEDIUM"',
        f'period = "{period}"',
        min_severity="INFORMATIONAL",
        arn_custom_field=False,
    )
    return load_config(cfg, env={})


BASE = json.loads((EXAMPLES / "03-lambda-medium-requests.event.json").read_text())["detail"]


def low(n: int, day: int, *, severity: str = "LOW", score: float = 3.1, **changes) -> str:
    f = copy.deepcopy(BASE)
    f["findingArn"] = f["findingArn"] + f"-low{n}"
    f["resources"][0]["id"] = f["resources"][0]["id"] + f"-{n}"
    f["resources"][0].setdefault("details", {}).setdefault("awsLambdaFunction", {})["functionName"] = f"fn-{n}"
    f["packageVulnerabilityDetails"]["vulnerabilityId"] = f"CVE-2024-{1000 + n}"
    f.update({"severity": severity, "inspectorScore": score}, **changes)
    f["updatedAt"] = f["lastObservedAt"] = f"2024-10-{day:02d}T00:00:00Z"
    return json.dumps(f)


def run(tmp: Path, fake: FakeBacklog, texts: list[str], now: float, **kw) -> list:
    clock = lambda: now  # noqa: E731
    ctx = Pipeline.from_config(config(tmp, fake, **kw), clock=clock)
    try:
        items = [item for i, t in enumerate(texts) for item in iter_text(t, f"t{i}")]
        report = ctx.run(items)
    finally:
        ctx.close()
    assert report.ok, [o for o in report.outcomes if o.failed]
    return report.outcomes


@pytest.fixture()
def fake(monkeypatch):
    with FakeBacklog() as f:
        monkeypatch.setenv(KEY_ENV, f.api_key)
        yield f


def test_period_ids():
    assert period_id(DAY1, "day") == "2024-10-05"
    assert period_id(DAY1, "week") == "2024-W40"
    assert period_id(DAY1, "standing") == "standing"
    late = datetime(2024, 10, 5, 23, 30, tzinfo=JST).timestamp()  # 14:30 UTC: still the 5th in JST
    assert period_id(late, "day") == "2024-10-05"
    assert digest_key("SEC", DAY1, "day") == "group:digest:SEC:2024-10-05"
    assert period_label("2024-10-05") == "2024年10月5日" and period_label("2024-W40") == "2024年 第40週"


def test_digest_day_lifecycle(tmp_path: Path, fake: FakeBacklog):
    high = low(9, 1, severity="HIGH", score=8.2)
    run(tmp_path, fake, [low(1, 1), low(2, 1, score=3.9), low(3, 1, severity="INFORMATIONAL", score=0.0), high], DAY1)
    assert len(fake.issues) == 2 and len(fake.requests_of("create_issue")) == 2
    dg = next(i for i in fake.issues.values() if i["summary"].startswith("【ダイジェスト】"))
    assert dg["summary"] == "【ダイジェスト】2024年10月5日 深刻度「警告」未満の検出結果 3 件（注意 2・情報 1）"
    assert dg["priority"]["name"] == "低"
    desc = dg["description"]
    assert "| 注意 (LOW) | 2 件 | 0 件 |" in desc and "| 情報 (INFORMATIONAL) | 1 件 | 0 件 |" in desc
    top = desc.split("## スコアの高い順", 1)[1]
    assert top.index("CVE-2024-1002") < top.index("CVE-2024-1001") < top.index("CVE-2024-1003")  # by score
    assert "group:digest:SEC:2024-10-05" in desc
    assert "2024年10月5日に受信した、深刻度「警告」未満の検出結果のまとめです。" in desc
    assert "未解決は 3 件です。" in desc
    own = next(i for i in fake.issues.values() if i is not dg)
    assert "CVE-2024-1009" in own["summary"] and "【重要 8.2】" in own["summary"]

    # next run, same day: one new item, one resolved → one PATCH with one comment
    before = len(fake.requests)
    run(tmp_path, fake, [low(4, 2), low(2, 2, score=3.9, status="CLOSED")], DAY1 + 3600)
    writes = [r for r in fake.requests[before:] if r.method in ("POST", "PATCH")]
    assert len(writes) == 1 and writes[0].kind == "update_issue"
    dg = fake.issue(dg["issueKey"])
    assert "| 注意 (LOW) | 2 件 | 1 件 |" in dg["description"]  # 2 open (1, 4), 1 resolved (2)
    (comment,) = [c["content"] for c in fake.comments_of(dg["issueKey"])]
    assert (
        "新たに 1 件を追加しました（注意 1 件）" in comment and "1 件が Inspector で検出されなくなりました" in comment
    )

    # a digested finding whose severity rises leaves the digest and gets its own issue
    run(tmp_path, fake, [low(1, 3, severity="HIGH", score=7.5)], DAY1 + 7200)
    assert len(fake.issues) == 3
    risen = next(i for i in fake.issues.values() if "CVE-2024-1001" in i["summary"])
    assert risen["summary"].startswith("【重要 7.5】")
    dg = fake.issue(dg["issueKey"])
    last = fake.comments_of(dg["issueKey"])[-1]["content"]
    assert "対象外になりました" in last and "CVE-2024-1001" in last
    assert "CVE-2024-1001" not in dg["description"].split("## スコアの高い順", 1)[1]

    # the next day: a new digest issue; re-sends of old items change nothing
    before = len(fake.requests_of("create_issue"))
    run(tmp_path, fake, [low(5, 6), low(4, 6)], DAY1 + 86400)
    assert len(fake.requests_of("create_issue")) == before + 1
    new = fake.issues[max(fake.issues)]
    assert "2024年10月6日" in new["summary"] and "CVE-2024-1005" in new["description"]
    assert "CVE-2024-1004" not in new["description"]


def test_weekly_digest_closes_when_all_resolved(tmp_path: Path, fake: FakeBacklog):
    run(tmp_path, fake, [low(1, 1), low(2, 1)], DAY1, period="week", group_by="vulnerability")
    (dg,) = fake.issues.values()
    assert "2024年 第40週" in dg["summary"]
    run(
        tmp_path,
        fake,
        [low(1, 2, status="CLOSED"), low(2, 2, status="CLOSED")],
        DAY1 + 86400,
        period="week",
        group_by="vulnerability",
    )
    dg = fake.issue(dg["issueKey"])
    assert dg["status"]["name"] == "完了"
    assert "すべての対象が Inspector で検出されなくなったため" in fake.comments_of(dg["issueKey"])[-1]["content"]
