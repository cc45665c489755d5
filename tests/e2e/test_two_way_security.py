"""The webhook trusts nothing (issue 15): rejected requests cost no Backlog and no AWS call; an accepted request is
only a hint — Backlog's own answer, read with our key, and our state store decide."""

from __future__ import annotations

import json
import logging

import pytest

from inspector2backlog import aws_lambda
from tests.fakes.backlog_server import FakeBacklog, send_webhook
from tests.fakes.config import write_config
from tests.fakes.counting_proxy import CountingProxy
from tests.fakes.function_url import FunctionUrl
from tests.fakes.moto_server import moto_endpoint  # noqa: F401

from .test_two_way import ARN, SECRET_ENV, env as _env, fake, filed, suppress_filters  # noqa: F401


@pytest.fixture()
def env(_env, fake, monkeypatch):
    """As in test_two_way, with AWS calls counted (a proxy in front of moto) and a small body limit."""
    cfg = write_config(
        _env["tmp"],
        fake,
        "[two_way]",
        "enabled = true",
        f'webhook_secret_env = "{SECRET_ENV}"',
        "max_body_bytes = 16384",
        'allowed_source_ips = ["127.0.0.0/8", "192.0.2.0/24"]',
    )
    monkeypatch.setenv("I2B_CONFIG_FILE", str(_env["cfg"]))
    with CountingProxy(_env["moto"]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        aws_lambda.reset()
        yield {**_env, "cfg": cfg, "proxy": proxy}


def _counts(env: dict, fake: FakeBacklog) -> tuple[int, int]:
    return len(fake.requests), len(env["proxy"].requests)


@pytest.mark.parametrize("case", ["no secret", "wrong secret", "wrong token", "wrong ip", "oversized"])
def test_rejected_requests_call_nothing(env, fake: FakeBacklog, case: str, caplog, capsys, monkeypatch):
    key = filed(env, fake)["issueKey"]
    payload = fake.user_changes(key, status="完了", resolution="対応しない")
    monkeypatch.setenv("I2B_CONFIG_FILE", str(env["cfg"]))
    aws_lambda.reset()
    secret = env["secret"]
    before = _counts(env, fake)
    source_ip = "198.51.100.7" if case == "wrong ip" else ""
    with FunctionUrl(aws_lambda.webhook_handler, source_ip=source_ip) as fu, caplog.at_level(logging.WARNING):
        path = {
            "no secret": "/",
            "wrong secret": "/hook/" + "x" * len(secret),
            "wrong token": "/?token=" + secret[:-1] + ("B" if secret.endswith("A") else "A"),
        }.get(case, f"/hook/{secret}")
        raw = json.dumps({**payload, "pad": "あ" * 6000}).encode() if case == "oversized" else None
        status, body = send_webhook(fu.url + path, payload, raw=raw)
    assert status == (413 if case == "oversized" else 403), body
    assert _counts(env, fake) == before  # not one Backlog request, not one AWS request
    assert suppress_filters(env) == []
    logged = caplog.text
    assert "webhook request rejected" in logged and secret not in logged
    reason = {
        "no secret": "no_secret",
        "wrong secret": "bad_secret",
        "wrong token": "bad_secret",
        "wrong ip": "source_ip",
        "oversized": "too_large",
    }[case]
    out = capsys.readouterr().out
    metric = [json.loads(line) for line in out.splitlines() if '"WebhookRejected"' in line]
    assert metric and metric[-1]["reason"] == reason and secret not in out


def _post(env: dict, payload: dict) -> int:
    with FunctionUrl(aws_lambda.webhook_handler) as fu:
        status, _ = send_webhook(f"{fu.url}/hook/{env['secret']}", payload)
    return status


def test_a_lying_payload_does_nothing_in_aws(env, fake: FakeBacklog):
    issue = filed(env, fake)
    payload = fake.webhook_payload(
        fake.issue(issue["issueKey"]),
        [
            {"field": "status", "new_value": "4", "old_value": "1", "type": "standard"},
            {"field": "resolution", "new_value": "1", "old_value": "", "type": "standard"},
        ],
    )
    payload["content"]["status"] = {"id": 4, "name": "完了"}  # the payload says closed; Backlog says 未対応
    before = len(env["proxy"].requests)
    assert _post(env, payload) == 200
    assert fake.requests_of("get_issue")  # it re-read the issue …
    assert len(env["proxy"].requests) == before and suppress_filters(env) == []  # … and did nothing in AWS
    assert fake.issue(issue["issueKey"])["status"]["name"] == "未対応"


def test_issues_that_are_not_ours_do_nothing(env, fake: FakeBacklog):
    ours = filed(env, fake)
    cf = fake.custom_field_id("Finding ARN")
    other = fake.add_project("OPS", issue_types=("脆弱性",), custom_fields=({"name": "Finding ARN", "typeId": 1},))
    marker = f"\n\nFinding ARN: `{ARN}`"
    forged = [
        # our project and issue type, carrying our finding's ARN: but our state store maps the ARN to another issue
        fake.add_issue(
            "偽の課題", description=marker, issueTypeId=fake.issue_type_id("脆弱性"), **{f"customField_{cf}": ARN}
        ),
        # our project, another issue type
        fake.add_issue("タスク", description=marker, issueTypeId=fake.issue_type_id("タスク")),
        # another project
        fake.add_issue("他プロジェクト", description=marker, project="OPS", issueTypeId=other.issue_types[0]["id"]),
        # an ARN we never filed
        fake.add_issue(
            "知らない検出結果",
            issueTypeId=fake.issue_type_id("脆弱性"),
            description="\n\nFinding ARN: `arn:aws:inspector2:ap-northeast-1:111122223333:finding/ffff`",
        ),
    ]
    before = len(env["proxy"].requests)
    for issue in forged:
        payload = fake.user_changes(issue["issueKey"], status="完了", resolution="対応しない")
        payload["project"] = fake.project.json()  # claims our project whatever the issue's is
        assert _post(env, payload) == 200
    assert len(fake.requests_of("get_issue")) == len(forged)
    assert len(env["proxy"].requests) == before and suppress_filters(env) == []
    assert all(not (c["content"] or "") for i in forged for c in fake.comments_of(i["issueKey"]))
    assert fake.issue(ours["issueKey"])["status"]["name"] == "未対応"


@pytest.mark.parametrize("moved", ["issue type", "project"])
def test_our_issue_moved_elsewhere_does_nothing(env, fake: FakeBacklog, moved: str):
    """The record still names the issue, but Backlog says it is no longer in our project / issue type."""
    key = filed(env, fake)["issueKey"]
    payload = fake.user_changes(key, status="完了", resolution="対応しない")
    issue = fake.issue(key)
    if moved == "issue type":
        issue["issueType"] = next(t for t in fake.project.issue_types if t["name"] == "タスク")
    else:
        issue["projectId"] = fake.add_project("OPS", issue_types=("脆弱性",)).id
    before = len(env["proxy"].requests)
    assert _post(env, payload) == 200
    assert fake.requests_of("get_issue")
    assert len(env["proxy"].requests) == before and suppress_filters(env) == []
