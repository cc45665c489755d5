"""Backlog → AWS (issue 15), end to end: the real CLI (`send`, `pull`), the Lambda webhook handler behind a loopback
Function URL, the loopback fake Backlog and moto's Inspector2 (filters) over HTTP."""

from __future__ import annotations

import copy
import json
import secrets
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog import aws_lambda
from inspector2backlog.cli import app
from tests.fakes.backlog_server import FakeBacklog, send_webhook
from tests.fakes.config import KEY_ENV, write_config
from tests.fakes.function_url import FunctionUrl
from tests.fakes.moto_server import aws_client, moto_endpoint  # noqa: F401

from ..conftest import EXAMPLES

SECRET_ENV = "I2B_TEST_WEBHOOK_SECRET"


def finding_event(status: str = "ACTIVE", day: int = 1) -> dict:
    ev = json.loads((EXAMPLES / "01-ecr-critical-xz.event.json").read_text())
    ev = copy.deepcopy(ev)
    stamp = f"2024-10-{day:02d}T00:00:00Z"
    ev["detail"].update(status=status, updatedAt=stamp, lastObservedAt=stamp)
    ev["id"] = f"ev-{status}-{day}"
    return ev


ARN = finding_event()["detail"]["findingArn"]


@pytest.fixture()
def fake():
    with FakeBacklog() as f:
        yield f


@pytest.fixture()
def env(tmp_path: Path, fake: FakeBacklog, moto_endpoint, monkeypatch):
    """Config with [two_way] on; the API key and the webhook secret in the environment; boto3 pointed at moto."""
    secret = secrets.token_urlsafe(32)
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    monkeypatch.setenv(SECRET_ENV, secret)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    cfg = write_config(
        tmp_path,
        fake,
        "[two_way]",
        "enabled = true",
        f'webhook_secret_env = "{SECRET_ENV}"',
        'webhook_url = "https://abc.lambda-url.ap-northeast-1.on.aws"',
    )
    monkeypatch.setenv("I2B_CONFIG_FILE", str(cfg))
    aws_lambda.reset()
    yield {"cfg": cfg, "secret": secret, "moto": moto_endpoint, "tmp": tmp_path}
    aws_lambda.reset()


def cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def send(env: dict, ev: dict, name: str):
    p = env["tmp"] / f"{name}.json"
    p.write_text(json.dumps(ev))
    return cli("send", str(p), "--config", str(env["cfg"]))


def filed(env: dict, fake: FakeBacklog) -> dict:
    r = send(env, finding_event(), "new")
    assert r.exit_code == 0, r.output
    (issue,) = fake.issues.values()
    return issue


def suppress_filters(env: dict) -> list[dict]:
    return aws_client("inspector2", env["moto"]).list_filters(action="SUPPRESS")["filters"]


def held(env: dict) -> list[str]:
    return [c["value"] for f in suppress_filters(env) for c in f["criteria"].get("findingArn", [])]


def writes(fake: FakeBacklog) -> int:
    return sum(1 for r in fake.requests if r.method in ("POST", "PATCH", "DELETE"))


def last_comment(fake: FakeBacklog, key: str) -> str:
    return fake.comments_of(key)[-1]["content"] or ""


def test_webhook_suppress_echo_and_reopen(env, fake: FakeBacklog):
    issue = filed(env, fake)
    key = issue["issueKey"]
    payload = fake.user_changes(key, status="完了", resolution="対応しない")
    with FunctionUrl(aws_lambda.webhook_handler) as fu:
        status, body = send_webhook(f"{fu.url}/hook/{env['secret']}", payload)
        assert status == 200, body
        (flt,) = suppress_filters(env)
        assert flt["action"] == "SUPPRESS" and flt["name"] == f"i2b-{key}"
        assert flt["criteria"]["findingArn"] == [{"comparison": "EQUALS", "value": ARN}]
        assert key in flt["description"] and "山田 太郎" in flt["description"]
        text = last_comment(fake, key)
        assert "抑制しました" in text and "CreateFilter" in text and f"i2b-{key}" in text and ARN in text
        assert "JST" in text and env["secret"] not in text

        # our own filter's SUPPRESSED event comes back through EventBridge: nothing written to Backlog
        before = writes(fake)
        r = send(env, finding_event("SUPPRESSED", 2), "echo")
        assert r.exit_code == 0, r.output
        assert writes(fake) == before
        assert fake.issue(key)["status"]["name"] == "完了"

        # the same webhook again (a replay): re-read only, no second filter, no comment
        n_comments = len(fake.comments_of(key))
        status, _ = send_webhook(f"{fu.url}/hook/{env['secret']}", payload)
        assert status == 200 and len(suppress_filters(env)) == 1 and len(fake.comments_of(key)) == n_comments

        # reopened in Backlog → the finding leaves the filter, and a comment says so
        payload = fake.user_changes(key, status="未対応", resolution=None)
        status, body = send_webhook(f"{fu.url}/?token={env['secret']}", payload)
        assert status == 200, body
    assert ARN not in held(env)
    text = last_comment(fake, key)
    assert "抑制を解除しました" in text and "DeleteFilter" in text
    # Inspector's ACTIVE event after the release: the issue is open already, nothing written
    before = writes(fake)
    assert send(env, finding_event("ACTIVE", 3), "active").exit_code == 0
    assert writes(fake) == before and fake.issue(key)["status"]["name"] == "未対応"


