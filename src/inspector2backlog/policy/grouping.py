"""Grouping: many findings, one Backlog issue (``[grouping] group_by``).

Modes and group keys (one Backlog project each; the key is also written into the issue as its recovery marker)::

    finding        one issue per finding (no group)
    vulnerability  group:vuln:{project}:{id}
                     package findings  id = the vulnerability id (CVE-2024-6387, GHSA-…)
                     network findings  id = net:{ports}/{protocol}        (「ポート 22/TCP が到達可能」 on every instance)
                     code findings     id = code:{detector id}             (CWE + detector)
                     anything else     id = title:{title}
    fix            group:fix:{project}:{package}@{fixed-in version}      (「openssl を 3.0.13 に更新」)
                     a package without a fix: {package}@none; a finding with several packages is in several groups;
                     findings without packages fall back to their vulnerability-mode key
    digest         group:digest:{project}:{period}                        (see :mod:`.digest`)

A group record (``Record.data``) holds ``members``: finding ARN → a compact entry (resource label, account, region,
packages, severity, score, status, updatedAt, …) plus what was last *written* to Backlog for that member (``ws`` the
status, ``wf`` a fingerprint of its material fields, ``prev`` the material fields as written when they changed since).
Diffing "now" against "written" gives the one short comment per write ("対象リソースが 1 件追加されました…"); members
that are no longer active are pruned once Backlog has been told.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..config.vocabulary import GROUP_BY
from ..findings.model import Finding
from ..render.issue import resource_label
from ..render.labels import RESOURCE_SHORT

# the member entries are read (by the renderer too) through render.members; the lifecycle reads them through here
from ..render.members import ACTIVE, active_members, is_active, sort_key  # noqa: F401 - active_members re-exported
from ..render.packages import is_pre_release, preferred_fix
from ..state import keys
from ..state.records import status_for
from .changes import describe

GROUP_PREFIX = keys.GROUP
MODES = GROUP_BY  # [grouping] group_by: the configuration's words
GONE = "GONE"  # the finding left this group (its fix version changed, or it moved out of the digest)


# ---- keys ----------------------------------------------------------------------------------------------------------


def vulnerability_id(f: Finding) -> str:
    if f.vulnerability_id:
        return f.vulnerability_id
    if f.network is not None:
        return f"net:{f.network.port_label.upper()}"
    if f.code is not None:
        return "code:" + (f.code.detector_id or "+".join(f.code.cwes) or f.code.detector_name or f.title)
    return "title:" + (f.title or f.type)


def fix_ids(f: Finding) -> list[str]:
    """``package@fixed-in`` for each affected package (``@none`` when there is no fix); deduplicated, ordered."""
    fixed = [(p.name, preferred_fix(p.fixed_in) if p.fix_known else "none") for p in f.packages]
    released = {n for n, v in fixed if v != "none" and not is_pre_release(v)}
    # a pre-release is never proposed for a package that a release also fixes
    return list(dict.fromkeys(f"{n}@{v}" for n, v in fixed if not (n in released and is_pre_release(v))))


def group_keys(f: Finding, mode: str, project: str) -> list[str]:
    """The group records a finding belongs to (``[]`` in finding mode)."""
    if mode == "vulnerability":
        return [f"{GROUP_PREFIX}vuln:{project}:{vulnerability_id(f)}"]
    if mode == "fix":
        ids = fix_ids(f)
        if ids:
            return [f"{GROUP_PREFIX}fix:{project}:{i}" for i in ids]
        return [f"{GROUP_PREFIX}vuln:{project}:{vulnerability_id(f)}"]
    return []


def group_kind(key: str) -> str:
    """ "vulnerability" | "fix" | "digest" from a group key."""
    kind = key[len(GROUP_PREFIX) :].split(":", 1)[0]
    return {"vuln": "vulnerability"}.get(kind, kind)


def group_id(key: str) -> str:
    """The part after ``group:{kind}:{project}:`` (CVE id, package@version, period)."""
    return key.split(":", 3)[3] if key.count(":") >= 3 else key


# ---- members -------------------------------------------------------------------------------------------------------


def member_entry(f: Finding, key: str, *, reachable: str = "") -> dict[str, Any]:
    """The compact entry a group keeps for one finding (short keys: group records must stay small)."""
    r = f.primary_resource
    pkgs = f.packages
    if group_kind(key) == "fix" and pkgs:
        name = group_id(key).rsplit("@", 1)[0]
        pkgs = tuple(p for p in pkgs if p.name == name) or pkgs
    entry: dict[str, Any] = {
        "s": status_for(f.state),
        "v": f.severity,
        "sc": f.headline_score,
        "x": f.exploit_available,
        "fx": f.fix_available,
        "ep": f.epss,
        "id": f.vulnerability_id or _short_subject(f),
        "r": resource_label(r) if r else "",
        "k": hashlib.sha1((r.id if r else f.arn).encode(), usedforsecurity=False).hexdigest()[:10],  # counting only
        "rt": RESOURCE_SHORT.get(r.type, r.type) if r else "",
        "a": f.account,
        "g": f.region,
        "u": f.updated_epoch,
        "p": [list(x) for x in dict.fromkeys((p.name, p.full_version, preferred_fix(p.fixed_in)) for p in pkgs)][:20],
    }
    if len(f.resources) > 1:
        entry["r"] += f" 他 {len(f.resources) - 1} 件"
    if f.network is not None:
        entry["net"] = f.network.port_label
    if f.code is not None and (f.code.file_path or f.code.file_name):
        entry["loc"] = [f.code.file_path or f.code.file_name, f.code.start_line, f.code.end_line]
    if reachable:
        entry["ir"] = reachable
    return entry


def _short_subject(f: Finding) -> str:
    if f.network is not None:
        return f"ポート {f.network.port_label}"
    if f.code is not None:
        return " ".join(x for x in ("、".join(f.code.cwes), f.code.detector_name) if x) or f.title
    return f.title


def material(m: dict[str, Any]) -> dict[str, Any]:
    """The fields whose change is worth a comment, in :func:`.changes.describe`'s snapshot shape."""
    return {
        "severity": m.get("v"),
        "score": m.get("sc"),
        "exploit": m.get("x"),
        "fix": m.get("fx"),
        "packages": sorted(m.get("p") or []),
        "ports": m.get("net", ""),
    }


