"""Group issues' comments and digest layout: the short comment each group write carries (:func:`change_comment`),
and the description and summary of a digest issue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..findings.model import severity_rank
from .doc import Block, Bullets, Code, Heading, Line, Para, Table
from .labels import severity_ja
from .safe import SUMMARY_LIMIT, one_line, truncate
from .wording import line_range, others

TOP_DIGEST = 20
MAX_NAMES_IN_COMMENT = 5


def member_label(m: Mapping[str, Any], kind: str = "vulnerability") -> str:
    where = str(m.get("r") or "不明なリソース")
    if kind in ("fix", "digest") and m.get("id"):
        return f"{m['id']}（{where}）"
    return where


def _score(m: Mapping[str, Any]) -> str:
    sc = m.get("sc")
    return f"{sc:.1f}" if isinstance(sc, (int, float)) else "—"


def _where(m: Mapping[str, Any]) -> str:
    return " / ".join(x for x in (m.get("a"), m.get("g")) if x) or "不明"


def _digest_summary(pid: str, members: Sequence[dict], below: str) -> str:
    from ..policy.digest import period_label
    from ..policy.grouping import counts_by

    counts = counts_by(m.get("v") or "UNTRIAGED" for m in members)
    parts = "・".join(f"{severity_ja(s)} {counts[s]}" for s in sorted(counts, key=severity_rank, reverse=True))
    text = f"【ダイジェスト】{period_label(pid)} 深刻度「{severity_ja(below)}」未満の検出結果 {len(members)} 件"
    if parts:
        text += f"（{parts}）"
    return truncate(one_line(text), SUMMARY_LIMIT, "…")


def _digest_blocks(key: str, data: Mapping[str, Any], members: list[dict], below: str) -> list[Block]:
    from ..policy.digest import period_label
    from ..policy.grouping import counts_by

    pid = (data.get("lead") or {}).get("period", "")
    active = counts_by(m.get("v") or "UNTRIAGED" for m in members)
    resolved = dict(data.get("resolved") or {})
    for m in (data.get("members") or {}).values():  # resolved since the last write: counted once this write is done
        if m.get("s") in ("CLOSED", "SUPPRESSED"):
            sev = m.get("v") or "UNTRIAGED"
            resolved[sev] = resolved.get(sev, 0) + 1
    sevs = sorted(set(active) | set(resolved), key=severity_rank, reverse=True)
    rows = [[[f"{severity_ja(s)} ({s})"], [f"{active.get(s, 0)} 件"], [f"{resolved.get(s, 0)} 件"]] for s in sevs]
    scope = f"深刻度「{severity_ja(below)}」未満の検出結果"
    about = (
        f"{scope}をまとめる常設のダイジェストです。"
        if pid == "standing"
        else f"{period_label(pid)}に受信した、{scope}のまとめです。"
    )
    blocks: list[Block] = [
        Heading("概要"),
        Para([f"{about}個別の課題は作成していません。未解決は {len(members)} 件です。"]),
        Heading("深刻度別の件数"),
        Table(["深刻度", "未解決", "解消済み"], rows or [[["—"], ["0 件"], ["0 件"]]]),
    ]
    if members:
        top: list[list[Line]] = []
        for m in members[:TOP_DIGEST]:
            top.append(
                [
                    [severity_ja(m.get("v") or "")],
                    [_score(m)],
                    [Code(str(m.get("id") or "?"))],
                    [str(m.get("r") or "—")],
                    [_where(m)],
                ]
            )
        blocks += [
            Heading(f"スコアの高い順（上位 {min(TOP_DIGEST, len(members))} 件）"),
            Table(["深刻度", "スコア", "脆弱性・内容", "リソース", "アカウント / リージョン"], top),
        ]
        if len(members) > TOP_DIGEST:
            blocks.append(Para([f"他 {len(members) - TOP_DIGEST} 件"]))
    blocks += [Heading("管理情報"), Bullets([["グループキー: ", Code(key)]])]
    return blocks


def _names(ms: Sequence[dict], kind: str) -> str:
    names = [member_label(m, kind) for m in ms[:MAX_NAMES_IN_COMMENT]]
    return "、".join(names) + others(len(ms) - MAX_NAMES_IN_COMMENT)


def change_comment(kind: str, d: Any, *, transition: str = "", resolution: str = "") -> list[Block]:
    """One short comment for one write. ``d`` is a :class:`~..policy.grouping.Delta`; ``transition`` is "",
    "close" or "reopen"."""
    from ..policy.grouping import counts_by

    target = "対象" if kind == "digest" else "対象リソース"
    lines: list[Line] = []
    if d.added:
        if kind == "digest":
            counts = counts_by(m.get("v") or "UNTRIAGED" for m in d.added)
            parts = "、".join(
                f"{severity_ja(s)} {counts[s]} 件" for s in sorted(counts, key=severity_rank, reverse=True)
            )
            lines.append([f"新たに {len(d.added)} 件を追加しました（{parts}）: {_names(d.added, kind)}"])
        elif transition == "reopen":
            lines.append([f"再び検出された{target}（{len(d.added)} 件）: {_names(d.added, kind)}"])
        else:
            lines.append([f"{target}が {len(d.added)} 件追加されました: {_names(d.added, kind)}"])
    if d.resolved:
        closed = [m for m in d.resolved if m.get("s") != "SUPPRESSED"]
        suppressed = [m for m in d.resolved if m.get("s") == "SUPPRESSED"]
        if closed:
            lines.append([f"{len(closed)} 件が Inspector で検出されなくなりました: {_names(closed, kind)}"])
        if suppressed:
            lines.append([f"{len(suppressed)} 件が抑制されました: {_names(suppressed, kind)}"])
    if d.moved:
        lines.append(
            [
                f"{len(d.moved)} 件がこの課題の対象外になりました（修正バージョンや深刻度の変更）: {_names(d.moved, kind)}"
            ]
        )
    for m, changes in d.changed[:MAX_NAMES_IN_COMMENT]:
        lines.append([f"{member_label(m, kind)} の内容が更新されました: " + "、".join(changes)])
    if len(d.changed) > MAX_NAMES_IN_COMMENT:
        lines.append([f"他 {len(d.changed) - MAX_NAMES_IN_COMMENT} 件の内容が更新されました"])
    blocks: list[Block] = []
    if transition == "close":
        done = f"課題を完了にします（完了理由: {resolution}）。" if resolution else "課題を完了にします。"
        some_suppressed = any(m.get("s") == "SUPPRESSED" for m in d.resolved)
        why = "Inspector で検出されなくなったか抑制された" if some_suppressed else "Inspector で検出されなくなった"
        blocks.append(Para([f"すべての対象が {why}ため、{done}"]))
    elif transition == "reopen":
        blocks.append(Para(["同じ問題が再び検出されたため、課題を再オープンします。"]))
    if len(lines) == 1 and not blocks:
        return [Para(lines[0]), Para(["課題の説明（対象の一覧）を最新の内容に書き換えました。"])]
    if lines:
        blocks.append(Bullets(lines))
    if transition != "close":
        blocks.append(Para(["課題の説明（対象の一覧）を最新の内容に書き換えました。"]))
    return blocks


def member_cell(m: Mapping[str, Any]) -> Line:
    """A group member's detail cell: its packages (current → fixed), port, or file and lines."""
    out: list = []
    pkgs = list(dict.fromkeys((p[0], p[1], p[2]) for p in m.get("p") or []))
    for i, (name, version, fixed) in enumerate(pkgs[:3]):
        if i:
            out.append("、")
        fixed_text = fixed if fixed and fixed != "NotAvailable" else "修正なし"
        out += [Code(f"{name} {version}"), f" → {fixed_text}"]
    out.append(others(len(pkgs) - 3))
    if m.get("net"):
        out.append(Code(m["net"]))
    loc = m.get("loc")
    if isinstance(loc, list) and len(loc) == 3 and loc[0]:
        lines = line_range(loc[1], loc[2])
        out += [Code(str(loc[0])), f"（{lines}）" if lines else ""]
    return [x for x in out if x] or ["—"]
