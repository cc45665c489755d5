"""The Protocol's ``texts`` / ``sections`` / ``summary`` for Security Hub findings.

A control finding says in Japanese which check failed on which resource, why it matters and how to fix it (our
own text for the 152 CRITICAL / HIGH / CIS controls, AWS's remediation text translated for the rest), always with
the control id, its standards and AWS's remediation URL. Other findings show the translated description and
remediation and their product's facts (:mod:`.products`).

Product-aware rendering (issue 13 item 4): when the product's own source is registered and offers
``from_securityhub(f) -> Finding | None`` (its ``details`` built from ``f.raw`` / ``f.details``), that source's
``texts`` and ``sections`` are used, so an Inspector / GuardDuty / Access Analyzer finding reads the same whichever
way it came; the Security Hub facts follow. Without it the blocks of :mod:`.products` stand in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import sources
from ...findings.model import Finding
from ...render.doc import Block, Code, Heading, Line, Para, Table, code_spans
from ...render.labels import SEVERITY_JA
from ...render.links import inline_links, quoted
from ...render.safe import summary_line
from . import products
from .identity import identity_of, product_of
from .ja import ENGLISH_MARK, control_text
from .model import SecurityHubDetails

__all__ = ["PRODUCT_SOURCES", "RECORD_JA", "WORKFLOW_JA", "delegate", "sections", "summary", "texts"]

#: the product (identity.product_of) → the registry name of its own source
PRODUCT_SOURCES = {"inspector2": "inspector2", "guardduty": "guardduty", "access-analyzer": "access_analyzer"}
WORKFLOW_JA = {"NEW": "新規", "NOTIFIED": "通知済み", "RESOLVED": "解決済み", "SUPPRESSED": "抑制済み"}
RECORD_JA = {"ACTIVE": "有効", "ARCHIVED": "アーカイブ済み"}
_FOR_PRODUCT = {
    "inspector2": products.inspector_blocks,
    "guardduty": products.guardduty_blocks,
    "access-analyzer": products.access_analyzer_blocks,
}


def _details(f: Finding) -> SecurityHubDetails:
    d = f.details
    if not isinstance(d, SecurityHubDetails):  # the pipeline only hands a source its own findings
        raise TypeError(f"not a Security Hub finding: {type(d).__name__}")
    return d


#: the last finding :func:`delegate` answered for, and its answer: the frame asks several times per issue
_LAST: tuple[Finding, tuple[Any, Finding] | None] | None = None


def delegate(f: Finding) -> tuple[Any, Finding] | None:
    """The product's own source and its reading of ``f``, when that source can read a Security Hub copy."""
    global _LAST
    last = _LAST
    if last is not None and last[0] is f:
        return last[1]
    found = _delegate(f)
    _LAST = (f, found)
    return found


def _delegate(f: Finding) -> tuple[Any, Finding] | None:
    name = PRODUCT_SOURCES.get(product_of(_details(f)))
    if name is None:
        return None
    try:
        src = sources.get(name)
    except (KeyError, ImportError):  # not registered (yet) in this build
        return None
    adopt = getattr(src, "from_securityhub", None)
    inner = adopt(f) if callable(adopt) else None
    return (src, inner) if isinstance(inner, Finding) else None


def texts(f: Finding) -> list[str]:
    d = _details(f)
    inner = delegate(f) if not d.control_id else None
    if inner is not None:  # the product's source lays out the whole issue: what it translates is all there is
        return [t for t in dict.fromkeys(inner[0].texts(inner[1])) if t.strip()]
    out: list[str] = []
    control = control_text(d)
    if control is None or not control.title_is_japanese:
        out.append(d.title or "")
    out.append(d.description or "")
    if control is None or control.fix is None:
        out.append(d.remediation.text or "")
    return [t for t in dict.fromkeys(out) if t.strip()]  # distinct, in order


def _translated(tr: Mapping[str, Any], text: str) -> tuple[Line, bool]:
    t = tr.get(text)
    if t is not None and getattr(t, "translated", False):
        return [t.text], True
    return [], False


def _text_blocks(tr: Mapping[str, Any], text: str | None, heading: str, who: str) -> list[Block]:
    if not text or not text.strip():
        return []
    line, ok = _translated(tr, text)
    if ok:
        return [Heading(heading), Para(inline_links(str(line[0])))]
    return [Heading(heading), Para([f"{who}（未翻訳・原文）:"]), *quoted(text)]


