"""One decision: what Backlog says about an issue → what to do in AWS. Both ways in (webhook, pull) end here.

The issue comes from the Backlog API with our key, never from a webhook payload. We act only when Backlog's issue is
in our project and issue type, carries a finding ARN (the custom field, else the description's ``Finding ARN:``
line), **and** our state store has a record for that ARN whose issue is this issue. Then:

    closed + resolution mapped to "suppress"   → the source's suppress action (Inspector: a SUPPRESS filter)
    open again / resolution no longer mapped   → the action undone (the finding taken out of the filter)
    closed + resolution mapped to "none"       → nothing in AWS; one comment (the issue reopens if the finding is
                                                 still active at the next scan)

A group or digest issue (its ``グループキー:`` line and group record instead of an ARN) is decided by :mod:`.groups`.

The finding record's ``data["decision"]`` holds what we want and whether it is done: written *before* the AWS call,
so the event our own action causes is recognised (:mod:`.echo`) even if it arrives first. A failed call leaves the
decision pending (listed in the ``twoway:pending`` record), comments once per new reason, and is retried by the
next pull / webhook / sweep.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..policy.echo import PENDING_KEY
from ..state import keys
from ..state.base import ConflictError
from . import actions as registry, audit, groups
from .context import (
    Context,
    Result,
    _comment,
    _description,
    _filter_name,
    _int,
    _pending,
    _save,
)
from .settings import action_for

if TYPE_CHECKING:
    from ..backlog.project import ProjectContext
    from ..state.base import Record, StateStore

log = logging.getLogger("inspector2backlog.twoway")

ARN_MARK = "Finding ARN:"
NO_ARN = "検出結果の ARN がありません"
_ARN = re.compile(r"arn:aws[a-z-]{0,20}:[a-z0-9-]{1,40}:[a-z0-9-]{0,40}:\d{0,12}:[A-Za-z0-9/_.:+=@-]{1,1000}")


def issue_arn(issue: dict, project: ProjectContext) -> str:
    """The finding ARN Backlog's issue carries: the ARN custom field, else the last ``Finding ARN:`` line."""
    cf = project.arn_custom_field
    if cf is not None:
        for v in issue.get("customFields") or ():
            value = v.get("value") if isinstance(v, dict) else None
            if v.get("id") == cf.id and isinstance(value, str) and _ARN.fullmatch(value.strip()):
                return value.strip()
    desc = str(issue.get("description") or "")
    at = desc.rfind(ARN_MARK)
    if at < 0:
        return ""
    m = _ARN.search(desc, at, at + len(ARN_MARK) + 1100)  # a bounded window: linear in the description
    return m.group(0) if m else ""


def _ours(ctx: Context, issue: dict) -> tuple[str, Record | None, str]:
    """``(arn, record, "")`` for one of our issues, else ``("", None, why not)``."""
    p = ctx.project
    if _int(issue.get("projectId")) != p.project_id:
        return "", None, "他のプロジェクトの課題です"
    if _int((issue.get("issueType") or {}).get("id")) != p.issue_type.id:
        return "", None, "対象外の課題種別です"
    arn = issue_arn(issue, p)
    if not arn:
        return "", None, NO_ARN
    rec = ctx.store.get(keys.finding(arn))
    key = str(issue.get("issueKey") or "")
    if rec is None or rec.issue_key != key or (rec.issue_id and _int(issue.get("id")) != rec.issue_id):
        return "", None, "状態ストアにこの課題の検出結果がありません"
    return arn, rec, ""


def decide(ctx: Context, issue: dict) -> Result:
    try:
        return _decide(ctx, issue)
    except ConflictError:  # the record kept changing under us: the decision is retried by the next pass
        ctx.metric("TwoWayActionFailures")
        return Result(str(issue.get("issueKey") or ""), "failed", "状態ストアの同時更新が続いたため見送りました")


