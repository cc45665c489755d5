"""Issue 13's end to end with moto: ASFF findings imported into moto's Security Hub with BatchImportFindings,
``sync --source securityhub`` files them (GetFindings through real boto3), then the same findings arrive as
EventBridge ``Security Hub Findings - Imported`` events on SQS (moto) → ``sqs_handler``: one issue per finding, no
duplicate between the two paths (the state is one DynamoDB table in moto), and a later PASSED / ARCHIVED event
closes its issue. A finding the Lambda files first is not filed again by the next sync."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from inspector2backlog import aws_lambda
from inspector2backlog.cli import app
from inspector2backlog.state.dynamodb import DynamoDBStore
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint  # noqa: F401

from .test_lambda_sqs import _batch
from .test_sync_sources import asff_samples, import_asff

TABLE = "inspector2backlog-state"


@pytest.fixture()
def aws_app(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with FakeBacklog() as fake:
        DynamoDBStore(TABLE, endpoint_url=moto_endpoint).create_table()
        secret_arn = aws_client("secretsmanager", moto_endpoint).create_secret(
            Name="inspector2backlog/backlog-api-key", SecretString=fake.api_key
        )["ARN"]
        sqs = aws_client("sqs", moto_endpoint)
        queue_url = sqs.create_queue(QueueName="inspector2backlog-events")["QueueUrl"]
        env = {
            "AWS_ENDPOINT_URL": moto_endpoint,  # Security Hub, DynamoDB, Secrets Manager, SQS: all moto
            "I2B_BACKLOG_SPACE_URL": fake.url,
            "I2B_BACKLOG_PROJECT_KEY": "SEC",
            "I2B_BACKLOG_ISSUE_TYPE": "脆弱性",
            "I2B_BACKLOG_API_KEY_SECRET_ARN": secret_arn,
            "I2B_STATE_DYNAMODB_TABLE": TABLE,
            "I2B_TRANSLATE_ENGINE": "offline",
            "I2B_FILTER_MIN_SEVERITY": "LOW",
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("BACKLOG_API_KEY", raising=False)
        aws_lambda.reset()
        yield {"fake": fake, "sqs": sqs, "queue_url": queue_url, "endpoint": moto_endpoint}
        aws_lambda.reset()


def _sync() -> Any:
    """The real CLI, configured like the Lambda (environment only), listing Security Hub."""
    r = CliRunner().invoke(
        app, ["sync", "--source", "securityhub", "--region", REGION, "--no-progress"], catch_exceptions=False
    )
    assert r.exit_code == 0, r.output
    return r


def _listed(endpoint: str) -> list[dict[str, Any]]:
    """What Security Hub holds now, read back through boto3 (as EventBridge would carry it)."""
    client = aws_client("securityhub", endpoint)
    out: list[dict[str, Any]] = []
    for page in client.get_paginator("get_findings").paginate():
        out += page["Findings"]
    return out


def _imported_event(findings: list[dict[str, Any]], n: int) -> str:
    return json.dumps(
        {
            "version": "0",
            "id": f"ev-sh-{n}",
            "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub",
            "account": findings[0]["AwsAccountId"],
            "time": "2024-09-04T16:50:37Z",
            "region": REGION,
            "resources": [f["ProductArn"] for f in findings],
            "detail": {"findings": findings},
        },
        default=str,
    )


def _writes(fake: FakeBacklog) -> list[Any]:
    return [r for r in fake.requests if r.method in ("POST", "PATCH", "DELETE")]


def test_imported_findings_are_synced_then_their_events_add_nothing_and_a_passed_event_closes(aws_app):
    fake, endpoint = aws_app["fake"], aws_app["endpoint"]
    findings = asff_samples()  # an Inspector CVE, a GuardDuty finding and an FSBP control (EC2.8), all open
    for f in findings:
        f["RecordState"] = "ACTIVE"
        f.setdefault("Workflow", {})["Status"] = "NEW"
        if "Compliance" in f:
            f["Compliance"]["Status"] = "FAILED"
    import_asff(endpoint, findings)

    # sync files one issue per finding
    r = _sync()
    assert "plan.securityhub: created=" in r.stderr
    n = len(fake.issues)
    assert n == len({f["Id"] for f in findings}) >= 3, r.stderr
    store = DynamoDBStore(TABLE, endpoint_url=endpoint)
    assert len([x for x in store.records("finding:") if x.issue_key]) == n

    # the same findings as EventBridge events through SQS → the Lambda: no duplicate, no write
    listed = _listed(endpoint)
    before = len(_writes(fake))
    bodies = [_imported_event(listed[:2], 0), *(_imported_event([f], i + 1) for i, f in enumerate(listed[2:]))]
    assert aws_lambda.sqs_handler(_batch(aws_app, bodies), None) == {"batchItemFailures": []}
    assert len(fake.issues) == n and len(_writes(fake)) == before

    # Security Hub then reports the control PASSED and another finding ARCHIVED: their events close both issues
    control = next(f for f in listed if f.get("Compliance"))
    other = next(f for f in listed if f is not control)
    passed = copy.deepcopy(control)
    passed["Compliance"]["Status"] = "PASSED"
    archived = copy.deepcopy(other)
    archived["RecordState"] = "ARCHIVED"
    for f in (passed, archived):
        f["UpdatedAt"] = "2030-01-01T00:00:00.000Z"
    import_asff(endpoint, [passed, archived])
    changed = [f for f in _listed(endpoint) if f["Id"] in (control["Id"], other["Id"])]
    result = aws_lambda.sqs_handler(
        _batch(aws_app, [_imported_event([f], 90 + i) for i, f in enumerate(changed)]), None
    )
    assert result == {"batchItemFailures": []}
    done = [i for i in fake.issues.values() if i["status"]["name"] == "完了"]
    assert len(done) == 2 and len(fake.issues) == n
    assert {d["resolution"]["name"] for d in done} == {"対応済み"}

    # the next sync agrees: nothing to write (both closed, the rest unchanged)
    before = len(_writes(fake))
    r = _sync()
    assert "writes=0" in next(x for x in r.stderr.splitlines() if x.startswith("plan: "))
    assert len(_writes(fake)) == before and len(fake.issues) == n


def test_a_finding_the_lambda_filed_first_is_not_filed_again_by_sync(aws_app):
    fake, endpoint = aws_app["fake"], aws_app["endpoint"]
    (first, *_rest) = [f for f in asff_samples() if f.get("RecordState") != "ARCHIVED"]
    first = copy.deepcopy(first)
    first["RecordState"] = "ACTIVE"
    import_asff(endpoint, [first])
    (listed,) = _listed(endpoint)
    assert aws_lambda.sqs_handler(_batch(aws_app, [_imported_event([listed], 1)]), None) == {"batchItemFailures": []}
    assert len(fake.issues) == 1
    before = len(_writes(fake))
    r = _sync()
    assert "plan.securityhub: created=0" in r.stderr
    assert len(fake.issues) == 1 and len(_writes(fake)) == before
