"""Faults on 30 % of Backlog calls (429, 5xx, timeouts): every finding ends in Backlog or in a clear failure exit
(non-zero, recorded as pending, retried by the next run); nothing is dropped, nothing duplicated, no key leaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from inspector2backlog.state.sqlite import SQLiteStore
from tests.fakes.backlog_server import FakeBacklog

from .test_send_lifecycle import KEY_ENV, base_findings, stream, write_config

FAST_RETRIES = {
    "timeout_seconds": "0.3",
    "max_retries": "2",
    "max_wait_seconds": "0.2",
    "retry_backoff_seconds": "0.01",
    "index_lag_seconds": "0",
}  # the fake's search shows an issue at once: no window to wait out


def _cfg(tmp_path: Path, fake: FakeBacklog) -> Path:
    cfg = write_config(tmp_path, fake)
    text = cfg.read_text().replace("[state]", "\n".join(f"{k} = {v}" for k, v in FAST_RETRIES.items()) + "\n[state]")
    cfg.write_text(text)
    return cfg


def _send(runner, cfg, path):
    return runner.invoke(app, ["send", str(path), "--config", str(cfg), "--stats"])


@pytest.mark.parametrize("seed", [7, 11])
def test_thirty_percent_faults_end_in_backlog_or_a_loud_failure(tmp_path: Path, monkeypatch, seed):
    monkeypatch.setenv(KEY_ENV, FakeBacklog().api_key)
    with FakeBacklog(hang_seconds=0.6) as fake:
        cfg = _cfg(tmp_path, fake)
        runner = CliRunner()
        fake.fault_rate(0.3, seed=seed, kinds=(429, 500, 503, "timeout"))
        failed_runs = 0
        outputs = []
        for n, (_kind, ev) in enumerate(stream()):
            p = tmp_path / f"ev{n}.json"
            p.write_text(json.dumps(ev))
            r = _send(runner, cfg, p)
            outputs.append(r.output)
            assert r.exit_code in (0, 1, 2), r.output
            if r.exit_code != 0:
                failed_runs += 1
                assert ("保留" in r.output and "failed" in r.output) or "Backlog に接続できません" in r.output, r.output
        assert failed_runs > 0, "the fault rate should have made some runs fail"
        # the faults stop; the stream's last event is re-sent once more, and a drain run retries what is pending
        fake.clear_faults()
        empty = tmp_path / "empty.json"
        empty.write_text("[]")
        for _ in range(2):
            r = _send(runner, cfg, empty)
            assert r.exit_code == 0, r.output
            outputs.append(r.output)

    arns = [f["findingArn"] for f in base_findings()]
    final = {a: "ACTIVE" for a in arns}
    final.update({arns[1]: "CLOSED", arns[2]: "SUPPRESSED"})
    per_arn = {a: [i for i in fake.issues.values() if a in i["description"]] for a in arns}
    with SQLiteStore(tmp_path / "state.sqlite3") as store:
        records = {r.key.removeprefix("finding:"): r for r in store.records("finding:")}
    assert all(r.phase == "synced" for r in records.values())  # nothing left pending once Backlog is healthy
    for a in arns:
        assert len(per_arn[a]) <= 1, "never duplicated"
        if final[a] == "ACTIVE":  # still a live problem: it must be in Backlog, open
            assert len(per_arn[a]) == 1 and per_arn[a][0]["status"]["name"] == "未対応", a
        elif per_arn[a]:  # resolved: its issue, if it got one, is closed
            assert per_arn[a][0]["status"]["name"] == "完了", a
        else:  # resolved before its (failed, loudly reported) create could be retried: no issue needed, and only
            # a tombstone remembers it (so that a late copy of the ACTIVE event cannot create one after all)
            assert a not in records or (records[a].data.get("tombstone") and records[a].issue_key is None)
    everything = "\n".join(outputs) + fake.recorded_text()
    assert fake.api_key not in everything


@pytest.mark.parametrize("fault", ["timeout", 500, 502])
def test_create_that_failed_but_landed_is_not_duplicated(tmp_path: Path, monkeypatch, fault):
    with FakeBacklog(hang_seconds=0.6) as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = _cfg(tmp_path, fake)
        ev = tmp_path / "ev.json"
        ev.write_text(json.dumps(stream()[0][1]))
        fake.fail_next(1, fault, method="POST", path=r"/issues$", apply=True)  # created, but no good answer
        r = _send(CliRunner(), cfg, ev)
        assert r.exit_code == 1 and "保留" in r.output
        assert len(fake.issues) == 1
        with SQLiteStore(tmp_path / "state.sqlite3") as store:
            (rec,) = store.records("finding:")
            assert rec.phase == "pending" and rec.issue_key is None
        r = _send(CliRunner(), cfg, ev)  # the retry finds the issue by its ARN instead of creating a second one
        assert r.exit_code == 0, r.output
        assert len(fake.issues) == 1
        with SQLiteStore(tmp_path / "state.sqlite3") as store:
            (rec,) = store.records("finding:")
            assert rec.phase == "synced" and rec.issue_key == next(iter(fake.issues.values()))["issueKey"]


@pytest.mark.parametrize("status", [401])
def test_bad_api_key_fails_loudly_without_leaking(tmp_path: Path, monkeypatch, status):
    with FakeBacklog() as fake:
        monkeypatch.setenv(KEY_ENV, "wrong-key-123456789")
        cfg = _cfg(tmp_path, fake)
        ev = tmp_path / "ev.json"
        ev.write_text(json.dumps(stream()[0][1]))
        r = _send(CliRunner(), cfg, ev)
        assert r.exit_code == 1 and "Backlog" in r.output
        assert "wrong-key-123456789" not in r.output


def test_a_fallback_issue_whose_create_timed_out_after_landing_is_not_filed_twice(tmp_path: Path, monkeypatch):
    with FakeBacklog(hang_seconds=0.6) as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = _cfg(tmp_path, fake)
        bad = tmp_path / "bad.json"
        bad.write_text('{"detail-type": "Inspector2 Finding", "detail": {"title": "cut off')
        fake.fail_next(1, "timeout", method="POST", path=r"/issues$", apply=True)  # filed, but no answer
        r = _send(CliRunner(), cfg, bad)
        assert r.exit_code == 1 and len(fake.issues) == 1
        (issue,) = fake.issues.values()
        assert "管理用 ID" in issue["description"] and "fallback:" in issue["description"]
        r = _send(CliRunner(), cfg, bad)  # the same input again (SQS redelivery): found by its ID, not filed again
        assert r.exit_code == 0, r.output
        assert len(fake.issues) == 1 and len(fake.requests_of("create_issue")) == 1
        r = _send(CliRunner(), cfg, bad)
        assert r.exit_code == 0 and len(fake.issues) == 1


@pytest.mark.parametrize("fault", [500, 400])
def test_a_fallback_issue_whose_create_failed_is_filed_by_a_later_run_without_the_input(
    tmp_path: Path, monkeypatch, fault
):
    """The fallback is a lifecycle transition: its pending record keeps the input (redacted), and the pending sweep
    of the next run files it although the broken input is never delivered again."""
    with FakeBacklog() as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = _cfg(tmp_path, fake)
        bad = tmp_path / "bad.json"
        bad.write_text('{"detail-type": "Inspector2 Finding", "detail": {"apiKey": "' + fake.api_key + '", "cut')
        fake.fail_next(1, fault, method="POST", path=r"/issues$")  # refused: nothing filed
        r = _send(CliRunner(), cfg, bad)
        assert r.exit_code == 1 and not fake.issues, r.output
        with SQLiteStore(tmp_path / "state.sqlite3") as store:
            (rec,) = store.records("fallback:")
            assert rec.phase == "pending" and rec.issue_key is None
            assert fake.api_key not in json.dumps(rec.data)  # kept for the retry, never with a secret in it
        empty = tmp_path / "empty.json"
        empty.write_text("[]")
        r = _send(CliRunner(), cfg, empty)  # no input at all: the pending sweep files it
        assert r.exit_code == 0, r.output
        (issue,) = fake.issues.values()
        assert issue["summary"].startswith("【要確認】") and "cut" in issue["description"]
        assert fake.api_key not in issue["description"]
        with SQLiteStore(tmp_path / "state.sqlite3") as store:
            (rec,) = store.records("fallback:")
            assert rec.phase == "synced" and rec.issue_key == issue["issueKey"] and not rec.data
        for path in (empty, bad):  # nothing left to retry; the input again (SQS redelivery): still one issue
            r = _send(CliRunner(), cfg, path)
            assert r.exit_code == 0, r.output
        creates = fake.requests_of("create_issue")
        assert len(fake.issues) == 1 and [c.status for c in creates] == [fault, 201]  # the refused one, then one
