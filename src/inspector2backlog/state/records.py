"""What the records hold, typed: the lifecycle status a record stores, a finding record, a group record and its
members. Records keep their compact JSON on disk (group records must stay small: DynamoDB's 400 KB item limit);
the conversion between the compact keys and the named fields is here and nowhere else.

Statuses on disk are the lifecycle's, spelled as Inspector spells them: ``ACTIVE`` (open), ``CLOSED``,
``SUPPRESSED``; a finding's ``state`` (``Finding.state``, set by its source) maps onto them by :func:`status_for`.
``archived`` is stored as ``SUPPRESSED`` (closed without a fix: an archived finding that comes back reopens like a
suppressed one); its issue is closed with the resolution ``[sources.<name>] archived_resolution`` names.
A finding record also keeps the source that last wrote it (``source``: see ``policy.ownership``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .base import Record
from .keys import arn_of

ACTIVE, CLOSED, SUPPRESSED = "ACTIVE", "CLOSED", "SUPPRESSED"
GONE = "GONE"  # a group member that left the group (its fix version changed, it moved out of the digest)
RESOLVED = (CLOSED, SUPPRESSED)
STATUS_OF_STATE = {"open": ACTIVE, "closed": CLOSED, "suppressed": SUPPRESSED, "archived": SUPPRESSED}


def status_for(state: str) -> str:
    """The status a record stores for a finding in lifecycle ``state`` (an unknown state counts as open)."""
    return STATUS_OF_STATE.get(state, ACTIVE)


def is_open(status: str | None) -> bool:
    return status == ACTIVE


def is_resolved(status: str | None) -> bool:
    """Closed or suppressed (a finding record's issue is then closed)."""
    return status in RESOLVED


# ---- a finding record (``finding:{arn}``) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A read-only view of one finding record's data."""

    arn: str
    status: str | None
    snapshot: Mapping[str, Any]
    groups: tuple[str, ...] | None  # the group records it is in; None: it has (or will have) its own issue
    tombstone: bool  # closed before it ever had an issue (see ``policy.lifecycle.TOMBSTONE_SECONDS``)
    expires_at: float
    pending_finding: str  # the finding a failed delivery or a claim was about (its raw JSON)
    decision: Mapping[str, Any] | None  # a two-way decision made in Backlog
    source: str  # the source that last wrote it ("" in records from before sources: Inspector's)

    @classmethod
    def of(cls, rec: Record) -> FindingRecord:
        d = rec.data
        groups = d.get("groups")
        return cls(
            arn=arn_of(rec.key),
            status=rec.status,
            snapshot=d.get("snapshot") or {},
            groups=tuple(groups or ()) if "groups" in d else None,
            tombstone=bool(d.get("tombstone")),
            expires_at=float(d.get("expires_at") or 0),
            pending_finding=str(d.get("pending_finding") or ""),
            decision=d.get("decision") or None,
            source=str(d.get("source") or ""),
        )

    def expired(self, now: float) -> bool:
        return self.tombstone and self.expires_at <= now


# ---- a group record (``group:…``) and its members ----------------------------------------------------------------

#: named field → compact key on disk
_MEMBER_KEYS = {
    "status": "s",
    "severity": "v",
    "score": "sc",
    "exploit": "x",
    "fix": "fx",
    "epss": "ep",
    "subject": "id",
    "resource": "r",
    "resource_key": "k",
    "resource_type": "rt",
    "account": "a",
    "region": "g",
    "updated": "u",
    "packages": "p",
    "ports": "net",
    "location": "loc",
    "reachable": "ir",
    "written_status": "ws",
    "written_fp": "wf",
    "prev": "prev",
}
_OPTIONAL = ("ports", "location", "reachable", "written_status", "written_fp", "prev")  # absent when empty
_ABSENT_WHEN_NONE = ("exploit", "fix")  # a source without them (GuardDuty …) writes no key: None, not ""
_COMPACT = frozenset(_MEMBER_KEYS.values())


@dataclass(slots=True)
class Member:
    """One finding in a group record (compact on disk: :meth:`from_data` / :meth:`to_data`)."""

    status: str = ""  # ACTIVE | CLOSED | SUPPRESSED | GONE
    severity: str = ""
    score: float | None = None  # the headline score
    exploit: str | None = None  # YES | NO | "" (None: the source has none)
    fix: str | None = None  # YES | NO | PARTIAL | "" (None: the source has none)
    epss: float | None = None
    subject: str = ""  # the vulnerability id, or a short subject for other finding types
    resource: str = ""  # the resource's label (「他 n 件」 when several)
    resource_key: str = ""  # a short hash of the resource id (counting only)
    resource_type: str = ""
    account: str = ""
    region: str = ""
    updated: float = 0.0  # the finding's updatedAt (epoch seconds)
    packages: list[list[Any]] = field(default_factory=list)  # [name, version, fixed-in]
    ports: str = ""  # network reachability: the ports
    location: list[Any] | None = None  # code: [file, start line, end line]
    reachable: str = ""  # why it is internet-reachable ([risk])
    written_status: str | None = None  # what Backlog shows: the status last written
    written_fp: str | None = None  # … and a fingerprint of the material fields last written
    prev: dict[str, Any] | None = None  # the material fields as written, when they changed since
    extra: dict[str, Any] = field(default_factory=dict)  # compact keys this version does not know (kept)

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Member:
        values = {name: d[k] for name, k in _MEMBER_KEYS.items() if k in d}
        return cls(**values, extra={k: v for k, v in d.items() if k not in _COMPACT})

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, k in _MEMBER_KEYS.items():
            v = getattr(self, name)
            if (name in _OPTIONAL and v in (None, "")) or (name in _ABSENT_WHEN_NONE and v is None):
                continue
            out[k] = v
        out.update(self.extra)
        return out

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """A read-only view of one group record's data."""

    key: str
    kind: str
    members: dict[str, Member]  # finding ARN → member
    lead: Mapping[str, Any]  # what the lead section shows (the first active member's finding)
    resolved: Mapping[str, int]  # severity → members resolved and told about (pruned from ``members``)
    lock: float  # a write in progress since (0: none)
    written_at: float
    decision: Mapping[str, Any] | None

    @classmethod
    def of(cls, rec: Record) -> GroupRecord:
        d = rec.data
        return cls(
            key=rec.key,
            kind=str(d.get("kind") or ""),
            members=members_of(d),
            lead=d.get("lead") or {},
            resolved=d.get("resolved") or {},
            lock=float(d.get("lock") or 0.0),
            written_at=float(d.get("written_at") or 0.0),
            decision=d.get("decision") or None,
        )

    def active(self) -> list[Member]:
        return [m for m in self.members.values() if m.active]


def members_of(data: Mapping[str, Any]) -> dict[str, Member]:
    """A group record's ``data["members"]`` (compact on disk), typed: finding ARN → :class:`Member`."""
    return {arn: Member.from_data(m) for arn, m in (data.get("members") or {}).items()}


def members_data(members: Mapping[str, Member]) -> dict[str, dict[str, Any]]:
    """The compact form of ``members`` that a group record stores (the inverse of :func:`members_of`)."""
    return {arn: m.to_data() for arn, m in members.items()}


def count_resolved(resolved: Mapping[str, int], gone: list[Member]) -> dict[str, int]:
    """``resolved`` (severity → count) with the resolved members among ``gone`` added."""
    out = dict(resolved)
    for m in gone:
        if m.status in RESOLVED:
            sev = m.severity or "UNTRIAGED"
            out[sev] = out.get(sev, 0) + 1
    return out
