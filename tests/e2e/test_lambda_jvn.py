"""The SQS Lambda handler with `[jvn]` on (environment only, as in AWS): the batch's CVEs are looked up together,
the answers cached in DynamoDB (moto), and the issues carry JVN iPedia's text."""

from __future__ import annotations

from inspector2backlog import aws_lambda
from tests.fakes.moto_server import aws_client, moto_endpoint  # noqa: F401
from tests.fakes.myjvn_server import MyJvnServer

from .test_lambda_sqs import TABLE, _batch, _events, aws_app  # noqa: F401

NAMES = ("01-ecr-critical-xz.event.json", "02-ec2-high-openssh.event.json", "03-lambda-medium-requests.event.json")


def test_a_batch_is_looked_up_once_and_cached_in_dynamodb(aws_app, monkeypatch) -> None:
    with MyJvnServer() as jvn:
        monkeypatch.setenv("I2B_JVN_ENABLED", "true")
        monkeypatch.setenv("I2B_JVN_ENDPOINT_URL", jvn.url + "/myjvn")
        aws_lambda.reset()
        out = aws_lambda.sqs_handler(_batch(aws_app, _events(*NAMES)))
        assert out == {"batchItemFailures": []}
        assert len(jvn.calls("getVulnDetailInfo")) == 1 and len(jvn.calls("getVulnOverviewList")) == 3
        issues = list(aws_app["fake"].issues.values())
        assert len(issues) == 3
        for jid in ("JVNDB-2024-001987", "JVNDB-2024-003719", "JVNDB-2024-004102"):
            assert sum(f"JVN iPedia {jid}" in i["description"] for i in issues) == 1
        item = (
            aws_client("dynamodb", aws_app["endpoint"])
            .get_item(TableName=TABLE, Key={"pk": {"S": "cache#jvn1:CVE-2024-3094"}})
            .get("Item")
        )
        assert item and "JVNDB-2024-001987" in item["text"]["S"] and int(item["ttl"]["N"]) > 0
        descriptions_sent = [r["body"]["Text"] for r in aws_app["translate"].requests if r.get("body")]
        assert not any("Malicious code was discovered" in t for t in descriptions_sent)
