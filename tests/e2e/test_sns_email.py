"""The seed's path (SNS e-mail → Backlog mail-to-issue) against moto in server mode: what is published equals the
e-mail rendering, and a re-delivered finding is not mailed twice."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from inspector2backlog.cli import app
from inspector2backlog.deliver.sns_email import SUBJECT_LIMIT, SnsEmailSink
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.translate import make_translator
from tests.fakes.moto_server import aws_client, moto_endpoint  # noqa: F401

from ..conftest import EXAMPLES


def test_sns_mail_to_issue_path(moto_endpoint, tmp_path, monkeypatch):
    sns, sqs = aws_client("sns", moto_endpoint), aws_client("sqs", moto_endpoint)
    topic = sns.create_topic(Name="inspector2backlog-mail")["TopicArn"]
    q = sqs.create_queue(QueueName="mailbox")["QueueUrl"]
    q_arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q_arn)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    cfg = tmp_path / "i2b.toml"
    cfg.write_text(
        f'[delivery]\nsink = "sns"\nsns_topic_arn = "{topic}"\n[state]\npath = "{tmp_path / "s.sqlite3"}"\n'
        '[filter]\nmin_severity = "LOW"\n',
        encoding="utf-8",
    )
    src = EXAMPLES / "01-ecr-critical-xz.event.json"
    runner = CliRunner()
    for _ in range(2):  # the second run is a re-delivery: nothing is mailed
        r = runner.invoke(app, ["send", str(src), "--config", str(cfg), "--stats"], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    msgs = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert len(msgs) == 1
    envelope = json.loads(msgs[0]["Body"])

    (finding,) = list(iter_text(src.read_bytes(), str(src)))
    issue = IssueBuilder(make_translator("offline")).build(finding)
    subject, body = SnsEmailSink.message(issue)
    assert envelope["Subject"] == subject and len(subject) <= SUBJECT_LIMIT
    assert envelope["Message"] == body
    assert body.startswith(issue.summary + "\n\n■ 概要")
    assert "攻撃元区分 (AV): ネットワーク" in body and "CVE-2024-3094" in body

    # a close cannot be mailed (mail-to-issue is create-only): recorded, not sent
    closed = json.loads(src.read_text())
    closed["detail"]["status"] = "CLOSED"
    closed["detail"]["updatedAt"] = "2024-04-01T00:00:00Z"
    p = tmp_path / "closed.json"
    p.write_text(json.dumps(closed))
    r = runner.invoke(app, ["send", str(p), "--config", str(cfg)], catch_exceptions=False)
    assert r.exit_code == 0
    assert not sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages")


def _doctor(cfg, monkeypatch, endpoint):  # the CLI's doctor, reaching moto through real boto3
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    return CliRunner().invoke(app, ["doctor", "--config", str(cfg)], catch_exceptions=False)


def test_doctor_checks_the_mail_subscription_is_confirmed_with_authentication(moto_endpoint, tmp_path, monkeypatch):
    """``doctor`` for the sns sink reads ListSubscriptionsByTopic / GetSubscriptionAttributes (moto serves both):
    an e-mail subscription confirmed without AuthenticateOnUnsubscribe is a problem, as are pending or missing ones.
    moto always records ``ConfirmationWasAuthenticated=true`` and cannot confirm with a token, so the other states
    are set in moto's in-process backend (the server is the same process)."""
    from moto.sns.models import sns_backends

    sns = aws_client("sns", moto_endpoint)
    topic = sns.create_topic(Name="mail-to-issue")["TopicArn"]
    cfg = tmp_path / "i2b.toml"
    cfg.write_text(f'[delivery]\nsink = "sns"\nsns_topic_arn = "{topic}"\n', encoding="utf-8")

    r = _doctor(cfg, monkeypatch, moto_endpoint)
    assert r.exit_code == 1 and "メールの購読がありません" in r.output

    sub = sns.subscribe(
        TopicArn=topic, Protocol="email", Endpoint="sec@example.backlog.jp", ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    r = _doctor(cfg, monkeypatch, moto_endpoint)
    assert r.exit_code == 0, r.output
    assert "[OK]   SNS 購読 (SNS subscription): sec@example.backlog.jp は認証付きで確認済みです" in r.output

    attrs = sns_backends[topic.split(":")[4]][topic.split(":")[3]].subscriptions[sub].attributes
    attrs["ConfirmationWasAuthenticated"] = False
    r = _doctor(cfg, monkeypatch, moto_endpoint)
    assert (
        r.exit_code == 1 and "認証なしで確認されています" in r.output and "AuthenticateOnUnsubscribe=true" in r.output
    )

    attrs["PendingConfirmation"] = True
    r = _doctor(cfg, monkeypatch, moto_endpoint)
    assert r.exit_code == 1 and "確認待ちです" in r.output


def test_published_mail_ends_with_our_marker_and_keeps_the_arn(moto_endpoint):
    from inspector2backlog.deliver.sns_email import END_MARKER

    sns, sqs = aws_client("sns", moto_endpoint), aws_client("sqs", moto_endpoint)
    topic = sns.create_topic(Name="mail")["TopicArn"]
    q = sqs.create_queue(QueueName="box")["QueueUrl"]
    q_arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q_arn)
    (finding,) = list(iter_text((EXAMPLES / "04-ec2-network-rdp.event.json").read_bytes(), "04"))
    issue = IssueBuilder(make_translator("offline")).build(finding)
    SnsEmailSink(topic, client=sns).create(issue)
    (msg,) = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1)["Messages"]
    body = json.loads(msg["Body"])["Message"]
    assert body.endswith(END_MARKER + "\n") and f"Finding ARN: {issue.finding_arn}" in body
    assert json.loads(msg["Body"])["Subject"].endswith("(111122223333 / ap-northeast-1)")
