"""The scheduled pending sweep in AWS shape: a delivery that failed (loopback Backlog with an injected failure) leaves
a pending record in DynamoDB (moto server); the scheduled event ``{"inspector2backlog": "sweep"}`` through the
template's entry point files it with no new event. A sweep that still fails is loud: error log, metric, exception
(Lambda's Errors alarm)."""

from __future__ import annotations

import json

import pytest

from inspector2backlog import aws_lambda
from inspector2backlog.state.dynamodb import DynamoDBStore
from tests.e2e.test_lambda_sqs import TABLE, _batch, _events, _one_cve_on_instances, aws_app  # noqa: F401
from tests.fakes.moto_server import moto_endpoint  # noqa: F401

SWEEP = {"inspector2backlog": "sweep"}  # the Input of the template's SweepRule


@pytest.fixture()
def no_retries(monkeypatch):
    """One attempt per request, so an injected failure is a failed delivery (not a retried request)."""
    monkeypatch.setenv("I2B_BACKLOG_MAX_RETRIES", "0")
    aws_lambda.reset()


def _emf(out: str) -> list[dict]:
    return [json.loads(ln) for ln in out.splitlines() if ln.startswith('{"_aws"')]


def _pending_after_failed_create(app) -> str:
    """An SQS batch whose issue create fails (503): the message fails, the record stays pending in DynamoDB."""
    fake = app["fake"]
    fake.fail_next(1, 503, method="POST", path=r"/issues$")
    event = _batch(app, _events("02-ec2-high-openssh.event.json"))
    result = aws_lambda.dispatch_handler(event, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert fake.issues == {}
    (rec,) = DynamoDBStore(TABLE, endpoint_url=app["endpoint"]).records("finding:")
    assert rec.phase == "pending" and rec.issue_key is None
    return rec.key


def test_sweep_files_a_pending_record_with_no_new_event(aws_app, no_retries, capsys):
    fake = aws_app["fake"]
    key = _pending_after_failed_create(aws_app)
    capsys.readouterr()

    result = aws_lambda.dispatch_handler(SWEEP, None)  # EventBridge schedule → the function, nothing on SQS

    assert result == {"retried": 1, "failures": 0, "actions": {"created": 1}}
    (issue,) = fake.issues.values()
    assert "OpenSSH" in issue["summary"] or "openssh" in issue["summary"].lower()
    rec = DynamoDBStore(TABLE, endpoint_url=aws_app["endpoint"]).get(key)
    assert rec is not None and rec.phase == "synced" and rec.issue_key == issue["issueKey"]
    emf = _emf(capsys.readouterr().out)
    assert any(m.get("SweepRetried") == 1 for m in emf) and any(m.get("SweepFailures") == 0 for m in emf)

    # the next sweep finds nothing to do and writes nothing
    before = len(fake.requests)
    assert aws_lambda.sweep_handler({}, None) == {"retried": 0, "failures": 0, "actions": {}}
    assert [r for r in fake.requests[before:] if r.method in ("POST", "PATCH")] == []


def test_sweep_that_still_fails_is_loud_and_the_record_waits(aws_app, no_retries, capsys, caplog):
    fake = aws_app["fake"]
    key = _pending_after_failed_create(aws_app)
    caplog.set_level("INFO", logger="inspector2backlog")
    capsys.readouterr()
    fake.fail_next(20, 503)  # Backlog still down

    with pytest.raises(aws_lambda.SweepFailed) as err:
        aws_lambda.dispatch_handler(SWEEP, None)

    assert err.value.result == {"retried": 1, "failures": 1, "actions": {"failed": 1}}
    assert "1 of 1 still not delivered" in str(err.value)
    errors = [
        r for r in caplog.records if r.levelname == "ERROR" and r.getMessage() == "pending sweep: still not delivered"
    ]
    assert [r.key for r in errors] == [key]
    out = capsys.readouterr()
    assert any(m.get("SweepFailures") == 1 for m in _emf(out.out))
    assert fake.api_key not in out.out + out.err + caplog.text
    rec = DynamoDBStore(TABLE, endpoint_url=aws_app["endpoint"]).get(key)
    assert rec is not None and rec.phase == "pending"

    fake.clear_faults()  # Backlog is back: the next scheduled sweep files it
    assert aws_lambda.dispatch_handler(SWEEP, None)["actions"] == {"created": 1}
    assert len(fake.issues) == 1


def test_sweep_writes_a_pending_group_issue(aws_app, monkeypatch):
    """Grouped findings: the group write at the end of the batch fails, the messages succeed (the group record keeps
    its members, pending); the scheduled sweep writes the one group issue with all of them."""
    monkeypatch.setenv("I2B_GROUPING_GROUP_BY", "vulnerability")
    monkeypatch.setenv("I2B_BACKLOG_MAX_RETRIES", "0")
    aws_lambda.reset()
    fake = aws_app["fake"]
    fake.fail_next(1, 503, method="POST", path=r"/issues$")
    assert aws_lambda.dispatch_handler(_batch(aws_app, _one_cve_on_instances(3)), None) == {"batchItemFailures": []}
    assert fake.issues == {}
    groups = [r for r in DynamoDBStore(TABLE, endpoint_url=aws_app["endpoint"]).records("group:")]
    assert [g.phase for g in groups] == ["pending"]

    result = aws_lambda.dispatch_handler(SWEEP, None)

    assert result["failures"] == 0 and result["actions"].get("created") == 1
    (issue,) = fake.issues.values()
    assert all(f"i-0abc00000000000{i:02d}" in issue["description"] for i in range(3))
    (group,) = DynamoDBStore(TABLE, endpoint_url=aws_app["endpoint"]).records("group:")
    assert group.phase == "synced" and group.issue_key == issue["issueKey"]


def test_dispatch_routes_scheduled_tasks_and_refuses_unknown_events(monkeypatch):
    seen = []
    monkeypatch.setattr(
        aws_lambda, "pull_handler", lambda event, context: seen.append(event) or {"pulled": 0}, raising=False
    )
    assert aws_lambda.dispatch_handler({"inspector2backlog": "pull"}, None) == {"pulled": 0}
    assert seen == [{"inspector2backlog": "pull"}]
    for event in ({"inspector2backlog": "sweeep"}, {"detail-type": "Scheduled Event"}, [], None):
        with pytest.raises(ValueError, match="no handler"):
            aws_lambda.dispatch_handler(event, None)
