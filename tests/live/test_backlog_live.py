"""Opt-in checks against a real Backlog space.

Skipped unless ``BACKLOG_SPACE_URL`` and ``BACKLOG_API_KEY`` are set. Read-only, except that when
``BACKLOG_LIVE_PROJECT_KEY`` is set too, one issue is created in that project and closed again
(issue type ``BACKLOG_LIVE_ISSUE_TYPE``, default: the project's first issue type). Requests are paced 1 s apart.
"""

from __future__ import annotations

import logging
import os
import time
import traceback

import pytest

from inspector2backlog.backlog import (
    AuthenticationError,
    BacklogClient,
    NoResourceError,
    ProjectCatalog,
    ProjectContext,
)
from inspector2backlog.config import load_config
from inspector2backlog.doctor import run_doctor

SPACE = os.environ.get("BACKLOG_SPACE_URL", "").strip()
KEY = os.environ.get("BACKLOG_API_KEY", "").strip()
PROJECT = os.environ.get("BACKLOG_LIVE_PROJECT_KEY", "").strip()
ISSUE_TYPE = os.environ.get("BACKLOG_LIVE_ISSUE_TYPE", "").strip()

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not (SPACE and KEY), reason="live Backlog test: set BACKLOG_SPACE_URL and BACKLOG_API_KEY"),
]
needs_project = pytest.mark.skipif(not PROJECT, reason="set BACKLOG_LIVE_PROJECT_KEY to create and close one issue")


def _pause(method: str, path: str, status: int) -> None:
    time.sleep(1.0)


@pytest.fixture(scope="module")
def client():
    # paced 1 s apart, reads too: a wait after every request (the client has no pacing of its own; the product paces
    # its writes in deliver/paced.py, which these direct client calls do not go through)
    with BacklogClient(SPACE, api_key=KEY, on_request=_pause, max_retries=3, max_rate_limit_wait=65.0) as c:
        yield c


def test_read_only_endpoints(client: BacklogClient, caplog, capsys) -> None:
    caplog.set_level(logging.DEBUG)
    assert client.space()["spaceKey"]
    assert client.myself()["id"]
    limits = client.rate_limit()["rateLimit"]
    assert {"read", "update", "search"} <= set(limits)
    assert len(client.priorities()) >= 1
    assert len(client.resolutions()) >= 1
    assert client.rate_limit_state["read"].limit
    out = capsys.readouterr()
    assert KEY not in caplog.text and KEY not in out.out and KEY not in out.err


def test_errors_are_typed_and_never_show_the_key(client: BacklogClient) -> None:
    with pytest.raises(NoResourceError) as info:
        client.get_issue("I2BNOSUCHPROJECT-999999")
    assert info.value.code == 6 and KEY not in "".join(traceback.format_exception(info.value))
    with BacklogClient(SPACE, api_key="invalid-" + KEY[::-1][:20]) as bad, pytest.raises(AuthenticationError) as info:
        bad.myself()
    assert info.value.code == 11 and KEY not in str(info.value)


def _issue_type_name(client: BacklogClient) -> str:
    return ISSUE_TYPE or ProjectCatalog.fetch(client, PROJECT).issue_types[0].name


@needs_project
def test_project_context_and_doctor(client: BacklogClient, tmp_path) -> None:
    issue_type = _issue_type_name(client)
    ctx = ProjectContext.load(client, PROJECT, issue_type_name=issue_type, priority_names=["高", "中", "低"])
    assert ctx.text_formatting_rule in ("markdown", "backlog")
    path = tmp_path / "live.toml"
    path.write_text(
        f'[backlog]\nspace_url = "{SPACE}"\nproject_key = "{PROJECT}"\nissue_type = "{issue_type}"\n', encoding="utf-8"
    )
    report = run_doctor(load_config(path, env={}), client=client)
    assert report.ok, report.text()
    assert KEY not in report.text()


@needs_project
def test_create_comment_and_close_one_issue(client: BacklogClient) -> None:
    ctx = ProjectContext.load(client, PROJECT, issue_type_name=_issue_type_name(client))
    marker = f"i2b-live-{int(time.time())}"
    issue = client.create_issue(
        {
            **ctx.base_issue_params(),
            "summary": f"[inspector2backlog live test] {marker}",
            "description": f"inspector2backlog の自動テストで作成した課題です。すぐに完了にします。\n{marker}",
            "priorityId": ctx.priority_id("低"),
        }
    )
    key = issue["issueKey"]
    try:
        client.add_comment(key, "コメントのテスト")
        closed = client.update_issue(
            key,
            {
                "statusId": ctx.closed_status.id,
                "resolutionId": ctx.resolutions.get("対応済み", 0),
                "comment": "テスト完了のため閉じます",
            },
        )
        assert closed["status"]["id"] == ctx.closed_status.id
        assert client.get_issue(key)["status"]["id"] == ctx.closed_status.id
    except Exception:
        # leave nothing open behind us
        client.update_issue(key, {"statusId": ctx.closed_status.id})
        raise
