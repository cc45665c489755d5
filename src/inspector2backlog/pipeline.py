"""The pipeline, read left to right: items → policy/lifecycle → translate + render → deliver → state.

:class:`Pipeline` is the one surface the drivers use — the CLI (``send``, ``sync``, ``render``) and the Lambda
handlers — built from the configuration in one place (:mod:`.runtime`) and closed as a context manager::

    with Pipeline.from_config(cfg) as p:
        if not p.ready():                 # the Backlog project looked up before anything is listed or written
            ...
        report = p.run(items)             # pending records first, then the items, grouped writes at the end

The Lambda handler works record by record instead: ``with p.batch() as flushed:`` around ``p.handle(item)`` calls,
and ``p.retry_pending()`` from its sweep. ``Pipeline.for_render(cfg)`` is the preview ``render`` shows
(:meth:`Pipeline.preview`: no state written, nothing delivered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .deliver.backlog import BacklogSink, ProjectSetupError
from .deliver.base import Sink
from .deliver.paced import unwrapped
from .findings.model import Finding, Item, Skipped, Unparsed
from .policy.lifecycle import Lifecycle, Outcome
from .policy.plan import Planner
from .policy.sync import Syncer, SyncOptions, SyncProgress, SyncReport
from .render.issue import Issue, IssueBuilder
from .runtime import Parts, build_parts, render_parts
from .state.base import Record, StateStore
from .stats import Stats

log = logging.getLogger("inspector2backlog.pipeline")


@dataclass
class RunReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def unfinished(self) -> list[Outcome]:
        """Held by another worker's live claim, or waiting for Backlog's search index (a later run finishes them)."""
        return [o for o in self.outcomes if o.unfinished]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unfinished


@dataclass(frozen=True)
class Readiness:
    """Whether the pipeline can write: ``error`` says why not (the Backlog project could not be set up)."""

    error: ProjectSetupError | None = None

    def __bool__(self) -> bool:
        return self.error is None

    @property
    def config_problem(self) -> bool:
        """The cause is in the configuration or the project's setup (exit 2), not a passing failure (exit 1)."""
        return self.error is not None and self.error.config


