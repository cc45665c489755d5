"""Every real sample of every source (``../shared/samples``) becomes issues, never a fallback, with no configuration:
events, bare findings, partial events, GetFindings / ListFindings pages (camelCase and boto3's PascalCase), the
``{"finding": …}`` GetFinding answer and recorded API responses (issues 12 and 13, acceptance)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector2backlog.findings.model import Finding, Skipped, Unparsed
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.pipeline import Pipeline
from tests.conftest import shared_samples

FOLDERS = {
    "guardduty": "guardduty",
    "access-analyzer": "access_analyzer",
    "securityhub": "securityhub",
    "securityhub-ocsf": "securityhub",
}
# Access Analyzer's access previews are not findings: their events and listings are skipped (with a reason)
NOT_FINDINGS = ("accesspreview",)


def _files(folder: str) -> list[Path]:
    return sorted(p for p in shared_samples(folder).glob("*.json"))


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_every_sample_is_read_by_its_source_and_renders_without_fallback(folder: str) -> None:
    files = _files(folder)
    assert files, f"no samples in {folder}"
    with Pipeline.for_render() as p:
        for path in files:
            items = list(iter_text(path.read_bytes(), str(path)))
            unparsed = [i for i in items if isinstance(i, Unparsed)]
            assert not unparsed, f"{path.name}: {unparsed[0].error}"
            findings = [i for i in items if isinstance(i, Finding)]
            if any(tag in path.name for tag in NOT_FINDINGS):
                assert not findings and all(isinstance(i, Skipped) for i in items), path.name
                continue
            assert findings, f"{path.name}: no finding read"
            for f in findings:
                assert f.source == FOLDERS[folder], f"{path.name}: read as {f.source}"
                issue = p.builder.build(f)
                assert not issue.fallback, f"{path.name}: {issue.summary}"
                text = issue.description("markdown")
                if folder in ("guardduty", "access-analyzer"):  # the meaning and the response, in Japanese
                    assert "## 概要" in text and "## 対応手順" in text, path.name


@pytest.mark.parametrize(
    ("event", "service"),
    [
        ({"source": "aws.guardduty", "detail-type": "GuardDuty Finding", "detail": {"id": 1}}, "GuardDuty"),
        ({"source": "aws.securityhub", "detail-type": "Findings Imported V2", "detail": []}, "Security Hub"),
        ({"source": "aws.inspector2", "detail-type": "Inspector2 Finding", "detail": {"title": "x"}}, "Inspector"),
        ({"hello": "world"}, "Inspector"),  # names no service: the default source's words, as before
    ],
)
def test_a_fallback_issue_names_the_service_the_input_came_from(event: dict, service: str) -> None:
    (item,) = list(iter_text(json.dumps(event), "broken.json"))
    assert isinstance(item, Unparsed)
    with Pipeline.for_render() as p:
        issue = p.builder.fallback(item)
    assert issue.fallback and issue.summary == f"【要確認】{service} 通知の解析に失敗しました"
    assert issue.labels[0] == service and f"{service} からの通知" in issue.description("markdown")
