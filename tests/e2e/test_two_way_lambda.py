"""The two-way Lambda entry points: the scheduled ``pull_handler``, and the send path staying free of the two-way
code (nothing of :mod:`inspector2backlog.twoway` imported by ``sqs_handler``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from inspector2backlog import aws_lambda
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.moto_server import moto_endpoint  # noqa: F401

from ..conftest import EXAMPLES
from .test_two_way import ARN, env, fake, filed, held  # noqa: F401

REPO = Path(__file__).resolve().parents[2]


def test_pull_handler_acts_and_reports(env, fake: FakeBacklog, capsys):
    key = filed(env, fake)["issueKey"]
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    out = aws_lambda.pull_handler({"source": "aws.scheduler"}, None)
    assert out["ok"] is True and out["failed"] == [] and out["checked"] >= 1
    assert held(env) == [ARN]
    assert aws_lambda.pull_handler({}, None)["ok"] is True and held(env) == [ARN]  # nothing twice


def test_sqs_handler_imports_nothing_of_two_way(tmp_path: Path):
    event = json.loads((EXAMPLES / "01-ecr-critical-xz.event.json").read_text())
    code = (
        "import json, sys\n"
        "from inspector2backlog import aws_lambda\n"
        f"ev = json.loads({json.dumps(json.dumps(event))})\n"
        "out = aws_lambda.sqs_handler({'Records': [{'messageId': 'm1', 'body': json.dumps(ev)}]})\n"
        "assert out == {'batchItemFailures': []}, out\n"
        "print(sorted(m for m in sys.modules if m.startswith('inspector2backlog.twoway')))\n"
    )
    env_ = {k: v for k, v in os.environ.items() if not k.startswith("I2B_")}
    env_.update(
        {
            "PYTHONPATH": str(REPO / "src"),
            "I2B_DELIVERY_SINK": "stdout",
            "I2B_STATE_PATH": str(tmp_path / "s.sqlite3"),
            "I2B_FILTER_MIN_SEVERITY": "LOW",
        }
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env_, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"
