"""Every key prefix of the state store, in one place (the schema's table of contents).

    finding:{arn}                       one finding's record (its issue, or the groups it is in; a tombstone)
    group:{kind}:{project}:{id}         one group issue's record (members, the issue), kind vuln | fix | digest
    fallback:{sha256 of the input}      the fallback issue of one unreadable input
    sync:checkpoint:{region}            ``sync``: where an interrupted listing resumes
    sync:seen:{region}:{page}           ``sync``: the ARNs a page listed (the gone-check of a resumed region)
    reach:{resource id}                 ``[risk]``: the ports an Internet Gateway reaches on a resource
    twoway:pending                      two-way: the decisions a later pull must retry
    twoway:checkpoint:{project}         two-way ``pull``: the newest issue update seen
    doctor:probe:{host}:{pid}:{ns}      ``doctor``: a throw-away round trip (outside every prefix scanned for work)

Only the prefixes and how a key is made or read live here; what a record holds is :mod:`.records`.
"""

from __future__ import annotations

FINDING = "finding:"
GROUP = "group:"
FALLBACK = "fallback:"
SYNC_CHECKPOINT = "sync:checkpoint:"
SYNC_SEEN = "sync:seen:"
REACH = "reach:"
TWOWAY_PENDING = "twoway:pending"
TWOWAY_CHECKPOINT = "twoway:checkpoint:"
PROBE = "doctor:probe:"

#: the records :meth:`..policy.lifecycle.Lifecycle.retry_pending` looks at (everything else is bookkeeping)
WORK_PREFIXES = (FINDING, GROUP, FALLBACK)


def finding(arn: str) -> str:
    return FINDING + arn


def arn_of(key: str) -> str:
    """The finding ARN of a ``finding:`` key."""
    return key[len(FINDING) :]


def fallback(digest: str) -> str:
    return FALLBACK + digest


def sync_checkpoint(region: str) -> str:
    return SYNC_CHECKPOINT + region


def sync_seen(region: str, page: int | None = None) -> str:
    """A page's ARNs (``page`` given), or the prefix of a region's pages."""
    return f"{SYNC_SEEN}{region}:" + (f"{page:06d}" if page is not None else "")


def reach(resource_id: str) -> str:
    return REACH + resource_id


def twoway_checkpoint(project_key: str) -> str:
    return TWOWAY_CHECKPOINT + project_key


def is_finding(key: str) -> bool:
    return key.startswith(FINDING)


def is_group(key: str) -> bool:
    return key.startswith(GROUP)


def is_fallback(key: str) -> bool:
    return key.startswith(FALLBACK)
