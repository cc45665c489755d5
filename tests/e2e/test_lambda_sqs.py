"""End to end in AWS shape: findings seeded in moto's Inspector and listed back through boto3, wrapped as EventBridge
events on SQS (moto server) → sqs_handler → DynamoDB state (moto), API key from Secrets Manager (moto), Amazon
Translate (loopback server through real boto3) → the fake Backlog."""

from __future__ import annotations

import json

import pytest

from inspector2backlog import aws_lambda
from inspector2backlog.logs import JsonFormatter
from inspector2backlog.state.dynamodb import DynamoDBStore
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint, seed_inspector_findings  # noqa: F401
from tests.fakes.translate_server import TranslateServer

from ..conftest import EXAMPLES

TABLE = "inspector2backlog-state"


@pytest.fixture()
def aws_app(moto_endpoint, monkeypatch):
    with FakeBacklog() as fake, TranslateServer() as translate:
        DynamoDBStore(TABLE, endpoint_url=moto_endpoint).create_table()
        secret_arn = aws_client("secretsmanager", moto_endpoint).create_secret(
            Name="inspector2backlog/backlog-api-key", SecretString=fake.api_key
        )["ARN"]
        sqs = aws_client("sqs", moto_endpoint)
        queue_url = sqs.create_queue(QueueName="inspector2backlog-events")["QueueUrl"]
        env = {
            "AWS_ENDPOINT_URL": moto_endpoint,
            "AWS_ENDPOINT_URL_TRANSLATE": translate.url,
            "I2B_BACKLOG_SPACE_URL": fake.url,
            "I2B_BACKLOG_PROJECT_KEY": "SEC",
            "I2B_BACKLOG_ISSUE_TYPE": "脆弱性",
            "I2B_BACKLOG_API_KEY_SECRET_ARN": secret_arn,
            "I2B_STATE_DYNAMODB_TABLE": TABLE,
            "I2B_TRANSLATE_ENGINE": "amazon",
            "I2B_FILTER_MIN_SEVERITY": "LOW",
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("BACKLOG_API_KEY", raising=False)
        aws_lambda.reset()
        yield {"fake": fake, "translate": translate, "sqs": sqs, "queue_url": queue_url, "endpoint": moto_endpoint}
        aws_lambda.reset()


def _batch(app, bodies: list[str]) -> dict:
    """Put bodies on the queue, receive them back, and shape them as Lambda's SQS event."""
    sqs, url = app["sqs"], app["queue_url"]
    for b in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=b)
    records = []
    while len(records) < len(bodies):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        assert got, "messages did not come back from SQS"
        for m in got:
            records.append(
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": {},
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "awsRegion": "ap-northeast-1",
                    "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:inspector2backlog-events",
                }
            )
    return {"Records": records}


def _events(*names: str) -> list[str]:
    return [(EXAMPLES / n).read_text() for n in names]


FINDINGS = (
    "01-ecr-critical-xz.event.json",
    "02-ec2-high-openssh.event.json",
    "03-lambda-medium-requests.event.json",
    "04-ec2-network-rdp.event.json",
    "05-lambda-code-hardcoded-credentials.event.json",
)


def _from_inspector(app, names: tuple[str, ...]) -> list[str]:
    """Seed the findings in moto's Inspector, list them back with boto3, and wrap each as EventBridge delivers it."""
    details = [json.loads((EXAMPLES / n).read_text())["detail"] for n in names]
    seed_inspector_findings(app["endpoint"], [details])
    listed = aws_client("inspector2", app["endpoint"]).list_findings(maxResults=100)["findings"]
    assert sorted(f["findingArn"] for f in listed) == sorted(d["findingArn"] for d in details)
    return [
        json.dumps(
            {
                "version": "0",
                "id": f"ev-{n}",
                "detail-type": "Inspector2 Finding",
                "source": "aws.inspector2",
                "account": f["awsAccountId"],
                "time": "2024-09-04T16:50:37Z",
                "region": REGION,
                "resources": [r["id"] for r in f["resources"]],
                "detail": f,
            },
            default=str,
        )  # boto3 datetimes
        for n, f in enumerate(listed)
    ]


