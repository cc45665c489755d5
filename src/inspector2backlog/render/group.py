"""Group and digest issues: one Backlog issue for many findings (layout only; the lifecycle decides when to write).

The description is *rewritten* on every write — its resource table is the current set of active members — and each
write carries one short comment saying what changed (:func:`change_comment`). The group key is printed in the issue
(「管理情報」) so a crashed create can be found again by searching Backlog for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import sources
from ..findings.model import Finding, severity_rank
from ..state.records import Member
from .doc import Block, Bullets, Code, Heading, Line, Link, Para, Strong, Table, plain
from .group_text import _digest_blocks, _digest_summary, _score, _where, change_comment, member_label  # noqa: F401 - change_comment re-exported
from .issue import Issue, IssueBuilder, Plan, jvn_blocks
from .labels import DEFAULT_DUE_DAYS, DEFAULT_PRIORITY, FINDING_TYPE_JA, severity_ja, yes_no
from .links import inline_links, quoted
from .members import group_severity, member_cell, resources_of, shown_members, top_score, top_severity
from .safe import SUMMARY_LIMIT, summary_line, truncate
from .wording import (
    INSPECTOR_CUT_MARK,
    NONE_PROVIDED,
    inspector_cut,
    others,
    percent,
    reference_urls,
    severity_head,
    tr_line as _tr_line,
    update_line,
)

MAX_ROWS = 200  # resource rows in a description (Backlog's 100,000-character limit)
KIND_JA = {"vulnerability": "脆弱性ごとのまとめ", "fix": "修正ごとのまとめ", "digest": "ダイジェスト"}


# ---- lead: the facts a group keeps from its first finding ---------------------------------------------------------


def lead_info(f: Finding, kind: str, gid: str) -> dict[str, Any]:
    """What the group issue shows besides its members (kept once per group record)."""
    if kind == "digest":
        return {"period": gid}
    return dict(sources.get(f.source).lead_info(f, kind, gid))


# ---- the issue -----------------------------------------------------------------------------------------------------


def build_group_issue(
    key: str,
    kind: str,
    data: Mapping[str, Any],
    builder: IssueBuilder,
    plan: Plan | None = None,
    *,
    digest_below: str = "",
) -> Issue:
    """The group's issue from its record's ``data``, with the priority and due date of ``plan`` (decided by the
    policy; none: the default table by the group's severity)."""
    members = shown_members(data)
    lead = data.get("lead") or {}
    sev = group_severity(members, data)
    score = top_score(members)
    reasons = plan.reasons if plan is not None else ()
    if kind == "digest":
        blocks = _digest_blocks(key, data, members, digest_below)
        summary = _digest_summary(lead.get("period", ""), members, digest_below)
    else:
        tr = _translations(builder, lead)
        blocks = _group_blocks(key, kind, lead, members, sev, score, reasons, tr)
        summary = _group_summary(kind, lead, members, sev, score)
    return Issue(
        finding_arn=key,
        summary=summary,
        severity=sev,
        priority=plan.priority if plan is not None else DEFAULT_PRIORITY.get(sev, "中"),
        due_days=plan.due_days if plan is not None else DEFAULT_DUE_DAYS.get(sev),
        labels=("Inspector", KIND_JA.get(kind, kind), severity_ja(sev)),
        blocks=blocks,
        status="ACTIVE" if members else "CLOSED",
    )


def _translations(builder: IssueBuilder, lead: Mapping[str, Any]) -> dict:
    texts = [t for t in (lead.get("desc"), lead.get("rec")) if t and t.strip() and t != NONE_PROVIDED]
    return builder.translate_texts(texts, lead.get("vid") or "", lead.get("desc") or "")


def subject(kind: str, lead: Mapping[str, Any], members: Sequence[Member]) -> str:
    if kind == "fix":
        pkg = lead.get("pkg") or "?"
        ids = sorted({str(m.subject) for m in members if m.subject})
        n = f"（脆弱性 {len(ids)} 件）" if ids else ""
        if lead.get("fixed"):
            return f"{pkg} を {lead['fixed']} に更新{n}"
        return f"{pkg} の修正バージョン未提供{n}"
    if lead.get("net"):
        return f"ポート {lead['net']} が外部から到達可能"
    if lead.get("code"):
        return lead["code"]
    vid = lead.get("vid") or lead.get("title") or "Inspector の検出結果"
    names = list(dict.fromkeys(p[0] for m in members for p in m.packages or []))
    if names:
        return f"{vid} {'、'.join(names[:2])}{others(len(names) - 2)}"
    return vid


def _group_summary(kind: str, lead: Mapping[str, Any], members: Sequence[Member], sev: str, score: float | None) -> str:
    n = resources_of(members)
    tail = f" — {n} リソース" if members else " — 検出なし"
    return truncate(summary_line(severity_head(sev, score) + subject(kind, lead, members) + tail), SUMMARY_LIMIT, "…")


def _group_blocks(
    key: str,
    kind: str,
    lead: Mapping[str, Any],
    members: list[Member],
    sev: str,
    score: float | None,
    reasons: Sequence[str],
    tr: Mapping,
) -> list[Block]:
    n_res = resources_of(members)
    blocks: list[Block] = [Heading("概要")]
    if not members:
        blocks.append(Para(["この課題の対象は、すべて Inspector で検出されなくなりました。"]))
    elif kind == "fix":
        ids = sorted({str(m.subject) for m in members if m.subject})
        if lead.get("fixed"):
            blocks.append(
                Para(
                    [
                        "パッケージ ",
                        Code(lead.get("pkg") or "?"),
                        " を ",
                        Code(lead["fixed"]),
                        f" 以降に更新すると、{len(ids)} 件の脆弱性が {n_res} 件のリソースで解消されます"
                        f"（最大深刻度: {severity_ja(sev)}）。",
                    ]
                )
            )
        else:
            blocks.append(
                Para(
                    [
                        "パッケージ ",
                        Code(lead.get("pkg") or "?"),
                        f" に修正バージョンがまだ提供されていない脆弱性が {len(ids)} 件、{n_res} 件のリソースにあります"
                        f"（最大深刻度: {severity_ja(sev)}）。",
                    ]
                )
            )
    elif lead.get("net"):
        blocks.append(
            Para(
                [
                    "ポート ",
                    Code(lead["net"]),
                    f" への外部からの到達性が {n_res} 件のリソースで検出されています"
                    f"（最大深刻度: {severity_ja(sev)}）。",
                ]
            )
        )
    else:
        what = lead.get("code") or lead.get("vid") or lead.get("title") or ""
        label = "コードの脆弱性 " if lead.get("code") else "脆弱性 "
        blocks.append(
            Para(
                [
                    label,
                    Code(what),
                    f" が {n_res} 件のリソースで検出されています（最大深刻度: {severity_ja(sev)}"
                    + (f"、最高スコア {score:.1f}" if score is not None else "")
                    + "）。",
                ]
            )
        )
    blocks.append(
        Para(
            [
                "この課題は Inspector の検出結果を",
                KIND_JA.get(kind, "まとめ"),
                "として 1 件にしたものです。対象リソースの一覧は検出結果の変化に合わせて書き換えられ、"
                "すべて検出されなくなると完了になります。",
            ]
        )
    )
    if reasons:
        blocks += [Heading("優先度を上げた理由"), Bullets([[r] for r in reasons])]
    blocks += _score_table(members, sev, score)
    if kind != "fix" and lead.get("desc", "").strip():
        line, ok = _tr_line(tr.get(lead["desc"]), lead["desc"])
        text = plain(line) + (INSPECTOR_CUT_MARK if inspector_cut(lead["desc"]) else "")
        blocks += [
            Heading("説明"),
            *(jvn_blocks(tr.get(lead["desc"])) or ([Para(inline_links(text))] if ok else quoted(text))),
        ]
    if kind == "fix" and members:
        blocks += _fixed_vulns(members)
    blocks += _resource_table(kind, members, lead)
    blocks += _remediation(kind, lead, members, tr)
    if kind != "fix":
        blocks += _references(lead)
    blocks += [
        Heading("管理情報"),
        Bullets(
            [
                ["グループキー: ", Code(key)],
                ["種別: ", FINDING_TYPE_JA.get(lead.get("type", ""), lead.get("type", "") or "—")],
            ]
        ),
    ]
    return blocks


def _score_table(members: Sequence[Member], sev: str, score: float | None) -> list[Block]:
    rows: list[list[Line]] = [
        [["最大深刻度"], [f"{severity_ja(sev)} ({sev})"]],
        [["最高スコア"], ["—" if score is None else f"{score:.1f}"]],
    ]
    exploits = {m.exploit for m in members if m.exploit}
    if exploits:
        rows.append([["既知の悪用"], [Strong("あり") if "YES" in exploits else "なし"]])
    epss = max((m.epss for m in members if isinstance(m.epss, (int, float))), default=None)
    if epss is not None:
        rows.append([["悪用可能性 (EPSS)"], [f"最大 {percent(epss)}"]])
    fixes = sorted({m.fix for m in members if m.fix})
    if fixes:
        rows.append([["修正の有無"], ["、".join(yes_no(x) for x in fixes)]])
    return [Heading("深刻度とスコア"), Table(["項目", "値"], rows)]


def _fixed_vulns(members: Sequence[Member]) -> list[Block]:
    by_id: dict[str, list[Member]] = {}
    for m in members:
        by_id.setdefault(str(m.subject or "?"), []).append(m)
    rows = []
    worst_first = sorted(
        by_id.items(), key=lambda kv: (-severity_rank(top_severity(kv[1])), -(top_score(kv[1]) or 0), kv[0])
    )
    for vid, ms in worst_first:
        sc = top_score(ms)
        cell: Line = [Link(vid, f"https://nvd.nist.gov/vuln/detail/{vid}")] if vid.startswith("CVE-") else [Code(vid)]
        rows.append(
            [cell, [severity_ja(top_severity(ms))], ["—" if sc is None else f"{sc:.1f}"], [f"{resources_of(ms)} 件"]]
        )
    return [
        Heading(f"この更新で解消される脆弱性（{len(by_id)} 件）"),
        Table(["脆弱性", "最大深刻度", "最高スコア", "対象リソース"], rows[:MAX_ROWS]),
    ]


def _resource_table(kind: str, members: Sequence[Member], lead: Mapping[str, Any]) -> list[Block]:
    if not members:
        return []
    rows: list[list[Line]] = []
    for m in members[:MAX_ROWS]:
        row: list[Line] = [[str(m.resource or "—")], [_where(m)]]
        if kind == "fix":
            row.append([Code(str(m.subject or "?"))])
        row += [member_cell(m), [severity_ja(m.severity or "")], [_score(m)]]
        rows.append(row)
    detail = "ポート" if lead.get("net") else "ファイル" if lead.get("code") else "パッケージ（現在 → 修正）"
    header = (
        ["リソース", "アカウント / リージョン"] + (["脆弱性"] if kind == "fix" else []) + [detail, "深刻度", "スコア"]
    )
    blocks: list[Block] = [Heading(f"対象リソース（{resources_of(members)} 件）"), Table(header, rows)]
    if len(members) > MAX_ROWS:
        blocks.append(Para([f"他 {len(members) - MAX_ROWS} 件（スコアの高い順に {MAX_ROWS} 件を表示）"]))
    return blocks


def _remediation(kind: str, lead: Mapping[str, Any], members: Sequence[Member], tr: Mapping) -> list[Block]:
    items: list[Line] = []
    if kind == "fix":
        items.append(update_line(lead.get("pkg") or "?", lead.get("fixed") or "", lead.get("pm") or ""))
        if lead.get("cmd"):
            items.append(["更新コマンドの例: ", Code(lead["cmd"])])
    else:
        fixes = list(dict.fromkeys((p[0], p[2]) for m in members for p in m.packages or []))
        for name, fixed in fixes[:20]:
            items.append(update_line(name, fixed, vendor_hint=False))
        if len(fixes) > 20:
            items.append([f"他 {len(fixes) - 20} 件のパッケージ"])
    blocks: list[Block] = [Heading("推奨対応")]
    if items:
        blocks.append(Bullets(items))
    rec = (lead.get("rec") or "").strip()
    if rec and rec != NONE_PROVIDED:
        line, ok = _tr_line(tr.get(lead["rec"]), lead["rec"])
        blocks += (
            [Para(["Inspector の推奨: ", *inline_links(line[0])])]
            if ok
            else quoted(plain(line), (lead.get("rec_url") or "",))
        )
    if lead.get("rec_url"):
        blocks.append(Para(["詳細: ", Link(lead["rec_url"], lead["rec_url"])]))
    return blocks if len(blocks) > 1 else []


def _references(lead: Mapping[str, Any]) -> list[Block]:
    seen = reference_urls([lead.get("src") or "", *(lead.get("refs") or [])], lead.get("vid") or "")
    return [Heading("参考情報"), Bullets([[Link(u, u)] for u in seen[:10]])] if seen else []


# ---- digest --------------------------------------------------------------------------------------------------------


# ---- comments ------------------------------------------------------------------------------------------------------
