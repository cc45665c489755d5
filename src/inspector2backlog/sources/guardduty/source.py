"""Amazon GuardDuty on the source seam (:class:`~inspector2backlog.sources.base.Source`).

Lifecycle: a re-occurrence keeps the finding's id and raises ``service.count``; count, last-seen and ``updatedAt``
alone are not material. A new severity band, a new actor IP address or country, or a new affected resource is (one
Japanese line each). ``service.archived = true`` → state ``archived`` (the issue closes with
``[sources.guardduty] archived_resolution``); a later copy with ``archived = false`` → ``open`` (it reopens).

Grouping: mode ``type`` groups by finding type + primary resource (every ``Recon:EC2/PortProbeUnprotectedPort`` on one
instance is one group issue, the same type on another instance another); other modes do not apply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...findings.model import EventMeta, Finding, Item, Skipped, Unparsed
from ...render.doc import Block
from ...render.labels import severity_ja
from ...render.wording import listed
from ..base import BaseSource, Lister
from . import model as m, sections as body, securityhub_copy
from .core import NAME, severity_number, to_finding
from .parse import GuardDutyParseError, material_snapshot, parse_document, parse_finding, recognise

LABEL = "Amazon GuardDuty"
MAX_LISTED = 10  # values named in one change line before "ほか N 件"
STATUS_JA = {"open": "有効", "archived": "アーカイブ済み", "closed": "解決済み", "suppressed": "抑制済み"}


def _envelope(event: EventMeta | None) -> dict[str, Any] | None:
    return {"account": event.account, "region": event.region} if event is not None else None


def _listed(values: list[str]) -> str:
    return listed(values, MAX_LISTED)


class GuardDutySource(BaseSource):
    name = NAME
    label = LABEL

    def parse(self, value: Mapping[str, Any], origin: str, event: EventMeta | None) -> Iterator[Item]:
        """A finding (camelCase or PascalCase), an event, or a GetFindings page; never raises."""
        try:
            kind = recognise(value)
            if kind == "finding":
                yield to_finding(parse_finding(value, event=_envelope(event)), value, origin, event)
                return
            if kind is None:
                raise GuardDutyParseError("GuardDuty の検出結果として読めません（id / type / service がありません）")
            items = _raw_items(value, kind)
            parsed = parse_document(value)
            for n, d in enumerate(parsed.findings):
                raw = items.get(d.finding_id, value)
                where = origin if kind == "event" else f"{origin}#findings[{n}]"
                meta = event
                yield to_finding(d, raw, where, meta)
            for s in parsed.skipped:
                if kind == "event":
                    yield Skipped(
                        origin,
                        f"GuardDuty の検出結果以外のイベントです（{s.reason}）",
                        str(value.get("detail-type", "")),
                    )
                else:
                    bad = items.get(str(s.index))
                    yield Unparsed(f"{origin}#findings[{s.index}]", s.reason, bad if bad is not None else value)
        except GuardDutyParseError as e:
            yield Unparsed(origin, e.reason, value)
        except Exception as e:  # noqa: BLE001 - odd input must end as a fallback issue, never a crash
            yield Unparsed(origin, f"GuardDuty の検出結果の解析中に予期しないエラー: {type(e).__name__}", value)

    def snapshot(self, f: Finding) -> dict[str, Any]:
        d: m.GuardDutyDetails = f.details
        s = material_snapshot(d)
        return {
            "severity": d.severity.level,
            "number": severity_number(d.severity.number),  # shown in the change line; not compared alone
            "ips": list(s.actor_ips),
            "countries": list(s.countries),
            "resources": list(s.resources),
        }

    def describe(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
        out: list[str] = []
        if old.get("severity") != new.get("severity"):
            before = f"{severity_ja(str(old.get('severity') or ''))} {old.get('number') or ''}".strip()
            after = f"{severity_ja(str(new.get('severity') or ''))} {new.get('number') or ''}".strip()
            out.append(f"重要度: {before} → {after}")
        for key, label in (
            ("ips", "新しい送信元 IP アドレス"),
            ("countries", "新しい送信元の国"),
            ("resources", "影響を受けるリソースが追加"),
        ):
            added = sorted(set(new.get(key) or ()) - set(old.get(key) or ()))
            if added:
                out.append(f"{label}: {_listed(added)}")
        return out

    def texts(self, f: Finding) -> list[str]:
        return body.texts(f)

    def sections(self, f: Finding, tr: Mapping[str, Any]) -> list[Block]:
        return body.sections(f, tr)

    def summary(self, f: Finding, tr: Mapping[str, Any]) -> str:
        return body.summary(f, tr)

    def overview(self, f: Finding, tr: Mapping[str, Any]) -> list[Block] | None:
        return body.overview(f)

    def from_securityhub(self, f: Finding) -> Finding | None:
        """The Security Hub copy of a GuardDuty finding, read as GuardDuty's own (issue 13 item 4)."""
        return securityhub_copy.from_securityhub(f)

    def status_text(self, f: Finding) -> str:
        """GuardDuty has no status field: ``service.archived`` says it (a Security Hub copy: that copy's state)."""
        ja = STATUS_JA.get(f.state, STATUS_JA["open"])
        return f"{ja} ({f.status})" if f.status else ja

    def group_key(self, f: Finding, mode: str) -> str | None:
        if mode != "type":
            return None
        primary = f.primary_resource
        return f"{NAME}:{f.type}:{primary.id if primary else f.account}"

    def lister(self, options: Any) -> Lister | None:
        from .lister import GuardDutyLister  # lazy: boto3 paging code is for `sync` only

        return GuardDutyLister.from_options(options)


def _raw_items(value: Any, kind: str) -> dict[str, Any]:
    """The raw object of each finding of a document, by finding id (the finding's ``raw``), and by index."""
    if kind == "event":
        detail = value.get("detail")
        return (
            {str((detail or {}).get("id") or (detail or {}).get("Id")): detail} if isinstance(detail, Mapping) else {}
        )
    items = value if isinstance(value, list) else value.get("findings") or value.get("Findings") or []
    out: dict[str, Any] = {}
    for n, x in enumerate(items if isinstance(items, list) else []):
        out[str(n)] = x
        if isinstance(x, Mapping):
            out[str(x.get("id") or x.get("Id"))] = x
    return out


SOURCE = GuardDutySource()
