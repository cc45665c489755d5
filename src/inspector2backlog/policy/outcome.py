"""What the lifecycle did with one finding, group or input: an :class:`Outcome`."""

from __future__ import annotations

from dataclasses import dataclass

#: which outcome speaks for a finding whose group writes did several things (lowest first)
ACTION_RANK = {
    "failed": 0,
    "created": 1,
    "reopened": 2,
    "closed": 3,
    "updated": 4,
    "touched": 5,
    "grouped": 6,
    "skipped": 7,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str  # created | updated | closed | reopened | touched | grouped | skipped | failed
    key: str
    issue_key: str | None = None
    reason: str = ""
    groups: tuple[str, ...] = ()  # "grouped": the group records the finding joined
    #: "failed" and nothing was recorded: only a redelivery of the input (SQS, the next sync) brings it back
    redeliver: bool = False
    unfinished: str = ""  # "held" by a live claim | "waiting" for the index window (:mod:`.recovery`)

    @property
    def failed(self) -> bool:
        return self.action == "failed"


def rank(action: str) -> int:
    return ACTION_RANK.get(action, 9)


def merge(out: Outcome, flushed: list[Outcome]) -> Outcome:
    """One outcome for one finding handled outside a batch: its own, or what its group write(s) did."""
    if not flushed:
        return out
    worst = min(flushed, key=lambda o: rank(o.action))
    reason = "、".join(o.key for o in flushed) if worst.action != "failed" else worst.reason
    return Outcome(worst.action, out.key, worst.issue_key, reason)
