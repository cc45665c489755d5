"""Replay an event stream through `inspector2backlog send`, one event per run, against the loopback fake Backlog.

Re-deliveries (30 % duplicates), reordering, timestamp-only updates, material updates, closes, a suppression and a
reopen → exactly one issue per finding, the right comments and statuses, zero Backlog calls for timestamp-only
re-sends.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config as backlog_config

from ..conftest import EXAMPLES


def write_config(tmp: Path, fake: FakeBacklog, **extra: str) -> Path:
    """``extra``: more ``[filter]`` keys."""
    return backlog_config(tmp, fake, *(f"{k} = {v}" for k, v in extra.items()))


def base_findings() -> list[dict]:
    out = []
    for name in (
        "01-ecr-critical-xz",
        "02-ec2-high-openssh",
        "03-lambda-medium-requests",
        "04-ec2-network-rdp",
        "05-lambda-code-hardcoded-credentials",
    ):
        out.append(json.loads((EXAMPLES / f"{name}.event.json").read_text())["detail"])
    return out


def event(f: dict, t: int, **changes) -> dict:
    f = copy.deepcopy(f)
    f.update(changes)
    stamp = f"2024-10-{t:02d}T00:00:00Z"
    f["updatedAt"] = stamp
    f["lastObservedAt"] = stamp
    return {
        "version": "0",
        "id": f"ev-{t}-{f['findingArn'][-6:]}",
        "detail-type": "Inspector2 Finding",
        "source": "aws.inspector2",
        "account": f["awsAccountId"],
        "time": stamp,
        "region": "ap-northeast-1",
        "resources": [],
        "detail": f,
    }


def stream() -> list[tuple[str, dict]]:
    a, b, c, d, e = base_findings()
    ev: list[tuple[str, dict]] = []
    for f in (a, b, c, d, e):
        ev.append(("new", event(f, 1)))
    ev.append(("ts-only", event(a, 2)))
    more_a = copy.deepcopy(a)
    more_a["fixAvailable"] = "NO"
    more_a["packageVulnerabilityDetails"]["vulnerablePackages"][0]["fixedInVersion"] = "NotAvailable"
    ev.append(("material", event(more_a, 3, severity="CRITICAL", inspectorScore=10.0)))
    ev.append(("older", event(a, 2)))  # arrives late: must not undo the newer state
    ev.append(("close", event(b, 4, status="CLOSED")))
    ev.append(("suppress", event(c, 4, status="SUPPRESSED")))
    ev.append(("close", event(d, 4, status="CLOSED")))
    ev.append(("reopen", event(d, 5, status="ACTIVE")))
    ev.append(("ts-only", event(e, 6)))
    # 30 % duplicates: exact re-deliveries of events already sent, inserted after their original
    rng = random.Random(4)
    out: list[tuple[str, dict]] = []
    for kind, e_ in ev:
        out.append((kind, e_))
    for _ in range(int(len(ev) * 0.3 / 0.7) + 1):
        i = rng.randrange(len(out))
        out.insert(i + 1, ("duplicate", copy.deepcopy(out[i][1])))
    return out


@pytest.fixture(params=[False, True], ids=["fake", "strict-index"])
def fake(request):
    """The fake, and once more with a real space's tokenised search (words, not substrings)."""
    with FakeBacklog(strict=request.param) as f:
        yield f


def send(runner: CliRunner, cfg: Path, path: Path, *extra: str):
    return runner.invoke(app, ["send", str(path), "--config", str(cfg), "--stats", *extra], catch_exceptions=False)


