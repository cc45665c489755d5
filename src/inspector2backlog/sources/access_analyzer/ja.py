"""Japanese text for an IAM Access Analyzer finding, as plain data: *who* can do *what* on *which* resource, under
which conditions, and what to do. Values (ARNs, account ids, actions, condition keys) stay as sent — never translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...findings.timestamps import jst
from ...render.wording import listed
from . import model as m

Rows = tuple[tuple[str, str], ...]

PUBLIC = "すべてのユーザー（公開）"
STATUS_JA = {"ACTIVE": "有効（未対応）", "ARCHIVED": "アーカイブ済み", "RESOLVED": "解決済み"}
RESOURCE_TYPE_JA = {
    "AWS::S3::Bucket": "S3 バケット",
    "AWS::S3Express::DirectoryBucket": "S3 ディレクトリバケット",
    "AWS::IAM::Role": "IAM ロール",
    "AWS::IAM::User": "IAM ユーザー",
    "AWS::SQS::Queue": "SQS キュー",
    "AWS::SNS::Topic": "SNS トピック",
    "AWS::KMS::Key": "KMS キー",
    "AWS::Lambda::Function": "Lambda 関数",
    "AWS::Lambda::LayerVersion": "Lambda レイヤー",
    "AWS::SecretsManager::Secret": "Secrets Manager のシークレット",
    "AWS::EFS::FileSystem": "EFS ファイルシステム",
    "AWS::EC2::Snapshot": "EBS スナップショット",
    "AWS::ECR::Repository": "ECR リポジトリ",
    "AWS::RDS::DBSnapshot": "RDS の DB スナップショット",
    "AWS::RDS::DBClusterSnapshot": "RDS の DB クラスタースナップショット",
    "AWS::DynamoDB::Table": "DynamoDB テーブル",
    "AWS::DynamoDB::Stream": "DynamoDB ストリーム",
}
ERROR_JA = {
    "ACCESS_DENIED": "Access Analyzer にリソースのポリシーを読み取る権限がなかったため、分析できませんでした",
    "INTERNAL_ERROR": "Access Analyzer の内部エラーで分析が完了しませんでした",
}
ACCESS_TYPE_JA = {"INTRA_ACCOUNT": "同じアカウント内", "INTRA_ORG": "同じ組織内"}
_ACCOUNT = re.compile(r"^\d{12}$")
MAX_ACTIONS = 10


def _latin(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in "*_-:/")


def _cat(*parts: str) -> str:
    """Join parts with a space only where a Latin word meets Japanese (``外部にある IAM ロール``)."""
    out = ""
    for p in parts:
        boundary = out and p and _latin(out[-1]) != _latin(p[0])
        if boundary and not (out[-1] in " （「、。" or p[0] in " ）」、。:"):
            out += " "
        out += p
    return out


@dataclass(frozen=True, slots=True)
class AccessAnalyzerJa:
    summary: tuple[str, ...]  # 何が起きたか: who can do what on which resource
    respond: tuple[str, ...]  # 対応手順
    facts: Rows


def resource_label(d: m.AccessAnalyzerDetails) -> str:
    return RESOURCE_TYPE_JA.get(d.resource_type or "", "リソース")


def principal_ja(key: str, value: str) -> str:
    """One principal as a Japanese phrase around its value (the value itself is shown unchanged)."""
    if value == "*":
        return PUBLIC
    if key == "AWS":
        if _ACCOUNT.match(value):
            return f"AWS アカウント {value}"
        if ":role/" in value:
            return f"IAM ロール {value}"
        if ":assumed-role/" in value:
            return f"ロールのセッション {value}"
        if ":user/" in value:
            return f"IAM ユーザー {value}"
        if value.endswith(":root"):
            return f"AWS アカウント {value}"
        return f"AWS プリンシパル {value}"
    if key == "Federated":
        return f"フェデレーションユーザー（{value}）"
    if key == "Service":
        return f"AWS サービス {value}"
    if key == "CanonicalUser":
        return f"正規ユーザー ID {value}"
    return f"{key} {value}"


def who(d: m.AccessAnalyzerDetails) -> str:
    if d.is_public or any(v == "*" for _, v in d.principals):
        return PUBLIC
    names = [principal_ja(k, v) for k, v in d.principals]
    if not names:
        return ""
    return listed(names, 3, "、")


def _actions(d: m.AccessAnalyzerDetails) -> str:
    return listed(d.actions, MAX_ACTIONS)


def _conditions(d: m.AccessAnalyzerDetails) -> str:
    conds = sorted({c for a in d.accesses for c in a.condition})
    if not conds:
        return "条件は付いていません（無条件に許可されています）。" if d.accesses else ""
    return "ただし、次の条件を満たす場合に限ります: " + "、".join(f"{k} = {v}" for k, v in conds) + "。"


def summary(d: m.AccessAnalyzerDetails) -> tuple[str, ...]:
    res = _cat(resource_label(d), d.resource or "（不明）")
    out: list[str] = []
    if d.kind == "unused" and d.error:
        out.append(_cat(res, "が使われているかを Access Analyzer が分析しました。"))
    elif d.kind == "unused":
        out.append(_unused_sentence(d, res))
    elif d.accesses:
        scope = (
            "アカウントまたは組織の外部にある"
            if d.kind == "external"
            else ACCESS_TYPE_JA.get(next((a.access_type for a in d.accesses if a.access_type), "") or "", "組織内の")
        )
        if scope and not scope.endswith("の") and not scope.endswith("る"):
            scope += "の"
        actor = who(d)
        if actor == PUBLIC:
            out.append(_cat(res, f"には、{PUBLIC}がアクセスできます。許可されている操作: ", _actions(d), "。"))
            out.append("AWS アカウントを持つ誰でも（条件によっては匿名でも）この操作を実行できる可能性があります。")
        else:
            out.append(_cat(res, "に対して、", scope, actor, "が次の操作を実行できます: ", _actions(d), "。"))
        cond = _conditions(d)
        if cond:
            out.append(cond)
    elif d.summary_only:
        out.append(
            _cat(
                res,
                f"について、{'外部' if d.kind == 'external' else '内部'}からのアクセスが検出されています"
                "（一覧の要約のため、アクセスできる主体と操作は検出結果の詳細で確認します）。",
            )
        )
    else:
        kind = "外部" if d.kind == "external" else "内部"
        out.append(_cat(res, f"について、{kind}からアクセスできるかを Access Analyzer が分析しました。"))
    if d.error:
        out.append(ERROR_JA.get(d.error, "分析が完了しませんでした") + f"（エラー: {d.error}）。")
    if d.is_deleted:
        out.append("対象のリソースは削除されています。")
    return tuple(out)


def _unused_sentence(d: m.AccessAnalyzerDetails, res: str) -> str:
    since = f"{jst(d.unused_last_accessed)} 以降" if d.unused_last_accessed else "分析期間中に一度も"
    if d.finding_type == "UnusedIAMRole":
        return _cat(res, f"は{since}使われていません。")
    if d.finding_type == "UnusedIAMUserAccessKey":
        return _cat(res, "のアクセスキー", d.unused_access_key_id or "", f"は{since}使われていません。")
    if d.finding_type == "UnusedIAMUserPassword":
        return _cat(res, f"のコンソールパスワードは{since}使われていません。")
    if d.finding_type == "UnusedPermission":
        parts = []
        if d.unused_services:
            parts.append(f"{d.unused_services} 個のサービス")
        if d.unused_actions:
            parts.append(f"{d.unused_actions} 件のアクション")
        n = "・".join(parts) or "一部"
        return _cat(res, f"に付与された権限のうち、{n}が使われていません。")
    return _cat(res, "に使われていないアクセス権があります（", d.finding_type, "）。")


def respond(d: m.AccessAnalyzerDetails) -> tuple[str, ...]:
    steps: list[str] = []
    if d.error == "ACCESS_DENIED":
        steps.append(
            "Access Analyzer のサービスにリンクされたロールが、対象リソースのポリシーを読み取れるか確認します"
            "（リソースポリシーや SCP・KMS キーポリシーで拒否されていないか）。"
        )
    elif d.error:
        steps.append("しばらく待って再分析されるかを確認し、解消しない場合は AWS サポートに問い合わせます。")
    if d.finding_type == "UnusedIAMRole":
        steps += [
            "このロールを使うアプリケーション、CloudFormation スタック、他アカウントからの引き受けがないか確認します。",
            "不要であればロールを削除します。すぐに削除できない場合は、信頼ポリシーで引き受けを止めてから様子を見ます。",
            "必要なロールであれば、理由を記録して検出結果をアーカイブします。",
        ]
    elif d.finding_type == "UnusedIAMUserAccessKey":
        steps += [
            "アクセスキーを使うスクリプトや外部サービスがないか、CloudTrail とキーの最終使用日時で確認します。",
            "アクセスキーを無効化（Inactive）し、影響がないことを確かめてから削除します。",
            "必要なキーであれば、ローテーションの予定を確認し、理由を記録して検出結果をアーカイブします。",
        ]
    elif d.finding_type == "UnusedIAMUserPassword":
        steps += [
            "このユーザーがマネジメントコンソールを使う必要があるか、所有者に確認します。",
            "不要であればコンソールパスワード（ログインプロファイル）を削除します。",
            "必要であれば MFA が有効か確認し、理由を記録して検出結果をアーカイブします。",
        ]
    elif d.finding_type == "UnusedPermission":
        steps += [
            (
                "使われていないサービス・アクションを、ロールやユーザーのポリシーから外して最小権限にします"
                "（最終アクセス情報や Access Analyzer のポリシー生成が参考になります）。"
            ),
            "定期的にしか使わない権限（年次処理・障害対応など）でないか、所有者に確認してから変更します。",
            "必要な権限であれば、理由を記録して検出結果をアーカイブします。",
        ]
    elif d.kind == "internal":
        steps += [
            "このアクセスが業務上必要かどうかを、リソースとアクセスできる主体（ロール・ユーザー）の所有者に確認します。",
            (
                "不要であれば、主体側の IAM ポリシーまたはリソースベースのポリシーから該当する権限を外します"
                "（SCP や RCP で組織全体から制限することもできます）。"
            ),
            "必要なアクセスであれば、理由を記録して検出結果をアーカイブします。",
            "ポリシーを修正したら、再分析で検出結果が「解決済み」になることを確認します。",
        ]
    else:
        steps.append("このアクセスが意図した共有かどうかを、リソースの所有者に確認します。")
        policy = (
            "信頼ポリシー"
            if d.resource_type == "AWS::IAM::Role"
            else "リソースベースのポリシー（バケットポリシーなど）"
        )
        steps.append(
            f"意図しないアクセスであれば、{policy}から該当するステートメントを削除するか、"
            "Principal と Condition を必要な範囲に絞り込みます。"
        )
        if d.is_public and d.resource_type in ("AWS::S3::Bucket", "AWS::S3Express::DirectoryBucket"):
            steps.append("公開が不要なら、バケットとアカウントの S3 ブロックパブリックアクセスを有効にします。")
        elif d.is_public:
            steps.append(
                "公開が必要な場合でも、aws:SourceAccount・aws:SourceArn・aws:PrincipalOrgID などの条件で"
                "範囲を限定できないか検討します。"
            )
        steps.append(
            "意図した共有であれば、Access Analyzer で検出結果をアーカイブします。同じ種類の共有が続く場合は"
            "アーカイブルールを作成します。"
        )
        steps.append("ポリシーを修正したら、再分析で検出結果が「解決済み」になることを確認します。")
    return tuple(steps)


def fact_rows(d: m.AccessAnalyzerDetails) -> Rows:
    rows: list[tuple[str, str]] = [
        ("検出結果の種類", d.finding_type),
        ("ステータス", STATUS_JA.get(d.status or "", d.status or "")),
        ("リソース", d.resource or ""),
        ("リソースの種類", f"{resource_label(d)}（{d.resource_type}）" if d.resource_type else ""),
        ("リソースの所有アカウント", d.resource_owner_account or ""),
    ]
    for a in d.accesses:
        rows += [("アクセスできる主体", PUBLIC if v == "*" else v) for _, v in a.principal]
        rows += [
            ("主体の種類", a.principal_type or ""),
            ("主体の所有アカウント", a.principal_owner_account or ""),
            ("アクセスの範囲", ACCESS_TYPE_JA.get(a.access_type or "", a.access_type or "")),
        ]
        rows.append(("許可されている操作", ", ".join(a.actions)))
        rows += [("条件", f"{k} = {v}") for k, v in a.condition]
        if a.is_public is not None:
            rows.append(("公開", "はい" if a.is_public else "いいえ"))
        rows += [("アクセスの付与元", s.source_type or "") for s in a.sources]
    if d.kind == "unused":
        rows += [
            ("最終使用日時", jst(d.unused_last_accessed) if d.unused_last_accessed else ""),
            ("アクセスキー ID", d.unused_access_key_id or ""),
            ("使われていないサービス数", "" if d.unused_services is None else str(d.unused_services)),
            ("使われていないアクション数", "" if d.unused_actions is None else str(d.unused_actions)),
        ]
        for p in d.unused_permissions:
            acts = ", ".join(x.action for x in p.actions[:MAX_ACTIONS])
            rows.append(
                ("使われていない権限", f"{p.service_namespace or '?'}: {acts}" if acts else (p.service_namespace or ""))
            )
    rows += [
        ("エラー", d.error or ""),
        ("削除済み", "はい" if d.is_deleted else ""),
        ("作成日時", jst(d.created_at)),
        ("分析日時", jst(d.analyzed_at)),
        ("更新日時", jst(d.updated_at)),
        ("アカウント", d.account_id or ""),
        ("リージョン", d.region or ""),
        ("アナライザー", d.analyzer_arn or ""),
        ("検出結果 ID", d.finding_id),
    ]
    return tuple((k, v) for k, v in rows if v and v != "不明")


def explain(d: m.AccessAnalyzerDetails) -> AccessAnalyzerJa:
    return AccessAnalyzerJa(summary=summary(d), respond=respond(d), facts=fact_rows(d))