def _decide(ctx: Context, issue: dict) -> Result:
    key = str(issue.get("issueKey") or "")
    arn, rec, why = _ours(ctx, issue)
    # a group or digest issue carries its group key instead
    if rec is None and why == NO_ARN and (grec := groups.group_of(ctx, issue)) is not None:
        return groups.decide_group(ctx, issue, grec)
    if rec is None:
        return Result(key, "ignored", why)
    module = registry.load(registry.source_of(arn))
    if module is None:
        return Result(key, "ignored", f"{registry.source_of(arn)} の操作は未対応です")
    closed = _int((issue.get("status") or {}).get("id")) == ctx.project.closed_status.id
    action, resolution = action_for(issue.get("resolution"), ctx.settings.actions) if closed else ("", "")
    want = {"suppress": "suppress", "none": "none"}.get(action, "open")
    d = dict(rec.data.get("decision") or {})
    filters = list(d.get("filters") or [])
    # done, unless Inspector has since reported the finding ACTIVE again (the lifecycle reopened the issue and it
    # was closed once more before we saw it open): then the decision is applied anew
    undone = rec.status == "ACTIVE" and (want == "none" or (want == "suppress" and bool(d.get("echoed"))))
    if d.get("want") == want and d.get("done") and not undone:
        return Result(key, "unchanged", "反映済みです")
    if want == "open" and not d:
        return Result(key, "unchanged", "判断はありません")
    ours = bool(filters) or d.get("want") == "suppress" or bool(d.get("status_set"))  # AWS / state we changed
    if want in ("suppress", "none") and rec.status in ("CLOSED", "SUPPRESSED") and d.get("want") != want and not ours:
        # closed because Inspector said so (our own close): not a decision, nothing left to do in AWS
        return Result(key, "unchanged", f"Inspector では既に {rec.status} です")
    by = str(((issue.get("updatedUser") or {}).get("name")) or "")
    if d.get("want") == want and d.get("by"):
        by = d["by"]  # a retry: who decided stays who decided
    if ctx.dry_run:
        plan = {"suppress": "抑制", "none": "コメントのみ"}.get(want, "抑制の解除" if filters else "記録のみ")
        return Result(key, "planned", f"{plan}（{arn}）")
    now = ctx.clock()
    intent = {
        "want": want,
        "done": False,
        "issue": key,
        "by": by,
        "resolution": resolution,
        "at": now,
        "filters": filters,
        **({"error": d["error"]} if d.get("error") else {}),
    }
    rec = _save(ctx, rec.key, lambda r: replace(r, data={**r.data, "decision": intent}))
    try:
        if want == "suppress":
            applied = module.suppress(
                [arn],
                name=_filter_name(key),
                reason=f"Backlog {key}",
                description=_description(key, by, resolution, now),
            )
            filters = [a.as_json() for a in applied]
            blocks = audit.suppressed(applied, arn, resolution=resolution, by=by, at=now)
        else:
            # a suppress that may have landed unrecorded (lost answer) is looked up by its filter name
            names = (_filter_name(key),) if d.get("want") == "suppress" and not filters else ()
            applied = module.release(arn, filters, names=names) if filters or names else []
            filters = []
            blocks = audit.released(applied, arn, at=now) if d.get("want") == "suppress" or applied else []
            if want == "none":
                blocks = [*blocks, *audit.noted(resolution)]
    except registry.ActionError as e:
        return _failed(ctx, rec.key, key, arn, want, str(e), d.get("error"), now)
    released = want != "suppress" and bool(d.get("filters") or d.get("want") == "suppress")
    done = {**intent, "done": True, "filters": filters, "at": now}
    done.pop("error", None)

    def finish(r: Record) -> Record:
        status = r.status
        # the next ACTIVE event from Inspector reopens the issue (also once our own suppression is lifted)
        if want == "none" and (r.status == "ACTIVE" or (released and r.status == "SUPPRESSED")):
            status, done["status_set"] = "CLOSED", True
        elif want == "open" and d.get("status_set") and r.status == "CLOSED":
            status = "ACTIVE"
        return replace(r, status=status, data={**r.data, "decision": done})

    _save(ctx, rec.key, finish)
    _pending(ctx, key, remove=True)
    for a in applied:
        log.info("two-way action", extra={"issue_key": key, "finding_arn": arn, "api": a.api, "filter": a.filter_arn})
    if blocks:
        _comment(ctx, key, blocks)
    return Result(
        key, {"suppress": "suppressed", "none": "noted"}.get(want, "released"), ", ".join(a.api for a in applied)
    )


def _failed(ctx: Context, rkey: str, key: str, arn: str, want: str, reason: str, before: Any, now: float) -> Result:
    ctx.metric("TwoWayActionFailures")
    log.error("two-way action failed", extra={"issue_key": key, "finding_arn": arn, "error": reason})

    def keep(r: Record) -> Record:
        dec = dict(r.data.get("decision") or {})
        dec.update(done=False, error=reason, attempts=int(dec.get("attempts") or 0) + 1)
        return replace(r, data={**r.data, "decision": dec})

    _save(ctx, rkey, keep)
    _pending(ctx, key)
    if reason != before:  # one comment per new reason, not one per retry
        what = "Inspector の抑制フィルターの作成" if want == "suppress" else "Inspector の抑制の解除"
        _comment(ctx, key, audit.failed(what, arn, reason, at=now))
    return Result(key, "failed", reason)


def forget_pending(ctx: Context, key: str) -> None:
    if not ctx.dry_run:
        _pending(ctx, key, remove=True)


def pending_issues(store: StateStore) -> list[str]:
    rec = store.get(PENDING_KEY)
    return sorted((rec.data.get("issues") or {}) if rec else {})
