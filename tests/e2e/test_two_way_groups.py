"""Backlog → AWS for group issues (``[grouping] group_by = "vulnerability"``) and digest issues, end to end: the real
CLI (`send`, `pull`), the Lambda webhook handler behind a loopback Function URL, the loopback fake Backlog and
moto's Inspector2 filters over HTTP."""

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
XZ = json.loads((EXAMPLES / "01-ecr-critical-xz.event.json").read_text())


def member(i: int, status: str = "ACTIVE", day: int = 1, **changes) -> dict:
    """The xz finding (CVE-2024-3094) on image number ``i``: every one in the same vulnerability group."""
    ev = copy.deepcopy(XZ)
    f = ev["detail"]
    f["findingArn"] = f["findingArn"].rsplit("/", 1)[0] + f"/xz{i:02d}"
    f["resources"][0]["id"] = f"{f['resources'][0]['id']}-{i:02d}"
    stamp = f"2024-10-{day:02d}T00:00:00Z"
    f.update(status=status, updatedAt=stamp, lastObservedAt=stamp, **changes)
    ev["id"] = f"ev-{i}-{status}-{day}"
    return ev


def arn(i: int) -> str:
    return member(i)["detail"]["findingArn"]


@pytest.fixture()
def fake():
    with FakeBacklog() as f:
        yield f


def _env(tmp_path: Path, fake: FakeBacklog, moto: str, monkeypatch, *lines: str, **kw) -> dict:
    secret = secrets.token_urlsafe(32)
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    monkeypatch.setenv(SECRET_ENV, secret)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    cfg = write_config(
        tmp_path, fake, *lines, "[two_way]", "enabled = true", f'webhook_secret_env = "{SECRET_ENV}"', **kw
    )
    monkeypatch.setenv("I2B_CONFIG_FILE", str(cfg))
    aws_lambda.reset()
    return {"cfg": cfg, "secret": secret, "moto": moto, "tmp": tmp_path, "n": 0}


@pytest.fixture()
def env(tmp_path: Path, fake: FakeBacklog, moto_endpoint, monkeypatch):
    yield _env(tmp_path, fake, moto_endpoint, monkeypatch, "[grouping]", 'group_by = "vulnerability"')
    aws_lambda.reset()


def cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def send(env: dict, events: list[dict]):
    env["n"] += 1
    d = env["tmp"] / f"run{env['n']}"
    d.mkdir()
    for i, ev in enumerate(events):
        (d / f"{i}.json").write_text(json.dumps(ev))
    r = cli("send", str(d), "--config", str(env["cfg"]))
    assert r.exit_code == 0, r.output
    return r


def pull(env: dict):
    r = cli("pull", "--config", str(env["cfg"]))
    assert r.exit_code == 0, r.output
    return r


def suppress_filters(env: dict) -> list[dict]:
    return aws_client("inspector2", env["moto"]).list_filters(action="SUPPRESS")["filters"]


def held(env: dict) -> list[str]:
    return sorted(c["value"] for f in suppress_filters(env) for c in f["criteria"].get("findingArn", []))


def writes(fake: FakeBacklog) -> int:
    return sum(1 for r in fake.requests if r.method in ("POST", "PATCH", "DELETE"))


def last_comment(fake: FakeBacklog, key: str) -> str:
    return fake.comments_of(key)[-1]["content"] or ""


def group_issue(env: dict, fake: FakeBacklog, n: int = 12) -> str:
    send(env, [member(i) for i in range(n)])
    (issue,) = fake.issues.values()
    assert "グループキー" in issue["description"]
    return issue["issueKey"]


def assert_suppressed(env: dict, key: str, n: int, filters: int = 2) -> None:
    fs = sorted(suppress_filters(env), key=lambda f: f["name"])
    assert [f["name"] for f in fs] == [f"i2b-{key}"] + [f"i2b-{key}-{i}" for i in range(2, filters + 1)]
    assert all(len(f["criteria"]["findingArn"]) <= 10 for f in fs)
    assert all(key in f["description"] and f["action"] == "SUPPRESS" for f in fs)
    assert held(env) == sorted(arn(i) for i in range(n))


def echo_writes_nothing(env: dict, fake: FakeBacklog, key: str, members: range) -> None:
    before = writes(fake)
    send(env, [member(i, "SUPPRESSED", 2) for i in members])
    assert writes(fake) == before
    assert fake.issue(key)["status"]["name"] == "完了"


