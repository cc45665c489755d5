"""kill -9 at random points during `inspector2backlog send` runs of 200 findings (real processes, SQLite state, the
loopback fake Backlog), then reruns after ``claim_timeout_seconds``: every finding ends with exactly one issue."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from inspector2backlog.deliver.lookup import matches
from inspector2backlog.state.sqlite import SQLiteStore
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config

from ..integration.test_nodup import findings

SRC = Path(__file__).resolve().parents[2] / "src"


def _run(cfg: Path, src: Path, env: dict, kill_after: float | None) -> int | None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "inspector2backlog.cli", "send", str(src), "--config", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    if kill_after is None:
        return proc.wait(timeout=120)
    try:
        return proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def test_kill_9_during_runs_of_200_findings_loses_and_doubles_nothing(tmp_path: Path):
    rng = random.Random(9)
    # answers a little late, so that a run is still filing when it is killed; no update budget to wait out
    with FakeBacklog(latency=0.03, rate_limits={"update": 10_000, "search": 10_000}) as fake:
        cfg = write_config(tmp_path, fake)
        cfg.write_text(cfg.read_text().replace("[state]", "index_lag_seconds = 0\n[state]\nclaim_timeout_seconds = 1"))
        src = tmp_path / "in.ndjson"
        events = findings(200)
        src.write_text("\n".join(json.dumps(e) for e in events) + "\n")
        env = {**os.environ, "PYTHONPATH": str(SRC), KEY_ENV: fake.api_key}
        killed = 0
        for _ in range(5):
            before = len(fake.requests_of("create_issue"))
            code = _run(cfg, src, env, kill_after=rng.uniform(3.0, 5.5))  # a run starts filing after ~3 s
            if code is None:
                killed += 1
            assert len(fake.requests_of("create_issue")) >= before
        assert killed >= 2, "the runs should have been killed mid-way"
        assert fake.issues, "the killed runs should have filed some"
        for _ in range(3):  # reruns after the claims' deadline finish what the killed runs left
            time.sleep(1.1)
            code = _run(cfg, src, env, kill_after=None)
            if code == 0:
                break
        assert code == 0
        for e in events:
            arn = e["detail"]["findingArn"]
            assert len([i for i in fake.issues.values() if matches(i, arn)]) == 1, arn
        assert len(fake.issues) == 200
        with SQLiteStore(tmp_path / "state.sqlite3") as store:
            recs = list(store.records("finding:"))
        assert len(recs) == 200 and all(r.phase == "synced" and r.issue_key for r in recs)
