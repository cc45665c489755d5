"""The AWS side of a Backlog decision, one module per source (the ARN's service): ``suppress`` / ``release``.

A source adds its module here and one entry in :data:`SOURCES`; the module offers
``suppress(arns, *, name, description, reason) -> list[Applied]`` and ``release(arn, filters) -> list[Applied]``
and raises :class:`ActionError` with a reason fit for an issue comment.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType

from ...errors import ACTION, Inspector2BacklogError

#: ARN service → module under this package
SOURCES = {"inspector2": "inspector2"}


class ActionError(Inspector2BacklogError):
    """An AWS call failed; the message is the reason shown in the failure comment (no secrets, no URLs)."""

    kind = ACTION


@dataclass(frozen=True, slots=True)
class Applied:
    api: str  # e.g. "inspector2:CreateFilter"
    what: str  # Japanese: 抑制フィルターを作成 …
    filter_arn: str = ""
    filter_name: str = ""
    values: tuple[str, ...] = field(default=())  # the finding ARNs the filter holds afterwards

    def as_json(self) -> dict:
        return {"api": self.api, "arn": self.filter_arn, "name": self.filter_name, "values": list(self.values)}


def source_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 5 and parts[0] == "arn" else ""


def load(source: str) -> ModuleType | None:
    name = SOURCES.get(source)
    return importlib.import_module(f"{__name__}.{name}") if name else None
