"""`inspector2backlog sync` against moto's Inspector (real server, real boto3) and the loopback fake Backlog.

State before the sync (made by `send`, so the issues really exist): A, B, F ACTIVE, C CLOSED, G ACTIVE in an account
outside [sync] accounts. Inspector now lists A (unchanged), B (CLOSED), D (new, ACTIVE), E (ACTIVE, below
min_severity) and a second copy of A; C, F and G are not listed. Expected: create D, close B, close F as gone —
nothing for A, C, E, G.

moto returns every queued page without a ``nextToken``; a small loopback proxy in front of it adds one to each
non-empty page (a new token is a new argument set, so moto hands out the next queued page), which gives real
multi-page listings for the checkpoint/resume test.
"""

from __future__ import annotations

import copy
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from inspector2backlog.state.sqlite import SQLiteStore
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config as backlog_config
from tests.fakes.moto_server import REGION, moto_endpoint, seed_inspector_findings  # noqa: F401

from ..conftest import EXAMPLES

MEMBER = "111122223333"  # the member account of the examples
OTHER = "444455556666"  # an account outside [sync] accounts


# ---- findings --------------------------------------------------------------------------------------------------------


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.event.json").read_text(encoding="utf-8"))["detail"]


def _at(f: dict, day: int, **changes) -> dict:
    f = copy.deepcopy(f)
    f.update(changes)
    stamp = f"2024-10-{day:02d}T00:00:00Z"
    f["updatedAt"] = f["lastObservedAt"] = stamp
    return f


def _renamed(f: dict, suffix: str, account: str = MEMBER) -> dict:
    f = copy.deepcopy(f)
    head, _, fid = f["findingArn"].rpartition("/")
    f["findingArn"] = f"{head.rsplit(':', 2)[0]}:{account}:finding/{fid[:-6]}{suffix}"
    f["awsAccountId"] = account
    return f


def findings() -> dict[str, dict]:
    a = _at(_example("01-ecr-critical-xz"), 1)  # CRITICAL
    b = _at(_example("02-ec2-high-openssh"), 1)  # HIGH
    c = _at(_example("05-lambda-code-hardcoded-credentials"), 1)  # CRITICAL
    d = _renamed(_at(_example("02-ec2-high-openssh"), 3), "d0d0d0")  # HIGH, new
    e = _at(_example("03-lambda-medium-requests"), 3)  # MEDIUM < min_severity HIGH
    f = _renamed(_at(_example("01-ecr-critical-xz"), 1), "f0f0f0")  # tracked, no longer listed
    g = _renamed(_at(_example("01-ecr-critical-xz"), 1), "060606", OTHER)  # tracked, other account
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g}


def _event(f: dict) -> dict:
    return {
        "version": "0",
        "id": "ev-" + f["findingArn"][-6:] + f["updatedAt"][:10],
        "detail-type": "Inspector2 Finding",
        "source": "aws.inspector2",
        "account": f["awsAccountId"],
        "time": f["updatedAt"],
        "region": REGION,
        "resources": [],
        "detail": f,
    }


# ---- Inspector: moto + paging proxy ----------------------------------------------------------------------------------


