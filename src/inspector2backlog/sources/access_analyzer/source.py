"""IAM Access Analyzer on the source seam (:class:`~inspector2backlog.sources.base.Source`).

Identity: ``access-analyzer:finding/<id>`` — the finding id (a UUID) alone, because an EventBridge event names the
analyzer only in its envelope's ``resources`` (which the parsed event metadata does not keep) while ``sync`` knows it
from ListAnalyzers: a key with the analyzer ARN in it would differ between the two paths and file the finding twice.
The analyzer ARN is kept in the details and shown in the issue.

State: ACTIVE → open; RESOLVED → closed (対応済み); ARCHIVED → archived (``archived_resolution``, default 対応しない);
``isDeleted`` → closed whatever the status. Unknown statuses stay open.

Severity: Access Analyzer has none; the project's level is derived from what the finding grants (public external
access HIGH, other external access MEDIUM, internal and unused access LOW, a failed analysis INFORMATIONAL).
``severity_source`` stays "" (nothing to show from the service).

Grouping: mode ``type`` groups by finding type + resource (several principals granted on one bucket are one group
issue); other modes do not apply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...findings.model import EventMeta, Finding, Item, Resource, Skipped, Unparsed
from ...render.doc import Block
from ...render.wording import listed
from ..base import BaseSource, Lister
from . import model as m, sections as body, securityhub_copy
from .parse import (
    AccessAnalyzerParseError,
    lifecycle_status,
    material_snapshot,
    parse_document,
    parse_finding,
    recognise,
)

NAME = "access_analyzer"
LABEL = "IAM Access Analyzer"
KEY_PREFIX = "access-analyzer:finding/"
_STATE = {"deleted": "closed", "resolved": "closed", "archived": "archived", "active": "open"}
MAX_LISTED = 10
_STATUS_TEXT = {"ACTIVE": "未対応", "ARCHIVED": "アーカイブ済み", "RESOLVED": "解決済み"}  # 「状態」 of 「検出日時」


def severity_of(d: m.AccessAnalyzerDetails) -> str:
    if d.kind == "external" and d.is_public:
        return "HIGH"
    if d.kind == "external" and (d.accesses or d.summary_only):
        return "MEDIUM"
    if d.error and not d.accesses:
        return "INFORMATIONAL"
    if d.kind == "external":
        return "MEDIUM"
    return "LOW"


def to_finding(d: m.AccessAnalyzerDetails, raw: Mapping[str, Any], origin: str, event: EventMeta | None) -> Finding:
    region = d.region or (event.region if event else "")
    resources = (Resource(d.resource_type or "", d.resource, region=region),) if d.resource else ()
    return Finding(
        arn=KEY_PREFIX + d.finding_id,
        account=d.account_id or d.resource_owner_account or (event.account if event else ""),
        type=d.finding_type,
        severity=severity_of(d),
        status=d.status or "ACTIVE",
        title=" ".join(x for x in (d.finding_type, d.resource_type, d.resource) if x),
        description="",
        first_observed=d.created_at,
        last_observed=d.analyzed_at or d.updated_at,
        updated_at=d.updated_at or d.analyzed_at,
        resources=resources,
        event=event,
        origin=origin,
        raw=dict(raw),
        source=NAME,
        state=_STATE[lifecycle_status(d)],
        severity_source="",
        details=d,
    )


def _env(value: Mapping[str, Any], event: EventMeta | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {"detail-type": event.detail_type, "account": event.account, "region": event.region}


def _listed(values: list[str]) -> str:
    return listed(values, MAX_LISTED)


class AccessAnalyzerSource(BaseSource):
    name = NAME
    label = LABEL

    def parse(self, value: Mapping[str, Any], origin: str, event: EventMeta | None) -> Iterator[Item]:
        """A finding (v1, v2, summary, event detail), an event, or a GetFinding / ListFindings document."""
        try:
            if "changeType" in value:
                # ListAccessPreviewFindings: what a policy *would* allow, previewed before it is applied
                yield Skipped(origin, "IAM Access Analyzer のアクセスプレビューの結果です（検出結果ではありません）")
                return
            kind = recognise(value)
            if kind == "finding" or kind == "get_finding_v2":
                d = parse_finding(value, event=_env(value, event), analyzer_arn=_text(value, "analyzerArn"))
                yield to_finding(d, value, origin, event)
                return
            if kind is None:
                raise AccessAnalyzerParseError(
                    "IAM Access Analyzer の検出結果として読めません（id / resourceType がありません）"
                )
            parsed = parse_document(value)
            items = _items(value, kind)
            for n, d in enumerate(parsed.findings):
                raw = items.get(d.finding_id, value)
                yield to_finding(d, raw, origin if len(parsed.findings) == 1 else f"{origin}#findings[{n}]", event)
            for s in parsed.skipped:
                yield Skipped(
                    origin,
                    f"IAM Access Analyzer の検出結果ではありません（{s.reason}）",
                    str(value.get("detail-type", "")),
                )
        except AccessAnalyzerParseError as e:
            yield Unparsed(origin, e.reason, value)
        except Exception as e:  # noqa: BLE001 - odd input must end as a fallback issue, never a crash
            yield Unparsed(
                origin, f"IAM Access Analyzer の検出結果の解析中に予期しないエラー: {type(e).__name__}", value
            )

    def snapshot(self, f: Finding) -> dict[str, Any]:
        d: m.AccessAnalyzerDetails = f.details
        return material_snapshot(d).as_dict()

    def describe(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
        out: list[str] = []
        old_p = {tuple(p) for p in old.get("principals") or ()}
        added = sorted(f"{k}: {v}" for k, v in {tuple(p) for p in new.get("principals") or ()} - old_p)
        if added:
            out.append(f"アクセスできる主体が追加: {_listed(added)}")
        acts = sorted(set(new.get("actions") or ()) - set(old.get("actions") or ()))
        if acts:
            out.append(f"許可されている操作が追加: {_listed(acts)}")
        if bool(old.get("public")) != bool(new.get("public")):
            out.append("公開: " + ("いいえ → はい（誰でもアクセスできます）" if new.get("public") else "はい → いいえ"))
        if sorted(map(tuple, old.get("conditions") or ())) != sorted(map(tuple, new.get("conditions") or ())):
            conds = [f"{k} = {v}" for k, v in new.get("conditions") or ()]
            out.append(f"条件が変わりました: {_listed(conds) if conds else 'なし（無条件）'}")
        unused = sorted(set(new.get("unused") or ()) - set(old.get("unused") or ()))
        if unused:
            out.append(f"使われていない権限が追加: {_listed(unused)}")
        return out

    def texts(self, f: Finding) -> list[str]:
        return []  # nothing in English to translate: every sentence is built in Japanese from the fields

    def sections(self, f: Finding, tr: Mapping[str, Any]) -> list[Block]:
        return body.sections(f)

    def summary(self, f: Finding, tr: Mapping[str, Any]) -> str:
        return body.summary(f)

    def overview(self, f: Finding, tr: Mapping[str, Any]) -> list[Block] | None:
        return body.overview(f)

    def from_securityhub(self, f: Finding) -> Finding | None:
        """The Security Hub copy of an Access Analyzer finding, read as Access Analyzer's own (issue 13 item 4)."""
        return securityhub_copy.from_securityhub(f)

    def status_text(self, f: Finding) -> str:
        d: m.AccessAnalyzerDetails = f.details
        status = d.status or f.status
        shown = f"{_STATUS_TEXT[status]} ({status})" if status in _STATUS_TEXT else (status or "不明")
        return shown + ("、リソースは削除済み" if d.is_deleted else "")

    def group_key(self, f: Finding, mode: str) -> str | None:
        if mode != "type":
            return None
        d: m.AccessAnalyzerDetails = f.details
        return f"{NAME}:{f.type}:{d.resource or f.account}"

    def lister(self, options: Any) -> Lister | None:
        from .lister import AccessAnalyzerLister  # lazy: boto3 paging code is for `sync` only

        return AccessAnalyzerLister.from_options(options)


def _text(value: Mapping[str, Any], key: str) -> str | None:
    v = value.get(key)
    return v if isinstance(v, str) and v else None


def _items(value: Any, kind: str) -> dict[str, Any]:
    if kind == "event":
        detail = value.get("detail")
        return {str(detail.get("id") or detail.get("findingId")): detail} if isinstance(detail, Mapping) else {}
    doc = value.get("data", value) if isinstance(value, Mapping) and "status_code" in value else value
    if kind == "get_finding":
        f = doc.get("finding")
        return {str(f.get("id")): f} if isinstance(f, Mapping) else {}
    items = doc if isinstance(doc, list) else doc.get("findings") or []
    return {str(x.get("id") or x.get("findingId")): x for x in items if isinstance(x, Mapping)}


SOURCE = AccessAnalyzerSource()
