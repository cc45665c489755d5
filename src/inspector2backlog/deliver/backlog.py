"""Backlog API delivery: create, update (with a comment), close and reopen issues, and find them again by ARN.

The project's ids (issue type, statuses, priorities, custom field…) are looked up on the first write, not before: a
run that only sees re-deliveries makes no Backlog call at all. A lookup that fails is a :class:`ProjectSetupError`
(a :class:`DeliveryError`, so the finding is kept pending) and remembered for :data:`SETUP_RETRY_SECONDS`, so that a
run does not repeat the lookup for every finding while a warm Lambda container still notices a fix made in Backlog.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..backlog.errors import (
    BacklogError,
    BacklogTransportError,
    ConfigLookupError,
    ServerError,
    TooManyRequestsError,
)
from ..errors import CONFIG, DELIVERY
from ..findings.timestamps import JST
from ..redaction import redact_secrets
from ..render import backlog_notation, markdown
from ..render.doc import Block
from ..render.issue import Issue
from ..render.safe import COMMENT_LIMIT, truncate
from .base import DeliveryError, IssueRef, Sink
from .lookup import find_issue

if TYPE_CHECKING:
    from ..backlog.client import BacklogClient
    from ..backlog.project import ProjectContext


SETUP_RETRY_SECONDS = 60.0


class ProjectSetupError(DeliveryError):
    """The Backlog project could not be looked up (a name in the configuration is missing, a bad key, no network)."""

    def __init__(self, message: str, *, config: bool) -> None:
        super().__init__(message)
        self.config = config  # True: a name in [backlog] does not exist in the project (fix the configuration)
        self.kind = CONFIG if config else DELIVERY  # the CLI's exit code: 2 for the configuration, else 1


class BacklogSink(Sink):
    name = "backlog"

    def __init__(
        self,
        client: BacklogClient,
        project: ProjectContext | Callable[[], ProjectContext],
        *,
        today: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.client = client
        self._project = None if callable(project) else project
        self._load = project if callable(project) else None
        self.setup_error: ProjectSetupError | None = None
        self._setup_retry_at = 0.0
        self._monotonic = monotonic
        self._today = today or (lambda: datetime.now(JST))
        self._myself_id: int | None = None

    @property
    def project(self) -> ProjectContext:
        if self._project is None:
            if self.setup_error is not None and self._monotonic() < self._setup_retry_at:
                raise self.setup_error
            try:
                assert self._load is not None  # no project was given: a loader was
                self._project = self._load()
            except (ConfigLookupError, BacklogError) as e:
                config = isinstance(e, ConfigLookupError)
                what = "設定エラー / configuration error" if config else "Backlog に接続できません / cannot use Backlog"
                self.setup_error = ProjectSetupError(f"{what}: {e}", config=config)
                self._setup_retry_at = self._monotonic() + SETUP_RETRY_SECONDS
                raise self.setup_error from e
            self.setup_error = None
        return self._project

    @property
    def text_format(self) -> str:  # type: ignore[override]
        return "backlog" if self.project.text_formatting_rule == "backlog" else "markdown"

    def _render(self, blocks: Sequence[Block]) -> str:
        return (backlog_notation.render if self.text_format == "backlog" else markdown.render)(blocks)

    # ---- the seam --------------------------------------------------------------------------------------------
    def create(self, issue: Issue) -> IssueRef:
        params = self.project.base_issue_params()
        params.update(self._fields(issue))
        if issue.due_days:
            params["dueDate"] = (self._today() + timedelta(days=issue.due_days)).strftime("%Y-%m-%d")
        if self.project.arn_custom_field is not None and issue.finding_arn and not issue.fallback:
            # not on a fallback issue: the ARN found in a broken input must not make it a finding's issue
            params[self.project.arn_custom_field.param] = issue.finding_arn
        created = self._call(self.client.create_issue, params)
        return IssueRef(str(created["issueKey"]), int(created["id"]))

    def find(self, finding_key: str, *, since: float | None = None) -> IssueRef | None:
        """The issue filed for ``finding_key``, compared exactly over several routes (:mod:`.lookup`)."""
        if not finding_key:
            return None
        found = find_issue(
            lambda params: self._call(self.client.list_issues, params),
            self.project,
            finding_key,
            since=since,
            myself=self._myself,
        )
        return IssueRef(str(found["issueKey"]), int(found["id"])) if found is not None else None

    def _myself(self) -> int:
        if self._myself_id is None:
            self._myself_id = int(self._call(self.client.myself)["id"])
        return self._myself_id

    def update(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        params = self._fields(issue) if issue is not None else {}
        params["comment"] = self._comment(comment)
        self._call(self.client.update_issue, ref.key, params)

    def close(self, ref: IssueRef, comment: Sequence[Block], *, suppressed: bool = False) -> None:
        params = {"statusId": self.project.closed_status.id, "comment": self._comment(comment)}
        resolution = self.project.suppressed_resolution if suppressed else self.project.closed_resolution
        if resolution is not None:
            params["resolutionId"] = resolution.id
        self._call(self.client.update_issue, ref.key, params)

    def reopen(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        params = self._fields(issue) if issue is not None else {}
        # an empty resolutionId clears the resolution the close set (in the same PATCH as the open status)
        params.update({"resolutionId": "", "statusId": self.project.open_status.id, "comment": self._comment(comment)})
        self._call(self.client.update_issue, ref.key, params)

    def shutdown(self) -> None:
        self.client.close()

    # ---- helpers ---------------------------------------------------------------------------------------------
    # Issue text never carries a secret: the API key / OAuth token (registered where they are loaded) is replaced
    # wherever a finding's text happens to contain it.
    def _fields(self, issue: Issue) -> dict:
        return {
            "summary": redact_secrets(issue.summary),
            "description": redact_secrets(issue.description(self.text_format)),
            "priorityId": self.project.priority_id(issue.priority),
        }

    def _comment(self, blocks: Sequence[Block]) -> str:
        return truncate(redact_secrets(self._render(blocks).strip()), COMMENT_LIMIT)

    @staticmethod
    def _call(fn, *args):
        try:
            return fn(*args)
        except (BacklogTransportError, TooManyRequestsError, ServerError) as e:
            # timeouts, 5xx: maybe_applied says whether a write may have landed anyway
            raise DeliveryError(f"Backlog: {e}", maybe_applied=e.maybe_applied) from e
        except BacklogError as e:
            raise DeliveryError(f"Backlog がリクエストを拒否しました: {e}") from e
