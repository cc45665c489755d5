"""AWS Security Hub as a finding source: ASFF (Security Hub CSPM) and OCSF (the new Security Hub).

``SOURCE`` implements :class:`~inspector2backlog.sources.base.Source`. The parts: ``parse`` → ``asff`` / ``ocsf``
(typed in ``model``), the core Finding in ``convert``; cross-source identity (``identity``); lifecycle and material
changes (``status``, ``changes``); control reference data and its Japanese (``controls``, ``ja``); the issue body
(``sections``, ``products``) and its 「概要」 / status lines (``frame``); ``sync`` (``lister``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..base import BaseSource
from . import changes, convert, filtering, frame, sections as _sections
from .model import SecurityHubDetails

if TYPE_CHECKING:
    from ...findings.model import EventMeta, Finding, Item
    from ...render.doc import Block, Line
    from ..base import Lister

__all__ = ["SOURCE", "SecurityHubSource"]

#: ``[grouping] group_by`` mode: one issue per failed control, listing every failing resource
GROUP_BY_CONTROL = "control"


class SecurityHubSource(BaseSource):
    name = "securityhub"
    label = "AWS Security Hub"
    aggregates = True  # carries copies of other sources' findings: their native path wins (identity.update_wins)

    def parse(self, value: Mapping[str, Any], origin: str, event: EventMeta | None) -> Iterator[Item]:
        return convert.parse_value(value, origin, event)

    def snapshot(self, f: Finding) -> dict[str, Any]:
        return changes.snapshot(_details(f))

    def describe(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
        return changes.describe(old, new)

    def texts(self, f: Finding) -> list[str]:
        return _sections.texts(f)

    def sections(self, f: Finding, tr: Mapping[str, Any]) -> list[Block]:
        return _sections.sections(f, tr)

    def summary(self, f: Finding, tr: Mapping[str, Any]) -> str:
        return _sections.summary(f, tr)

    # ---- the common frame (see .frame) ------------------------------------------------------------------
    def overview(self, f: Finding, tr: Mapping[str, Any]) -> list[Block] | None:
        return frame.overview(f, tr)

    def lead(self, f: Finding) -> Line:
        return frame.lead(f)

    def status_note(self, f: Finding) -> str:
        return frame.status_note(f)

    def status_text(self, f: Finding) -> str:
        return frame.status_text(f)

    def vulnerability_id(self, f: Finding) -> str:
        return frame.vulnerability_id(f)

    def detection_lines(self, f: Finding) -> list[Line]:
        return frame.detection_lines(f)

    def group_key(self, f: Finding, mode: str) -> str | None:
        """``control``: ``securityhub-control:<control id>`` for a control finding (other findings: their own)."""
        d = _details(f)
        if mode == GROUP_BY_CONTROL and d.control_id:
            return f"securityhub-control:{d.control_id}"
        return None

    def filter_values(self, f: Finding) -> Mapping[str, Any]:
        """What ``[sources.securityhub]`` filters compare: product, severity, control, standards, compliance."""
        return filtering.filter_values(_details(f))

    def lister(self, options: Any) -> Lister | None:
        from .lister import lister_for  # lazy: the listing (and boto3) load only for `sync`

        return lister_for(options)


def _details(f: Finding) -> SecurityHubDetails:
    d = f.details
    if not isinstance(d, SecurityHubDetails):
        raise TypeError(f"not a Security Hub finding: {type(d).__name__}")
    return d


SOURCE = SecurityHubSource()
