"""An Inspector issue's own sections, between the common 「概要」 and 「検出日時」: scores and CVSS, exploit and fix,
resources, packages, network path, code location, then :mod:`.remediation`'s 「推奨対応」 and 「参考情報」."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from ...findings.model import Finding
from ...findings.timestamps import jst
from ...render.doc import Block, Bullets, Code, Heading, Line, Link, Para, Section, Strong, Table
from ...render.labels import COMPONENT_JA, SOURCE_JA, severity_ja, yes_no
from ...render.wording import cell_code, codes, detector_ja, line_range, missing_sentence, others, percent, shown_vector
from .cvss import explain
from .model import EMPTY, InspectorDetails, Package
from .packages import fixed_version, layer_line, locations, merge_packages
from .remediation import references, remediation
from .resources import fn_account, long_label, resource_lines
from .vendor_severity import vendor_severity_text

MAX_PACKAGES = 200
_CACHE: dict[Hashable, Section] = {}


def details(f: Finding) -> InspectorDetails:
    """``f.details`` (a hand-built Finding may carry none)."""
    d = f.details
    return d if isinstance(d, InspectorDetails) else EMPTY


def cached(key: Hashable, make: Callable[[], list[Block]]) -> Section:
    """A section that depends only on ``key``: built once, rendered once per format (see :class:`Section`)."""
    sec = _CACHE.get(key)
    if sec is None:
        if len(_CACHE) >= 4096:
            _CACHE.clear()
        sec = _CACHE[key] = Section(key, tuple(make()))
    return sec


def sections(f: Finding, tr: Mapping[str, Any]) -> list[Block]:
    d = details(f)
    rec_t = tr.get(f.recommendation)
    code_refs = d.code.reference_urls if d.code else ()
    account = fn_account(f)
    blocks: list[Block] = [
        cached(
            (
                "scores",
                f.type,
                f.severity,
                d.inspector_score,
                d.adjusted_cvss,
                d.cvss,
                d.vendor_severity,
                d.vulnerability_source,
            ),
            lambda: _scores(f, d),
        ),
        cached(
            ("exploit", d.exploit_available, d.last_known_exploit, d.epss, d.fix_available),
            lambda: _exploit_and_fix(d),
        ),
    ]
    blocks += _resources(f)
    if d.packages:
        blocks.append(cached(("packages", d.packages, account), lambda: _packages(d.packages, account)))
    if d.network:
        blocks += _network(d)
    if d.code:
        blocks += _code(d, account)
    blocks.append(
        cached(
            (
                "remediation",
                d.packages,
                account,
                d.network,
                d.code,
                f.recommendation,
                f.recommendation_url,
                rec_t,
            ),
            lambda: remediation(f, d, tr, account),
        )
    )
    blocks.append(
        cached(
            (
                "references",
                d.source_url,
                d.reference_urls,
                f.recommendation_url,
                code_refs,
                d.vulnerability_id,
                d.related_vulnerabilities,
            ),
            lambda: references(f, d),
        )
    )
    return blocks


# ---- 概要's first sentence -------------------------------------------------------------------------------------


def lead_sentence(f: Finding) -> Line:
    d = details(f)
    if f.primary_resource is None and not (d.packages or d.network or d.code):
        return [missing_sentence(f.raw)]
    where = long_label(f.primary_resource)
    sev = severity_ja(f.severity)
    if d.packages:
        merged = merge_packages(d.packages)
        names = codes([m.label for m in merged[:3]])
        return [
            where,
            " のパッケージ ",
            *names,
            others(len(merged) - 3),
            " に脆弱性 ",
            Code(d.vulnerability_id or f.title),
            f"（深刻度: {sev}）が見つかりました。",
        ]
    if d.network:
        n = d.network
        src = _network_source(d)
        return [where, " のポート ", Code(f"{n.ports}/{n.protocol}"), f" が{src}から到達可能です（深刻度: {sev}）。"]
    if d.code:
        c = d.code
        loc = c.file_path or c.file_name or "ソースコード"
        at = f" の {line_range(c.start_line, c.end_line)}で、" if c.start_line is not None else " で、"
        return [
            where,
            " のコード ",
            Code(loc),
            at,
            detector_ja(c.detector_name) if c.detector_name else "問題",
            "（" + "、".join(c.cwes) + "）" if c.cwes else "",
            f"が検出されました（深刻度: {sev}）。",
        ]
    return [where, f" で Inspector の検出結果があります（深刻度: {sev}）。"]


def _network_source(d: InspectorDetails) -> str:
    for s in d.network.steps if d.network else ():
        label = COMPONENT_JA.get(s.component_type)
        if label:
            return label
    return "外部"


# ---- scores --------------------------------------------------------------------------------------------------


def headline(d: InspectorDetails) -> tuple[float | None, str]:
    """The summary's score and what it is."""
    score = d.headline_score
    if score is None:
        return None, ""
    if d.inspector_score is not None or (d.adjusted_cvss and d.adjusted_cvss.score is not None):
        return score, "Inspector スコア"
    cvss = d.best_cvss
    assert cvss is not None  # a headline score without Inspector's own score is a CVSS base score
    return score, f"CVSS {cvss.version} 基本値"


