"""The Access Analyzer issue: its 「概要」 (:func:`overview`), the body 何が起きたか / なぜ重要か / 調査手順 / 対応手順
(:func:`sections`), and the subject line.

*Who* can do *what* on *which* resource comes from :func:`.ja.explain`; values (ARNs, accounts, actions, condition
keys) are table cells as sent.
"""

from __future__ import annotations

from ...findings.model import Finding
from ...render.doc import Block, Bullets, Heading, Para, Strong, Table
from ...render.labels import severity_ja
from ...render.safe import SUMMARY_LIMIT, summary_line, truncate
from . import model as m
from .ja import STATUS_JA, explain, resource_label

KIND_JA = {
    "ExternalAccess": "外部からのアクセス",
    "InternalAccess": "組織内からのアクセス",
    "UnusedIAMRole": "未使用の IAM ロール",
    "UnusedIAMUserAccessKey": "未使用のアクセスキー",
    "UnusedIAMUserPassword": "未使用のコンソールパスワード",
    "UnusedPermission": "未使用の権限",
}
WHY = {
    "public": (
        "リソースが公開されており、AWS アカウントを持つ誰でも（条件によっては匿名でも）アクセスできる可能性があります。"
        "データの漏えいや改ざん、意図しない利用料金の発生につながります。"
    ),
    "external": (
        "アカウントや組織の外部にある主体がこのリソースにアクセスできます。意図した共有でなければ、"
        "データの漏えいや、外部からの操作の足掛かりになります。"
    ),
    "internal": (
        "組織内の想定外のロールやユーザーが重要なリソースにアクセスできると、その主体が侵害されたときに被害が広がります。"
    ),
    "unused": (
        "使われていないロール・アクセスキー・パスワード・権限は、漏えいしても気付かれにくく、攻撃者に悪用される入口になります。"
        "最小権限の原則に沿って整理することで、侵害時の影響範囲を小さくできます。"
    ),
    "error": (
        "分析が完了していないため、このリソースが外部からアクセスできるかどうかを判断できません。"
        "見えないままの公開が残らないよう、原因を取り除いて再分析させる必要があります。"
    ),
}
INVESTIGATE = {
    "external": (
        "検出結果の主体（Principal）・操作（Action）・条件（Condition）を確認し、共有先が既知の取引先や自社の別アカウントかを確かめます。",
        "リソースベースのポリシー（バケットポリシー、キーポリシー、信頼ポリシーなど）のどのステートメントがこのアクセスを許可しているかを特定します。",
        "CloudTrail で、共有先の主体による実際のアクセスがあったかを確認します。",
    ),
    "internal": (
        "アクセスできる主体（ロール・ユーザー）と、その主体を使うアプリケーションや担当者を特定します。",
        "主体側の IAM ポリシーとリソースベースのポリシーのどちらがアクセスを許可しているかを確認します。",
    ),
    "unused": (
        "IAM の最終アクセス情報（最後に使われた日時とサービス）と CloudTrail で、本当に使われていないかを確認します。",
        "このロール・ユーザーの所有者と、依存するアプリケーション・スクリプト・他アカウントからの利用がないかを確認します。",
    ),
    "error": ("検出結果のエラー（ACCESS_DENIED など）と、対象リソースのポリシー・SCP・KMS キーポリシーを確認します。",),
}


def _why_key(d: m.AccessAnalyzerDetails) -> str:
    if d.error and not d.accesses and d.kind != "unused":
        return "error"
    if d.kind == "external" and d.is_public:
        return "public"
    return d.kind if d.kind in WHY else "external"


def overview(f: Finding) -> list[Block]:
    """「概要」: the state when it is not open, then who can do what on which resource (or what is unused)."""
    d: m.AccessAnalyzerDetails = f.details
    blocks: list[Block] = [Heading("概要")]
    if f.state != "open":
        blocks.append(
            Para(
                [
                    Strong(
                        f"この検出結果の状態: {STATUS_JA.get(d.status or '', d.status or '不明')}"
                        + ("（リソースは削除済み）" if d.is_deleted else "")
                    )
                ]
            )
        )
    blocks += [Para([s]) for s in explain(d).summary]
    return blocks


def sections(f: Finding) -> list[Block]:
    d: m.AccessAnalyzerDetails = f.details
    ja = explain(d)
    blocks: list[Block] = [Heading("何が起きたか"), Table(("項目", "値"), [[[k], [v]] for k, v in ja.facts])]
    key = _why_key(d)
    blocks += [Heading("なぜ重要か"), Para([WHY[key]])]
    steps = INVESTIGATE["error"] if key == "error" else INVESTIGATE.get(d.kind, INVESTIGATE["external"])
    blocks += [Heading("調査手順"), Bullets([[s] for s in steps])]
    blocks += [Heading("対応手順"), Bullets([[s] for s in ja.respond])]
    return blocks


def summary(f: Finding) -> str:
    """``【重要】IAM Access Analyzer: 公開アクセス — S3 バケット arn:… (acct / region)``."""
    d: m.AccessAnalyzerDetails = f.details
    what = "公開アクセス" if d.kind == "external" and d.is_public else KIND_JA.get(d.finding_type, d.finding_type)
    text = f"【{severity_ja(f.severity)}】IAM Access Analyzer: {what}"
    if d.error:
        text += f"（分析エラー {d.error}）"
    if d.resource:
        text += f" — {resource_label(d)} {d.resource}"
    scope = " / ".join(x for x in (f.account, f.region) if x)
    if scope:
        text += f" ({scope})"
    return truncate(summary_line(text), SUMMARY_LIMIT, "…")
