"""Japanese labels for the parts of a GuardDuty finding type and for its enums (open sets: callers fall back).

Type syntax: ``ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: ThreatPurpose → 日本語 (what the activity is for)
THREAT_PURPOSE_JA: Mapping[str, str] = MappingProxyType(
    {
        "AttackSequence": "一連の攻撃（複数の兆候の相関）",
        "Backdoor": "バックドア",
        "Behavior": "通常と異なる挙動",
        "CredentialAccess": "認証情報の窃取",
        "CryptoCurrency": "暗号資産マイニング",
        "DefenseEvasion": "防御の回避",
        "Discovery": "環境情報の探索",
        "Execution": "不正なコードの実行",
        "Exfiltration": "情報の持ち出し",
        "Impact": "リソースや業務への影響",
        "InitialAccess": "初期侵入",
        "Object": "悪意のあるオブジェクト",
        "PenTest": "侵入テスト用ツールからのアクセス",
        "Pentest": "侵入テスト用ツールからのアクセス",
        "Persistence": "永続化",
        "Policy": "セキュリティ設定の不備",
        "PrivilegeEscalation": "権限昇格",
        "Recon": "偵察",
        "ResourceConsumption": "リソースの不正利用",
        "Stealth": "痕跡の隠蔽",
        "Trojan": "トロイの木馬（マルウェア）",
        "UnauthorizedAccess": "不正アクセス",
    }
)

#: ResourceTypeAffected (the part of the type after ``:``) → 日本語
RESOURCE_JA: Mapping[str, str] = MappingProxyType(
    {
        "Container": "コンテナ",
        "EC2": "EC2 インスタンス",
        "EC2/Malware": "EC2 インスタンス（マルウェアスキャン）",
        "ECS": "ECS クラスター",
        "EKS": "EKS クラスター",
        "IAM": "IAM の認証情報",
        "IAMUser": "IAM ユーザー・ロールの認証情報",
        "Kubernetes": "EKS クラスター（Kubernetes）",
        "Lambda": "Lambda 関数",
        "RDS": "RDS / Aurora データベース",
        "Runtime": "ワークロードの実行環境（EC2・EKS・ECS・コンテナ）",
        "S3": "S3 バケット",
    }
)

#: ``resource.resourceType`` of a finding → 日本語
RESOURCE_TYPE_JA: Mapping[str, str] = MappingProxyType(
    {
        "AccessKey": "IAM アクセスキー",
        "AttackSequence": "一連の攻撃に関わるリソース",
        "Container": "コンテナ",
        "EbsVolume": "EBS ボリューム",
        "ECSCluster": "ECS クラスター",
        "EKSCluster": "EKS クラスター",
        "Instance": "EC2 インスタンス",
        "KubernetesCluster": "Kubernetes クラスター",
        "Lambda": "Lambda 関数",
        "RDSDBInstance": "RDS / Aurora DB インスタンス",
        "RDSLimitlessDB": "Aurora Limitless Database",
        "S3Bucket": "S3 バケット",
        "S3Object": "S3 オブジェクト",
    }
)

#: ``resource.resourceType`` → the ResourceTypeAffected whose generic steps fit it
RESOURCE_TYPE_TO_RESOURCE: Mapping[str, str] = MappingProxyType(
    {
        "AccessKey": "IAMUser",
        "Container": "Container",
        "EbsVolume": "EC2",
        "ECSCluster": "ECS",
        "EKSCluster": "Kubernetes",
        "Instance": "EC2",
        "KubernetesCluster": "Kubernetes",
        "Lambda": "Lambda",
        "RDSDBInstance": "RDS",
        "RDSLimitlessDB": "RDS",
        "S3Bucket": "S3",
        "S3Object": "S3",
    }
)

#: ``service.action.actionType`` → 日本語
ACTION_JA: Mapping[str, str] = MappingProxyType(
    {
        "AWS_API_CALL": "AWS API の呼び出し",
        "DNS_REQUEST": "DNS クエリ",
        "KUBERNETES_API_CALL": "Kubernetes API の呼び出し",
        "KUBERNETES_PERMISSION_CHECKED": "Kubernetes の権限の確認",
        "KUBERNETES_ROLE_BINDING_DETAILS": "Kubernetes のロールバインディングの作成・変更",
        "KUBERNETES_ROLE_DETAILS": "Kubernetes のロールの作成・変更",
        "NETWORK_CONNECTION": "ネットワーク接続",
        "PORT_PROBE": "ポートへの探査",
        "RDS_LOGIN_ATTEMPT": "データベースへのログイン試行",
    }
)

#: ThreatFamilyName → 日本語 (only the names whose meaning does not depend on the rest of the type)
THREAT_FAMILY_JA: Mapping[str, str] = MappingProxyType(
    {
        "AnomalousBehavior": "機械学習による通常と異なる操作の検知",
        "BitcoinTool": "暗号資産関連のツールとの通信",
        "BlackholeTraffic": "ブラックホール化された（到達不能な）IP アドレスへの通信",
        "C&CActivity": "C&C（指令）サーバーとの通信",
        "CryptoMinerExecuted": "暗号資産マイニングツールの実行",
        "DGADomainRequest": "DGA（ドメイン生成アルゴリズム）で作られたドメインへの問い合わせ",
        "DropPoint": "窃取データの受け渡し先として知られるホストとの通信",
        "MaliciousFile": "マルウェアと判定されたファイル",
        "MaliciousIPCaller": "悪意のある IP アドレスとして知られる送信元からのアクセス",
        "SuccessfulAnonymousAccess": "匿名ユーザーによるアクセスの成功",
        "SuspiciousCommand": "不審なコマンドの実行",
        "SuspiciousFile": "不審なファイル",
        "TorClient": "Tor ネットワークへの接続",
        "TorIPCaller": "Tor の出口ノードからのアクセス",
        "TorRelay": "Tor の中継ノードとしての動作",
    }
)

#: DetectionMechanism → 日本語 (``B`` / ``C`` only mark a revision of GuardDuty's logic: no label)
DETECTION_JA: Mapping[str, str] = MappingProxyType(
    {
        "Custom": "利用者が登録した脅威リストに一致",
        "Reputation": "ドメインの評判情報に基づく判定",
        "Unusual": "通常と異なるパターン",
    }
)

#: Artifact → 日本語
ARTIFACT_JA: Mapping[str, str] = MappingProxyType(
    {
        "DNS": "DNS クエリ",
    }
)
