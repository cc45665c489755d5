"""Golden files: the bundled examples in Markdown and Backlog notation (offline engine).

Regenerate after an intended change with ``I2B_UPDATE_GOLDEN=1 make test`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inspector2backlog.findings.model import Finding, Unparsed
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.translate import make_translator

from ..conftest import EXAMPLES

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = [
    "01-ecr-critical-xz.event.json",
    "04-ec2-network-rdp.event.json",
    "05-lambda-code-hardcoded-credentials.event.json",
    "08-broken.event.json",
]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("fmt", ["markdown", "backlog"])
def test_golden(name, fmt):
    builder = IssueBuilder(make_translator("offline"))
    items = list(iter_text((EXAMPLES / name).read_bytes(), f"examples/{name}"))
    assert len(items) == 1
    item = items[0]
    issue = builder.build(item) if isinstance(item, Finding) else builder.fallback(item)
    assert isinstance(item, (Finding, Unparsed))
    got = f"summary: {issue.summary}\npriority: {issue.priority}\n\n{issue.description(fmt)}"
    golden = GOLDEN / f"{name.removesuffix('.event.json')}.{'md' if fmt == 'markdown' else 'backlog.txt'}"
    if os.environ.get("I2B_UPDATE_GOLDEN") or not golden.exists():
        golden.write_text(got, encoding="utf-8")
        if not os.environ.get("I2B_UPDATE_GOLDEN"):
            pytest.fail(f"golden file {golden.name} was missing and has been written; review and commit it")
    assert got == golden.read_text(encoding="utf-8")