def test_pull_without_webhook(env, fake: FakeBacklog):
    issue = filed(env, fake)
    key = issue["issueKey"]
    r = cli("pull", "--config", str(env["cfg"]))
    assert r.exit_code == 0, r.output
    assert suppress_filters(env) == []
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="無効")
    before = (writes(fake), len(fake.requests))
    r = cli("pull", "--config", str(env["cfg"]), "--dry-run")
    assert r.exit_code == 0, r.output
    assert "planned" in r.output and suppress_filters(env) == [] and writes(fake) == before[0]
    r = cli("pull", "--config", str(env["cfg"]))
    assert r.exit_code == 0, r.output
    assert held(env) == [ARN]
    assert "「無効」" in last_comment(fake, key)
    listed = fake.requests_of("list_issues")[-1]
    assert listed.param("sort") == "updated" and listed.params("issueTypeId[]") and listed.param("updatedSince")
    # the echo → no Backlog write
    before = writes(fake)
    assert send(env, finding_event("SUPPRESSED", 2), "echo").exit_code == 0
    assert writes(fake) == before
    # nothing new: a pull changes nothing
    filters = suppress_filters(env)
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert suppress_filters(env) == filters
    fake.advance(5)
    fake.user_changes(key, status="処理中", resolution=None)
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert held(env) == []
    assert "抑制を解除しました" in last_comment(fake, key)


def test_fixed_changes_nothing_in_aws_and_comments_once(env, fake: FakeBacklog):
    key = filed(env, fake)["issueKey"]
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応済み")
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert suppress_filters(env) == []
    assert "次回のスキャンでも" in last_comment(fake, key) and "再オープン" in last_comment(fake, key)
    n = len(fake.comments_of(key))
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert len(fake.comments_of(key)) == n
    # Inspector still reports the finding at the next scan → the issue reopens
    assert send(env, finding_event("ACTIVE", 5), "rescan").exit_code == 0
    assert fake.issue(key)["status"]["name"] == "未対応"


def test_aws_failure_comments_and_is_retried(env, fake: FakeBacklog, monkeypatch):
    key = filed(env, fake)["issueKey"]
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    import socket

    with socket.socket() as s:  # a closed port: every AWS call fails to connect
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed)
    r = cli("pull", "--config", str(env["cfg"]))
    assert r.exit_code == 1, r.output
    text = last_comment(fake, key)
    assert "反映できませんでした" in text and "理由" in text and "再試行" in text
    n = len(fake.comments_of(key))
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 1
    assert len(fake.comments_of(key)) == n  # the same reason again: no second comment
    monkeypatch.setenv("AWS_ENDPOINT_URL", env["moto"])
    r = cli("pull", "--config", str(env["cfg"]))
    assert r.exit_code == 0, r.output
    assert held(env) == [ARN]
    assert "抑制しました" in last_comment(fake, key)


@pytest.mark.parametrize("status", ["CLOSED", "SUPPRESSED"])
def test_our_own_close_is_not_a_decision(env, fake: FakeBacklog, status: str):
    """Inspector closed or suppressed the finding; the lifecycle closed the issue (対応済み / 対応しない): a pull
    or a webhook about that close does nothing in AWS and adds no comment."""
    key = filed(env, fake)["issueKey"]
    assert send(env, finding_event(status, 2), "closed").exit_code == 0
    assert fake.issue(key)["status"]["name"] == "完了"
    n = len(fake.comments_of(key))
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    with FunctionUrl(aws_lambda.webhook_handler) as fu:
        payload = fake.webhook_payload(fake.issue(key))
        assert send_webhook(f"{fu.url}/hook/{env['secret']}", payload)[0] == 200
    assert suppress_filters(env) == [] and len(fake.comments_of(key)) == n


def test_sweep_retries_only_pending_decisions(env, fake: FakeBacklog, monkeypatch):
    from inspector2backlog.config import load_config
    from inspector2backlog.twoway.app import retry_pending

    key = filed(env, fake)["issueKey"]
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 1
    monkeypatch.setenv("AWS_ENDPOINT_URL", env["moto"])
    listed = len(fake.requests_of("list_issues"))
    (res,) = retry_pending(load_config(env["cfg"]))
    assert res.action == "suppressed" and held(env) == [ARN]
    assert len(fake.requests_of("list_issues")) == listed
    assert retry_pending(load_config(env["cfg"])) == []


def test_a_decision_undone_in_aws_is_applied_again(env, fake: FakeBacklog):
    """Someone deletes our filter in the console; Inspector reports the finding ACTIVE, the lifecycle reopens the
    issue; it is closed as 対応しない again before the next pull: the pull makes a new filter."""
    key = filed(env, fake)["issueKey"]
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert send(env, finding_event("SUPPRESSED", 2), "echo").exit_code == 0
    (flt,) = suppress_filters(env)
    aws_client("inspector2", env["moto"]).delete_filter(arn=flt["arn"])
    assert send(env, finding_event("ACTIVE", 3), "back").exit_code == 0
    assert fake.issue(key)["status"]["name"] == "未対応"
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert held(env) == [ARN]


def test_changing_the_resolution_moves_between_actions(env, fake: FakeBacklog):
    """対応しない → 対応済み on a closed issue: the filter goes (the finding is no longer an accepted risk) and the
    "nothing in AWS" note follows; → 無効 again: a filter again."""
    key = filed(env, fake)["issueKey"]
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert send(env, finding_event("SUPPRESSED", 2), "echo").exit_code == 0
    fake.advance(5)
    fake.user_changes(key, resolution="対応済み")
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert held(env) == []
    text = last_comment(fake, key)
    assert "抑制を解除しました" in text and "AWS では何も変更しません" in text
    fake.advance(5)
    fake.user_changes(key, resolution="無効")
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 0
    assert held(env) == [ARN]
