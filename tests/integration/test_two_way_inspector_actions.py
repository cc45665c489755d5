"""The Inspector action module against moto's Inspector2 over HTTP: batching (10 ARNs a filter), adopting a filter
made by an earlier attempt whose answer was lost, and releasing."""

from __future__ import annotations

import pytest

from inspector2backlog.twoway.actions import ActionError, load, source_of
from tests.fakes.moto_server import aws_client, moto_endpoint  # noqa: F401

ARNS = [f"arn:aws:inspector2:ap-northeast-1:111122223333:finding/{i:032x}" for i in range(23)]


@pytest.fixture()
def inspector(moto_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return load(source_of(ARNS[0])), aws_client("inspector2", moto_endpoint)


def test_batches_of_ten_named_after_the_issue(inspector):
    mod, client = inspector
    applied = mod.suppress(ARNS, name="i2b-SEC-7", description="d", reason="r")
    assert [a.filter_name for a in applied] == ["i2b-SEC-7", "i2b-SEC-7-2", "i2b-SEC-7-3"]
    assert [len(a.values) for a in applied] == [10, 10, 3]
    filters = client.list_filters(action="SUPPRESS")["filters"]
    assert sorted(c["value"] for f in filters for c in f["criteria"]["findingArn"]) == sorted(ARNS)
    assert all(3 <= len(f["name"]) <= 64 for f in filters)


def test_a_retry_adopts_the_filter_instead_of_adding_one(inspector):
    mod, client = inspector
    first = mod.suppress(ARNS[:1], name="i2b-SEC-8", description="d", reason="r")
    again = mod.suppress(ARNS[:1], name="i2b-SEC-8", description="d", reason="r")
    assert again[0].api == "inspector2:ListFilters" and again[0].filter_arn == first[0].filter_arn
    assert len(client.list_filters(action="SUPPRESS")["filters"]) == 1


def test_release_deletes_and_tolerates_a_filter_already_gone(inspector):
    mod, client = inspector
    (a,) = mod.suppress(ARNS[:1], name="i2b-SEC-9", description="d", reason="r")
    out = mod.release(ARNS[0], [a.as_json()])
    assert [x.api for x in out] == ["inspector2:DeleteFilter"] and client.list_filters()["filters"] == []
    assert mod.release(ARNS[0], [a.as_json()]) == []
    # a suppress whose answer was lost: found by name
    mod.suppress(ARNS[:1], name="i2b-SEC-10", description="d", reason="r")
    out = mod.release(ARNS[0], [], names=("i2b-SEC-10",))
    assert [x.api for x in out] == ["inspector2:DeleteFilter"] and client.list_filters()["filters"] == []


def test_a_refusal_is_an_action_error_naming_the_api(inspector, monkeypatch):
    mod, _ = inspector
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(ActionError, match="inspector2:ListFilters: EndpointConnectionError"):
        mod.suppress(ARNS[:1], name="i2b-SEC-11", description="d", reason="r")


def test_unknown_source_has_no_actions():
    assert load(source_of("arn:aws:guardduty:ap-northeast-1:1:detector/x/finding/y")) is None
    assert source_of("not-an-arn") == ""
