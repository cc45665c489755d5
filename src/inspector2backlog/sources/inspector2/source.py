"""Amazon Inspector as a :class:`~inspector2backlog.sources.base.Source`: each method hands over to the module that
knows (parse, sections, text, changes, grouping)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...findings.model import EventMeta, Finding, Item, Resource
from ...findings.timestamps import jst
from ...render.doc import Block, Line
from ...render.wording import INSPECTOR_CUT_MARK, inspector_cut, status_label
from ..base import BaseSource, Lister, RiskInputs
from . import changes, grouping, parse, sections, securityhub_copy, text
from .resources import resource_label
from .sections import details


class InspectorSource(BaseSource):
    name = "inspector2"
    label = "Amazon Inspector"

    def parse(self, value: Mapping[str, Any], origin: str, event: EventMeta | None) -> Iterator[Item]:
        yield parse.finding_or_unparsed(value, origin, event)

    def skip_reason(self, detail_type: str) -> str:
        return parse.skip_reason(detail_type)

    def from_securityhub(self, f: Finding) -> Finding | None:
        """The Security Hub copy of an Inspector finding, read as Inspector's own (issue 13 item 4)."""
        return securityhub_copy.from_securityhub(f)

    # ---- changes -------------------------------------------------------------------------------------------
    def snapshot(self, f: Finding) -> dict[str, Any]:
        return changes.snapshot(f)

    def describe(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
        return changes.describe(old, new)

    # ---- the issue -----------------------------------------------------------------------------------------
    def texts(self, f: Finding) -> list[str]:
        return text.texts(f)

    def sections(self, f: Finding, tr: Mapping[str, Any]) -> list[Block]:
        return sections.sections(f, tr)

    def summary(self, f: Finding, tr: Mapping[str, Any]) -> str:
        return text.summary(f, tr)

    def lead(self, f: Finding) -> Line:
        return sections.lead_sentence(f)

    def status_note(self, f: Finding) -> str:
        return "" if f.status == "ACTIVE" else f"この検出結果の状態: {status_label(f.status)}"

    def status_text(self, f: Finding) -> str:
        """A finding without a ``status`` of its own says so (a hand-built one, with no raw input, is as it says)."""
        raw = f.raw if isinstance(f.raw, dict) else {}
        return status_label(f.status) if raw.get("status") or not raw else "不明（通知に記載なし）"

    def cut_mark(self, value: str) -> str:
        return INSPECTOR_CUT_MARK if inspector_cut(value) else ""

    def detection_lines(self, f: Finding) -> list[Line]:
        d = details(f)
        if not (d.vendor_created or d.vendor_updated):
            return []
        vendor = [f"ベンダー公開: {jst(d.vendor_created)}"] if d.vendor_created else []
        if d.vendor_updated:
            vendor.append(f"ベンダー更新: {jst(d.vendor_updated)}")
        return [["、".join(vendor)]]

    def labels(self, f: Finding) -> tuple[str, ...]:
        return text.labels(f)

    def vulnerability_id(self, f: Finding) -> str:
        return details(f).vulnerability_id

    def resource_label(self, r: Resource) -> str:
        return resource_label(r)

    # ---- policy --------------------------------------------------------------------------------------------
    def filter_values(self, f: Finding) -> Mapping[str, Any]:
        d = details(f)
        values: dict[str, Any] = {"exploit": d.exploit_available, "fix": d.fix_available}
        if f.type == "PACKAGE_VULNERABILITY":
            values["epss"] = d.epss
        return values

    def risk_inputs(self, f: Finding) -> RiskInputs:
        d = details(f)
        n = d.network
        gateway = n is not None and n.from_internet_gateway
        return RiskInputs(
            d.exploit_available == "YES",
            d.epss,
            n.ports if gateway and n is not None else "",
            n.port_label if gateway and n is not None else "",
        )

    def group_key(self, f: Finding, mode: str) -> str | None:
        ids = grouping.group_ids(f, mode)
        return ids[0][1] if ids else None

    def group_ids(self, f: Finding, mode: str) -> list[tuple[str, str]]:
        return grouping.group_ids(f, mode)

    def member_fields(self, f: Finding, kind: str, gid: str) -> dict[str, Any]:
        return grouping.member_fields(f, kind, gid)

    def lead_info(self, f: Finding, kind: str, gid: str) -> dict[str, Any]:
        return grouping.lead_info(f, kind, gid)

    def lister(self, options: Any) -> Lister | None:
        from .lister import InspectorLister  # lazy: boto3 paging code is for `sync` only

        return InspectorLister.from_options(options)


SOURCE = InspectorSource()