class PagingProxy:
    """Forwards everything to moto; adds ``nextToken`` p1, p2, … to each non-empty ListFindings page."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.list_tokens: list[str | None] = []  # the nextToken of every ListFindings request, in order
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection", "accept-encoding")
                }
                req = urllib.request.Request(
                    proxy.upstream + self.path, data=body, headers=headers, method=self.command
                )
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
                        status, out, rh = resp.status, resp.read(), resp.headers
                except urllib.error.HTTPError as e:
                    status, out, rh = e.code, e.read(), e.headers
                if self.path.split("?")[0] == "/findings/list" and status == 200:
                    token = json.loads(body or b"{}").get("nextToken")
                    proxy.list_tokens.append(token)
                    data = json.loads(out)
                    if data.get("findings"):
                        data["nextToken"] = f"p{int(token[1:]) + 1 if token else 1}"
                    out = json.dumps(data).encode()
                self.send_response(status)
                for k, v in rh.items():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PagingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed_pages(endpoint: str, pages: list[list[dict]], region: str = REGION) -> None:
    seed_inspector_findings(endpoint, pages, region)


@pytest.fixture()
def inspector(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[PagingProxy]:
    with PagingProxy(moto_endpoint) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_INSPECTOR2", proxy.url)  # boto3's service-specific endpoint variable
        yield proxy


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBacklog]:
    with FakeBacklog() as f:
        monkeypatch.setenv(KEY_ENV, f.api_key)
        yield f


# ---- helpers ---------------------------------------------------------------------------------------------------------


def write_config(tmp: Path, fake: FakeBacklog) -> Path:
    return backlog_config(
        tmp, fake, "[sync]", f'regions = ["{REGION}"]', f'accounts = ["{MEMBER}"]', min_severity="HIGH"
    )


def run(cfg: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--config", str(cfg)], catch_exceptions=False)


def seed_state(tmp: Path, cfg: Path, fs: dict[str, dict]) -> None:
    """Issues for A, B, C, F, G (ACTIVE), then C closed — through `send`, one event file each."""
    events = [_event(fs[k]) for k in "ABCFG"] + [_event(_at(fs["C"], 2, status="CLOSED"))]
    for n, ev in enumerate(events):
        p = tmp / f"seed{n}.json"
        p.write_text(json.dumps(ev), encoding="utf-8")
        r = run(cfg, "send", str(p))
        assert r.exit_code == 0, r.output


def listed_pages(fs: dict[str, dict], *, copy_of_a: bool = True) -> list[list[dict]]:
    b_closed = _at(fs["B"], 5, status="CLOSED")
    return [[fs["A"], b_closed], [fs["D"], fs["E"], *([copy.deepcopy(fs["A"])] if copy_of_a else [])]]


def state_dump(tmp: Path) -> list[tuple]:
    with SQLiteStore(tmp / "state.sqlite3") as store:
        return [
            (r.key, r.phase, r.issue_key, r.status, r.updated_at, r.fingerprint, r.version) for r in store.records()
        ]


def record(tmp: Path, key: str):
    with SQLiteStore(tmp / "state.sqlite3") as store:
        return store.get(key)


def writes(fake: FakeBacklog) -> list:
    return [r for r in fake.requests if r.method in ("POST", "PATCH", "DELETE")]


def issue_for(fake: FakeBacklog, arn: str) -> dict:
    found = [i for i in fake.issues.values() if arn in i["description"]]
    assert len(found) == 1, (arn, len(found))
    return found[0]


def plan_counts(output: str) -> dict[str, str]:
    line = next(x for x in output.splitlines() if x.startswith("plan: "))
    return dict(kv.split("=") for kv in line[len("plan: ") :].split())


# ---- tests -----------------------------------------------------------------------------------------------------------


def test_dry_run_plans_then_sync_applies_exactly(tmp_path: Path, fake: FakeBacklog, inspector: PagingProxy):
    fs = findings()
    cfg = write_config(tmp_path, fake)
    seed_state(tmp_path, cfg, fs)
    seed_pages(inspector.upstream, listed_pages(fs))
    assert len(fake.issues) == 5
    before_state, before_requests = state_dump(tmp_path), len(fake.requests)

    # --dry-run: the plan, and nothing changes
    r = run(cfg, "sync", "--dry-run")
    assert r.exit_code == 0, r.output
    counts = plan_counts(r.stdout)
    assert counts == {
        "created": "1",
        "updated": "0",
        "closed": "1",
        "reopened": "0",
        "gone_closed": "1",
        "skipped": "2",
        "touched": "0",
        "failed": "0",
        "duplicates": "1",
        "writes": "3",
        "complete": "yes",
    }, r.stdout
    assert "書き込み 3 件: レート制限 150 件/分（既定値）で約 2 秒" in r.stdout
    assert "課題の作成 1 件" in r.stdout and "一覧から消えたため完了 1 件（予定）" in r.stdout
    assert "状態ストアと Backlog は変更していません" in r.stdout
    assert len(fake.requests) == before_requests  # not even a read
    assert state_dump(tmp_path) == before_state
    assert inspector.list_tokens == [None, "p1", "p2"]  # three pages (the last one empty)

    # the real run: exactly create D, close B, close F as gone
    r = run(cfg, "sync", "--stats")
    assert r.exit_code == 0, r.output
    assert plan_counts(r.stderr)["writes"] == "3"
    sync_writes = writes(fake)[-3:]
    assert len(writes(fake)) == 6 + 3  # seeding: 5 creates + 1 close
    assert sorted(w.kind for w in sync_writes) == ["create_issue", "update_issue", "update_issue"]
    assert len(fake.issues) == 6
    a, b, c, d, f, g = (issue_for(fake, fs[k]["findingArn"]) for k in "ABCDFG")
    assert all(fs["E"]["findingArn"] not in i["description"] for i in fake.issues.values())
    assert d["status"]["name"] == "未対応" and "【重要" in d["summary"]
    assert b["status"]["name"] == "完了" and b["resolution"]["name"] == "対応済み"
    assert "クローズされました" in fake.comments_of(b["issueKey"])[-1]["content"]
    assert f["status"]["name"] == "完了" and f["resolution"]["name"] == "対応済み"
    gone = fake.comments_of(f["issueKey"])
    assert len(gone) == 1 and "見つからなくなりました" in gone[0]["content"] and REGION in gone[0]["content"]
    for untouched in (a, g):
        assert untouched["status"]["name"] == "未対応" and fake.comments_of(untouched["issueKey"]) == []
    assert c["status"]["name"] == "完了" and len(fake.comments_of(c["issueKey"])) == 1
    rec_f = record(tmp_path, "finding:" + fs["F"]["findingArn"])
    assert rec_f.status == "CLOSED" and rec_f.phase == "synced" and rec_f.data.get("gone_at")
    assert record(tmp_path, "finding:" + fs["D"]["findingArn"]).issue_key == d["issueKey"]
    assert record(tmp_path, "finding:" + fs["G"]["findingArn"]).status == "ACTIVE"
    assert record(tmp_path, "finding:" + fs["E"]["findingArn"]) is None
    assert [k for k, *_ in state_dump(tmp_path) if k.startswith("sync:")] == []  # checkpoints cleared
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    assert stats["issues_created"] == 1 and stats["closed"] == 2 and stats["gone_closed"] == 1
    assert fake.api_key not in r.output

    # a second sync over the same listing changes nothing
    r = run(cfg, "sync")
    assert r.exit_code == 0, r.output
    assert len(writes(fake)) == 9 and plan_counts(r.stderr)["writes"] == "0"


def test_interrupted_sync_resumes_from_checkpoint(tmp_path: Path, fake: FakeBacklog, inspector: PagingProxy):
    fs = findings()
    cfg = write_config(tmp_path, fake)
    seed_state(tmp_path, cfg, fs)
    seed_pages(inspector.upstream, listed_pages(fs, copy_of_a=False))  # A only on page 1, before the interruption
    n0 = len(writes(fake))

    r = run(cfg, "sync", "--max-pages", "1")
    assert r.exit_code == 0, r.output
    c = plan_counts(r.stderr)
    assert (c["created"], c["closed"], c["gone_closed"], c["complete"]) == ("0", "1", "0", "no")
    assert "次回の実行で続きから再開します" in r.stderr
    cp = record(tmp_path, f"sync:checkpoint:{REGION}")
    assert cp is not None and cp.data["next_token"] == "p1" and cp.data["pages"] == 1 and not cp.data["done"]
    assert len(writes(fake)) == n0 + 1  # B closed; F not closed: the listing is incomplete
    assert issue_for(fake, fs["F"]["findingArn"])["status"]["name"] == "未対応"

    r = run(cfg, "sync")
    assert r.exit_code == 0, r.output
    assert "前回の中断位置から再開" in r.stderr
    c = plan_counts(r.stderr)
    assert (c["created"], c["closed"], c["gone_closed"], c["complete"]) == ("1", "0", "1", "yes")
    assert inspector.list_tokens == [None, "p1", "p2"]  # page 1 was not listed again
    assert len(writes(fake)) == n0 + 3
    assert issue_for(fake, fs["F"]["findingArn"])["status"]["name"] == "完了"
    assert issue_for(fake, fs["A"]["findingArn"])["status"]["name"] == "未対応"  # listed on page 1 only: not gone
    assert [k for k, *_ in state_dump(tmp_path) if k.startswith("sync:")] == []


def test_narrowing_filter_criteria_disables_gone_closes(tmp_path: Path, fake: FakeBacklog, inspector: PagingProxy):
    fs = findings()
    cfg = write_config(tmp_path, fake)
    seed_state(tmp_path, cfg, fs)
    cfg.write_text(
        cfg.read_text(encoding="utf-8")
        + '[sync.filter_criteria]\nseverity = [{comparison = "EQUALS", value = "HIGH"}]\n',
        encoding="utf-8",
    )
    seed_pages(inspector.upstream, [[fs["D"]]])
    r = run(cfg, "sync")
    assert r.exit_code == 0, r.output
    c = plan_counts(r.stderr)
    assert (c["created"], c["gone_closed"]) == ("1", "0")
    assert "filter_criteria（severity）" in r.stderr
    assert issue_for(fake, fs["F"]["findingArn"])["status"]["name"] == "未対応"


def test_writes_wait_for_an_exhausted_update_bucket(
    tmp_path: Path, fake: FakeBacklog, inspector: PagingProxy, monkeypatch: pytest.MonkeyPatch
):
    from inspector2backlog.config import load_config
    from inspector2backlog.pipeline import Pipeline
    from inspector2backlog.policy.sync import Syncer, SyncOptions, inspector_client

    fs = findings()
    cfg_path = write_config(tmp_path, fake)
    seed_state(tmp_path, cfg_path, fs)
    seed_pages(inspector.upstream, listed_pages(fs))
    fake.advance(60)  # a fresh rate-limit window, then only two writes in it
    fake.set_rate_limit("update", 2)
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        fake.advance(s)  # the fake's clock: its window rolls over

    monkeypatch.setenv("I2B_BACKLOG_MAX_WAIT_SECONDS", "0.2")  # without the pacing, a 429 would fail fast
    monkeypatch.setenv("I2B_BACKLOG_MAX_RETRIES", "1")
    cfg = load_config(cfg_path)
    ctx = Pipeline.from_config(cfg)
    try:
        report = Syncer(
            ctx.lifecycle,
            SyncOptions.from_config(cfg.sync),
            client_for=inspector_client,
            clock=fake.now,
            sleep=sleep,
        ).run()
    finally:
        ctx.close()
    assert report.ok and report.writes == 3
    assert len(slept) == 1 and 1.0 <= slept[0] <= 61.0  # one pause, until the window's reset
    assert fake.counts["rate_limited"] == 0  # no 429 was needed


def test_estimate_text():
    from inspector2backlog.policy.sync import estimate_text

    assert estimate_text(1234) == "書き込み 1,234 件: レート制限 150 件/分（既定値）で約 8.2 分"
    assert estimate_text(20_000, per_minute=150) == (
        "書き込み 20,000 件: レート制限 150 件/分（Backlog から取得）で約 2.2 時間（134 分）"
    )
    assert estimate_text(0) == "書き込み 0 件: Backlog への書き込みはありません"
    assert "書き込み間隔 2 秒" in estimate_text(100, pace_seconds=2.0) and "約 3.3 分" in estimate_text(
        100, pace_seconds=2.0
    )


def test_grouped_members_gone_from_the_listing_are_resolved_in_their_group(
    tmp_path: Path, fake: FakeBacklog, inspector: PagingProxy
):
    """vulnerability mode: one CVE on three instances → one issue; the listing then has only one of them → the group
    issue's resource list shrinks in one write, and a finding gone from the listing is resolved like a CLOSED one."""
    base = _example("02-ec2-high-openssh")
    members = []
    for i, suffix in enumerate(("aaaaa1", "aaaaa2", "aaaaa3")):
        f = _renamed(base, suffix)
        f["resources"][0]["id"] = f"i-0000000000000000{i}"
        members.append(f)
    cfg = write_config(tmp_path, fake)
    cfg.write_text(cfg.read_text() + '[grouping]\ngroup_by = "vulnerability"\n', encoding="utf-8")
    p = tmp_path / "batch.json"
    p.write_text(json.dumps([_event(f) for f in members]), encoding="utf-8")
    assert run(cfg, "send", str(p)).exit_code == 0
    (issue,) = fake.issues.values()
    assert all(f"i-0000000000000000{i}" in issue["description"] for i in range(3))
    seed_pages(inspector.upstream, [[members[0]]])
    before = len(writes(fake))
    r = run(cfg, "sync", "--no-progress")
    assert r.exit_code == 0, r.output
    assert len(writes(fake)) - before == 1  # one rewrite of the group issue, not one per gone member
    (issue,) = fake.issues.values()
    assert "i-00000000000000000" in issue["description"]
    assert "i-00000000000000001" not in issue["description"] and "i-00000000000000002" not in issue["description"]
    assert issue["status"]["name"] == "未対応"
    assert record(tmp_path, "finding:" + members[1]["findingArn"]).status == "CLOSED"