def test_group_webhook_suppress_join_and_reopen(env, fake: FakeBacklog):
    key = group_issue(env, fake)
    payload = fake.user_changes(key, status="完了", resolution="対応しない")
    with FunctionUrl(aws_lambda.webhook_handler) as fu:
        status, body = send_webhook(f"{fu.url}/hook/{env['secret']}", payload)
        assert status == 200, body
        assert_suppressed(env, key, 12)
        assert all("山田 太郎" in f["description"] for f in suppress_filters(env))
        text = last_comment(fake, key)
        assert "12 件" in text and "CreateFilter" in text and f"i2b-{key}-2" in text and arn(11) in text

        # our filters' SUPPRESSED events for all 12 members: nothing written to Backlog
        echo_writes_nothing(env, fake, key, range(12))

        # a 13th image with the same vulnerability: taken into the suppression (the issue stays closed)
        before = writes(fake)
        send(env, [member(12, day=3)])
        assert writes(fake) == before and fake.issue(key)["status"]["name"] == "完了"
        assert arn(12) not in held(env)
        n_comments = len(fake.comments_of(key))
        pull(env)  # the pending decision is applied by the next pull (or sweep)
        assert_suppressed(env, key, 13, filters=3)  # its own filter: the two made for the decision stay as they are
        assert len(fake.comments_of(key)) == n_comments + 1
        text = last_comment(fake, key)
        assert "1 件加わった" in text and arn(12) in text and f"i2b-{key}-3" in text
        echo_writes_nothing(env, fake, key, range(12, 13))
        pull(env)
        assert len(fake.comments_of(key)) == n_comments + 1  # nothing new: nothing said twice

        # reopened in Backlog → every member released
        payload = fake.user_changes(key, status="未対応", resolution=None)
        status, body = send_webhook(f"{fu.url}/hook/{env['secret']}", payload)
        assert status == 200, body
    assert suppress_filters(env) == [] and held(env) == []
    text = last_comment(fake, key)
    assert "13 件の抑制を解除しました" in text and "DeleteFilter" in text
    # Inspector reports them ACTIVE again: the issue is open and lists them already, nothing written
    before = writes(fake)
    send(env, [member(i, "ACTIVE", 4) for i in range(13)])
    assert writes(fake) == before and fake.issue(key)["status"]["name"] == "未対応"


def test_group_through_pull(env, fake: FakeBacklog):
    key = group_issue(env, fake)
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="無効")
    r = cli("pull", "--config", str(env["cfg"]), "--dry-run")
    assert r.exit_code == 0 and "planned" in r.output and suppress_filters(env) == []
    pull(env)
    assert_suppressed(env, key, 12)
    assert "「無効」" in last_comment(fake, key)
    echo_writes_nothing(env, fake, key, range(12))
    n = len(fake.comments_of(key))
    pull(env)
    assert len(fake.comments_of(key)) == n and len(suppress_filters(env)) == 2
    fake.advance(5)
    fake.user_changes(key, status="処理中", resolution=None)
    pull(env)
    assert held(env) == []
    assert "抑制を解除しました" in last_comment(fake, key)


def test_group_closed_by_inspector_is_not_a_decision(env, fake: FakeBacklog):
    """Every member suppressed in Inspector (not by us): the lifecycle closes the group issue; a pull does nothing."""
    key = group_issue(env, fake, 3)
    send(env, [member(i, "SUPPRESSED", 2) for i in range(3)])
    assert fake.issue(key)["status"]["name"] == "完了"
    n = len(fake.comments_of(key))
    pull(env)
    assert suppress_filters(env) == [] and len(fake.comments_of(key)) == n


@pytest.fixture()
def digest_env(tmp_path: Path, fake: FakeBacklog, moto_endpoint, monkeypatch):
    yield _env(
        tmp_path,
        fake,
        moto_endpoint,
        monkeypatch,
        "[digest]",
        'below_severity = "HIGH"',
        'period = "standing"',
        min_severity="INFORMATIONAL",
    )
    aws_lambda.reset()


def test_digest_issue_is_not_suppressed(digest_env, fake: FakeBacklog):
    env = digest_env
    send(env, [member(i, severity="MEDIUM") for i in range(3)])
    (issue,) = fake.issues.values()
    key = issue["issueKey"]
    assert "ダイジェスト" in issue["description"] or "ダイジェスト" in issue["summary"]
    payload = fake.user_changes(key, status="完了", resolution="対応しない")
    before = len(fake.comments_of(key))
    with FunctionUrl(aws_lambda.webhook_handler) as fu:
        status, body = send_webhook(f"{fu.url}/hook/{env['secret']}", payload)
        assert status == 200, body
        n = len(fake.comments_of(key))
        assert n == before + 1
        text = last_comment(fake, key)
        assert "ダイジェスト" in text and "AWS では何も変更しません" in text
        # the same again (a replay, a pull): answered once
        assert send_webhook(f"{fu.url}/hook/{env['secret']}", payload)[0] == 200
    pull(env)
    assert suppress_filters(env) == [] and len(fake.comments_of(key)) == n


def test_echo_before_the_decision_is_recorded_done(env, fake: FakeBacklog, monkeypatch):
    """The decision (with its ARNs) is recorded before the AWS call: members' SUPPRESSED events that arrive while
    it is still pending (here: the call's answer was lost) are recognised from that record and write nothing."""
    key = group_issue(env, fake, 3)
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: the call fails
    assert cli("pull", "--config", str(env["cfg"])).exit_code == 1
    assert "反映できませんでした" in last_comment(fake, key)
    echo_writes_nothing(env, fake, key, range(3))
    monkeypatch.setenv("AWS_ENDPOINT_URL", env["moto"])
    pull(env)  # the pending decision is retried
    assert held(env) == sorted(arn(i) for i in range(3))
    assert "3 件を抑制しました" in last_comment(fake, key)
    echo_writes_nothing(env, fake, key, range(3))


