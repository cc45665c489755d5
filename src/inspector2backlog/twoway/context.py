"""What a two-way decision works with, shared by :mod:`.decision` (a finding's issue) and :mod:`.groups` (a group
or digest issue): the context, the result, and the helpers both use (audit comments, record updates, the pending
list, filter names)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..policy.echo import mark_pending
from ..render import backlog_notation, markdown
from ..render.safe import COMMENT_LIMIT, truncate
from ..state.base import ConflictError
from . import audit

if TYPE_CHECKING:
    from ..backlog.client import BacklogClient
    from ..backlog.project import ProjectContext
    from ..config import TwoWayConfig
    from ..state.base import Record, StateStore

log = logging.getLogger("inspector2backlog.twoway")


@dataclass
class Context:
    client: BacklogClient
    project: ProjectContext
    store: StateStore
    settings: TwoWayConfig
    clock: Callable[[], float] = time.time
    dry_run: bool = False
    metric: Callable[[str], None] = lambda name: None


@dataclass(frozen=True, slots=True)
class Result:
    issue_key: str
    action: str  # suppressed | released | noted | refused | unchanged | ignored | planned | failed
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.action == "failed"


def _filter_name(issue_key: str) -> str:
    return "i2b-" + re.sub(r"[^A-Za-z0-9_-]", "-", issue_key)[:56]


def _description(key: str, by: str, resolution: str, now: float) -> str:
    who = f"{by} が" if by else ""
    return f"Backlog 課題 {key} で{who}「{resolution}」と判断（{audit.stamp(now)}、inspector2backlog）"


def _comment(ctx: Context, key: str, blocks: list) -> None:
    render = backlog_notation.render if ctx.project.text_formatting_rule == "backlog" else markdown.render
    try:
        ctx.client.add_comment(key, truncate(render(blocks).strip(), COMMENT_LIMIT))
    except Exception as e:  # noqa: BLE001 - the action stands; the log and metric say the comment is missing
        ctx.metric("TwoWayCommentFailures")
        log.error("two-way audit comment failed", extra={"issue_key": key, "error": str(e)})


def _save(ctx: Context, rkey: str, change: Callable[[Record], Record]) -> Record:
    def apply(rec: Record | None) -> Record:
        if rec is None:  # forgotten meanwhile: nothing to decide on
            raise ConflictError(rkey)
        return change(rec)

    saved = ctx.store.update(rkey, apply, 5)
    assert saved is not None  # ``apply`` always writes
    return saved


def _pending(ctx: Context, key: str, *, remove: bool = False) -> None:
    mark_pending(ctx.store, key, ctx.clock(), remove=remove)


def _int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return -1
