"""Backlog API delivery: create, update (with a comment), close and reopen issues, and find them again by ARN.

The project's ids (issue type, statuses, priorities, custom field…) are looked up on the first write, not before: a
run that only sees re-deliveries makes no Backlog call at all. A lookup that fails is a :class:`ProjectSetupError`
(a :class:`DeliveryError`, so the finding is kept pending) and remembered for :data:`SETUP_RETRY_SECONDS`, so that a
run does not repeat the lookup for every finding while a warm Lambda container still notices a fix made in Backlog.

**Routes** (``[sources.<name>] project_key / issue_type / category``): one sink writes to several projects of the
same space. Each distinct project setting is one :class:`ProjectContext` (looked up with the default one, so a
wrong name anywhere is found before the first write); a new issue goes to its source's (``Issue.source``), a group
issue to the project its key names; an existing issue is updated in the project its key names (``SOC-12`` → SOC),
so the state records need no project. A look-up for a lost create searches every project.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeAlias

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

    Loader: TypeAlias = ProjectContext | Callable[[], ProjectContext]  # a context, or what looks it up


SETUP_RETRY_SECONDS = 60.0


class ProjectSetupError(DeliveryError):
    """The Backlog project could not be looked up (a name in the configuration is missing, a bad key, no network)."""

    def __init__(self, message: str, *, config: bool) -> None:
        super().__init__(message)
        self.config = config  # True: a name in [backlog] does not exist in the project (fix the configuration)
        self.kind = CONFIG if config else DELIVERY  # the CLI's exit code: 2 for the configuration, else 1


class _Project:
    """One project's context, looked up on first use; a failed look-up is remembered for a while."""

    def __init__(self, project: Loader, monotonic: Callable[[], float]) -> None:
        self.value = None if callable(project) else project
        self._load = project if callable(project) else None
        self.error: ProjectSetupError | None = None
        self._retry_at = 0.0
        self._monotonic = monotonic

    def get(self) -> ProjectContext:
        if self.value is None:
            if self.error is not None and self._monotonic() < self._retry_at:
                raise self.error
            try:
                assert self._load is not None  # no project was given: a loader was
                self.value = self._load()
            except (ConfigLookupError, BacklogError) as e:
                config = isinstance(e, ConfigLookupError)
                what = "設定エラー / configuration error" if config else "Backlog に接続できません / cannot use Backlog"
                self.error = ProjectSetupError(f"{what}: {e}", config=config)
                self._retry_at = self._monotonic() + SETUP_RETRY_SECONDS
                raise self.error from e
            self.error = None
        return self.value