class Pipeline:
    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    # ---- building and closing ------------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Any, **options: Any) -> Pipeline:
        """The pipeline ``send``, ``sync`` and the Lambda run (options: see :func:`.runtime.build_parts`)."""
        return cls(build_parts(config, **options))

    @classmethod
    def for_render(cls, config: Any = None, *, translator: str | None = None) -> Pipeline:
        """A preview: issues laid out as they would be filed, with no sink and no state written."""
        return cls(render_parts(config, translator=translator))

    def close(self) -> None:
        """Close what the pipeline opened (sink, translator, store), newest first. Idempotent."""
        closers, self.parts.closers = self.parts.closers, []
        for c in reversed(closers):
            try:
                c()
            except Exception:  # noqa: BLE001 - closing must not hide the run's real outcome
                log.debug("close failed", exc_info=True)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- parts ---------------------------------------------------------------------------------------------------
    @property
    def stats(self) -> Stats:
        return self.parts.stats

    @property
    def builder(self) -> IssueBuilder:
        return self.parts.builder

    @property
    def planner(self) -> Planner:
        return self.parts.planner

    @property
    def lifecycle(self) -> Lifecycle:
        if self.parts.lifecycle is None:
            raise RuntimeError("a render pipeline does not deliver (use Pipeline.from_config)")
        return self.parts.lifecycle

    @property
    def store(self) -> StateStore:
        return self.lifecycle.store

    @property
    def sink(self) -> Sink:
        return self.lifecycle.sink

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.parts.secrets

    # ---- readiness -----------------------------------------------------------------------------------------------
    def ready(self, *, probe: bool = True) -> Readiness:
        """Can issues be written? ``probe``: look the Backlog project up now (one-time lookups, cached); otherwise
        report what the last write found. A stdout or e-mail sink is always ready."""
        sink = unwrapped(self.sink)  # the runtime's PacedSink around it
        if not isinstance(sink, BacklogSink):
            return Readiness()
        if not probe:
            return Readiness(sink.setup_error)
        try:
            _ = sink.project
        except ProjectSetupError as e:
            return Readiness(e)
        return Readiness()

    # ---- runs ----------------------------------------------------------------------------------------------------
    def run(self, items: Iterable[Item], *, retry_pending: bool = True) -> RunReport:
        report = RunReport()
        if retry_pending:
            report.outcomes += self.retry_pending()
        with self.batch() as flushed:  # grouped findings: one Backlog write per changed group per run
            for item in self.lookahead(items):  # [jvn]: CVEs looked up a few findings at a time
                report.outcomes.append(self.handle(item))
        report.outcomes += flushed
        return report

    @contextmanager
    def batch(self) -> Iterator[list[Outcome]]:
        """Group changes collected while the block runs and written at its end; yields the list the group writes'
        outcomes are appended to."""
        with self.lifecycle.batch() as flushed:
            yield flushed

    def handle(self, item: Item) -> Outcome:
        if isinstance(item, Finding):
            out = self.lifecycle.handle(item)
            _log_outcome(out, item.arn)
            return out
        if isinstance(item, Skipped):
            self.stats.add("skipped")
            log.info("skipped", extra={"origin": item.origin, "reason": item.reason})
            return Outcome("skipped", item.origin, reason=item.reason)
        return self.fallback(item)

    def fallback(self, item: Unparsed) -> Outcome:
        """An unreadable input becomes one fallback issue (a lifecycle transition: see ``Lifecycle.fallback``)."""
        return self.lifecycle.fallback(item, self.secrets)

    def retry_pending(self) -> list[Outcome]:
        """Every record an earlier failure or crash left pending (findings, then group writes), tried again."""
        return self.lifecycle.retry_pending()

    def close_gone(self, rec: Record, when: float | None = None) -> Outcome:
        """A grouped finding the source no longer lists: resolved in its groups, as a closing event would."""
        return self.lifecycle.close_gone(rec, when)

    def sync(
        self,
        options: SyncOptions,
        *,
        client_for: Callable[[str], Any] | None = None,
        progress: SyncProgress | None = None,
        **kw: Any,
    ) -> SyncReport:
        """One ``sync`` run: list each of ``options.sources``, file what is missing, close what the source closed
        (and, for Inspector, what has gone) (:mod:`.policy.sync`). ``client_for(region)``: Inspector's client."""
        return Syncer(
            self.lifecycle, options, client_for=client_for, progress=progress, fallback=self.fallback, **kw
        ).run()

    # ---- reading ahead ([jvn]) and previews ----------------------------------------------------------------------
    def lookahead(self, items: Iterable[Item]) -> Iterable[Item]:
        """``items`` unchanged; with ``[jvn]`` on, read a few ahead so their CVEs are looked up together."""
        return self.builder.lookahead(items)

    def prefetch(self, items: Iterable[Item]) -> None:
        """``[jvn]`` on: the CVEs of ``items`` (read already) looked up together (one MyJVN call per ten entries)."""
        jvn = self.builder.jvn
        if jvn is not None:
            jvn.prefetch_items(list(items))

    def preview(self, items: Iterable[Item]) -> Iterator[tuple[Item, Issue | None]]:
        """Each input with the issue it would file (a skipped input: ``None``), planned from the severity alone."""
        for item in self.lookahead(items):
            if isinstance(item, Skipped):
                self.stats.add("skipped")
                yield item, None
            elif isinstance(item, Finding):
                yield item, self.builder.build(item, self.planner.for_finding(item))
            else:
                self.stats.add("fallbacks")
                yield item, self.builder.fallback(item)


def _log_outcome(out: Outcome, arn: str) -> None:
    level = logging.ERROR if out.failed else logging.INFO
    log.log(level, out.action, extra={"finding_arn": arn, "issue_key": out.issue_key, "reason": out.reason})
