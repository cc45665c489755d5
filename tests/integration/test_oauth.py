"""OAuth 2.0 against the fake Backlog's token endpoint: 2-second access tokens renewed before expiry and after a 401
``invalid_token``, the rotated refresh token stored back (a 0600 file), no token in any log line."""

from __future__ import annotations

import copy
import json
import logging
import stat
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.backlog.client import BacklogClient
from inspector2backlog.backlog.errors import AuthenticationError
from inspector2backlog.backlog.oauth import EnvRefreshToken, FileRefreshToken, OAuthSession, is_invalid_token
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV

from .test_send_lifecycle import base_findings, event, send, write_config

CLIENT = ("i2b-client-id", "i2b-client-secret-9f8e7d6c")
FIRST_REFRESH = "first-refresh-token-a1b2c3d4"


def oauth_fake(**kw) -> FakeBacklog:
    return FakeBacklog(oauth_client=CLIENT, oauth_refresh_token=FIRST_REFRESH, **kw)


def session(fake: FakeBacklog, store) -> OAuthSession:
    return OAuthSession(fake.url, *CLIENT, store)


def no_unrecovered_401(fake: FakeBacklog) -> int:
    """Every request answered 401 was sent again (same method and path) and succeeded; returns how many 401s."""
    reqs = fake.requests
    n = 0
    for i, r in enumerate(reqs):
        if r.status == 401:
            n += 1
            again = next((x for x in reqs[i + 1 :] if (x.method, x.path) == (r.method, r.path)), None)
            assert again is not None and again.status < 400, (r, again)
    return n


