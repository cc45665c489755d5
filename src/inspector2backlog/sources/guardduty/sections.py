"""The GuardDuty issue: its 「概要」 (:func:`overview`), the body 何が起きたか / なぜ重要か / 調査手順 / 対応手順
(:func:`sections`), and the subject line.

The meaning comes from the knowledge base (:mod:`.knowledge`, written in Japanese); GuardDuty's English description is
translated only for a type the knowledge base does not know (:func:`texts`). Values (IPs, ids, principals, API names)
are table cells, as sent, escaped by the renderers.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ...findings.model import Finding
from ...render.doc import Block, Bullets, Code, Heading, Line, Para, Section, Strong, Table, code_spans
from ...render.labels import severity_ja
from ...render.safe import SUMMARY_LIMIT, summary_line, truncate
from . import model as m
from .core import resource_label
from .ja import explain, severity_ja as band_ja
from .knowledge import THREAT_PURPOSE_JA, Knowledge, lookup, parse_type

SAMPLE_MARK = "【サンプル】"
FACTS_HEADER = ("項目", "値")


def knowledge_of(d: m.GuardDutyDetails) -> Knowledge:
    return lookup(d.finding_type, resource_type=d.resource_type, action_type=d.action_type)


def texts(f: Finding) -> list[str]:
    """Only what the knowledge base does not carry: the description of a type it does not know."""
    d: m.GuardDutyDetails = f.details
    if knowledge_of(d).generic and f.description.strip():
        return [f.description]
    return []


code_line = code_spans  # knowledge-base text: `…` spans are inline code


def _purpose(d: m.GuardDutyDetails) -> str:
    return THREAT_PURPOSE_JA.get(parse_type(d.finding_type).purpose, "")


def lead(f: Finding) -> Line:
    d: m.GuardDutyDetails = f.details
    where = resource_label(f.primary_resource) or (f"AWS アカウント {f.account}" if f.account else "AWS 環境")
    what = f"「{_purpose(d)}」に分類される脅威" if _purpose(d) else "脅威"
    return [
        where,
        f" で、GuardDuty が{what} ",
        Code(d.finding_type),
        f" を検出しました。重要度は{band_ja(d.severity)}です。",
    ]


def _facts(rows: tuple[tuple[str, str], ...]) -> Table:
    return Table(FACTS_HEADER, [[[k], [v]] for k, v in rows])


@lru_cache(maxsize=1024)
def _knowledge_section(finding_type: str, resource_type: str | None, action_type: str | None) -> Section:
    """なぜ重要か / 調査手順 / 対応手順: the same for every finding of a type (built and rendered once)."""
    k = lookup(finding_type, resource_type=resource_type, action_type=action_type)
    blocks: list[Block] = [Heading("なぜ重要か"), Para(code_line(k.why))]
    if k.false_positive:
        blocks.append(Para(["誤検知になりやすい状況: ", *code_line(k.false_positive)]))
    blocks += [Heading("調査手順"), Bullets([code_line(s) for s in k.investigate])]
    blocks += [Heading("対応手順"), Bullets([code_line(s) for s in k.respond])]
    return Section(("guardduty-knowledge", finding_type, resource_type, action_type), tuple(blocks))


#: the bold line under the lead of a finding that is no longer open (``Finding.state``)
STATE_NOTE = {
    "archived": "この検出結果は GuardDuty でアーカイブされています。",
    "closed": "この検出結果は解決済みです。",
    "suppressed": "この検出結果は抑制されています。",
}


def overview(f: Finding) -> list[Block]:
    """「概要」: the sample mark, the Japanese lead (resource, threat purpose, type, severity band), the state when it
    is not open, and the occurrence notes."""
    d: m.GuardDutyDetails = f.details
    ja = explain(d)
    blocks: list[Block] = [Heading("概要")]
    if d.sample:
        blocks.append(Para([Strong(SAMPLE_MARK + ja.notes[0])]))
    blocks.append(Para(lead(f)))
    note = STATE_NOTE.get(f.state)
    if note:
        blocks.append(Para([Strong(note)]))
    blocks += [Para([n]) for n in ja.notes[1 if d.sample else 0 :]]
    return blocks


def sections(f: Finding, tr: Mapping[str, Any]) -> list[Block]:
    d: m.GuardDutyDetails = f.details
    ja = explain(d)
    blocks: list[Block] = [Heading("何が起きたか"), *(Para(code_line(s)) for s in ja.summary)]
    if ja.generic and f.description.strip():
        t = tr.get(f.description)
        if t is not None and getattr(t, "translated", False):
            blocks.append(Para(["GuardDuty の説明（翻訳）: ", t.text]))
        else:
            blocks.append(Para(["GuardDuty の説明（原文）: ", f.description]))
    blocks.append(_facts(ja.facts))
    blocks.append(_knowledge_section(d.finding_type, d.resource_type, d.action_type))
    return blocks


def summary(f: Finding, tr: Mapping[str, Any]) -> str:
    """``【重要 8.0】【サンプル】不正アクセス UnauthorizedAccess:S3/TorIPCaller — S3 バケット b (acct / region)``."""
    d: m.GuardDutyDetails = f.details
    num = f" {f.severity_source}" if f.severity_source else ""
    text = f"【{severity_ja(f.severity)}{num}】" + (SAMPLE_MARK if d.sample else "")
    purpose = _purpose(d)
    text += f"{purpose} {d.finding_type}" if purpose else d.finding_type
    where = resource_label(f.primary_resource)
    if where:
        text += " — " + where + (f" ほか {len(f.resources) - 1} 件" if len(f.resources) > 1 else "")
    scope = " / ".join(x for x in (f.account, f.region) if x)
    if scope:
        text += f" ({scope})"
    return truncate(summary_line(text), SUMMARY_LIMIT, "…")
