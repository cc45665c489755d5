"""The Japanese comments that record, on the issue, every action taken in AWS and every failure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..findings.timestamps import jst
from ..render.doc import Block, Bullets, Code, Para

if TYPE_CHECKING:
    from .actions import Applied


def stamp(epoch: float) -> str:
    return jst(datetime.fromtimestamp(epoch, UTC), seconds=True)


def _details(applied: Sequence[Applied], arn: str) -> Block:
    rows: list[list] = []
    for a in applied:
        rows.append([f"操作: {a.what}（API: ", Code(a.api), "）"])
        if a.filter_name:
            rows.append(["フィルター名: ", Code(a.filter_name)])
    rows.append(["検出結果: ", Code(arn)])
    return Bullets(rows)


def suppressed(applied: Sequence[Applied], arn: str, *, resolution: str, by: str, at: float) -> list[Block]:
    who = f"{by} さんが" if by else ""
    return [
        Para(
            [f"{who}完了理由「{resolution}」で完了にしたため、Inspector でこの検出結果を抑制しました（{stamp(at)}）。"]
        ),
        _details(applied, arn),
        Para(["課題を再オープンする（または完了理由を変える）と、抑制を解除します。"]),
    ]


def released(applied: Sequence[Applied], arn: str, *, at: float) -> list[Block]:
    if not applied:
        return [
            Para(
                [
                    f"課題が再オープンされました。Inspector の抑制フィルターは既にないため、AWS では何も変更していません"
                    f"（{stamp(at)}）。"
                ]
            ),
            Bullets([["検出結果: ", Code(arn)]]),
        ]
    return [
        Para(
            [
                f"課題が再オープンされた（または完了理由が変わった）ため、Inspector での抑制を解除しました"
                f"（{stamp(at)}）。"
            ]
        ),
        _details(applied, arn),
        Para(["Inspector が引き続きこの検出結果を報告する場合、次回の通知で課題に反映されます。"]),
    ]


def noted(resolution: str) -> list[Block]:
    return [
        Para(
            [
                f"完了理由「{resolution}」のため、AWS では何も変更しません。修正が反映されれば Inspector が検出結果を"
                "クローズします。次回のスキャンでも検出結果が有効なままの場合は、この課題を再オープンします。"
            ]
        )
    ]


def failed(what: str, arn: str, reason: str, *, at: float, label: str = "検出結果: ") -> list[Block]:
    return [
        Para([f"Backlog での判断を AWS に反映できませんでした（{stamp(at)}）。"]),
        Bullets([[f"操作: {what}"], [label, Code(arn)], ["理由: ", reason]]),
        Para(["判断は保留として記録しました。次回の取り込み（pull、Webhook、定期処理）で再試行します。"]),
    ]


# ---- group and digest issues (:mod:`.groups`) ------------------------------------------------------------------------

LISTED = 50  # finding ARNs listed in one comment; the rest counted


def _group_details(applied: Sequence[Applied], arns: Sequence[str]) -> Block:
    rows: list[list] = []
    for a in applied:
        rows.append(
            [f"操作: {a.what}（API: ", Code(a.api), "）"]
            + (["、フィルター名: ", Code(a.filter_name)] if a.filter_name else [])
        )
    rows += [["検出結果: ", Code(x)] for x in arns[:LISTED]]
    if len(arns) > LISTED:
        rows.append([f"他 {len(arns) - LISTED} 件"])
    return Bullets(rows)


def group_suppressed(
    applied: Sequence[Applied], arns: Sequence[str], *, resolution: str, by: str, at: float
) -> list[Block]:
    who = f"{by} さんが" if by else ""
    return [
        Para(
            [
                f"{who}完了理由「{resolution}」で完了にしたため、Inspector でこのグループの検出結果 {len(arns)} 件を"
                f"抑制しました（{stamp(at)}）。"
            ]
        ),
        _group_details(applied, arns),
        Para(
            [
                "後から同じグループに加わった検出結果も抑制に追加し、コメントでお知らせします。"
                "課題を再オープンする（または完了理由を変える）と、すべての抑制を解除します。"
            ]
        ),
    ]


def group_joined(applied: Sequence[Applied], arns: Sequence[str], *, at: float) -> list[Block]:
    return [
        Para([f"抑制済みのこのグループに検出結果が {len(arns)} 件加わったため、抑制に追加しました（{stamp(at)}）。"]),
        _group_details([a for a in applied if a.api != "inspector2:ListFilters"], arns),
        Para(["抑制の対象にしない場合は、課題を再オープンしてください（すべての抑制を解除します）。"]),
    ]


def group_released(applied: Sequence[Applied], count: int, *, at: float) -> list[Block]:
    if not applied:
        return [
            Para(
                [
                    f"課題が再オープンされました。Inspector の抑制フィルターは既にないため、AWS では何も変更していません"
                    f"（{stamp(at)}）。"
                ]
            )
        ]
    return [
        Para(
            [
                f"課題が再オープンされた（または完了理由が変わった）ため、このグループの検出結果 {count} 件の抑制を"
                f"解除しました（{stamp(at)}）。"
            ]
        ),
        _group_details(applied, ()),
        Para(["Inspector が引き続き報告する検出結果は、次回の通知で課題に反映されます。"]),
    ]


def group_noted(resolution: str) -> list[Block]:
    return [
        Para(
            [
                f"完了理由「{resolution}」のため、AWS では何も変更しません。修正が反映されれば Inspector が検出結果を"
                "クローズします。このグループの検出結果に変化があった場合（新しいリソースでの検出を含む）は、"
                "この課題を再オープンします。"
            ]
        )
    ]


def digest_refused(resolution: str) -> list[Block]:
    return [
        Para(
            [
                f"この課題はダイジェスト（深刻度の低い検出結果をまとめた報告）のため、完了理由「{resolution}」でも "
                "AWS では何も変更しません。ダイジェストには性質の異なる検出結果が含まれるため、まとめて抑制すると"
                "確認していない検出結果まで隠れてしまいます。"
            ]
        ),
        Para(
            [
                "特定の検出結果を抑制する場合は、その検出結果を個別の課題にする（",
                Code("[digest] below_severity"),
                " を下げる）か、Inspector の抑制ルールを作成してください。",
            ]
        ),
    ]