def fp(m: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(material(m), sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def apply_member(members: dict[str, dict], arn: str, new: dict[str, Any]) -> bool:
    """Upsert one member (older updates never win). Returns True when something changed."""
    old = members.get(arn)
    if old is not None:
        if new.get("u", 0) < old.get("u", 0):
            return False
        kept = {k: old[k] for k in ("ws", "wf", "prev") if k in old}
        if old.get("ws") == ACTIVE and "prev" not in old and old.get("wf") == fp(old) and fp(new) != fp(old):
            kept["prev"] = material(old)
        merged = {**new, **kept}
        if merged == old:
            return False
        members[arn] = merged
        return True
    if new.get("s") != ACTIVE:  # nothing known about it here, and it is not active: nothing to add
        return False
    members[arn] = dict(new)
    return True


def mark_gone(members: dict[str, dict], arn: str, updated: float) -> bool:
    m = members.get(arn)
    if m is None or m.get("s") == GONE:
        return False
    members[arn] = {**m, "s": GONE, "u": max(updated, m.get("u", 0))}
    return True


def mark_closed(members: dict[str, dict], arn: str, when: float) -> bool:
    """The finding is no longer listed by Inspector (``sync``): resolved, as if a CLOSED event had arrived."""
    m = members.get(arn)
    if m is None or not is_active(m):
        return False
    members[arn] = {**m, "s": "CLOSED", "u": max(when, m.get("u", 0))}
    return True


# ---- what changed since the last write ---------------------------------------------------------------------------


@dataclass
class Delta:
    added: list[dict] = field(default_factory=list)
    resolved: list[dict] = field(default_factory=list)  # CLOSED / SUPPRESSED
    moved: list[dict] = field(default_factory=list)  # GONE: left this group
    changed: list[tuple[dict, list[str]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.resolved or self.moved or self.changed)

    @property
    def all_suppressed(self) -> bool:
        return bool(self.resolved) and all(m.get("s") == "SUPPRESSED" for m in self.resolved)


def delta(members: dict[str, dict]) -> Delta:
    d = Delta()
    for m in members.values():
        was_active = m.get("ws") == ACTIVE
        if is_active(m):
            if not was_active:
                d.added.append(m)
            elif m.get("wf") != fp(m):
                lines = describe(m.get("prev") or {}, material(m)) if m.get("prev") else []
                d.changed.append((m, lines or ["内容が更新されました"]))
        elif was_active:
            (d.moved if m.get("s") == GONE else d.resolved).append(m)
    for xs in (d.added, d.resolved, d.moved):
        xs.sort(key=sort_key)
    d.changed.sort(key=lambda t: sort_key(t[0]))
    return d


def written_marks(members: dict[str, dict]) -> dict[str, tuple[str, str]]:
    """What a write shows, per member: (status, fingerprint). Handed to :func:`commit_written` afterwards."""
    return {arn: (m.get("s", ""), fp(m)) for arn, m in members.items()}


def commit_written(members: dict[str, dict], written: dict[str, tuple[str, str]]) -> dict[str, dict]:
    """Record that Backlog now shows ``written``; members changed since (another worker) stay unwritten.
    Inactive members Backlog has been told about are pruned."""
    out: dict[str, dict] = {}
    for arn, m in members.items():
        w = written.get(arn)
        if w is not None and w == (m.get("s", ""), fp(m)):
            if not is_active(m):
                continue  # told: forget it (the finding record still knows it, and a reopen adds it back)
            m = {k: v for k, v in m.items() if k != "prev"}
            m["ws"], m["wf"] = w
        out[arn] = m
    return out


def needs_write(members: dict[str, dict]) -> bool:
    return not delta(members).empty