def _control_blocks(f: Finding, d: SecurityHubDetails, tr: Mapping[str, Any]) -> list[Block]:
    c = control_text(d)
    if c is None:
        return []
    title: Line = [c.title]
    if not c.title_is_japanese:
        line, ok = _translated(tr, d.title or "")
        title = [*line, "（AWS の英語タイトルを翻訳）"] if ok else [c.title]
    rows: list[list[Line]] = []
    for k, v in c.rows:
        if k == "チェック内容":
            rows.append([[k], title])
        elif k == "AWS の修正手順":
            rows.append([[k], products.url(v)])
        elif k == "コントロール ID":
            rows.append([[k], [Code(v)]])
        else:
            rows.append([[k], [v]])
    blocks: list[Block] = [Heading("コントロールのチェック結果"), Table(("項目", "内容"), rows)]  # headline: 「概要」
    if c.why:
        blocks += [Heading("なぜ重要か"), Para(code_spans(c.why))]
    if c.fix:  # our own text: `…` spans are commands, shown as code
        blocks += [Heading("対応方法"), Para(code_spans(c.fix) if "`" in c.fix else inline_links(c.fix))]
    else:
        blocks += _text_blocks(tr, d.remediation.text, "対応方法", "AWS の修正手順")
    if c.remediation_url:
        blocks.append(Para(["AWS の修正手順: ", *products.url(c.remediation_url)]))
    blocks += _text_blocks(tr, d.description, "AWS によるコントロールの説明", "AWS の説明")
    return blocks


def _provenance(f: Finding, d: SecurityHubDetails) -> list[Block]:
    """「Security Hub の情報」: the product, generator, workflow and record state, the envelope, the Security Hub id."""
    rows: list[tuple[str, Line]] = [("製品", [d.product_name or d.product_arn or "不明"])]
    if d.generator_id:
        rows.append(("ジェネレーター ID", [Code(d.generator_id)]))
    if d.types:
        rows.append(("検出結果の種類（Types）", ["、".join(d.types)]))
    if d.format == "asff":
        if d.workflow_status:
            rows.append(("ワークフローの状態", [WORKFLOW_JA.get(d.workflow_status, d.workflow_status)]))
        if d.record_state:
            rows.append(("レコードの状態", [RECORD_JA.get(d.record_state, d.record_state)]))
    else:
        if d.status:
            rows.append(("ステータス（OCSF）", [d.status]))
        if d.activity_name:
            rows.append(("アクティビティ", [d.activity_name]))
    if f.severity_source:
        rows.append(("Security Hub の重要度", [f.severity_source]))
    if d.action_name:
        rows.append(("カスタムアクション", [d.action_name]))
    if identity_of(d).key != d.id:
        rows.append(("Security Hub の検出結果 ID", [Code(d.id)]))
    if d.source_url:
        rows.append(("製品コンソール", products.url(d.source_url)))
    return [Heading("Security Hub の情報"), Table(("項目", "内容"), [[[k], v] for k, v in rows])]


def sections(f: Finding, tr: Mapping[str, Any]) -> list[Block]:
    d = _details(f)
    if d.control_id:
        return [*_control_blocks(f, d, tr), *products.resource_blocks(d), *_provenance(f, d)]
    inner = delegate(f)
    if inner is not None:
        return [*inner[0].sections(inner[1], tr), *_provenance(f, d)]
    build = _FOR_PRODUCT.get(product_of(d))  # the description is the frame's 「概要」
    blocks: list[Block] = build(d) if build is not None else []
    blocks += products.resource_blocks(d)
    blocks += _text_blocks(tr, d.remediation.text, "推奨対応", "推奨")
    if d.remediation.url:
        blocks.append(Para(["詳細: ", *products.url(d.remediation.url)]))
    return [*blocks, *_provenance(f, d)]


def _resource_short(d: SecurityHubDetails) -> str:
    res = d.primary_resource
    if res is None:
        return ""
    label = res.name_tag or res.id.rsplit(":", 1)[-1].rsplit("/", 1)[-1] or res.id
    more = f" ほか {len(d.resources) - 1} 件" if len(d.resources) > 1 else ""
    return f"{label}{more}"


def summary(f: Finding, tr: Mapping[str, Any]) -> str:
    """``【重要】S3.1 S3 汎用バケットで…（my-bucket）`` for a control; ``【重要】<title>（<resource>）`` otherwise."""
    d = _details(f)
    inner = delegate(f) if not d.control_id else None
    if inner is not None:  # the subject the product's own finding has: one issue reads alike whichever way it came
        return str(inner[0].summary(inner[1], tr))
    head = f"【{SEVERITY_JA.get(d.severity.label, d.severity.label)}】"
    c = control_text(d)
    if c is not None:
        title = c.title
        if not c.title_is_japanese:
            line, ok = _translated(tr, d.title or "")
            title = str(line[0]) if ok else c.title.removesuffix(ENGLISH_MARK)
        text = f"{c.control_id} {title}"
    else:
        line, ok = _translated(tr, d.title or "")
        text = str(line[0]) if ok else (d.title or d.id)
    where = _resource_short(d)
    return summary_line(f"{head}{text}" + (f"（{where}）" if where else ""))
