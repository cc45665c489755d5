"""Grouping: many findings, one Backlog issue (``[grouping] group_by``).

Modes and group keys (one Backlog project each; the key is also written into the issue as its recovery marker)::

    finding        one issue per finding (no group)
    vulnerability  group:vuln:{project}:{id}          the id is the source's (``Source.group_ids``; Inspector: the
                                                      vulnerability id, net:{ports}/{protocol}, code:{detector} …)
    fix            group:fix:{project}:{package}@{fixed-in version}      (「openssl を 3.0.13 に更新」)
                     a finding with several packages is in several groups; one without packages falls back to its
                     vulnerability-mode key
    digest         group:digest:{project}:{period}                        (see :mod:`.digest`)

A group record (``Record.data``) holds ``members``: finding ARN → a member (:class:`~..state.records.Member`, compact
on disk: resource label, account, region, packages, severity, score, status, updatedAt, …) plus what was last
*written* to Backlog for that member (``written_status``, ``written_fp`` a fingerprint of its material fields,
``prev`` the material fields as written when they changed since).
Diffing "now" against "written" gives the one short comment per write ("対象リソースが 1 件追加されました…"); members
that are no longer active are pruned once Backlog has been told.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from .. import sources
from ..config.vocabulary import GROUP_BY
from ..findings.model import Finding
from ..render.labels import RESOURCE_SHORT

# the members are typed (state.records.Member) and read, by the renderer too, through render.members
from ..render.members import active_members, is_active, sort_key  # noqa: F401 - active_members re-exported
from ..state import keys
from ..state.records import ACTIVE, CLOSED, GONE, SUPPRESSED, Member, status_for
from .changes import describe

GROUP_PREFIX = keys.GROUP
MODES = GROUP_BY  # [grouping] group_by: the configuration's words


# ---- keys ----------------------------------------------------------------------------------------------------------


def group_keys(f: Finding, mode: str, project: str) -> list[str]:
    """The group records a finding belongs to (``[]`` in finding mode, or when the source does not group it)."""
    if mode == "finding":
        return []
    return [f"{GROUP_PREFIX}{kind}:{project}:{gid}" for kind, gid in sources.get(f.source).group_ids(f, mode)]


def group_kind(key: str) -> str:
    """ "vulnerability" | "fix" | "type" | "control" | "digest" from a group key."""
    kind = key[len(GROUP_PREFIX) :].split(":", 1)[0]
    return {"vuln": "vulnerability"}.get(kind, kind)


def group_id(key: str) -> str:
    """The part after ``group:{kind}:{project}:`` (CVE id, package@version, period)."""
    return key.split(":", 3)[3] if key.count(":") >= 3 else key


# ---- members -------------------------------------------------------------------------------------------------------


def member_entry(f: Finding, key: str, *, reachable: str = "") -> Member:
    """What a group keeps for one finding (compact on disk, :class:`~..state.records.Member`: group records must
    stay small). The source's part comes in compact keys (``Source.member_fields``) and is read by the one
    conversion, :meth:`Member.from_data`."""
    src = sources.get(f.source)
    r = f.primary_resource
    own = src.member_fields(f, group_kind(key), group_id(key))
    entry: dict[str, Any] = {
        "s": status_for(f.state),
        "v": f.severity,
        **{k: own.pop(k) for k in ("sc", "x", "fx", "ep", "id") if k in own},
        "r": src.resource_label(r) if r else "",
        "k": hashlib.sha1((r.id if r else f.arn).encode(), usedforsecurity=False).hexdigest()[:10],  # counting only
        "rt": RESOURCE_SHORT.get(r.type, r.type) if r else "",
        "a": f.account,
        "g": f.region,
        "u": f.updated_epoch,
        **own,
    }
    if len(f.resources) > 1:
        entry["r"] += f" 他 {len(f.resources) - 1} 件"
    if reachable:
        entry["ir"] = reachable
    return Member.from_data(entry)


def material(m: Member) -> dict[str, Any]:
    """The fields whose change is worth a comment, in :func:`.changes.describe`'s snapshot shape."""
    return {
        "severity": m.severity,
        "score": m.score,
        "exploit": m.exploit,
        "fix": m.fix,
        "packages": sorted(m.packages or []),
        "ports": m.ports,
    }


