"""The description and summary of a digest issue. The comment each group write carries is
:func:`.comments.group_comment` (re-exported here as ``change_comment``, with :func:`.comments.member_label`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..findings.model import severity_rank
from ..state.records import Member, count_resolved, members_of
from .comments import group_comment as change_comment, member_label
from .doc import Block, Bullets, Code, Heading, Line, Para, Table
from .labels import severity_ja
from .members import counts_by
from .safe import SUMMARY_LIMIT, one_line, truncate

__all__ = ["change_comment", "member_label"]

TOP_DIGEST = 20


def _score(m: Member) -> str:
    sc = m.score
    return f"{sc:.1f}" if isinstance(sc, (int, float)) else "—"


def _where(m: Member) -> str:
    return " / ".join(x for x in (m.account, m.region) if x) or "不明"


def period_label(pid: str) -> str:
    """Japanese label of a digest period id: 2024-10-05 → 2024年10月5日, 2024-W40 → 2024年 第40週, standing → 常設."""
    if pid == "standing":
        return "常設"
    if "-W" in pid:
        year, week = pid.split("-W", 1)
        return f"{year}年 第{int(week)}週"
    try:
        d = datetime.strptime(pid, "%Y-%m-%d")
    except ValueError:
        return pid
    return f"{d.year}年{d.month}月{d.day}日"


def _digest_summary(pid: str, members: Sequence[Member], below: str) -> str:

    counts = counts_by(m.severity or "UNTRIAGED" for m in members)
    parts = "・".join(f"{severity_ja(s)} {counts[s]}" for s in sorted(counts, key=severity_rank, reverse=True))
    text = f"【ダイジェスト】{period_label(pid)} 深刻度「{severity_ja(below)}」未満の検出結果 {len(members)} 件"
    if parts:
        text += f"（{parts}）"
    return truncate(one_line(text), SUMMARY_LIMIT, "…")


def _digest_blocks(key: str, data: Mapping[str, Any], members: list[Member], below: str) -> list[Block]:

    pid = (data.get("lead") or {}).get("period", "")
    active = counts_by(m.severity or "UNTRIAGED" for m in members)
    # resolved since the last write: counted once this write is done
    resolved = count_resolved(data.get("resolved") or {}, list(members_of(data).values()))
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
                    [severity_ja(m.severity or "")],
                    [_score(m)],
                    [Code(str(m.subject or "?"))],
                    [str(m.resource or "—")],
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
