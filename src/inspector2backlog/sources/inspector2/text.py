"""An Inspector issue's subject, the texts worth translating and its labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...findings.model import Finding
from ...render.labels import FINDING_TYPE_JA, RESOURCE_SHORT, severity_ja
from ...render.safe import SUMMARY_LIMIT, summary_line, truncate
from ...render.wording import others, severity_head
from .packages import merge_packages
from .resources import resource_label
from .sections import details, headline

EMPTY_SUBJECT = "内容の記載がない Inspector の検出結果"


def texts(f: Finding) -> list[str]:
    out = [f.description]
    if f.recommendation:
        out.append(f.recommendation)
    if details(f).network and f.title:
        out.append(f.title)
    return [t for t in out if t and t.strip()]


def summary(f: Finding, tr: Mapping[str, Any]) -> str:
    head = severity_head(f.severity, headline(details(f))[0])
    subject = _subject(f, tr) or EMPTY_SUBJECT
    where = resource_label(f.primary_resource) if f.resources else ""
    if len(f.resources) > 1:
        where += others(len(f.resources) - 1)
    scope = " / ".join(x for x in (f.account, f.region) if x)
    text = head + subject
    if where:
        text += " — " + where
    if scope:
        text += f" ({scope})"
    return truncate(summary_line(text), SUMMARY_LIMIT, "…")


def _subject(f: Finding, tr: Mapping[str, Any]) -> str:
    d = details(f)
    if f.type == "PACKAGE_VULNERABILITY" or d.packages:
        vid = d.vulnerability_id or f.title
        if d.packages:
            merged = merge_packages(d.packages)
            return f"{vid} {merged[0].label}{others(len(merged) - 1)}".strip()
        return vid
    if d.network:
        t = tr.get(f.title)
        if t is not None and t.translated:
            return str(t.text)
        return f"ポート {d.network.port_label} が外部から到達可能"
    if d.code:
        cwes = "、".join(d.code.cwes)
        return " ".join(x for x in (cwes, d.code.detector_name or f.title) if x)
    return f.title or d.vulnerability_id or FINDING_TYPE_JA.get(f.type, "" if f.type == "UNKNOWN" else f.type)


def labels(f: Finding) -> tuple[str, ...]:
    out = ["Inspector", FINDING_TYPE_JA.get(f.type, f.type), severity_ja(f.severity)]
    if f.primary_resource:
        out.append(RESOURCE_SHORT.get(f.primary_resource.type, f.primary_resource.type))
    vid = details(f).vulnerability_id
    if vid:
        out.append(vid)
    return tuple(out)
