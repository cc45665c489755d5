"""The lifecycle replay of ``test_send_lifecycle`` against a space whose API user reads English, with the default
(Japanese) configuration: statuses, priorities and resolutions resolve by their default ids; a reopen clears the
resolution in either language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV

from .test_send_lifecycle import base_findings, send, stream, write_config


def replay(tmp_path: Path, fake: FakeBacklog) -> dict[str, dict]:
    """Every event of the stream through ``send``, one run each; the issues by finding ARN."""
    cfg = write_config(tmp_path, fake)
    runner = CliRunner()
    for n, (kind, ev) in enumerate(stream()):
        p = tmp_path / f"ev{n}.json"
        p.write_text(json.dumps(ev))
        r = send(runner, cfg, p)
        assert r.exit_code == 0, (kind, r.output)
    issues = list(fake.issues.values())
    assert len(issues) == 5
    by_arn = {}
    for arn in (f["findingArn"] for f in base_findings()):
        hits = [i for i in issues if arn in i["description"]]
        assert len(hits) == 1, arn
        by_arn[arn] = hits[0]
    return by_arn


@pytest.mark.parametrize("language", ["en", "ja"])
def test_lifecycle_replay_with_the_default_configuration(tmp_path: Path, monkeypatch, language: str):
    with FakeBacklog(language=language) as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        a, b, c, d, e = replay(tmp_path, fake).values()
        # the critical finding filed with priority 高 = id 2 ("High" in English)
        creates = fake.requests_of("create_issue")
        assert len(creates) == 5 and all(r.status == 201 for r in creates)
        assert a["priority"]["id"] == 2 and a["priority"]["name"] == ("High" if language == "en" else "高")
        assert a["status"]["id"] == 1 and e["status"]["id"] == 1
        # CLOSED: status 4, resolution 0; SUPPRESSED: resolution 1
        assert b["status"]["id"] == 4 and b["resolution"]["id"] == 0
        assert c["status"]["id"] == 4 and c["resolution"]["id"] == 1
        if language == "en":
            assert b["status"]["name"] == "Closed" and b["resolution"]["name"] == "Fixed"
            assert c["resolution"]["name"] == "Won't Fix"
        # reopened: open status, and the close's resolution is gone
        assert d["status"]["id"] == 1 and d["resolution"] is None
        reopen = [r for r in fake.requests_of("update_issue") if r.param("statusId") == "1"]
        assert len(reopen) == 1 and reopen[0].param("resolutionId") == ""
        assert next(x["content"] for x in fake.comments_of(b["issueKey"])).count("クローズされました") == 1


def test_a_renamed_default_is_matched_by_name_only():
    """A custom status (id ≥ 100) is never reached through a default id; an unknown name stays a config error."""
    from inspector2backlog.backlog.client import BacklogClient
    from inspector2backlog.backlog.errors import ConfigLookupError
    from inspector2backlog.backlog.models import DEFAULT_STATUSES, Named
    from inspector2backlog.backlog.project import ProjectCatalog, match_named

    statuses = [Named(1, "Open"), Named(4, "Closed"), Named(100, "確認待ち")]
    assert match_named(statuses, "完了")[0] is None  # no defaults given: name (or number) only
    assert match_named(statuses, "完了", DEFAULT_STATUSES) == (Named(4, "Closed"), "default id")
    assert match_named(statuses, "確認待ち", DEFAULT_STATUSES) == (Named(100, "確認待ち"), "name")
    assert match_named(statuses, "100", DEFAULT_STATUSES) == (Named(100, "確認待ち"), "id")
    assert match_named(statuses, "Closed", DEFAULT_STATUSES) == (Named(4, "Closed"), "name")
    assert match_named(statuses, "確認中", DEFAULT_STATUSES) == (None, "")
    assert match_named([Named(1, "Open")], "完了", DEFAULT_STATUSES) == (None, "")  # id 4 absent: not found
    with FakeBacklog(language="en") as fake:
        catalog = ProjectCatalog.fetch(BacklogClient(fake.url, api_key=fake.api_key), "SEC")
        assert catalog.language() == "en"
        assert catalog.priority_named("高").name == "High" and catalog.route("priority", "高") == "default id"
        with pytest.raises(ConfigLookupError):
            catalog.status_named("確認待ち")