class BacklogSink(Sink):
    name = "backlog"

    def __init__(
        self,
        client: BacklogClient,
        project: Loader,
        *,
        routes: Mapping[str, tuple[str, Loader]] | None = None,
        today: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        """``project``: the ``[backlog]`` project; ``routes``: source name → (project key, its context) for each source
        whose issues go elsewhere (sources sharing a setting share one loader object: looked up once)."""
        self.client = client
        self._default = _Project(project, monotonic)
        self._routes: dict[str, _Project] = {}
        self._by_key: dict[str, _Project] = {}  # configured project key → the first context naming it
        shared: dict[int, _Project] = {}
        for source, (key, loader) in (routes or {}).items():
            lazy = shared.setdefault(id(loader), _Project(loader, monotonic))
            self._routes[source] = lazy
            self._by_key.setdefault(key, lazy)
        self._today = today or (lambda: datetime.now(JST))
        self._myself_id: int | None = None

    @property
    def setup_error(self) -> ProjectSetupError | None:
        """What the last failed look-up of a project said (None: every project looked up fine, or not yet)."""
        return next((p.error for p in self._projects() if p.error is not None), None)

    def _projects(self) -> list[_Project]:
        return list({id(p): p for p in (self._default, *self._routes.values())}.values())

    @property
    def project(self) -> ProjectContext:
        """The ``[backlog]`` project — looked up together with every routed one, so that a wrong name in any is a
        setup error before the first write."""
        ctx = self._default.get()
        for p in self._projects()[1:]:
            p.get()
        return ctx

    @property
    def projects(self) -> list[ProjectContext]:
        """Every project this sink writes to, the ``[backlog]`` one first."""
        _ = self.project
        return [p.get() for p in self._projects()]

    def _for_issue(self, issue: Issue) -> ProjectContext:
        """Where a new issue goes: its source's project; a group issue (``group:{kind}:{project}:…``) the project
        its key names; else ``[backlog]``'s."""
        default = self.project
        route = self._routes.get(issue.source)
        if route is not None:
            return route.get()
        if issue.finding_arn.startswith("group:") and issue.finding_arn.count(":") >= 3:
            named = self._by_key.get(issue.finding_arn.split(":", 3)[2])
            if named is not None:
                return named.get()
        return default

    def _for_ref(self, ref: IssueRef) -> ProjectContext:
        """The project of an existing issue: the one its key names (``SOC-12`` → SOC), else ``[backlog]``'s."""
        default = self.project
        key = ref.key.rpartition("-")[0]
        if key and key != default.project_key:
            for p in self._projects()[1:]:
                ctx = p.get()
                if ctx.project_key == key:
                    return ctx
        return default

    @property
    def text_format(self) -> str:  # type: ignore[override]
        return _format(self.project)

    # ---- the seam --------------------------------------------------------------------------------------------
    def create(self, issue: Issue) -> IssueRef:
        project = self._for_issue(issue)
        params = project.base_issue_params()
        params.update(self._fields(issue, project))
        if issue.due_days:
            params["dueDate"] = (self._today() + timedelta(days=issue.due_days)).strftime("%Y-%m-%d")
        if project.arn_custom_field is not None and issue.finding_arn and not issue.fallback:
            # not on a fallback issue: the ARN found in a broken input must not make it a finding's issue
            params[project.arn_custom_field.param] = issue.finding_arn
        created = self._call(self.client.create_issue, params)
        return IssueRef(str(created["issueKey"]), int(created["id"]))

    def find(self, finding_key: str, *, since: float | None = None) -> IssueRef | None:
        """The issue filed for ``finding_key``, compared exactly over several routes (:mod:`.lookup`), in every
        project this sink writes to."""
        if not finding_key:
            return None
        for project in self.projects:
            found = find_issue(
                lambda params: self._call(self.client.list_issues, params),
                project,
                finding_key,
                since=since,
                myself=self._myself,
            )
            if found is not None:
                return IssueRef(str(found["issueKey"]), int(found["id"]))
        return None

    def _myself(self) -> int:
        if self._myself_id is None:
            self._myself_id = int(self._call(self.client.myself)["id"])
        return self._myself_id

    def update(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        project = self._for_ref(ref)
        params = self._fields(issue, project) if issue is not None else {}
        params["comment"] = self._comment(comment, project)
        self._call(self.client.update_issue, ref.key, params)

    def close(
        self, ref: IssueRef, comment: Sequence[Block], *, suppressed: bool = False, resolution: str | None = None
    ) -> None:
        project = self._for_ref(ref)
        params = {"statusId": project.closed_status.id, "comment": self._comment(comment, project)}
        if resolution is not None:  # named (an archived finding's): "" = none
            chosen = project.resolution(resolution) if resolution else None
        else:
            chosen = project.suppressed_resolution if suppressed else project.closed_resolution
        if chosen is not None:
            params["resolutionId"] = chosen.id
        self._call(self.client.update_issue, ref.key, params)

    def reopen(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        project = self._for_ref(ref)
        params = self._fields(issue, project) if issue is not None else {}
        # an empty resolutionId clears the resolution the close set (in the same PATCH as the open status)
        params.update(
            {"resolutionId": "", "statusId": project.open_status.id, "comment": self._comment(comment, project)}
        )
        self._call(self.client.update_issue, ref.key, params)

    def shutdown(self) -> None:
        self.client.close()

    # ---- helpers ---------------------------------------------------------------------------------------------
    # Issue text never carries a secret: the API key / OAuth token (registered where they are loaded) is replaced
    # wherever a finding's text happens to contain it.
    def _fields(self, issue: Issue, project: ProjectContext) -> dict:
        return {
            "summary": redact_secrets(issue.summary),
            "description": redact_secrets(issue.description(_format(project))),
            "priorityId": project.priority_id(issue.priority),
        }

    def _comment(self, blocks: Sequence[Block], project: ProjectContext) -> str:
        render = backlog_notation.render if _format(project) == "backlog" else markdown.render
        return truncate(redact_secrets(render(blocks).strip()), COMMENT_LIMIT)

    @staticmethod
    def _call(fn, *args):
        try:
            return fn(*args)
        except (BacklogTransportError, TooManyRequestsError, ServerError) as e:
            # timeouts, 5xx: maybe_applied says whether a write may have landed anyway
            raise DeliveryError(f"Backlog: {e}", maybe_applied=e.maybe_applied) from e
        except BacklogError as e:
            raise DeliveryError(f"Backlog がリクエストを拒否しました: {e}") from e


def _format(project: ProjectContext) -> str:
    return "backlog" if project.text_formatting_rule == "backlog" else "markdown"
