"""Never duplicated, whatever the search index does: lost create answers, a lagging and tokenising search index,
group keys that are prefixes of each other — through `inspector2backlog send` against the loopback fake Backlog."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from inspector2backlog.deliver.lookup import has_marker, matches
from inspector2backlog.state.sqlite import SQLiteStore
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config

from ..conftest import EXAMPLES

FAST = ["timeout_seconds = 0.5", "max_retries = 1", "max_wait_seconds = 0.2", "retry_backoff_seconds = 0.01"]


def _config(tmp: Path, fake: FakeBacklog, *lines: str, index_lag: float) -> Path:
    cfg = write_config(tmp, fake, *lines)
    text = cfg.read_text().replace("[state]", "\n".join([*FAST, f"index_lag_seconds = {index_lag}", "[state]"]))
    cfg.write_text(text)
    return cfg


def findings(n: int, *, vulns: list[str] | None = None) -> list[dict]:
    base = json.loads((EXAMPLES / "02-ec2-high-openssh.event.json").read_text())
    out = []
    for i in range(n):
        ev = copy.deepcopy(base)
        d = ev["detail"]
        d["findingArn"] = d["findingArn"].rsplit("/", 1)[0] + f"/nodup{i:04d}"
        d["resources"][0]["id"] = f"i-{i:017x}"
        if vulns:
            d["packageVulnerabilityDetails"]["vulnerabilityId"] = vulns[i % len(vulns)]
            d["title"] = f"{vulns[i % len(vulns)]} - openssh"
        out.append(ev)
    return out


def _issues_for(fake: FakeBacklog, key: str) -> list[dict]:
    return [i for i in fake.issues.values() if matches(i, key)]


def _send(cfg: Path, path: Path):
    return CliRunner().invoke(app, ["send", str(path), "--config", str(cfg)], catch_exceptions=False)


def test_exact_markers_never_take_a_prefix():
    md = "- グループキー: `group:vuln:SEC:CVE-2024-12345`\n"
    bn = "- グループキー: group:vuln:SEC:CVE-2024-12345\n"
    for text in (md, bn):
        assert has_marker(text, "group:vuln:SEC:CVE-2024-12345")
        assert not has_marker(text, "group:vuln:SEC:CVE-2024-1234")
        assert not has_marker(text, "group:vuln:SEC:CVE-2024-123456")
    assert not has_marker("- グループキー: `group:fix:SEC:openssl@3.0.13`", "group:fix:SEC:openssl@3.0.1")
    assert matches({"description": "", "customFields": [{"value": "arn:x/1"}]}, "arn:x/1")
    assert not matches({"description": "arn:x/10", "customFields": [{"value": "arn:x/10"}]}, "arn:x/1")


def test_the_strict_fake_searches_by_words_and_lags(tmp_path: Path):
    with FakeBacklog(strict=True, search_lag=30) as fake:
        from inspector2backlog.backlog.client import BacklogClient

        a = fake.add_issue("a", description="Finding ARN: `group:vuln:SEC:CVE-2024-12345`")
        with BacklogClient(fake.url, api_key=fake.api_key) as client:
            pid = fake.project.id
            assert client.list_issues({"projectId[]": [pid], "keyword": "CVE-2024-12345"}) == []  # not indexed yet
            assert [i["id"] for i in client.list_issues({"projectId[]": [pid]})] == [a["id"]]  # the list is
            fake.advance(31)
            assert [i["id"] for i in client.list_issues({"projectId[]": [pid], "keyword": "CVE-2024-12345"})] == [
                a["id"]
            ]
            assert client.list_issues({"projectId[]": [pid], "keyword": "CVE-2024-1234"}) == []  # words, not substrings
            me = client.myself()["id"]
            mine = client.list_issues(
                {
                    "projectId[]": [pid],
                    "createdUserId[]": [me],
                    "createdSince": "2000-01-01",
                    "sort": "created",
                    "order": "desc",
                }
            )
            assert [i["id"] for i in mine] == [a["id"]]
            assert client.list_issues({"projectId[]": [pid], "createdUserId[]": [me + 1]}) == []
            client.update_issue(a["id"], {"summary": "renamed"})  # the index keeps the old text until the lag passes
            assert client.list_issues({"projectId[]": [pid], "keyword": "renamed"}) == []
            assert len(client.list_issues({"projectId[]": [pid], "keyword": "a"})) == 1
            fake.advance(31)
            assert len(client.list_issues({"projectId[]": [pid], "keyword": "renamed"})) == 1


def test_lost_answers_and_a_lagging_index_never_file_twice(tmp_path: Path, monkeypatch):
    """Every 3rd create is applied but answered with 500; every issue list sees an issue only 4 s after it was
    created; index_lag_seconds = 5. Run, run again at once, run after the lag, run after another lag."""
    with FakeBacklog(strict=True, search_lag=4.0, lag_every_list=True) as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = _config(tmp_path, fake, index_lag=5)
        src = tmp_path / "in.ndjson"
        events = findings(30)
        src.write_text("\n".join(json.dumps(e) for e in events) + "\n")
        fake.fail_every(3, 500, method="POST", path=r"/issues$", apply=True)

        r = _send(cfg, src)
        first_done = time.time()
        assert r.exit_code == 1 and "保留" in r.output
        assert len(fake.requests_of("create_issue")) == 30 and len(fake.issues) == 30  # all landed, 10 unanswered

        searches = len(fake.requests_of("list_issues"))
        r = _send(cfg, src)  # at once: the index shows none of them yet
        assert r.exit_code == 1 and "未完了" in r.output, r.output
        assert len(fake.requests_of("create_issue")) == 30, "no create repeated inside the window"
        # each looked for once by three routes (custom field, our own issues, keyword) — not again for the input's copy
        assert 0 < len(fake.requests_of("list_issues")) - searches <= 10 * 3

        time.sleep(max(0.0, first_done + 4.3 - time.time()))  # the lag has passed, the window not necessarily
        r = _send(cfg, src)
        assert r.exit_code == 0, r.output
        time.sleep(4.3)
        r = _send(cfg, src)
        assert r.exit_code == 0, r.output

        assert len(fake.requests_of("create_issue")) == 30
        for e in events:
            arn = e["detail"]["findingArn"]
            assert len(_issues_for(fake, arn)) == 1, arn
        with SQLiteStore(tmp_path / "state.sqlite3") as store:
            recs = list(store.records("finding:"))
        assert len(recs) == 30 and all(r.phase == "synced" and r.issue_key for r in recs)


def test_a_create_that_did_not_land_is_filed_once_the_window_has_passed(tmp_path: Path, monkeypatch):
    with FakeBacklog(strict=True) as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = _config(tmp_path, fake, index_lag=4)
        src = tmp_path / "in.json"
        src.write_text(json.dumps(findings(1)[0]))
        fake.fail_next(1, 502, method="POST", path=r"/issues$")  # refused after all, but we cannot know that
        assert _send(cfg, src).exit_code == 1
        r = _send(cfg, src)
        assert r.exit_code == 1 and "未完了" in r.output and not fake.issues  # inside the window: looked, not filed
        time.sleep(4.1)
        r = _send(cfg, src)
        assert r.exit_code == 0, r.output
        assert len(fake.issues) == 1 and len(fake.requests_of("create_issue")) == 2


@pytest.mark.parametrize(
    "strict, rule",
    [(False, "markdown"), (True, "markdown"), (False, "backlog")],
    ids=["substring-index", "word-index", "backlog-notation"],
)
def test_group_keys_that_are_prefixes_of_each_other_each_get_their_own_issue(tmp_path: Path, monkeypatch, strict, rule):
    """CVE-2024-123, -1234, -12345, -123456 (group_by = "vulnerability"), every 2nd create's answer lost; the index
    matching substrings (the worst case for adoption) or words."""
    vulns = ["CVE-2024-123", "CVE-2024-1234", "CVE-2024-12345", "CVE-2024-123456"]
    with FakeBacklog(strict=strict, text_formatting_rule=rule) as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = _config(tmp_path, fake, "[grouping]", 'group_by = "vulnerability"', index_lag=0)
        fake.fail_every(2, 500, method="POST", path=r"/issues$", apply=True)
        runner_input = tmp_path / "in.ndjson"
        runner_input.write_text("\n".join(json.dumps(e) for e in findings(8, vulns=vulns)) + "\n")
        # one group per run, longest key first: a lost answer's key is a prefix of keys filed before it
        for v in reversed(vulns):
            one = tmp_path / f"{v}.ndjson"
            one.write_text(
                "\n".join(
                    json.dumps(e)
                    for e in findings(8, vulns=vulns)
                    if e["detail"]["packageVulnerabilityDetails"]["vulnerabilityId"] == v
                )
                + "\n"
            )
            _send(cfg, one)
        for _ in range(3):
            r = _send(cfg, runner_input)
        assert r.exit_code == 0, r.output
        assert len(fake.issues) == 4
        with SQLiteStore(tmp_path / "state.sqlite3") as store:
            groups = {r.key: r for r in store.records("group:")}
        for v in vulns:
            key = f"group:vuln:SEC:{v}"
            (issue,) = _issues_for(fake, key)
            assert f"{v} " in issue["summary"] and groups[key].issue_key == issue["issueKey"], (v, issue["summary"])


def test_a_fallback_issue_whose_answer_was_lost_waits_for_the_index(tmp_path: Path, monkeypatch):
    with FakeBacklog(strict=True, search_lag=4.0, lag_every_list=True) as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = _config(tmp_path, fake, index_lag=5)
        bad = tmp_path / "bad.json"
        bad.write_text('{"detail-type": "Inspector2 Finding", "detail": {"findingArn": "arn:aws:inspector2:x", "cut')
        fake.fail_next(1, 500, method="POST", path=r"/issues$", apply=True)
        assert _send(cfg, bad).exit_code == 1
        r = _send(cfg, bad)  # the same input again at once: not visible yet, not filed again
        assert r.exit_code == 1 and "未完了" in r.output, r.output
        time.sleep(4.1)
        assert _send(cfg, bad).exit_code == 0
        assert _send(cfg, bad).exit_code == 0
        assert len(fake.issues) == 1 and len(fake.requests_of("create_issue")) == 1
        (issue,) = fake.issues.values()
        assert all(cf["value"] is None for cf in issue["customFields"])  # a broken input's ARN names no issue


def test_a_live_claim_makes_send_fail_and_a_dead_one_is_finished(tmp_path: Path, monkeypatch):
    """Another worker's claim (here: written by hand, as a worker that died right after claiming leaves it)."""
    from inspector2backlog.findings.parse import parse_finding
    from inspector2backlog.policy.recovery import claim_data

    with FakeBacklog() as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = _config(tmp_path, fake, index_lag=0)
        cfg.write_text(cfg.read_text().replace("[filter]", "claim_timeout_seconds = 4\n[filter]"))
        ev = findings(1)[0]
        src = tmp_path / "in.json"
        src.write_text(json.dumps(ev))
        f = parse_finding(ev["detail"])
        with SQLiteStore(tmp_path / "state.sqlite3") as store:
            now = time.time()
            store.claim("finding:" + f.arn, now=now, data=claim_data(f, now, 4))
        r = _send(cfg, src)
        assert r.exit_code == 1 and "別の処理が課題を作成中です" in r.output and not fake.issues
        time.sleep(max(0.0, now + 4.1 - time.time()))
        empty = tmp_path / "empty.json"
        empty.write_text("[]")
        r = _send(cfg, empty)  # no input: the pending sweep files it from what the claim recorded
        assert r.exit_code == 0, r.output
        assert len(fake.issues) == 1


def test_our_own_recent_issues_are_paged_until_before_the_claim(tmp_path: Path):
    """The keyword index never shows it and there is no custom field: only the created-by-us route can find it."""
    from inspector2backlog.backlog.client import BacklogClient
    from inspector2backlog.backlog.project import ProjectContext
    from inspector2backlog.deliver.backlog import BacklogSink

    with FakeBacklog(strict=True, search_lag=3600) as fake:
        key = "arn:aws:inspector2:ap-northeast-1:111122223333:finding/target"
        since = fake.now()
        fake.add_issue("target", description=f"- Finding ARN: `{key}`")
        for i in range(150):
            fake.add_issue(f"later {i}", description=f"- Finding ARN: `{key}0{i}`")
        with BacklogClient(fake.url, api_key=fake.api_key) as client:
            sink = BacklogSink(client, ProjectContext.load(client, "SEC", issue_type_name="脆弱性"))
            ref = sink.find(key, since=since)
            assert ref is not None and fake.issue(ref.key)["summary"] == "target"
            offsets = [r.param("offset") for r in fake.requests_of("list_issues") if r.param("createdUserId[]")]
            assert offsets == ["0", "100"]
            assert sink.find(key + "0", since=since) is None  # a prefix of others' keys is not a hit