def test_ten_seconds_of_sends_with_two_second_tokens(tmp_path: Path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    token_file = tmp_path / "refresh-token"
    token_file.write_text(FIRST_REFRESH + "\n")
    with oauth_fake(oauth_token_seconds=2, latency=0.15) as fake:
        monkeypatch.delenv(KEY_ENV, raising=False)  # no API key anywhere: only OAuth can work
        monkeypatch.setenv("I2B_BACKLOG_OAUTH_CLIENT_ID", CLIENT[0])
        monkeypatch.setenv("I2B_BACKLOG_OAUTH_CLIENT_SECRET_ENV", "I2B_TEST_OAUTH_SECRET")
        monkeypatch.setenv("I2B_TEST_OAUTH_SECRET", CLIENT[1])
        monkeypatch.setenv("I2B_BACKLOG_OAUTH_REFRESH_TOKEN_FILE", str(token_file))
        cfg = write_config(tmp_path, fake)
        runner = CliRunner()
        runs, deadline = 0, time.monotonic() + 10
        while time.monotonic() < deadline:
            events = []
            for f in base_findings():
                f = copy.deepcopy(f)
                f["findingArn"] += f"-run{runs}"
                events.append(event(f, 1))
            path = tmp_path / f"run{runs}.json"
            path.write_text(json.dumps(events))
            r = send(runner, cfg, path)
            assert r.exit_code == 0, r.output
            runs += 1
        assert runs >= 2 and len(fake.issues) == 5 * runs
        # every request carried a bearer token; the refresh token rotated and the file holds the live one
        assert {r.auth for r in fake.requests if r.kind != "oauth_token"} == {"bearer"}
        refreshes = fake.counts["oauth_token"]
        assert refreshes > runs  # each run starts with one; the 2-second tokens were renewed inside runs too
        assert fake.counts["oauth_invalid_grant"] == 0
        stored = token_file.read_text().strip()
        assert stored != FIRST_REFRESH and stored == fake.refresh_token
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        no_unrecovered_401(fake)
        logged = caplog.text + r.output
        assert all(t not in logged for t in (*fake.issued_tokens, FIRST_REFRESH, CLIENT[1]))


def test_a_revoked_access_token_is_renewed_once_on_401(tmp_path: Path):
    token_file = tmp_path / "rt"
    token_file.write_text(FIRST_REFRESH)
    with oauth_fake() as fake:
        oauth = session(fake, FileRefreshToken(token_file))
        with BacklogClient(fake.url, oauth=oauth) as client:
            assert client.myself()["userId"] == "i2b-bot"
            fake.access_tokens.clear()  # revoked (or expired early): the next request is answered 401
            created = client.create_issue(
                {
                    "projectId": fake.project.id,
                    "summary": "s",
                    "priorityId": 3,
                    "issueTypeId": fake.issue_type_id("脆弱性"),
                }
            )
            assert created["issueKey"] == "SEC-1" and len(fake.issues) == 1
        creates = fake.requests_of("create_issue")
        assert [r.status for r in creates] == [401, 201]
        assert no_unrecovered_401(fake) == 1 and oauth.refreshes == 2 == fake.counts["oauth_token"]


def test_a_refused_refresh_fails_once_without_looping(tmp_path: Path):
    with oauth_fake() as fake:
        oauth = session(fake, EnvRefreshToken("RT", {"RT": "not-the-refresh-token"}))
        with BacklogClient(fake.url, oauth=oauth, max_retries=3) as client, pytest.raises(AuthenticationError) as info:
            client.myself()
        assert "invalid_grant" in str(info.value) and "not-the-refresh-token" not in str(info.value)
        assert fake.counts["oauth_token"] == 1 and fake.counts["myself"] == 0


def test_a_token_rotated_by_another_process_is_read_again(tmp_path: Path):
    token_file = tmp_path / "rt"
    token_file.write_text(FIRST_REFRESH)
    with oauth_fake(oauth_token_seconds=3600) as fake:
        first, second = session(fake, FileRefreshToken(token_file)), session(fake, FileRefreshToken(token_file))
        first.access_token()
        second.access_token()  # reads the file first-session wrote
        first.invalidate()
        assert first.access_token()  # its own refresh token is stale: invalid_grant → file read again → works
        assert fake.counts["oauth_invalid_grant"] == 1 and token_file.read_text().strip() == fake.refresh_token


def test_an_env_refresh_token_rotates_in_memory_with_one_warning(caplog):
    caplog.set_level(logging.WARNING, logger="inspector2backlog")
    with oauth_fake(oauth_token_seconds=3600) as fake:
        oauth = session(fake, EnvRefreshToken("RT", {"RT": FIRST_REFRESH}))
        for _ in range(3):
            oauth.access_token()
            oauth.invalidate()
        assert oauth.refreshes == 3 and fake.counts["oauth_invalid_grant"] == 0
        assert caplog.text.count("kept for this process only") == 1


def test_invalid_token_header():
    assert is_invalid_token({"WWW-Authenticate": 'Bearer error="invalid_token"'})
    assert not is_invalid_token({"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
    assert not is_invalid_token({})


def test_doctor_reports_oauth(tmp_path: Path):
    from inspector2backlog.config import load_config
    from inspector2backlog.doctor import run_doctor

    token_file = tmp_path / "rt"
    token_file.write_text(FIRST_REFRESH)
    with oauth_fake() as fake:
        env = {
            "I2B_BACKLOG_SPACE_URL": fake.url,
            "I2B_BACKLOG_PROJECT_KEY": "SEC",
            "I2B_BACKLOG_ISSUE_TYPE": "脆弱性",
            "I2B_BACKLOG_OAUTH_CLIENT_ID": CLIENT[0],
            "I2B_BACKLOG_OAUTH_CLIENT_SECRET_ENV": "S",
            "S": CLIENT[1],
            "I2B_BACKLOG_OAUTH_REFRESH_TOKEN_FILE": str(token_file),
        }
        report = run_doctor(load_config(None, env=env), env=env)
        assert report.ok, report.text()
        assert f"OAuth 2.0 (client {CLIENT[0]}, refresh token from file {token_file})" in report.text()
        assert token_file.read_text().strip() == fake.refresh_token != FIRST_REFRESH