def test_sqs_batch_with_a_poisoned_record(aws_app, capsys, caplog):
    fake = aws_app["fake"]
    caplog.set_level("INFO", logger="inspector2backlog")
    poisoned = '{"detail-type": "Inspector2 Finding", "detail": {"findingArn": "x", oops'
    event = _batch(aws_app, [*_from_inspector(aws_app, FINDINGS), poisoned])
    poisoned_id = next(r["messageId"] for r in event["Records"] if r["body"] == poisoned)

    result = aws_lambda.sqs_handler(event, None)

    # the poisoned record alone is reported; the others are delivered
    assert result == {"batchItemFailures": [{"itemIdentifier": poisoned_id}]}
    summaries = sorted(i["summary"] for i in fake.issues.values())
    assert len(summaries) == 6  # 5 findings + 1 fallback issue for the poisoned record
    assert "【要確認】Inspector 通知の解析に失敗しました" in summaries
    assert any(s.startswith("【緊急 10.0】CVE-2024-3094") for s in summaries)
    # Amazon Translate was used through real boto3, and its output is in the issues
    assert aws_app["translate"].requests
    assert any("【訳】" in i["description"] or "訳" in i["description"] for i in fake.issues.values())
    # state lives in DynamoDB
    store = DynamoDBStore(TABLE, endpoint_url=aws_app["endpoint"])
    recs = list(store.records("finding:"))
    assert len(recs) == 5 and all(r.issue_key and r.phase == "synced" for r in recs)
    # logs are JSON lines, carry the ARN and issue key, metrics are EMF; the API key appears nowhere
    out = capsys.readouterr()
    assert fake.api_key not in out.out + out.err
    emf = [json.loads(ln) for ln in out.out.splitlines() if ln.startswith('{"_aws"')]
    assert any(m.get("Fallbacks") == 1 for m in emf)
    created = [r for r in caplog.records if r.getMessage() == "created" and getattr(r, "finding_arn", "")]
    assert len(created) == 5 and all(r.issue_key.startswith("SEC-") for r in created)
    line = json.loads(JsonFormatter().format(created[0]))  # the shape CloudWatch Logs receives
    assert line["finding_arn"].startswith("arn:aws:inspector2:") and line["issue_key"].startswith("SEC-")

    # SQS redelivers the same batch (at-least-once): no new issue, the poisoned record fails again
    before, requests_before = len(fake.issues), len(fake.requests)
    result2 = aws_lambda.sqs_handler(event, None)
    assert result2 == {"batchItemFailures": [{"itemIdentifier": poisoned_id}]}
    assert len(fake.issues) == before
    assert [r for r in fake.requests[requests_before:] if r.method in ("POST", "PATCH")] == []


def test_closed_event_closes_the_issue(aws_app):
    fake = aws_app["fake"]
    aws_lambda.sqs_handler(_batch(aws_app, _events("02-ec2-high-openssh.event.json")), None)
    result = aws_lambda.sqs_handler(_batch(aws_app, _events("06-ec2-openssh-closed.event.json")), None)
    assert result == {"batchItemFailures": []}
    (issue,) = fake.issues.values()
    assert issue["status"]["name"] == "完了"
    assert "クローズされました" in fake.comments_of(issue["issueKey"])[0]["content"]


def test_eventbridge_direct_and_skipped_detail_types(aws_app):
    fake = aws_app["fake"]
    scan = json.loads((EXAMPLES / "07-ecr-scan-complete.event.json").read_text())
    assert aws_lambda.eventbridge_handler(scan, None) == {"ok": True}
    assert not fake.issues
    ev = json.loads((EXAMPLES / "04-ec2-network-rdp.event.json").read_text())
    assert aws_lambda.eventbridge_handler(ev, None) == {"ok": True}
    (issue,) = fake.issues.values()
    assert "3389" in issue["summary"] and "win-bastion" in issue["summary"]


def _one_cve_on_instances(n: int) -> list[str]:
    """The same CVE (example 02) on ``n`` instances i-0abc…00, …01, …: one event body each."""
    base = json.loads((EXAMPLES / "02-ec2-high-openssh.event.json").read_text())
    bodies = []
    for i in range(n):
        ev = json.loads(json.dumps(base))
        ev["detail"]["findingArn"] = ev["detail"]["findingArn"][:-2] + f"{i:02d}"
        ev["detail"]["resources"][0]["id"] = f"i-0abc00000000000{i:02d}"
        bodies.append(json.dumps(ev))
    return bodies


def test_vulnerability_grouping_writes_once_per_batch(aws_app, monkeypatch):
    """One CVE on five instances arriving in one SQS batch: one issue, one write, all five resources listed."""
    monkeypatch.setenv("I2B_GROUPING_GROUP_BY", "vulnerability")
    aws_lambda.reset()
    fake = aws_app["fake"]
    result = aws_lambda.sqs_handler(_batch(aws_app, _one_cve_on_instances(5)), None)
    assert result == {"batchItemFailures": []}
    (issue,) = fake.issues.values()
    assert all(f"i-0abc00000000000{i:02d}" in issue["description"] for i in range(5))
    assert len([r for r in fake.requests if r.method in ("POST", "PATCH")]) == 1


