"""The per-run circuit breaker shared by the translation service and the JVN iPedia source."""

from __future__ import annotations

import logging

import pytest

from inspector2backlog.translate.breaker import CircuitBreaker

log = logging.getLogger("test.breaker")


def test_opens_after_the_threshold_and_logs_each_reason_once(caplog: pytest.LogCaptureFixture) -> None:
    b = CircuitBreaker(2, log, "lookup", " — giving up")
    with caplog.at_level(logging.WARNING, logger="test.breaker"):
        b.failure("timed out")
        assert not b.broken
        b.failure("timed out")
        b.failure("HTTP 503")
    assert b.broken
    assert [r.getMessage() for r in caplog.records] == [
        "lookup failed: timed out",
        "lookup failed: HTTP 503 — giving up",
    ]


def test_without_retry_after_it_stays_open() -> None:
    now = [0.0]
    b = CircuitBreaker(1, log, "lookup", clock=lambda: now[0])
    b.failure("x")
    now[0] = 1e9
    assert b.broken


def test_with_retry_after_one_call_goes_through_again() -> None:
    now = [100.0]
    b = CircuitBreaker(3, log, "lookup", retry_after=60, clock=lambda: now[0])
    for _ in range(3):
        b.failure("x")
    now[0] = 159.0
    assert b.broken
    now[0] = 160.0
    assert not b.broken  # half open
    b.failure("x")  # one more failure opens it again, for another minute
    assert b.broken
    now[0] = 219.0
    assert b.broken
    now[0] = 220.0
    assert not b.broken