def _cvss_tables(vector: str, version: str) -> list[Block]:
    ex = explain(vector, version)
    if not ex.valid:
        return [Para([ex.error or "CVSS ベクターを解析できませんでした。", " ベクター: ", Code(vector)])]
    blocks: list[Block] = []
    for group in ex.group_names:
        rows = [[[f"{r.metric} ({r.code})"], [r.value]] for r in ex.rows if r.group == group]
        blocks.append(Table([f"CVSS {ex.version} {group}", "評価"], rows))
    return blocks


def _scores(f: Finding, d: InspectorDetails) -> list[Block]:
    score_label = headline(d)[1]
    rows: list[list[Line]] = [[["深刻度"], [f"{severity_ja(f.severity)} ({f.severity})"]]]
    adj = d.adjusted_cvss
    best = None
    if adj and adj.vector:
        score = d.inspector_score if d.inspector_score is not None else adj.score
        note = "環境による調整あり" if adj.adjustments else "環境による調整なし"
        src = SOURCE_JA.get(adj.score_source, adj.score_source)
        rows.append([["Inspector スコア"], [f"{_fmt(score)}（CVSS {adj.version}、出典 {src}、{note}）"]])
        rows.append([["ベクター"], cell_code(shown_vector(adj.vector))])
        vector, version = adj.vector, adj.version
    else:
        best = d.best_cvss
        if best is not None:
            src = SOURCE_JA.get(best.source, best.source)
            label = "Inspector スコア" if d.inspector_score is not None else score_label
            shown = d.inspector_score if d.inspector_score is not None else best.base_score
            rows.append([[label], [f"{_fmt(shown)}（CVSS {best.version}、出典 {src}）"]])
            rows.append([["ベクター"], cell_code(shown_vector(best.vector))])
            vector, version = best.vector, best.version
        else:
            na = f.type in ("NETWORK_REACHABILITY", "CODE_VULNERABILITY") and d.inspector_score is None
            rows.append(
                [
                    ["CVSS スコア"],
                    ["対象外（この種類の検出結果には CVSS スコアがありません）" if na else "提供されていません"],
                ]
            )
            vector = version = ""
    if d.vendor_severity:
        rows.append([["ベンダーの深刻度"], [vendor_severity_text(d.vendor_severity, d.vulnerability_source)]])
    blocks: list[Block] = [Heading("深刻度とスコア"), Table(["項目", "値"], rows)]
    if adj and adj.adjustments:
        blocks.append(Para(["Inspector による環境に応じた調整:"]))
        blocks.append(Bullets([[Code(m or "?"), "：", r or "（理由の記載なし）"] for m, r in adj.adjustments]))
    if vector:
        blocks += _cvss_tables(vector, version)
    shown_pair = (vector, version)
    rest = [c for c in d.cvss if (c.vector, c.version) != shown_pair]
    if rest:
        rows2 = [
            [[c.version], [SOURCE_JA.get(c.source, c.source)], [_fmt(c.base_score)], cell_code(shown_vector(c.vector))]
            for c in rest
        ]
        blocks.append(Para(["そのほかの CVSS 評価:"]))
        blocks.append(Table(["バージョン", "出典", "基本値", "ベクター"], rows2))
    return blocks


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def _exploit_and_fix(d: InspectorDetails) -> list[Block]:
    if not (d.exploit_available or d.fix_available or d.epss is not None):
        return []
    items: list[Line] = []
    if d.exploit_available:
        line: list = ["既知の悪用: ", Strong(yes_no(d.exploit_available))]
        if d.last_known_exploit:
            line.append(f"（最終確認 {jst(d.last_known_exploit)}）")
        items.append(line)
    else:
        items.append(["既知の悪用: 情報なし"])
    if d.epss is not None:
        items.append([f"悪用可能性 (EPSS): {percent(d.epss)}（30 日以内に悪用される確率の推定）"])
    if d.fix_available:
        items.append(["修正の有無: ", Strong(yes_no(d.fix_available))])
    return [Heading("悪用・修正の状況"), Bullets(items)]


