"""Body blocks for what a Security Hub finding is about: its resources (typed where common) and the product's own
facts — Inspector's vulnerabilities, GuardDuty's action and count, Access Analyzer's principal and access — read
from the ASFF / OCSF fields, so a finding reads alike whichever way it came. Values are untrusted inlines."""

from __future__ import annotations

from collections.abc import Sequence

from ...render.doc import Block, Code, Heading, Line, Link, Para, Table, is_web_url
from ...render.labels import YES_NO_JA
from ...render.safe import clean_url
from .model import (
    AccountDetails,
    Ec2InstanceDetails,
    EcrContainerImageDetails,
    IamAccessKeyDetails,
    IamRoleDetails,
    IamUserDetails,
    LambdaFunctionDetails,
    Resource,
    S3BucketDetails,
    SecurityHubDetails,
)

__all__ = ["RESOURCE_JA", "access_analyzer_blocks", "guardduty_blocks", "inspector_blocks", "resource_blocks", "url"]

MAX_RESOURCES_SHOWN = 50
MAX_VULNERABILITIES_SHOWN = 30
RESOURCE_JA = {
    "AwsEc2Instance": "EC2 インスタンス",
    "AwsS3Bucket": "S3 バケット",
    "AwsIamRole": "IAM ロール",
    "AwsIamAccessKey": "IAM アクセスキー",
    "AwsIamUser": "IAM ユーザー",
    "AwsEcrContainerImage": "ECR コンテナイメージ",
    "AwsLambdaFunction": "Lambda 関数",
    "AwsAccount": "AWS アカウント",
    "AwsEc2SecurityGroup": "セキュリティグループ",
    "AwsCloudTrailTrail": "CloudTrail 証跡",
    "AwsIamPolicy": "IAM ポリシー",
    "AwsRdsDbClusterSnapshot": "RDS DB クラスタースナップショット",
    "AwsS3Object": "S3 オブジェクト",
}
_GD = "aws/guardduty/service/"
_GD_ROWS = (
    ("action/actionType", "アクションの種類"),
    ("resourceRole", "リソースの役割"),
    ("count", "検出回数"),
    ("eventFirstSeen", "最初の発生"),
    ("eventLastSeen", "最後の発生"),
    ("action/networkConnectionAction/connectionDirection", "通信の方向"),
    ("action/networkConnectionAction/remoteIpDetails/ipAddressV4", "接続元 IP アドレス"),
    ("action/networkConnectionAction/remoteIpDetails/country/countryName", "接続元の国"),
    ("action/networkConnectionAction/remoteIpDetails/organization/asnOrg", "接続元の組織"),
    ("action/networkConnectionAction/localPortDetails/port", "対象ポート"),
    ("action/awsApiCallAction/api", "呼び出された API"),
    ("action/awsApiCallAction/remoteIpDetails/ipAddressV4", "呼び出し元 IP アドレス"),
    ("action/awsApiCallAction/remoteIpDetails/country/countryName", "呼び出し元の国"),
    ("action/dnsRequestAction/domain", "問い合わせたドメイン"),
    ("additionalInfo/threatListName", "脅威リスト"),
    ("archived", "GuardDuty でアーカイブ済み"),
)
_AA_ROWS = (
    ("findingType", "検出結果の種類"),
    ("resourceOwnerAccount", "リソース所有アカウント"),
    ("numberOfUnusedServices", "未使用のサービス数"),
    ("numberOfUnusedActions", "未使用のアクション数"),
)


def url(value: str | None) -> Line:
    """A link for a web URL, else the value as text."""
    if not value:
        return ["なし"]
    cleaned = clean_url(value)
    return [Link(cleaned, cleaned)] if is_web_url(cleaned) else [value]


def _rows(pairs: Sequence[tuple[str, Line]]) -> Table:
    return Table(("項目", "内容"), [[[k], v] for k, v in pairs])


def _detail_rows(res: Resource) -> list[tuple[str, Line]]:
    d = res.details
    out: list[tuple[str, str | None]] = []
    if isinstance(d, Ec2InstanceDetails):
        ips = "、".join((*d.ipv4_addresses, *d.ipv6_addresses))
        out = [("インスタンスタイプ", d.instance_type), ("AMI", d.image_id), ("IP アドレス", ips or None)]
        out += [
            ("VPC", d.vpc_id),
            ("サブネット", d.subnet_id),
            ("インスタンスプロファイル", d.iam_instance_profile_arn),
        ]
    elif isinstance(d, S3BucketDetails):
        out = [("所有者", d.owner_name or d.owner_id), ("既定の暗号化", d.encryption_algorithm)]
    elif isinstance(d, IamRoleDetails):
        out = [("ロール名", d.role_name), ("パス", d.path)]
    elif isinstance(d, IamAccessKeyDetails):
        out = [("アクセスキー ID", d.access_key_id), ("ユーザー", d.user_name or d.principal_name)]
        out += [("プリンシパルの種類", d.principal_type), ("キーの状態", d.status)]
    elif isinstance(d, IamUserDetails):
        out = [("ユーザー名", d.user_name), ("アタッチされたポリシー", "、".join(d.attached_policies) or None)]
    elif isinstance(d, EcrContainerImageDetails):
        out = [("リポジトリ", d.repository_name), ("タグ", "、".join(d.image_tags) or None)]
        out += [("ダイジェスト", d.image_digest), ("アーキテクチャ", d.architecture)]
    elif isinstance(d, LambdaFunctionDetails):
        out = [("関数名", d.function_name), ("ランタイム", d.runtime), ("バージョン", d.version)]
    elif isinstance(d, AccountDetails):
        out = [("アカウント ID", d.account_id)]
    return [(k, [Code(v)]) for k, v in out if v]