def test_an_unreadable_listed_finding_becomes_one_fallback_issue(
    tmp_path: Path, fake: FakeBacklog, inspector: PagingProxy
):
    """A listed finding without an ARN is not dropped: one 【要確認】 issue with its raw JSON, filed once; the sync
    completes and its neighbours are handled as usual. (Odd numbers — "²", 10**400 — never get this far through
    boto3, which rejects them itself; the parser's handling of them is tested in tests/unit/test_parse.py.)"""
    fs = findings()
    cfg = write_config(tmp_path, fake)
    seed_state(tmp_path, cfg, fs)
    no_arn = {k: v for k, v in _renamed(fs["B"], "bad000").items() if k != "findingArn"}
    seed_pages(inspector.upstream, [[fs["A"], no_arn, fs["D"]], [fs["B"], fs["F"], fs["G"]]])
    before = set(fake.issues)
    r = run(cfg, "sync", "--no-progress")
    assert r.exit_code == 0, r.output
    assert plan_counts(r.stderr)["complete"] == "yes"
    new = [fake.issues[k] for k in set(fake.issues) - before]
    assert len(new) == 2
    fallback = next(i for i in new if i["summary"].startswith("【要確認】"))
    assert (
        "Inspector 通知の解析に失敗しました" in fallback["summary"]
        and "findingArn がありません" in fallback["description"]
    )
    assert no_arn["title"] in fallback["description"]  # the raw finding, pretty-printed
    assert fs["D"]["findingArn"] in next(i for i in new if i is not fallback)["description"]
    r = run(cfg, "sync", "--no-progress")  # the same listing again: nothing new is filed
    assert r.exit_code == 0, r.output
    assert len(fake.issues) == len(before) + 2


def test_a_configuration_error_stops_sync_before_listing(tmp_path: Path, fake: FakeBacklog, inspector: PagingProxy):
    cfg = write_config(tmp_path, fake)
    cfg.write_text(cfg.read_text().replace('issue_type = "脆弱性"', 'issue_type = "セキュリティ"'))
    seed_pages(inspector.upstream, [[findings()["A"]]])
    r = run(cfg, "sync", "--no-progress")
    assert r.exit_code == 2 and "セキュリティ" in r.output and "脆弱性" in r.output
    assert inspector.list_tokens == []  # nothing listed, nothing recorded as pending
    assert [k for k, *_ in state_dump(tmp_path)] == []
