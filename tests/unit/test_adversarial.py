"""250 KB adversarial strings through every text path: each renders, and keeps its invariants.

Word runs, ``apikey`` repeated, ``a=`` repeated, ``Bearer`` + 200 KB, backslashes, brackets, ``@``, ``{`` + spaces,
``apt-get`` + spaces, ``a.``×N + ``(``, ``a:``×N, ``http://a`` + ``)``×N, an unterminated private-key header, bidi
controls, 4-byte characters… (``tests/fakes/adversarial.py``) as a normal finding's title, description, package
name, file path and remediation, and as a fallback input, rendered in every format by the CLI's own builder; and
through the offline translator, span protection, redaction and DeepL's XML markup on their own. A quadratic path
would take minutes here: the timeout fails it instead of hanging (the times themselves are ``bench/adversarial.py``'s
business).
"""

from __future__ import annotations

import itertools
import json

import pytest

from inspector2backlog.render.safe import BIDI_CONTROLS, DESCRIPTION_LIMIT, SUMMARY_LIMIT, has_astral
from inspector2backlog.translate.spans import HTML, PLACEHOLDER, XML, find_spans, protect, restore
from tests.fakes.adversarial import INPUTS, PATHS, finding_event, issues

SIZE = 250 * 1024
NAMES = sorted(INPUTS)


@pytest.fixture(scope="module", params=NAMES)
def text(request) -> str:
    t = INPUTS[request.param](SIZE)
    assert len(t) >= SIZE - 64
    return t


def _check_issue_text(out: str) -> None:
    assert not has_astral(out)  # Backlog rejects 4-byte UTF-8
    assert not any(c in out for c in BIDI_CONTROLS)  # shown as U+XXXX, never raw
    assert not any("\ud800" <= c <= "\udfff" for c in out)


@pytest.mark.timeout(60)
def test_normal_finding_renders_in_every_format(text: str) -> None:
    (issue,) = issues(finding_event(text))
    assert not issue.fallback  # the text really went through the normal layout
    assert len(issue.summary) <= SUMMARY_LIMIT and "\n" not in issue.summary
    _check_issue_text(issue.summary)
    for fmt in ("markdown", "backlog", "email"):
        body = issue.description(fmt)
        assert 0 < len(body) <= DESCRIPTION_LIMIT
        _check_issue_text(body)
    subject, body = issue.email()
    assert subject == issue.summary
    line = json.loads(json.dumps(issue.as_json("backlog"), ensure_ascii=False))
    assert line["description"] == issue.description("backlog")


@pytest.mark.timeout(60)
def test_fallback_input_renders_in_every_format(text: str) -> None:
    found = issues('{"detail": {"title": "' + text)  # not JSON: a truncated event
    assert found and all(i.fallback for i in found)
    for issue in found:
        for fmt in ("markdown", "backlog", "email"):
            body = issue.description(fmt)
            assert 0 < len(body) <= DESCRIPTION_LIMIT
            _check_issue_text(body)
            assert "s3cr3t-value" not in body
        json.dumps(issue.as_json("markdown"))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", ["offline translator", "redaction"])
def test_text_helpers(text: str, path: str) -> None:
    out = PATHS[path](text)
    assert isinstance(out, str) and out
    if path == "redaction":
        assert "s3cr3t-value" not in out


@pytest.mark.timeout(60)
def test_span_protection_round_trips(text: str) -> None:
    spans = find_spans(text)
    assert all(a < b <= c for (a, b), (c, _) in itertools.pairwise(spans))
    for dialect in (HTML, XML, PLACEHOLDER):
        markup, values = protect(text, dialect)
        assert restore(markup, values, dialect) == text
        restore(text, values, dialect)  # an engine that answered with anything at all


@pytest.mark.timeout(60)
def test_deepl_markup_splits_and_restores(text: str) -> None:
    assert PATHS["DeepL XML"](text)
