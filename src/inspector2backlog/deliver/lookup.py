"""Finding an issue we may have filed, by its whole key, over several routes of Backlog's issue list.

Backlog's issue search runs on a search index: how it splits a key into words and how soon a new issue shows up are
not documented. So a search answer is only a list of candidates; a candidate counts only when its description has
a line ending with a label and the whole key (``Finding ARN: `…```, ``グループキー: `…```, ``管理用 ID: `…```) or its ARN
custom field holds exactly the key — never a substring (``CVE-2024-1234`` must not adopt ``CVE-2024-12345``).

Routes, in order, the first exact hit wins:

1. the ARN custom field (``customField_{id}=<key>``), when one is configured;
2. our own recent issues: ``createdUserId[]`` = the API user, ``createdSince`` a day before the earliest moment the
   create can have happened, ``sort=created``, newest first, paged until an issue older than that moment;
3. a keyword search for the key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .base import DeliveryError

if TYPE_CHECKING:
    from ..backlog.project import ProjectContext

PAGE = 100
MAX_PAGES = 20  # route 2 reads at most 2,000 of our own issues per look-up
CLOCK_SKEW_SECONDS = 300.0  # Backlog's clock against ours


def has_marker(text: str, key: str) -> bool:
    """True when a line of ``text`` ends with a label and the whole ``key``: ``…: `key``` (Markdown) or
    ``…: key`` (Backlog notation, where inline code is plain text)."""
    if not key:
        return False
    endings = (f": `{key}`", f": {key}")
    return any(line.rstrip().endswith(endings) for line in text.splitlines())


def matches(issue: dict, key: str) -> bool:
    """An exact hit: a custom field whose whole value is ``key``, or the key's marker line in the description."""
    for cf in issue.get("customFields") or ():
        if isinstance(cf.get("value"), str) and cf["value"] == key:
            return True
    return has_marker(str(issue.get("description") or ""), key)


def _created(issue: dict) -> float | None:
    try:
        return datetime.fromisoformat(str(issue.get("created"))).timestamp()
    except (TypeError, ValueError):
        return None


def _first(items: Iterable[dict], key: str) -> dict | None:
    return next((i for i in items if matches(i, key)), None)


def find_issue(
    list_issues: Callable[[dict], list],
    project: ProjectContext,
    key: str,
    *,
    since: float | None,
    myself: Callable[[], int],
) -> dict | None:
    """The issue filed for ``key`` (every route, exact comparison), or ``None`` when no route has it. ``since``:
    the earliest moment the create can have happened (``None``: skip route 2). Raises :class:`DeliveryError` when
    route 2 cannot reach back that far (more than ``MAX_PAGES`` pages of our own issues since then)."""
    pid = project.project_id
    field = project.arn_custom_field
    if field is not None:
        hit = _first(list_issues({"projectId[]": [pid], field.param: key, "count": PAGE}), key)
        if hit is not None:
            return hit
    if since is not None:
        hit = _recent(list_issues, pid, myself(), key, since)
        if hit is not None:
            return hit
    return _first(
        list_issues({"projectId[]": [pid], "keyword": key, "count": PAGE, "sort": "created", "order": "desc"}), key
    )


def _recent(list_issues: Callable[[dict], list], pid: int, me: int, key: str, since: float) -> dict | None:
    floor = since - CLOCK_SKEW_SECONDS
    day = datetime.fromtimestamp(floor - 86400, UTC).strftime("%Y-%m-%d")  # the space's zone is unknown
    params: dict[str, Any] = {
        "projectId[]": [pid],
        "createdUserId[]": [me],
        "createdSince": day,
        "sort": "created",
        "order": "desc",
        "count": PAGE,
    }
    for page in range(MAX_PAGES):
        params["offset"] = page * PAGE
        items = list_issues(dict(params))
        hit = _first(items, key)
        if hit is not None:
            return hit
        oldest = _created(items[-1]) if items else None
        if len(items) < PAGE or (oldest is not None and oldest < floor):
            return None
    raise DeliveryError(
        f"{key}: 確認すべき自分の課題が {MAX_PAGES * PAGE} 件を超えています（作成済みか判断できません）"
        f" / too many own issues since the create to check",
        maybe_applied=True,
    )