def test_a_group_record_that_cannot_be_stored_fails_the_messages_that_fed_it(aws_app, monkeypatch):
    """A state backend refusing the group record (DynamoDB's 400 KB limit, here made small) must not lose the
    findings: their SQS messages are reported as failures, so SQS delivers them again (and then to the DLQ)."""
    from inspector2backlog.config import load_config
    from inspector2backlog.pipeline import Pipeline
    from inspector2backlog.state.base import RecordTooLargeError
    from inspector2backlog.state.memory import MemoryStore

    class SmallItems(MemoryStore):
        def save(self, record):
            if record.key.startswith("group:") and len(json.dumps(record.data)) > 3000:
                raise RecordTooLargeError(f"state record {record.key!r} is too large")
            return super().save(record)

    monkeypatch.setenv("I2B_GROUPING_GROUP_BY", "vulnerability")
    aws_lambda.reset()
    aws_lambda._ctx = Pipeline.from_config(load_config(None), store=SmallItems())
    bodies = _one_cve_on_instances(6)
    bodies.append((EXAMPLES / "04-ec2-network-rdp.event.json").read_text())  # not in that group: delivered
    event = _batch(aws_app, bodies)
    result = aws_lambda.sqs_handler(event, None)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    grouped_ids = {r["messageId"] for r in event["Records"] if "openssh" in r["body"]}
    assert failed == grouped_ids and len(failed) == 6
    (issue,) = aws_app["fake"].issues.values()  # the finding outside the group was delivered as usual
    assert "3389" in issue["summary"]


def test_a_batch_whose_handler_died_mid_claim_is_redelivered_and_filed(aws_app, monkeypatch):
    """The handler (a real process) is killed with SIGKILL while its create is in flight — Backlog filed the issue,
    nobody heard back. SQS delivers the batch again: while the claim is live the record is reported as a batch-item
    failure (not deleted); after the claim's deadline it is looked up, adopted, and only then deleted."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    fake, sqs, url = aws_app["fake"], aws_app["sqs"], aws_app["queue_url"]
    for k, v in {
        "I2B_STATE_CLAIM_TIMEOUT_SECONDS": "6",
        "I2B_BACKLOG_INDEX_LAG_SECONDS": "0",
        "I2B_TRANSLATE_ENGINE": "offline",
    }.items():
        monkeypatch.setenv(k, v)
    aws_lambda.reset()
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1"})
    fake.fail_next(1, "timeout", method="POST", path=r"/issues$", apply=True)  # filed, the answer never comes
    event = _batch(aws_app, _events("02-ec2-high-openssh.event.json"))

    src = str(Path(__file__).resolve().parents[2] / "src")
    code = "import json, sys; from inspector2backlog import aws_lambda; aws_lambda.sqs_handler(json.load(sys.stdin))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": src},
    )
    proc.stdin.write(json.dumps(event).encode())
    proc.stdin.close()
    deadline = time.monotonic() + 60
    while not fake.requests_of("create_issue") and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(fake.issues) == 1
    store = DynamoDBStore(TABLE, endpoint_url=aws_app["endpoint"])
    (rec,) = store.records("finding:")
    assert rec.phase == "claimed" and rec.issue_key is None and rec.data["pending_finding"]  # the claim says what for

    def redeliver() -> tuple[dict, dict]:
        time.sleep(1.1)  # the visibility timeout: the message was never deleted
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
        assert len(got) == 1, "the message must still be on the queue"
        ev = {
            "Records": [
                {**event["Records"][0], "messageId": got[0]["MessageId"], "receiptHandle": got[0]["ReceiptHandle"]}
            ]
        }
        result = aws_lambda.sqs_handler(ev, None)
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for r in ev["Records"]:  # what Lambda does with a partial batch response
            if r["messageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=r["receiptHandle"])
        return ev, result

    ev, result = redeliver()  # the claim is live: someone may still be creating it
    assert result["batchItemFailures"] == [{"itemIdentifier": ev["Records"][0]["messageId"]}]
    assert len(fake.requests_of("create_issue")) == 1
    time.sleep(max(0.0, rec.claimed_at + 6.0 - time.time()))
    ev, result = redeliver()  # past the deadline: looked up, adopted, done
    assert result == {"batchItemFailures": []}
    assert len(fake.issues) == 1 and len(fake.requests_of("create_issue")) == 1
    (rec,) = store.records("finding:")
    assert rec.phase == "synced" and rec.issue_key == next(iter(fake.issues.values()))["issueKey"]
    time.sleep(1.1)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []  # deleted only now
