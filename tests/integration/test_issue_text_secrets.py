"""The configured API key never reaches Backlog inside issue text, even when a normal finding's own text contains it:
`inspector2backlog send` against the loopback fake Backlog, create → material update → close, every request body
recorded and searched."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inspector2backlog.cli import app
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.config import KEY_ENV, write_config

from ..conftest import EXAMPLES

KEY = "k3y-Inside-Finding-Text-9fQ2xW7p"


def _event(t: int, **changes) -> dict:
    ev = json.loads((EXAMPLES / "01-ecr-critical-xz.event.json").read_text(encoding="utf-8"))
    d = ev["detail"]
    d["title"] = f"CVE-2024-3094 - liblzma5 {KEY}"
    d["description"] = f"Leaked in a build log: curl 'https://x.backlog.com/api/v2/space?apiKey={KEY}' ({KEY})."
    pkg = d["packageVulnerabilityDetails"]["vulnerablePackages"][0]
    pkg["name"] = f"liblzma5-{KEY}"
    pkg["remediation"] = f"apt-get install {KEY}"
    d["remediation"]["recommendation"]["text"] = f"Rotate {KEY} now."
    d.update(changes)
    stamp = f"2024-10-{t:02d}T00:00:00Z"
    d["updatedAt"] = d["lastObservedAt"] = stamp
    return copy.deepcopy(ev)


@pytest.mark.parametrize("rule", ["markdown", "backlog"])
def test_api_key_in_a_normal_finding_is_never_posted(tmp_path: Path, monkeypatch, rule: str) -> None:
    with FakeBacklog(api_key=KEY, text_formatting_rule=rule) as fake:
        monkeypatch.setenv(KEY_ENV, fake.api_key)
        cfg = write_config(tmp_path, fake)
        runner = CliRunner()
        steps = [
            _event(1),
            _event(2, severity="HIGH", inspectorScore=7.5, fixAvailable="NO"),
            _event(3, status="CLOSED"),
        ]
        for n, ev in enumerate(steps):
            p = tmp_path / f"ev{n}.json"
            p.write_text(json.dumps(ev), encoding="utf-8")
            r = runner.invoke(app, ["send", str(p), "--config", str(cfg)], catch_exceptions=False)
            assert r.exit_code == 0, r.output
            assert KEY not in r.output
        writes = [q for q in fake.requests if q.method in ("POST", "PATCH")]
        assert fake.requests_of("create_issue") and len(writes) >= 3  # created, updated with a comment, closed
        for q in fake.requests:
            assert KEY not in json.dumps(q.form, ensure_ascii=False), (q.kind, q.form)
        (issue,) = fake.issues.values()
        # the text around the key arrived: only the key itself was replaced
        assert "Leaked in a build log" in issue["description"] and "liblzma5-***" in issue["description"]
        assert KEY not in issue["summary"] and "liblzma5" in issue["summary"]
        assert issue["status"]["name"] == "完了"
        comments = [c["content"] for c in fake.comments_of(issue["issueKey"])]
        assert len(comments) == 2 and all(KEY not in c for c in comments)
