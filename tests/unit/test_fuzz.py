"""Property test: thousands of mutated/malformed inputs; no exception escapes, each yields an issue."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from inspector2backlog.findings.model import Finding, Skipped, Unparsed
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.render.issue import FORMATS, IssueBuilder
from inspector2backlog.translate import make_translator

from ..conftest import sample_files

_SEEDS = []
for _p in sample_files():
    _v = json.loads(_p.read_text())
    if isinstance(_v, dict) and "findings" in _v:
        _SEEDS += _v["findings"][:3]
    elif _v:
        _SEEDS.append(_v)
if not _SEEDS:  # without ../shared, mutate the repo's own examples
    from ..conftest import EXAMPLES

    _SEEDS = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("0[1-5]*.json"))]

BUILDER = IssueBuilder(make_translator("offline"))

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "None Provided",
            "NotAvailable",
            "CVSS:3.1/AV:Q",
            "AV:N/AC:Z",
            "CVSS:4.0/AV:N",
            "Dec 33, 2021, 6:02:30 PM",
            "@all",
            "{/code}",
            "```",
            "😀",
        ]
    ),
)
json_value = st.recursive(
    json_leaf,
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=12), c, max_size=4)),
    max_leaves=12,
)


def _paths(v, prefix=()):
    if isinstance(v, dict):
        for k, x in v.items():
            yield prefix + (k,)
            yield from _paths(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield prefix + (i,)
            yield from _paths(x, prefix + (i,))


@st.composite
def mutated(draw):
    doc = copy.deepcopy(draw(st.sampled_from(_SEEDS)))
    paths = list(_paths(doc))
    for _ in range(draw(st.integers(1, 6))):
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        action = draw(st.sampled_from(["replace", "delete", "replace"]))
        try:
            if action == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(json_value)
        except (KeyError, IndexError, TypeError):
            pass
        paths = list(_paths(doc))
    return doc


def _render_all(text: str) -> int:
    n = 0
    for item in iter_text(text, "fuzz"):
        if isinstance(item, Skipped):
            continue
        issue = BUILDER.build(item) if isinstance(item, Finding) else BUILDER.fallback(item)
        assert issue.summary and len(issue.summary) <= 255
        # a readable finding must render as itself: the builder's safety net (fallback) must never be needed
        assert issue.fallback is not isinstance(item, Finding), issue.error
        for fmt in FORMATS:
            assert issue.description(fmt)
        n += 1
    return n


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_findings_never_crash(doc):
    _render_all(json.dumps(doc, allow_nan=True))


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(json_value.map(lambda v: json.dumps(v, allow_nan=True)), st.text(max_size=200), st.binary(max_size=200))
)
def test_arbitrary_input_yields_an_issue_or_a_reasoned_skip(data):
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    items = list(iter_text(text, "fuzz"))
    for item in items:
        assert isinstance(item, (Finding, Skipped, Unparsed))
    _render_all(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_raw_bytes(data):
    for item in iter_text(data, "bytes"):
        assert isinstance(item, (Finding, Skipped, Unparsed))
