"""Small value objects for the Backlog things we resolve by name and the rate-limit state we track.

The client returns Backlog's JSON as is; these are built from it where the rest of the code needs typed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Backlog custom field type ids
CUSTOM_FIELD_TYPES = {
    1: "Text",
    2: "TextArea",
    3: "Numeric",
    4: "Date",
    5: "SingleList",
    6: "MultipleList",
    7: "CheckBox",
    8: "Radio",
}
TEXT_CUSTOM_FIELD_TYPES = (1, 2)

#: Backlog's default statuses, priorities and resolutions: id → (Japanese name, English name). The API answers
#: their names in the API user's language; the ids are the same in every space (custom statuses have ids ≥ 100).
DEFAULT_STATUSES = {
    1: ("未対応", "Open"),
    2: ("処理中", "In Progress"),
    3: ("処理済み", "Resolved"),
    4: ("完了", "Closed"),
}
DEFAULT_PRIORITIES = {2: ("高", "High"), 3: ("中", "Normal"), 4: ("低", "Low")}
DEFAULT_RESOLUTIONS = {
    0: ("対応済み", "Fixed"),
    1: ("対応しない", "Won't Fix"),
    2: ("無効", "Invalid"),
    3: ("重複", "Duplicate"),
    4: ("再現しない", "Cannot Reproduce"),
}


def default_id(defaults: Mapping[int, tuple[str, ...]], name: str) -> int | None:
    """The default id whose Japanese name is ``name`` (exact, after trimming), else None. English names are not
    mapped: in a Japanese space a configured "Closed" stays a missing name, as it was."""
    wanted = name.strip()
    for id_, names in defaults.items():
        if wanted == names[0]:
            return id_
    return None


@dataclass(frozen=True, slots=True)
class Named:
    """Anything Backlog identifies by id and shows by name: issue type, status, priority, resolution, category."""

    id: int
    name: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Named:
        return cls(id=int(d["id"]), name=str(d.get("name", "")))


@dataclass(frozen=True, slots=True)
class CustomField:
    id: int
    name: str
    type_id: int
    required: bool = False
    applicable_issue_types: tuple[int, ...] = ()  # empty = every issue type

    @property
    def type_name(self) -> str:
        return CUSTOM_FIELD_TYPES.get(self.type_id, str(self.type_id))

    @property
    def param(self) -> str:
        """The form parameter name: ``customField_{id}``."""
        return f"customField_{self.id}"

    def applies_to(self, issue_type_id: int) -> bool:
        return not self.applicable_issue_types or issue_type_id in self.applicable_issue_types

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CustomField:
        return cls(
            id=int(d["id"]),
            name=str(d.get("name", "")),
            type_id=int(d.get("typeId", 0)),
            required=bool(d.get("required", False)),
            applicable_issue_types=tuple(int(x) for x in d.get("applicableIssueTypes") or ()),
        )


@dataclass(frozen=True, slots=True)
class User:
    id: int  # numeric id: what assigneeId / notifiedUserId[] take
    user_id: str  # login id ("yamada"); may be empty for some accounts
    name: str
    mail_address: str = ""

    def label(self) -> str:
        return f"{self.name} ({self.user_id})" if self.user_id else self.name

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> User:
        return cls(
            id=int(d["id"]),
            user_id=str(d.get("userId") or ""),
            name=str(d.get("name") or ""),
            mail_address=str(d.get("mailAddress") or ""),
        )


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The last values seen for one bucket (from response headers or ``GET rateLimit``)."""

    bucket: str
    limit: int | None
    remaining: int | None
    reset: float | None  # UTC epoch seconds
    observed_at: float

    def seconds_until_reset(self, now: float) -> float:
        return max(0.0, (self.reset or now) - now)

    def pace(self, now: float, *, floor: float = 0.0) -> float:
        """Seconds to wait between requests so the remaining budget lasts until the reset (at least ``floor``)."""
        if self.remaining is None or self.reset is None:
            return floor
        left = self.seconds_until_reset(now)
        if self.remaining <= 0:
            return max(floor, left)
        return max(floor, left / self.remaining)