def resource_blocks(details: SecurityHubDetails) -> list[Block]:
    """「対象リソース」: one table per resource (type in Japanese, id, region, typed details, Name tag)."""
    if not details.resources:
        return []
    blocks: list[Block] = [Heading("対象リソース")]
    shown = details.resources[:MAX_RESOURCES_SHOWN]
    for res in shown:
        kind = RESOURCE_JA.get(res.kind)
        rows: list[tuple[str, Line]] = [
            ("種類", [f"{kind}（{res.type}）" if kind else res.type]),
            ("ID", [Code(res.id)]),
        ]
        if res.region:
            rows.append(("リージョン", [res.region]))
        if res.name_tag or res.name:
            rows.append(("名前", [res.name_tag or res.name or ""]))
        rows += _detail_rows(res)
        rows += [(k, [v]) for k, v in res.other[:10]]
        blocks.append(_rows(rows))
    if len(details.resources) > len(shown):
        blocks.append(Para([f"ほか {len(details.resources) - len(shown)} 件のリソースは原文を参照してください。"]))
    return blocks


def _fix_label(value: str | None) -> str:
    return YES_NO_JA.get(value or "", value or "不明")


def inspector_blocks(details: SecurityHubDetails) -> list[Block]:
    """「脆弱性」: CVE, CVSS, fix and exploit availability, EPSS, and each package with the version that fixes it."""
    if not details.vulnerabilities:
        return []
    rows: list[Sequence[Line]] = []
    packages: list[Sequence[Line]] = []
    for v in details.vulnerabilities[:MAX_VULNERABILITIES_SHOWN]:
        best = next((c for c in v.cvss if c.base_score is not None), None)
        score = (
            f"{best.base_score:.1f}（CVSS {best.version or '?'}）" if best and best.base_score is not None else "不明"
        )
        epss = f"{v.epss_score:.3f}" if v.epss_score is not None else "不明"
        rows.append([[Code(v.id)], [score], [_fix_label(v.fix_available)], [_fix_label(v.exploit_available)], [epss]])
        for p in v.packages[:20]:
            installed = "-".join(x for x in (p.version, p.release) if x) or "不明"
            fixed = p.fixed_in_version or "なし"
            packages.append([[Code(p.name or "?")], [Code(installed)], [Code(fixed)], [v.id]])
        if best and best.base_vector:
            rows.append([["　ベクトル"], [Code(best.base_vector)], [""], [""], [""]])
    blocks: list[Block] = [
        Heading("脆弱性"),
        Table(("脆弱性 ID", "CVSS 基本値", "修正版", "悪用コード", "EPSS"), rows),
    ]
    if packages:
        blocks += [Heading("影響を受けるパッケージ"), Table(("パッケージ", "導入済み", "修正版", "脆弱性"), packages)]
    return blocks


def guardduty_blocks(details: SecurityHubDetails) -> list[Block]:
    """「GuardDuty の検出内容」: the action, counts and remote party from the ``aws/guardduty/service/*`` fields."""
    rows: list[tuple[str, Line]] = []
    for key, label in _GD_ROWS:
        value = details.product_field(_GD + key)
        if value:
            rows.append((label, [Code(value)] if "Ip" in key or "port" in key else [value]))
    detector = details.product_field(_GD + "detectorId")
    if detector:
        rows.append(("ディテクター ID", [Code(detector)]))
    return [Heading("GuardDuty の検出内容"), _rows(rows)] if rows else []


def access_analyzer_blocks(details: SecurityHubDetails) -> list[Block]:
    """「IAM Access Analyzer の検出内容」: what is reachable by whom (the resource's ``Other`` details) or what is
    unused (the unused-access counts)."""
    rows: list[tuple[str, Line]] = []
    for key, label in _AA_ROWS:
        value = details.product_field(key)
        if value:
            rows.append((label, [value]))
    res = details.primary_resource
    if res is not None:
        rows += [(k, [v]) for k, v in res.other[:10]]
    if not rows:
        return []
    lead = (
        "このリソースは外部のプリンシパルからアクセスできる状態です。意図した共有かを確認し、不要なら"
        "リソースポリシーを修正してください。"
        if "External" in " ".join(details.types)
        else "付与されているのに使われていない権限やアクセス手段があります。最小権限の原則に沿って削除を検討してください。"
    )
    return [Heading("IAM Access Analyzer の検出内容"), Para([lead]), _rows(rows)]
