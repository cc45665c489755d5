"""Pacing of Backlog writes: the one place it lives (issue 11). Every driver's sink is wrapped once, by
:func:`..runtime.build_parts`, in a :class:`PacedSink`.

A :class:`PacedSink` keeps writes ``min_interval`` apart and, when Backlog reports the ``update`` bucket used up
(``X-RateLimit-Remaining: 0`` on the last answer), waits until its reset (never more than ``max_wait``). Reads
(``find``) are not paced. Built with neither (the default: the Lambda and ``send``), it passes writes straight
through; ``sync`` paces its run with :meth:`PacedSink.pacing` (``--pace-seconds``, ``--max-rate-wait``). The Backlog
client's own 429 handling stays beneath it: this wrapper avoids the 429, the client survives one (the client has no
pacing of its own).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .base import IssueRef, Sink

if TYPE_CHECKING:
    from ..render.doc import Block
    from ..render.issue import Issue

log = logging.getLogger("inspector2backlog.sync")


class PacedSink(Sink):
    """Wraps the real sink: keeps writes ``min_interval`` apart and waits out an exhausted ``update`` bucket (for at
    most ``max_wait`` seconds; 0: not waited out here, the client's 429 handling copes)."""

    def __init__(
        self,
        inner: Sink,
        *,
        min_interval: float = 0.0,
        max_wait: float = 0.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.supports_lifecycle = inner.supports_lifecycle
        self.min_interval = min_interval
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    @property
    def text_format(self) -> str:  # type: ignore[override]
        return self.inner.text_format

    @contextmanager
    def pacing(
        self,
        *,
        min_interval: float,
        max_wait: float,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> Iterator[PacedSink]:
        """Writes paced as given while the block runs (``sync``: the run's pace and clock), as before afterwards."""
        saved = (self.min_interval, self.max_wait, self._clock, self._sleep, self._last)
        self.min_interval, self.max_wait, self._last = min_interval, max_wait, None
        self._clock = clock or self._clock
        self._sleep = sleep or self._sleep
        try:
            yield self
        finally:
            self.min_interval, self.max_wait, self._clock, self._sleep, self._last = saved

    def _update_bucket(self) -> Any:
        state = getattr(getattr(self.inner, "client", None), "rate_limit_state", None)
        return state.get("update") if isinstance(state, Mapping) else None

    def _wait(self) -> None:
        now = self._clock()
        wait = 0.0
        if self._last is not None and self.min_interval > 0:
            wait = self.min_interval - (now - self._last)
        info = self._update_bucket()
        if info is not None and info.remaining is not None and info.remaining <= 0:
            wait = max(wait, min(self.max_wait, info.seconds_until_reset(now) + 1.0 if info.reset else 0.0))
        if wait > 0:
            log.info("pacing Backlog writes", extra={"seconds": round(wait, 2)})
            self._sleep(wait)

    def _write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._wait()
        try:
            return fn(*args, **kwargs)
        finally:
            self._last = self._clock()

    def create(self, issue: Issue) -> IssueRef:
        return self._write(self.inner.create, issue)

    def find(self, finding_key: str, *, since: float | None = None) -> IssueRef | None:
        return self.inner.find(finding_key, since=since)

    def update(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        self._write(self.inner.update, ref, issue, comment)

    def close(
        self, ref: IssueRef, comment: Sequence[Block], *, suppressed: bool = False, resolution: str | None = None
    ) -> None:
        extra = {"resolution": resolution} if resolution is not None else {}
        self._write(self.inner.close, ref, comment, suppressed=suppressed, **extra)

    def reopen(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        self._write(self.inner.reopen, ref, issue, comment)

    def shutdown(self) -> None:
        self.inner.shutdown()


def paced(sink: Sink) -> PacedSink:
    """``sink`` as a :class:`PacedSink`: itself when it is one (the runtime wraps every sink), else wrapped."""
    return sink if isinstance(sink, PacedSink) else PacedSink(sink)


def unwrapped(sink: Sink) -> Sink:
    """The sink a :class:`PacedSink` wraps (``sink`` itself when it is not one)."""
    return sink.inner if isinstance(sink, PacedSink) else sink


def live_update_limit(sink: Sink) -> int | None:
    """The ``update`` bucket's per-minute limit last reported by Backlog, if the sink talks to Backlog."""
    state = getattr(getattr(unwrapped(sink), "client", None), "rate_limit_state", None)
    info = state.get("update") if isinstance(state, Mapping) else None
    return info.limit if info is not None and info.limit else None