def test_group_suppression_undone_in_aws_reopens_and_releases(env, fake: FakeBacklog):
    """Someone deletes our filter in the console: Inspector reports a member ACTIVE, the lifecycle reopens the group
    issue; the next pull releases the rest, and the issue lists every member again once Inspector reports them."""
    key = group_issue(env, fake, 3)
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    pull(env)
    echo_writes_nothing(env, fake, key, range(3))
    (flt,) = suppress_filters(env)
    aws_client("inspector2", env["moto"]).delete_filter(arn=flt["arn"])
    send(env, [member(0, "ACTIVE", 3)])
    assert fake.issue(key)["status"]["name"] == "未対応"
    fake.advance(5)
    pull(env)
    assert suppress_filters(env) == []
    send(env, [member(i, "ACTIVE", 4) for i in (1, 2)])
    assert "対象リソース（3 件）" in fake.issue(key)["description"]


def test_joiner_while_the_issue_is_being_reopened_is_listed(env, fake: FakeBacklog):
    """Reopened in Backlog, and before the pull a new member joins: the release lists it on the issue."""
    key = group_issue(env, fake, 2)
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応しない")
    pull(env)
    fake.advance(5)
    fake.user_changes(key, status="未対応", resolution=None)
    send(env, [member(2, day=3)])  # still suppressed as far as we know: taken into the decision
    assert "対象リソース（2 件）" in fake.issue(key)["description"]
    pull(env)
    assert suppress_filters(env) == []
    send(env, [member(2, day=3)])  # the next run (here a re-delivery) writes what is pending
    assert "対象リソース（3 件）" in fake.issue(key)["description"]


@pytest.fixture()
def fix_env(tmp_path: Path, fake: FakeBacklog, moto_endpoint, monkeypatch):
    yield _env(tmp_path, fake, moto_endpoint, monkeypatch, "[grouping]", 'group_by = "fix"')
    aws_lambda.reset()


def test_fix_mode_other_group_shows_the_suppression(fix_env, fake: FakeBacklog):
    """xz's findings need two packages updated (liblzma5, xz-utils): two fix groups. A decision on one suppresses
    the findings; that issue gets nothing, the other records them as suppressed like any suppression."""
    env = fix_env
    send(env, [member(i) for i in range(3)])
    a, b = sorted(fake.issues.values(), key=lambda i: i["issueKey"])
    fake.advance(5)
    fake.user_changes(a["issueKey"], status="完了", resolution="対応しない")
    pull(env)
    assert held(env) == sorted(arn(i) for i in range(3))
    n_a = len(fake.comments_of(a["issueKey"]))
    send(env, [member(i, "SUPPRESSED", 2) for i in range(3)])
    assert len(fake.comments_of(a["issueKey"])) == n_a and fake.issue(a["issueKey"])["status"]["name"] == "完了"
    other = fake.issue(b["issueKey"])
    assert other["status"]["name"] == "完了" and other["resolution"]["name"] == "対応しない"
    assert "抑制" in last_comment(fake, b["issueKey"])


def test_group_fixed_changes_nothing_and_reopens_on_a_change(env, fake: FakeBacklog):
    key = group_issue(env, fake, 3)
    fake.advance(5)
    fake.user_changes(key, status="完了", resolution="対応済み")
    pull(env)
    assert suppress_filters(env) == []
    assert "AWS では何も変更しません" in last_comment(fake, key) and "再オープン" in last_comment(fake, key)
    n = len(fake.comments_of(key))
    pull(env)
    assert len(fake.comments_of(key)) == n
    send(env, [member(3, day=3)])  # the vulnerability on one more image: not fixed after all
    assert fake.issue(key)["status"]["name"] == "未対応"
    pull(env)
    assert suppress_filters(env) == [] and len(fake.comments_of(key)) == n + 1  # the lifecycle's reopen comment only


def test_forged_group_issue_and_lying_payload_do_nothing(env, fake: FakeBacklog):
    """An issue that copies our group issue's description (group key included) is not the group's issue; a payload
    that claims 対応しない on the real one while Backlog says 未対応 is only a hint: nothing in AWS either way."""
    key = group_issue(env, fake, 3)
    real = fake.issue(key)
    forged = fake.add_issue(
        "偽のグループ課題", description=real["description"], issueTypeId=fake.issue_type_id("脆弱性")
    )
    lie = fake.webhook_payload(real, [{"field": "status", "new_value": "4", "old_value": "1", "type": "standard"}])
    lie["content"]["status"] = {"id": 4, "name": "完了"}
    with FunctionUrl(aws_lambda.webhook_handler) as fu:
        payload = fake.user_changes(forged["issueKey"], status="完了", resolution="対応しない")
        for p in (payload, lie):
            assert send_webhook(f"{fu.url}/hook/{env['secret']}", p)[0] == 200
    pull(env)
    assert suppress_filters(env) == []
    assert all(not (c["content"] or "") for c in fake.comments_of(forged["issueKey"]))  # only the change log
    assert fake.issue(key)["status"]["name"] == "未対応"
