"""Japanese labels for Inspector's enums (IPA/JVN usage: ``../shared/docs/terminology-ja.md``).

Every lookup falls back to the value as sent: enums are open sets.
"""

from __future__ import annotations

# the [backlog.priority] / [backlog.due_days] defaults are configuration words, defined once there
from ..config.vocabulary import DEFAULT_DUE_DAYS, DEFAULT_PRIORITY  # noqa: F401 - re-exported for render.issue

SEVERITY_JA = {
    "CRITICAL": "緊急",
    "HIGH": "重要",
    "MEDIUM": "警告",
    "LOW": "注意",
    "INFORMATIONAL": "情報",
    "UNTRIAGED": "未評価",
}

STATUS_JA = {"ACTIVE": "有効（未解決）", "CLOSED": "クローズ（解消済み）", "SUPPRESSED": "抑制済み"}
FINDING_TYPE_JA = {
    "PACKAGE_VULNERABILITY": "パッケージの脆弱性",
    "NETWORK_REACHABILITY": "ネットワーク到達性",
    "CODE_VULNERABILITY": "コードの脆弱性",
}
RESOURCE_TYPE_JA = {
    "AWS_EC2_INSTANCE": "EC2 インスタンス",
    "AWS_ECR_CONTAINER_IMAGE": "ECR コンテナイメージ",
    "AWS_ECR_REPOSITORY": "ECR リポジトリ",
    "AWS_LAMBDA_FUNCTION": "Lambda 関数",
    "CODE_REPOSITORY": "コードリポジトリ",
}
RESOURCE_SHORT = {
    "AWS_EC2_INSTANCE": "EC2",
    "AWS_ECR_CONTAINER_IMAGE": "ECR",
    "AWS_ECR_REPOSITORY": "ECR リポジトリ",
    "AWS_LAMBDA_FUNCTION": "Lambda",
    "CODE_REPOSITORY": "コードリポジトリ",
}
YES_NO_JA = {"YES": "あり", "NO": "なし", "PARTIAL": "一部"}
COMPONENT_JA = {
    "AWS::EC2::InternetGateway": "インターネットゲートウェイ",
    "AWS::EC2::NetworkAcl": "ネットワーク ACL",
    "AWS::EC2::SecurityGroup": "セキュリティグループ",
    "AWS::EC2::NetworkInterface": "ENI",
    "AWS::EC2::Instance": "インスタンス",
    "AWS::EC2::Subnet": "サブネット",
    "AWS::EC2::VPC": "VPC",
    "AWS::EC2::VPCPeeringConnection": "VPC ピアリング接続",
    "AWS::EC2::VPNGateway": "仮想プライベートゲートウェイ",
    "AWS::EC2::TransitGateway": "Transit Gateway",
    "AWS::EC2::TransitGatewayAttachment": "Transit Gateway アタッチメント",
    "AWS::EC2::RouteTable": "ルートテーブル",
    "AWS::EC2::NatGateway": "NAT ゲートウェイ",
    "AWS::EC2::VPCEndpoint": "VPC エンドポイント",
    "AWS::ElasticLoadBalancing::LoadBalancer": "Classic Load Balancer",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "ロードバランサー",
    "AWS::ElasticLoadBalancingV2::Listener": "リスナー",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "ターゲットグループ",
}
SOURCE_JA = {
    "NVD": "NVD",
    "DEBIAN_CVE": "Debian",
    "UBUNTU_CVE": "Ubuntu",
    "REDHAT_CVE": "Red Hat",
    "AMAZON_CVE": "Amazon Linux",
    "ALPINE_SECDB": "Alpine",
    "GITHUB": "GitHub",
}


def severity_ja(sev: str) -> str:
    return SEVERITY_JA.get(sev, sev or "不明")


def resource_type_ja(t: str) -> str:
    return RESOURCE_TYPE_JA.get(t, t or "不明なリソース")


def yes_no(v: str) -> str:
    return YES_NO_JA.get(v, v or "不明")
