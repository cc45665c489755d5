"""``doctor`` with ``[two_way] enabled`` against the fake Backlog: the webhook registered (POST …/webhooks through the
real client) and compared with ``webhook_url`` without printing the secret; the actions' resolutions exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector2backlog.backlog import BacklogClient
from inspector2backlog.config import load_config
from inspector2backlog.doctor import run_doctor
from tests.fakes.backlog_server import FakeBacklog

SECRET = "s3cr3t-" + "k" * 30
URL = "https://abc123.lambda-url.ap-northeast-1.on.aws"


@pytest.fixture()
def fake():
    with FakeBacklog() as f:
        yield f


def config(tmp_path: Path, fake: FakeBacklog, *extra: str):
    path = tmp_path / "c.toml"
    path.write_text(
        "\n".join(
            [
                "[backlog]",
                f'space_url = "{fake.url}"',
                'project_key = "SEC"',
                'issue_type = "脆弱性"',
                "[two_way]",
                "enabled = true",
                'webhook_secret_env = "I2B_TEST_HOOK"',
                f'webhook_url = "{URL}"',
                *extra,
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return load_config(path, env={})


def register(fake: FakeBacklog, hook_url: str, types=(2, 14)) -> None:
    with BacklogClient(fake.url, api_key=fake.api_key) as c:
        c._request(
            "POST",
            "projects/SEC/webhooks",
            data={"name": "i2b", "hookUrl": hook_url, "allEvent": "false", "activityTypeIds[]": list(types)},
            idempotent=False,
        )


def lines(tmp_path, fake, *extra) -> list[str]:
    report = run_doctor(config(tmp_path, fake, *extra), env={"BACKLOG_API_KEY": fake.api_key})
    return [x for x in report.lines if "Two-way" in x]


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("I2B_TEST_HOOK", SECRET)


def test_registered_webhook_and_resolutions_ok(tmp_path, fake):
    register(fake, f"{URL}/hook/{SECRET}")
    out = lines(tmp_path, fake)
    hook = [x for x in out if "webhook" in x]
    assert hook and hook[0].startswith("[OK]") and URL in hook[0]
    assert all(SECRET not in x for x in out)
    assert sum(x.startswith("[OK]") and "resolution" in x for x in out) == 3
    assert fake.requests_of("list_webhooks")


def test_query_token_form_is_recognised(tmp_path, fake):
    register(fake, f"{URL}/?token={SECRET}")
    assert next(x for x in lines(tmp_path, fake) if "webhook" in x).startswith("[OK]")


def test_missing_wrong_secret_and_missing_types(tmp_path, fake):
    assert next(x for x in lines(tmp_path, fake) if "webhook" in x).startswith("[NG]")
    register(fake, f"{URL}/hook/another-secret-value-xxxxxxxx")
    out = [x for x in lines(tmp_path, fake) if "webhook" in x]
    assert out[0].startswith("[NG]") and "秘密値" in out[0] and "another-secret" not in out[0]
    fake.webhooks.clear()
    register(fake, f"{URL}/hook/{SECRET}", types=(3,))
    assert next(x for x in lines(tmp_path, fake) if "webhook" in x).startswith("[WARN]")


def test_unknown_resolution_is_an_error(tmp_path, fake):
    register(fake, f"{URL}/hook/{SECRET}")
    out = lines(tmp_path, fake, "[two_way.actions]", '"受け入れ" = "suppress"')
    assert any(x.startswith("[NG]") and "受け入れ" in x for x in out)


def test_english_space_resolves_default_names_by_id(tmp_path):
    with FakeBacklog(language="en") as fake:
        register(fake, f"{URL}/hook/{SECRET}")
        out = lines(tmp_path, fake)
    res = [x for x in out if "resolution" in x]
    assert len(res) == 3 and all(x.startswith("[OK]") for x in res) and any("Won't Fix" in x for x in res)