def test_replay_one_event_per_run(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = write_config(tmp_path, fake)
    runner = CliRunner()
    writes_by_kind: dict[str, int] = {}
    for n, (kind, ev) in enumerate(stream()):
        p = tmp_path / f"ev{n}.json"
        p.write_text(json.dumps(ev))
        before = sum(1 for r in fake.requests if r.method in ("POST", "PATCH"))
        requests_before = len(fake.requests)
        r = send(runner, cfg, p)
        assert r.exit_code == 0, r.output
        writes = sum(1 for r_ in fake.requests if r_.method in ("POST", "PATCH")) - before
        writes_by_kind[kind] = writes_by_kind.get(kind, 0) + writes
        assert fake.api_key not in r.output
        if kind in ("ts-only", "duplicate", "older"):
            assert len(fake.requests) == requests_before, (kind, fake.requests[requests_before:])  # not even a GET
    # exactly one issue per finding
    issues = list(fake.issues.values())
    arns = [f["findingArn"] for f in base_findings()]
    assert len(issues) == 5
    by_arn = {a: [i for i in issues if a in i["description"]] for a in arns}
    assert all(len(v) == 1 for v in by_arn.values()), {k: len(v) for k, v in by_arn.items()}
    a, b, c, d, e = (by_arn[x][0] for x in arns)
    # the ARN travels in the custom field too
    cf = fake.custom_field_id("Finding ARN")
    assert any(v.get("id") == cf and v.get("value") == arns[0] for v in a["customFields"])
    # statuses and resolutions
    assert a["status"]["name"] == "未対応" and e["status"]["name"] == "未対応"
    assert b["status"]["name"] == "完了" and b["resolution"]["name"] == "対応済み"
    assert c["status"]["name"] == "完了" and c["resolution"]["name"] == "対応しない"
    assert d["status"]["name"] == "未対応"
    # comments: one per material change / close / reopen, in Japanese
    ca = [x["content"] for x in fake.comments_of(a["issueKey"])]
    assert len(ca) == 1 and "深刻度: 緊急" not in ca[0] and "スコア: 10.0 → 10.0" not in ca[0]
    assert "修正の有無: あり → なし" in ca[0] and "変更点" in ca[0]
    assert "【緊急 10.0】" in a["summary"]
    cb = [x["content"] for x in fake.comments_of(b["issueKey"])]
    assert len(cb) == 1 and "クローズされました" in cb[0]
    cc = [x["content"] for x in fake.comments_of(c["issueKey"])]
    assert len(cc) == 1 and "抑制されました" in cc[0]
    cd = [x["content"] for x in fake.comments_of(d["issueKey"])]
    assert len(cd) == 2 and "同じ問題が再び検出されました" in cd[1]
    assert fake.comments_of(e["issueKey"]) == []
    assert writes_by_kind["new"] == 5


def test_dry_run_changes_nothing(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = write_config(tmp_path, fake)
    r = CliRunner().invoke(app, ["send", str(EXAMPLES), "--config", str(cfg), "--dry-run"], catch_exceptions=False)
    assert r.exit_code == 0
    assert "[作成 / create]" in r.output and "【緊急 10.0】CVE-2024-3094" in r.output
    assert fake.requests == [] and not fake.issues
    from inspector2backlog.state.sqlite import SQLiteStore

    with SQLiteStore(tmp_path / "state.sqlite3") as store:
        assert list(store.records()) == []


def test_fallback_issue_is_filed_once(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = write_config(tmp_path, fake)
    bad = tmp_path / "bad.json"
    bad.write_text('{"detail-type": "Inspector2 Finding", "detail": {"apiKey": "s3cr3t-value", "title": "x"')
    runner = CliRunner()
    for _ in range(2):
        r = send(runner, cfg, bad)
        assert r.exit_code == 0, r.output
    issues = list(fake.issues.values())
    assert len(issues) == 1 and issues[0]["summary"] == "【要確認】Inspector 通知の解析に失敗しました"
    assert "s3cr3t-value" not in issues[0]["description"]
    assert json.loads(r.output.strip().splitlines()[-1])["fallbacks"] == 1


def test_missing_issue_type_is_a_clear_config_error(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = write_config(tmp_path, fake)
    cfg.write_text(cfg.read_text().replace('issue_type = "脆弱性"', 'issue_type = "セキュリティ"'))
    r = CliRunner().invoke(app, ["send", str(EXAMPLES / "01-ecr-critical-xz.event.json"), "--config", str(cfg)])
    assert r.exit_code == 2
    assert "セキュリティ" in r.output and "脆弱性" in r.output and "バグ" in r.output  # names what exists
    assert not fake.issues
    # nothing was lost: with the configuration fixed, the next run (no new input) files the kept finding
    cfg.write_text(cfg.read_text().replace('issue_type = "セキュリティ"', 'issue_type = "脆弱性"'))
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    r = CliRunner().invoke(app, ["send", str(empty), "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    (issue,) = fake.issues.values()
    assert "CVE-2024-3094" in issue["summary"]


def test_doctor_command(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = write_config(tmp_path, fake)
    r = CliRunner().invoke(app, ["doctor", "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    assert "脆弱性" in r.output and fake.api_key not in r.output
    cfg.write_text(cfg.read_text().replace('arn_custom_field = "Finding ARN"', 'arn_custom_field = "ARN"'))
    r = CliRunner().invoke(app, ["doctor", "--config", str(cfg)])
    assert r.exit_code != 0 and "ARN" in r.output and "Finding ARN" in r.output  # says what exists


def test_close_uses_the_configured_resolutions_and_says_why(tmp_path: Path, fake: FakeBacklog, monkeypatch):
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    cfg = write_config(tmp_path, fake)
    cfg.write_text(
        cfg.read_text().replace(
            'issue_type = "脆弱性"\n',
            'issue_type = "脆弱性"\nclosed_resolution = "再現しない"\nsuppressed_resolution = "無効"\n',
        )
    )
    _a, b, _c, network, _e = base_findings()
    runner = CliRunner()
    for n, ev in enumerate(
        [event(network, 1), event(b, 1), event(network, 2, status="CLOSED"), event(b, 2, status="SUPPRESSED")]
    ):
        p = tmp_path / f"ev{n}.json"
        p.write_text(json.dumps(ev))
        r = send(runner, cfg, p)
        assert r.exit_code == 0, r.output
    by_arn = {
        f["findingArn"]: next(i for i in fake.issues.values() if f["findingArn"] in i["description"])
        for f in (network, b)
    }
    net, vuln = by_arn[network["findingArn"]], by_arn[b["findingArn"]]
    assert net["status"]["name"] == "完了" and net["resolution"]["name"] == "再現しない"
    (closing,) = [x["content"] for x in fake.comments_of(net["issueKey"])]
    assert "Inspector で検出されなくなったため、課題を完了にします（完了理由: 再現しない）" in closing
    assert "脆弱性" not in closing
    assert vuln["status"]["name"] == "完了" and vuln["resolution"]["name"] == "無効"
    (suppressing,) = [x["content"] for x in fake.comments_of(vuln["issueKey"])]
    assert "抑制されました" in suppressing and "完了理由: 無効" in suppressing