def fp(m: Member) -> str:
    return hashlib.sha256(json.dumps(material(m), sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def apply_member(members: dict[str, Member], arn: str, new: Member) -> bool:
    """Upsert one member (older updates never win). Returns True when something changed."""
    old = members.get(arn)
    if old is not None:
        if new.updated < old.updated:
            return False
        prev = old.prev
        if old.written_status == ACTIVE and prev is None and old.written_fp == fp(old) and fp(new) != fp(old):
            prev = material(old)
        merged = replace(new, written_status=old.written_status, written_fp=old.written_fp, prev=prev)
        if merged == old:
            return False
        members[arn] = merged
        return True
    if new.status != ACTIVE:  # nothing known about it here, and it is not active: nothing to add
        return False
    members[arn] = replace(new)
    return True


def mark_gone(members: dict[str, Member], arn: str, updated: float) -> bool:
    m = members.get(arn)
    if m is None or m.status == GONE:
        return False
    members[arn] = replace(m, status=GONE, updated=max(updated, m.updated))
    return True


def mark_closed(members: dict[str, Member], arn: str, when: float) -> bool:
    """The finding is no longer listed by Inspector (``sync``): resolved, as if a CLOSED event had arrived."""
    m = members.get(arn)
    if m is None or not is_active(m):
        return False
    members[arn] = replace(m, status=CLOSED, updated=max(when, m.updated))
    return True


# ---- what changed since the last write ---------------------------------------------------------------------------


@dataclass
class Delta:
    added: list[Member] = field(default_factory=list)
    resolved: list[Member] = field(default_factory=list)  # CLOSED / SUPPRESSED
    moved: list[Member] = field(default_factory=list)  # GONE: left this group
    changed: list[tuple[Member, list[str]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.resolved or self.moved or self.changed)

    @property
    def all_suppressed(self) -> bool:
        return bool(self.resolved) and all(m.status == SUPPRESSED for m in self.resolved)


def delta(members: dict[str, Member]) -> Delta:
    d = Delta()
    for m in members.values():
        was_active = m.written_status == ACTIVE
        if is_active(m):
            if not was_active:
                d.added.append(m)
            elif m.written_fp != fp(m):
                # group members are Inspector's until a group record names its source (group records, issue 11)
                lines = describe(m.prev or {}, material(m)) if m.prev else []
                d.changed.append((m, lines or ["内容が更新されました"]))
        elif was_active:
            (d.moved if m.status == GONE else d.resolved).append(m)
    for xs in (d.added, d.resolved, d.moved):
        xs.sort(key=sort_key)
    d.changed.sort(key=lambda t: sort_key(t[0]))
    return d


def written_marks(members: dict[str, Member]) -> dict[str, tuple[str, str]]:
    """What a write shows, per member: (status, fingerprint). Handed to :func:`commit_written` afterwards."""
    return {arn: (m.status, fp(m)) for arn, m in members.items()}


def commit_written(members: dict[str, Member], written: dict[str, tuple[str, str]]) -> dict[str, Member]:
    """Record that Backlog now shows ``written``; members changed since (another worker) stay unwritten.
    Inactive members Backlog has been told about are pruned."""
    out: dict[str, Member] = {}
    for arn, m in members.items():
        w = written.get(arn)
        if w is not None and w == (m.status, fp(m)):
            if not is_active(m):
                continue  # told: forget it (the finding record still knows it, and a reopen adds it back)
            m = replace(m, prev=None, written_status=w[0], written_fp=w[1])
        out[arn] = m
    return out


def needs_write(members: dict[str, Member]) -> bool:
    return not delta(members).empty
