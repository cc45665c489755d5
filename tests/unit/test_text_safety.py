"""Bidi controls, Backlog-notation table cells, the field cap, and SHA-1 ids that are not for security."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

import pytest

from inspector2backlog.findings.parse import iter_text
from inspector2backlog.policy.grouping import member_entry
from inspector2backlog.render import backlog_notation
from inspector2backlog.render.doc import Table
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.render.limits import FIELD_LIMIT, cap_finding
from inspector2backlog.render.safe import BIDI_CONTROLS, ZWSP, clean, summary_line
from inspector2backlog.translate import make_translator

from ..conftest import EXAMPLES

SRC = Path(__file__).resolve().parents[2] / "src"
BUILDER = IssueBuilder(make_translator("offline"))


def _finding(**detail):
    ev = json.loads((EXAMPLES / "01-ecr-critical-xz.event.json").read_text(encoding="utf-8"))
    ev = copy.deepcopy(ev)
    ev["detail"].update(detail)
    (f,) = iter_text(json.dumps(ev), "t")
    return f


# ---- bidi controls --------------------------------------------------------------------------------------------
def test_bidi_controls_are_visible_in_bodies_and_gone_from_summaries() -> None:
    evil = "evil\u202egpj.exe \u2066x\u2069 \u200f\u200e\u061c\u202a\u202b\u202c\u202d\u2067\u2068"
    details = _finding().raw["packageVulnerabilityDetails"]
    pkg = details["vulnerablePackages"][0]  # the summary names the first package
    issue = BUILDER.build(
        _finding(
            description="Before " + evil + " after.",
            title="T " + evil,
            packageVulnerabilityDetails={**details, "vulnerablePackages": [{**pkg, "name": "lib" + evil}]},
        )
    )
    assert not any(c in issue.summary for c in BIDI_CONTROLS)
    assert "libevilgpj.exe" in issue.summary and "U+202E" not in issue.summary
    for fmt in ("markdown", "backlog", "email"):
        body = issue.description(fmt)
        assert not any(c in body for c in BIDI_CONTROLS), fmt
        for c in BIDI_CONTROLS:
            assert f"U+{ord(c):04X}" in body, (fmt, hex(ord(c)))
        assert "evilU+202Egpj.exe" in body


def test_clean_and_summary_line() -> None:
    assert clean("a\u202eb") == "aU+202Eb"
    assert summary_line("a\u202eb\n c\u2066") == "ab c"
    assert clean("x\U0001f600y") == "x\ufffdy" and clean("a\x00b") == "ab"  # unchanged behaviour


# ---- Backlog-notation table cells -----------------------------------------------------------------------------
@pytest.mark.parametrize("cell", [">", " > ", "~header", "  ~x", "~"])
def test_table_cells_that_would_merge_or_become_headers_are_escaped(cell: str) -> None:
    out = backlog_notation.render([Table(["項目", "値"], [[[cell], ["b"]], [["a"], [cell]]])])
    rows = out.split("\n")[1:]
    for row in rows:
        cells = row.strip("|").split("|")
        for c in cells:
            assert c.strip() != ">" and not c.lstrip().startswith("~"), row
    assert cell.strip() in out.replace(ZWSP, "")  # the text itself is kept


def test_ordinary_cells_are_unchanged() -> None:
    out = backlog_notation.render([Table(["a", "b"], [[["x > y"], ["a~b"]], [[""], [">>"]]])])
    assert out.rstrip("\n") == "|a|b|h\n|x > y|a~b|\n| |>>|"


# ---- the field cap --------------------------------------------------------------------------------------------
def test_fields_are_capped_once_and_short_findings_are_untouched() -> None:
    f = _finding()
    assert cap_finding(f) is f
    big = _finding(description="d" * (FIELD_LIMIT + 500), title="t" * (FIELD_LIMIT * 2))
    capped = cap_finding(big)
    assert len(capped.description) == FIELD_LIMIT + 1 and len(capped.title) == FIELD_LIMIT + 1
    assert capped.raw is big.raw  # the original document is kept whole (fallback, change digest)
    assert capped.details.packages == big.details.packages


def test_the_text_length_fast_path_still_caps_a_long_field() -> None:
    """A finding read from a JSON text knows the text's length: within the cap the walk is skipped, beyond it the
    long field is still cut (the length bounds every string, so the shortcut cannot let one through)."""
    event = json.loads((EXAMPLES / "01-ecr-critical-xz.event.json").read_text(encoding="utf-8"))
    (small,) = list(iter_text(json.dumps(event)))
    assert 0 < small.input_chars <= FIELD_LIMIT and cap_finding(small) is small
    event["detail"]["description"] = "x" * (FIELD_LIMIT + 10)
    text = json.dumps(event)
    (big,) = list(iter_text(text))
    assert big.input_chars == len(text)
    assert len(cap_finding(big).description) == FIELD_LIMIT + 1
    record = {"Records": [{"messageId": "m1", "body": text}]}  # an SQS body: its own length
    (from_sqs,) = list(iter_text(json.dumps(record)))
    assert from_sqs.input_chars == len(text) and len(cap_finding(from_sqs).description) == FIELD_LIMIT + 1


# ---- SHA-1 --------------------------------------------------------------------------------------------------------
def test_sha1_ids_are_marked_not_for_security_and_keep_their_values() -> None:
    for path in SRC.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"hashlib\.sha1\(", line):
                assert "usedforsecurity=False" in line, (path, line)
    f = _finding()
    entry = member_entry(f, "group:vuln:SEC:CVE-2024-3094")
    r = f.primary_resource
    assert entry.to_data()["k"] == entry.resource_key == hashlib.sha1(r.id.encode()).hexdigest()[:10]  # as stored
