"""Every key prefix of the state store, in one place (the schema's table of contents).

    finding:{arn}                       one finding's record (its issue, or the groups it is in; a tombstone)
    group:{kind}:{project}:{id}         one group issue's record (members, the issue), kind vuln | fix | digest
    fallback:{sha256 of the input}      the fallback issue of one unreadable input
    sync:checkpoint:{region}            ``sync`` of Inspector: where an interrupted listing resumes
    sync:seen:{region}:{page}           ``sync`` of Inspector: the ARNs a page listed (a resumed gone-check)
    sync:checkpoint:{source}:{region}   ``sync`` of another source (``guardduty``, ``access_analyzer``,
                                        ``securityhub``): where its interrupted listing resumes
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


#: the source whose ``sync`` keys carry no source name (the keys of the releases that listed Inspector only, so a
#: run they interrupted still resumes)
SYNC_UNNAMED_SOURCE = "inspector2"


def _sync_scope(region: str, source: str) -> str:
    return region if source == SYNC_UNNAMED_SOURCE else f"{source}:{region}"


def sync_checkpoint(region: str, source: str = SYNC_UNNAMED_SOURCE) -> str:
    """Where ``source``'s interrupted listing of ``region`` resumes."""
    return SYNC_CHECKPOINT + _sync_scope(region, source)


def sync_seen(region: str, page: int | None = None, source: str = SYNC_UNNAMED_SOURCE) -> str:
    """A page's ARNs (``page`` given), or the prefix of a region's pages."""
    return f"{SYNC_SEEN}{_sync_scope(region, source)}:" + (f"{page:06d}" if page is not None else "")


def sync_source_of(key: str, names: tuple[str, ...]) -> str | None:
    """The source a ``sync:`` key belongs to (``names``: every source; None: not a ``sync:`` key). A key whose scope
    starts with no source's name is :data:`SYNC_UNNAMED_SOURCE`'s (a region never equals a source's name)."""
    for prefix in (SYNC_CHECKPOINT, SYNC_SEEN):
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            return next((n for n in names if rest.startswith(n + ":")), SYNC_UNNAMED_SOURCE)
    return None


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
