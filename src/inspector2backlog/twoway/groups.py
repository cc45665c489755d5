"""Decisions on group issues (``[grouping] group_by``) and digest issues.

A group issue carries its group key (``グループキー: group:…``) instead of a finding ARN; the group record in the
state store (``group:…``, with this issue's key) holds the members. Marked 「対応しない」 / 「無効」, every member
finding is suppressed (one SUPPRESS filter per 10 ARNs: ``i2b-<issue>``, ``i2b-<issue>-2``…); reopened, every
filter is deleted. The group record's ``data["decision"]`` (written before the AWS call) lists the ARNs decided, so
the lifecycle recognises the members' SUPPRESSED echoes (:func:`take`) and writes nothing to Backlog.

A finding that joins an already-suppressed group is taken into the decision (``joined``), not shown by reopening
the issue: the team decided for the vulnerability (or fix), and a reopen would read as "undo" and lift the
suppression of every member. The next pull / webhook / sweep adds it to the filters and says so in a comment.

A digest issue is a report of many unrelated findings, not a decision: closing it with 「対応しない」 changes
nothing in AWS, and one comment says why.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..policy import grouping
from ..policy.echo import written
from ..state.records import ACTIVE, SUPPRESSED, Member, members_data, members_of
from . import actions as registry, audit
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
    from ..state.base import Record

log = logging.getLogger("inspector2backlog.twoway")

GROUP_MARK = "グループキー: "
_KEY_MAX = 600


def issue_group_key(issue: dict) -> str:
    """The group key a group / digest issue prints (its last ``グループキー:`` line), else ``""``."""
    for v in issue.get("customFields") or ():
        value = v.get("value") if isinstance(v, dict) else None
        if isinstance(value, str) and value.startswith(grouping.GROUP_PREFIX) and len(value) <= _KEY_MAX:
            return value.strip()
    desc = str(issue.get("description") or "")
    at = desc.rfind(GROUP_MARK)
    if at < 0:
        return ""
    start = at + len(GROUP_MARK)
    end = desc.find("\n", start, start + _KEY_MAX + 2)
    line = desc[start : end if end >= 0 else start + _KEY_MAX + 2].strip().strip("`").strip()
    return line if line.startswith(grouping.GROUP_PREFIX) and len(line) <= _KEY_MAX else ""


def group_of(ctx: Context, issue: dict) -> Record | None:
    """The group record whose issue this is (project and issue type already checked by the caller)."""
    gkey = issue_group_key(issue)
    rec = ctx.store.get(gkey) if gkey else None
    if rec is None or rec.issue_key != str(issue.get("issueKey") or ""):
        return None
    if rec.issue_id and _int(issue.get("id")) != rec.issue_id:
        return None
    return rec


def decide_group(ctx: Context, issue: dict, grec: Record) -> Result:
    key = str(issue.get("issueKey") or "")
    closed = _int((issue.get("status") or {}).get("id")) == ctx.project.closed_status.id
    action, resolution = action_for(issue.get("resolution"), ctx.settings.actions) if closed else ("", "")
    want = {"suppress": "suppress", "none": "none"}.get(action, "open")
    d = dict(grec.data.get("decision") or {})
    if grouping.group_kind(grec.key) == "digest":
        return _digest(ctx, key, grec, want, resolution, d)
    joined = dict(d.get("joined") or {})
    if d.get("want") == want and d.get("done") and not (want == "suppress" and joined):
        return Result(key, "unchanged", "反映済みです")
    if not d and (want == "open" or grec.status != "ACTIVE"):
        # nothing decided, or closed by the lifecycle (every member resolved in Inspector): nothing to do in AWS
        return Result(key, "unchanged", "判断はありません")
    members = members_of(grec.data)
    before = list(d.get("arns") or [])
    new = sorted(({a for a, m in members.items() if grouping.is_active(m)} | set(joined)) - set(before))
    arns = before + new if want == "suppress" else before
    if want == "suppress" and not arns:
        return Result(key, "unchanged", "抑制する検出結果がありません")
    by = str(((issue.get("updatedUser") or {}).get("name")) or "")
    if d.get("want") == want and d.get("by"):
        by = d["by"]
    if ctx.dry_run:
        plan = {"suppress": f"抑制（{len(arns)} 件）", "none": "コメントのみ"}.get(want, "抑制の解除")
        return Result(key, "planned", plan)
    filters = list(d.get("filters") or [])
    now = ctx.clock()
    intent = {
        **d,
        "want": want,
        "done": False,
        "issue": key,
        "by": by,
        "resolution": resolution,
        "at": now,
        "arns": arns,
        "filters": filters,
    }
    grec = _save(
        ctx,
        grec.key,
        lambda r: replace(
            r, data={**r.data, "decision": {**intent, "joined": (r.data.get("decision") or {}).get("joined") or {}}}
        ),
    )
    module = registry.load(registry.source_of(arns[0])) if arns else None
    try:
        if want == "suppress":
            if module is None:
                raise registry.ActionError(f"{registry.source_of(arns[0])} の操作は未対応です")
            description = _description(key, by, resolution, now)
            if d.get("want") == "suppress" and d.get("done") and filters:
                # joined members get filters of their own: the filters already made stay as they are
                applied = module.suppress(
                    new, name=_filter_name(key), reason=f"Backlog {key}", description=description, start=len(filters)
                )
                filters = [*filters, *(a.as_json() for a in applied)]
                blocks = audit.group_joined(applied, new, at=now)
            else:
                applied = module.suppress(
                    arns, name=_filter_name(key), reason=f"Backlog {key}", description=description
                )
                filters = [a.as_json() for a in applied]
                blocks = audit.group_suppressed(applied, arns, resolution=resolution, by=by, at=now)
        else:
            names = tuple(f["name"] for f in filters if f.get("name")) or (
                (_filter_name(key),) if d.get("want") == "suppress" else ()
            )
            applied = module.release_all(arns[0], filters, names=names) if module and (filters or names) else []
            blocks = audit.group_released(applied, len(arns), at=now) if d.get("want") == "suppress" else []
            if want == "none":
                blocks = [*blocks, *audit.group_noted(resolution)]
            filters = []
    except registry.ActionError as e:
        return _failed(ctx, grec.key, key, want, str(e), d.get("error"), now)
    done = {**intent, "done": True, "filters": filters, "at": now}
    done.pop("error", None)
    if want != "suppress":
        done["arns"] = []

    def finish(r: Record) -> Record:
        ms = members_of(r.data)
        now_joined = dict((r.data.get("decision") or {}).get("joined") or {})
        left = {a: e for a, e in now_joined.items() if a not in arns} if want == "suppress" else {}
        if want == "suppress":
            for a, e in joined.items():
                ms.setdefault(a, Member.from_data(e))
            for a in arns:
                if a in ms and ms[a].status in (ACTIVE, SUPPRESSED):
                    ms[a] = written(replace(ms[a], status=SUPPRESSED))
        else:
            for a, e in now_joined.items():  # joined while the issue was being reopened: listed by the next write
                ms.setdefault(a, Member.from_data(e))
            # released: the issue lists these members again (a write since the decision pruned them from the record,
            # and Inspector's ACTIVE events add them back)
            for a in before:
                if a in ms and ms[a].status == SUPPRESSED:
                    ms[a] = written(replace(ms[a], status=ACTIVE))
        status = "ACTIVE" if want == "open" else "CLOSED"
        phase = "pending" if grouping.needs_write(ms) else "synced"
        return replace(
            r,
            status=status,
            phase=phase,
            data={**r.data, "members": members_data(ms), "decision": {**done, "joined": left}},
        )

    _save(ctx, grec.key, finish)
    _pending(ctx, key, remove=True)
    for a in applied:
        log.info("two-way group action", extra={"issue_key": key, "api": a.api, "filter": a.filter_arn})
    if blocks:
        _comment(ctx, key, blocks)
    return Result(
        key, {"suppress": "suppressed", "none": "noted"}.get(want, "released"), ", ".join(a.api for a in applied)
    )


def _failed(ctx: Context, gkey: str, key: str, want: str, reason: str, before: Any, now: float) -> Result:
    ctx.metric("TwoWayActionFailures")
    log.error("two-way group action failed", extra={"issue_key": key, "error": reason})

    def keep(r: Record) -> Record:
        dec = dict(r.data.get("decision") or {})
        dec.update(done=False, error=reason, attempts=int(dec.get("attempts") or 0) + 1)
        return replace(r, data={**r.data, "decision": dec})

    _save(ctx, gkey, keep)
    _pending(ctx, key)
    if reason != before:
        what = "Inspector の抑制フィルターの作成" if want == "suppress" else "Inspector の抑制の解除"
        _comment(ctx, key, audit.failed(what, gkey, reason, at=now, label="グループキー: "))
    return Result(key, "failed", reason)


def _digest(ctx: Context, key: str, grec: Record, want: str, resolution: str, d: dict) -> Result:
    """A digest is a report, not a decision: 「対応しない」 / 「無効」 on it changes nothing in AWS (one comment)."""
    if want != "suppress":
        if d and not ctx.dry_run:  # reopened (or another resolution): a later 対応しない is answered again
            _save(ctx, grec.key, lambda r: replace(r, data={k: v for k, v in r.data.items() if k != "decision"}))
        return Result(key, "unchanged", "ダイジェスト課題です")
    if d.get("refused") == resolution:
        return Result(key, "unchanged", "ダイジェスト課題です（回答済み）")
    if ctx.dry_run:
        return Result(key, "planned", "ダイジェスト課題のため AWS では何もしません（コメントのみ）")
    _save(ctx, grec.key, lambda r: replace(r, data={**r.data, "decision": {"refused": resolution, "issue": key}}))
    _comment(ctx, key, audit.digest_refused(resolution))
    return Result(key, "refused", "ダイジェスト課題は判断の対象外です")


# ---- the lifecycle's hook (policy/lifecycle.py ``_apply_ops``) ------------------------------------------------------