# ---- resources, packages, network, code ----------------------------------------------------------------------


def _resources(f: Finding) -> list[Block]:
    blocks: list[Block] = [Heading("対象リソース")]
    if not f.resources:
        blocks.append(Para(["リソース情報がありません。"]))
        return blocks
    for r in f.resources[:20]:
        blocks.append(Bullets(resource_lines(f, r)))
    if len(f.resources) > 20:
        blocks.append(Para([f"他 {len(f.resources) - 20} 件のリソース"]))
    return blocks


def _packages(pkgs: tuple[Package, ...], account: str = "") -> list[Block]:
    rows: list[list[Line]] = []
    merged = merge_packages(pkgs)
    for m in merged[:MAX_PACKAGES]:
        p = m.pkg
        fixed: Line = [Code(fixed_version(p))] if p.fix_known else ["未提供" if p.fixed_in == "NotAvailable" else "—"]
        rows.append(
            [
                cell_code(p.name),
                cell_code(p.full_version or "?"),
                fixed,
                [p.package_manager or "—"],
                locations(m, account),
            ]
        )
    blocks: list[Block] = [
        Heading("影響を受けるパッケージ"),
        Table(["パッケージ", "現在のバージョン", "修正バージョン", "種別", "場所"], rows),
    ]
    if len(merged) > MAX_PACKAGES:
        blocks.append(Para([f"他 {len(merged) - MAX_PACKAGES} 件のパッケージ"]))
    return blocks


def _network(d: InspectorDetails) -> list[Block]:
    n = d.network
    assert n is not None
    items: list[Line] = [
        ["開放ポート: ", Code(n.ports)],
        ["プロトコル: ", n.protocol or "不明"],
    ]
    if n.steps:
        path: list = ["経路: "]
        for i, s in enumerate(n.steps):
            if i:
                path.append(" → ")
            path += [COMPONENT_JA.get(s.component_type, s.component_type or "?"), " ", Code(s.component_id)]
        items.append(path)
    blocks: list[Block] = [Heading("ネットワーク到達性"), Bullets(items)]
    if n.steps:
        rows: list[list[Line]] = [
            [
                [str(i)],
                [COMPONENT_JA.get(s.component_type, s.component_type)],
                [Code(s.component_id)],
                [Code(s.component_type)],
            ]
            for i, s in enumerate(n.steps, 1)
        ]
        blocks.append(Table(["順", "コンポーネント", "ID", "種別"], rows))
    return blocks


def _code(d: InspectorDetails, account: str) -> list[Block]:
    c = d.code
    assert c is not None
    items: list[Line] = []
    if c.cwes:
        cwe_line: list = ["CWE: "]
        for i, cwe in enumerate(c.cwes):
            if i:
                cwe_line.append("、")
            num = cwe.upper().removeprefix("CWE-")
            cwe_line.append(Link(cwe, f"https://cwe.mitre.org/data/definitions/{num}.html") if num.isdigit() else cwe)
        items.append(cwe_line)
    rule: list[str | Code] = ["検出ルール: ", c.detector_name or c.detector_id or "不明"]
    if c.detector_id and c.detector_name:
        rule += ["（", Code(c.detector_id), "）"]
    items.append(rule)
    if c.rule_id:
        items.append(["ルール ID: ", Code(c.rule_id)])
    if c.detector_tags:
        items.append(["タグ: ", "、".join(c.detector_tags)])
    lines = line_range(c.start_line, c.end_line)
    items.append(["ファイル: ", Code(c.file_path or c.file_name or "不明"), f"（{lines}）" if lines else ""])
    if c.source_lambda_layer_arn:
        items.append(["レイヤー: ", *layer_line(c.source_lambda_layer_arn, account)])
    return [Heading("コードの脆弱性"), Bullets(items)]
