"""The Backlog sink looks the project up on its first write, and a failed lookup is retried after a pause."""

from __future__ import annotations

import pytest

from inspector2backlog.backlog.errors import ConfigLookupError
from inspector2backlog.deliver import backlog as sink_module
from inspector2backlog.deliver.backlog import BacklogSink, ProjectSetupError


class Loader:
    def __init__(self, failures: int) -> None:
        self.calls = 0
        self.failures = failures

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise ConfigLookupError('課題種別 "セキュリティ" がありません', "issue type not found")
        return type("Project", (), {"text_formatting_rule": "backlog"})()


def test_nothing_is_looked_up_before_it_is_needed():
    load = Loader(0)
    sink = BacklogSink(None, load)
    assert load.calls == 0
    assert sink.text_format == "backlog" and load.calls == 1
    assert sink.text_format == "backlog" and load.calls == 1  # once


def test_a_failed_lookup_is_remembered_for_a_while_then_tried_again():
    load = Loader(1)
    now = [1000.0]
    sink = BacklogSink(None, load, monotonic=lambda: now[0])
    for _ in range(3):  # every finding of this run fails fast, without a lookup storm
        with pytest.raises(ProjectSetupError) as info:
            _ = sink.project
    assert info.value.config and "セキュリティ" in str(info.value) and load.calls == 1
    now[0] += sink_module.SETUP_RETRY_SECONDS  # the pause is over (a warm Lambda container, after the fix in Backlog)
    assert sink.text_format == "backlog" and load.calls == 2 and sink.setup_error is None
