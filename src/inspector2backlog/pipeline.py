"""The pipeline, read left to right: items → policy/lifecycle → translate + render → deliver → state.

The CLI (``send``) and the Lambda handlers are thin shells over :class:`Pipeline`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from .deliver.base import Sink
from .findings.model import Finding, Item, Skipped, Unparsed
from .policy.lifecycle import Lifecycle, Outcome
from .render.issue import IssueBuilder
from .state.base import StateStore
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


class Pipeline:
    def __init__(self, *, lifecycle: Lifecycle, secrets: tuple[str, ...] = ()) -> None:
        self.lifecycle = lifecycle
        self.secrets = secrets

    @property
    def stats(self) -> Stats:
        return self.lifecycle.stats

    @property
    def store(self) -> StateStore:
        return self.lifecycle.store

    @property
    def sink(self) -> Sink:
        return self.lifecycle.sink

    @property
    def builder(self) -> IssueBuilder:
        return self.lifecycle.builder

    def run(self, items: Iterable[Item], *, retry_pending: bool = True) -> RunReport:
        report = RunReport()
        if retry_pending:
            report.outcomes += self.lifecycle.retry_pending()
        with self.lifecycle.batch() as flushed:  # grouped findings: one Backlog write per changed group per run
            for item in self.builder.lookahead(items):  # [jvn]: CVEs looked up a few findings at a time
                report.outcomes.append(self.handle(item))
        report.outcomes += flushed
        return report

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


def _log_outcome(out: Outcome, arn: str) -> None:
    level = logging.ERROR if out.failed else logging.INFO
    log.log(level, out.action, extra={"finding_arn": arn, "issue_key": out.issue_key, "reason": out.reason})
