"""The delivery seam: where an issue goes (Backlog API, SNS e-mail for mail-to-issue, stdout)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import DELIVERY, Inspector2BacklogError
from ..render.doc import Block
from ..render.issue import Issue


@dataclass(frozen=True, slots=True)
class IssueRef:
    key: str  # Backlog issue key ("SEC-12"), an SNS message id, or a dry-run placeholder
    id: int | None = None


class DeliveryError(Inspector2BacklogError):
    """A delivery failed after the transport's own retries. ``maybe_applied``: it may have reached the target."""

    kind = DELIVERY

    def __init__(self, message: str, *, maybe_applied: bool = False) -> None:
        super().__init__(message)
        self.maybe_applied = maybe_applied


class Sink(ABC):
    """One delivery target. Comments are small documents, rendered in the target's own markup."""

    name: str = "sink"
    #: False for create-only targets (mail-to-issue cannot update, close or reopen)
    supports_lifecycle: bool = True
    #: the text formatting the target wants ("markdown" | "backlog" | "email")
    text_format: str = "markdown"

    @abstractmethod
    def create(self, issue: Issue) -> IssueRef: ...

    def find(self, finding_key: str, *, since: float | None = None) -> IssueRef | None:
        """Find an issue created earlier for ``finding_key`` (crash recovery). ``None`` if there is none. ``since``:
        the earliest moment that create can have happened (epoch seconds)."""
        return None

    def update(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        """Refresh the issue (summary, description, priority) and add one comment, in one request if possible."""

    def close(
        self, ref: IssueRef, comment: Sequence[Block], *, suppressed: bool = False, resolution: str | None = None
    ) -> None:
        """Close the issue with one comment: with the suppressed resolution (``suppressed``) or the closed one;
        ``resolution`` names another (an archived finding's ``archived_resolution``; "" = none)."""

    def reopen(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None: ...

    def shutdown(self) -> None:
        pass
