"""``pull``: the issues of our project and issue type updated since the last checkpoint, newest first, each decided
(:mod:`.decision`) — for spaces where webhooks are not allowed — then the decisions left pending by a failure.

``updatedSince`` is a date in Backlog, so the listing starts at the checkpoint's day and issues not newer than the
checkpoint are skipped; newest first, so an issue updated while we page (our own comments) is seen twice, never
missed. The checkpoint (``twoway:checkpoint:<project>`` in the state store) moves only after a full pass.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING

from ..backlog.errors import BacklogError, NoResourceError
from ..state import keys
from ..state.base import ConflictError, Record
from .decision import Result, decide, forget_pending, pending_issues

if TYPE_CHECKING:
    from .decision import Context

log = logging.getLogger("inspector2backlog.twoway")

PAGE = 100
MAX_PAGES = 200


def checkpoint_key(project_key: str) -> str:
    return keys.twoway_checkpoint(project_key)


def pull(ctx: Context) -> list[Result]:
    p = ctx.project
    ck = checkpoint_key(p.project_key)
    rec = ctx.store.get(ck)
    since = str(rec.data.get("updated") or "") if rec else ""
    params: dict = {
        "projectId[]": [p.project_id],
        "issueTypeId[]": [p.issue_type.id],
        "sort": "updated",
        "order": "desc",
        "count": PAGE,
    }
    if since:
        params["updatedSince"] = since[:10]
    results: list[Result] = []
    seen: set[str] = set()
    newest = since
    for page_no in range(MAX_PAGES):
        page = ctx.client.list_issues({**params, "offset": page_no * PAGE})
        for issue in page:
            updated = str(issue.get("updated") or "")
            key = str(issue.get("issueKey") or "")
            if since and updated and updated < since:
                continue
            newest = max(newest, updated)
            if key in seen:
                continue
            seen.add(key)
            results.append(decide(ctx, issue))
        if len(page) < PAGE or (since and page and str(page[-1].get("updated") or "") < since):
            break
    for key in pending_issues(ctx.store):
        if key not in seen:
            seen.add(key)
            results.append(reread(ctx, key))
    if not ctx.dry_run and newest and newest != since:
        _save_checkpoint(ctx, ck, newest)
    return results


def reread(ctx: Context, id_or_key: str | int) -> Result:
    """Read one issue through the Backlog API and decide; a missing issue is forgotten, a failed read is a failure."""
    try:
        issue = ctx.client.get_issue(id_or_key)
    except NoResourceError:
        forget_pending(ctx, str(id_or_key))
        return Result(str(id_or_key), "ignored", "課題がありません")
    except BacklogError as e:
        return Result(str(id_or_key), "failed", f"Backlog: {e}")
    return decide(ctx, issue)


def _save_checkpoint(ctx: Context, key: str, updated: str) -> None:
    def move(rec: Record | None) -> Record | None:
        if rec is not None and str(rec.data.get("updated") or "") >= updated:
            return None  # another pass moved it further
        return replace(rec or Record(key), phase="synced", data={"updated": updated})

    with suppress(ConflictError):  # kept changing: the next pass saves it
        ctx.store.update(key, move, 5, now=ctx.clock())
