"""Every comment a Backlog issue gets from the lifecycle, in one place: a finding's issue on change, close and
reopen; an issue closed because ``sync`` no longer lists its finding; and a group issue's one comment per write.

Each function returns document blocks (:mod:`.doc`), rendered in the target's markup by the sink. Values shown
from a finding stay inlines of the document, never pre-escaped text. ``service`` is how the comment names the
finding's service (``Inspector``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..findings.model import severity_rank
from ..state.records import SUPPRESSED, Member
from .doc import Block, Bullets, Line, Para
from .labels import severity_ja
from .wording import others

MAX_NAMES_IN_COMMENT = 5
_REWRITTEN = "課題の説明（対象の一覧）を最新の内容に書き換えました。"


# ---- a finding's own issue ----------------------------------------------------------------------------------------


def _change_lines(changes: Sequence[str]) -> list[Block]:
    return [Bullets([[c] for c in changes])] if changes else []


def _done(resolution: str) -> str:
    return f"課題を完了にします（完了理由: {resolution}）。" if resolution else "課題を完了にします。"


def change_comment(stamp: str, changes: Sequence[str], *, service: str = "Inspector") -> list[Block]:
    """A material change of an open finding (the description is rewritten with it)."""
    return [
        Para([f"{service} の検出結果が更新されました（{stamp}）。変更点:"]),
        *_change_lines(changes),
        Para(["課題の説明を最新の内容に更新しました。"]),
    ]


def close_comment(
    stamp: str,
    suppressed: bool,
    changes: Sequence[str],
    resolution: str,
    *,
    service: str = "Inspector",
    archived: bool = False,
) -> list[Block]:
    """The finding was closed (``suppressed``: suppressed; ``archived``: archived) at the source."""
    done = _done(resolution)
    if archived:
        head = f"{service} でこの検出結果がアーカイブされました（{stamp}）。{done}"
    elif suppressed:
        head = f"{service} でこの検出結果が抑制されました（{stamp}）。{done}"
    else:
        # Inspector closes a finding when the problem is fixed, but also when the resource is deleted or no longer
        # scanned: the comment says only what is known
        head = (
            f"{service} でこの検出結果がクローズされました（{stamp}）。{service} で検出されなくなったため、{done}"
            "修正の反映のほか、リソースの削除やスキャン対象外への変更でもクローズされます。"
        )
    return [Para([head]), *_change_lines(changes)]


def reopen_comment(stamp: str, changes: Sequence[str], *, service: str = "Inspector") -> list[Block]:
    """The finding is open again after its issue was closed."""
    return [
        Para([f"{service} で同じ問題が再び検出されました（{stamp}）。課題を再オープンします。"]),
        *_change_lines(changes),
    ]


def gone_comment(stamp: str, region: str, *, service: str = "Inspector") -> list[Block]:
    """``sync``: a complete listing of the region no longer contains the finding."""
    return [
        Para(
            [
                f"{service} の検出結果一覧（{region}、{stamp} 時点）にこの検出結果が見つからなくなりました。"
                f"対象のリソースが削除されたか、検出結果が {service} から削除されたと考えられるため、課題を完了にします。"
            ]
        ),
        Para(["再び検出された場合は、この課題を再オープンします。"]),
    ]


# ---- a group issue ------------------------------------------------------------------------------------------------


def member_label(m: Member, kind: str = "vulnerability") -> str:
    """How a comment names one group member: its resource (with the vulnerability in fix / digest groups)."""
    where = str(m.resource or "不明なリソース")
    if kind in ("fix", "digest") and m.subject:
        return f"{m.subject}（{where}）"
    return where


def _names(ms: Sequence[Member], kind: str) -> str:
    names = [member_label(m, kind) for m in ms[:MAX_NAMES_IN_COMMENT]]
    return "、".join(names) + others(len(ms) - MAX_NAMES_IN_COMMENT)


def _by_severity(ms: Sequence[Member]) -> str:
    counts: dict[str, int] = {}
    for m in ms:
        sev = m.severity or "UNTRIAGED"
        counts[sev] = counts.get(sev, 0) + 1
    return "、".join(f"{severity_ja(s)} {counts[s]} 件" for s in sorted(counts, key=severity_rank, reverse=True))


def group_comment(kind: str, d: Any, *, transition: str = "", resolution: str = "") -> list[Block]:
    """One short comment for one group write. ``d`` is the members' delta since the last write (``added``,
    ``resolved``, ``moved``, ``changed``: :class:`~..policy.grouping.Delta`); ``transition`` is "", "close" or
    "reopen"."""
    target = "対象" if kind == "digest" else "対象リソース"
    lines: list[Line] = []
    if d.added:
        if kind == "digest":
            lines.append(
                [f"新たに {len(d.added)} 件を追加しました（{_by_severity(d.added)}）: {_names(d.added, kind)}"]
            )
        elif transition == "reopen":
            lines.append([f"再び検出された{target}（{len(d.added)} 件）: {_names(d.added, kind)}"])
        else:
            lines.append([f"{target}が {len(d.added)} 件追加されました: {_names(d.added, kind)}"])
    if d.resolved:
        closed = [m for m in d.resolved if m.status != SUPPRESSED]
        suppressed = [m for m in d.resolved if m.status == SUPPRESSED]
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
        some_suppressed = any(m.status == SUPPRESSED for m in d.resolved)
        why = "Inspector で検出されなくなったか抑制された" if some_suppressed else "Inspector で検出されなくなった"
        blocks.append(Para([f"すべての対象が {why}ため、{_done(resolution)}"]))
    elif transition == "reopen":
        blocks.append(Para(["同じ問題が再び検出されたため、課題を再オープンします。"]))
    if len(lines) == 1 and not blocks:
        return [Para(lines[0]), Para([_REWRITTEN])]
    if lines:
        blocks.append(Bullets(lines))
    if transition != "close":
        blocks.append(Para([_REWRITTEN]))
    return blocks
