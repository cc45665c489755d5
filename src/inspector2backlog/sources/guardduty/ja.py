"""Japanese text for a GuardDuty finding, as plain data for a renderer: sentences and (label, value) rows.

The meaning comes from the knowledge base (:func:`.knowledge.lookup`); the facts (IPs, instance ids, principals,
API names) are values in rows, exactly as GuardDuty sent them — never translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...findings.timestamps import jst
from ...render.wording import listed
from . import model as m
from .knowledge import lookup
from .labels import ACTION_JA, RESOURCE_TYPE_JA

Rows = tuple[tuple[str, str], ...]

#: the project's level → 日本語 (JVN usage)
LEVEL_JA = {
    "CRITICAL": "緊急",
    "HIGH": "重要",
    "MEDIUM": "警告",
    "LOW": "注意",
    "INFORMATIONAL": "情報",
    "UNTRIAGED": "未評価",
}
DIRECTION_JA = {"INBOUND": "受信（外部から）", "OUTBOUND": "送信（外部へ）", "UNKNOWN": "不明"}
#: rows per list (ports, tags, signals…) before "ほか N 件"
MAX_LIST = 10


@dataclass(frozen=True, slots=True)
class GuardDutyJa:
    """What a renderer needs: 何が起きたか, なぜ重要か, 調査手順, 対応手順, 誤検知, notes and fact rows."""

    summary: tuple[str, ...]
    why: str
    investigate: tuple[str, ...]
    respond: tuple[str, ...]
    false_positive: str
    notes: tuple[str, ...]
    facts: Rows
    generic: bool


def severity_ja(s: m.Severity) -> str:
    """``重要（High, 8.0）``; ``未評価`` when GuardDuty sent no number."""
    label = LEVEL_JA.get(s.level, s.level)
    if s.number is None:
        return label
    num = f"{s.number:g}" if s.number != int(s.number) else f"{s.number:.1f}"
    return f"{label}（{s.band}, {num}）" if s.band else f"{label}（{num}）"


def explain(d: m.GuardDutyDetails) -> GuardDutyJa:
    k = lookup(d.finding_type, resource_type=d.resource_type, action_type=d.action_type)
    summary = [k.summary]
    observed = observation(d)
    if observed:
        summary.append(observed)
    return GuardDutyJa(
        summary=tuple(summary),
        why=k.why,
        investigate=k.investigate,
        respond=k.respond,
        false_positive=k.false_positive,
        notes=notes(d),
        facts=fact_rows(d),
        generic=k.generic,
    )


def notes(d: m.GuardDutyDetails) -> tuple[str, ...]:
    out = []
    if d.sample:
        out.append("これは GuardDuty が生成したサンプルの検出結果です。実際の脅威を示すものではありません。")
    if d.archived:
        out.append("この検出結果は GuardDuty でアーカイブされています。")
    if d.count and d.count > 1:
        out.append(f"同じ活動が {d.count} 回検出されています（最終検出: {jst(d.last_seen)}）。")
    return tuple(out)


def _target(d: m.GuardDutyDetails) -> str:
    return RESOURCE_TYPE_JA.get(d.resource_type or "", "リソース")


def _w(s: str) -> str:
    """A space between a Latin word and Japanese (``から EC2 インスタンスへ``), as the knowledge base writes it."""
    return (" " if s[:1].isascii() else "") + s + (" " if s[-1:].isascii() else "")


def observation(d: m.GuardDutyDetails) -> str:
    """One sentence on what was observed, naming kinds (not values: those are in the rows)."""
    return _observation(d).strip()


def _observation(d: m.GuardDutyDetails) -> str:
    a = d.action
    target = _w(_target(d))
    if d.sequence and d.sequence.signals:
        return f"{len(d.sequence.signals)} 件のシグナルが一連の攻撃として相関付けられています。"
    if d.finding_type.startswith("AttackSequence:"):
        return "GuardDuty が複数のシグナル（個々の検出結果や API 呼び出し）を相関付け、一連の攻撃として検出しました。"
    if a is None or not a.action_type:
        return f"対象は{target}です。" if d.resource_type else ""
    label = _w(ACTION_JA.get(a.action_type, "活動"))
    actors = len({r.address for r in a.remote if r.address})
    src = f"（送信元 IP アドレス {actors} 件）" if actors else ""
    if a.action_type == "NETWORK_CONNECTION" and a.network:
        direction = a.network.direction
        if direction == "OUTBOUND":
            return f"{target}から外部への{label}が検出されました{src}。"
        return f"外部から{target}への{label}が検出されました{src}。"
    if a.action_type == "PORT_PROBE":
        ports = len({p.local_port.port for p in a.port_probes if p.local_port and p.local_port.port is not None})
        return (
            f"{target}の {ports} 個のポートに対する探査が検出されました{src}。"
            if ports
            else f"{target}に対する{label}が検出されました{src}。"
        )
    if a.action_type == "AWS_API_CALL" and a.api_call:
        err = "なお、この呼び出しはエラーで失敗しています。" if a.api_call.error_code else ""
        return f"AWS API の呼び出しが検出されました{src}。{err}"
    if a.action_type == "RDS_LOGIN_ATTEMPT":
        failed = sum(x.failed or 0 for x in a.rds_logins)
        ok = sum(x.successful or 0 for x in a.rds_logins)
        counts = f"（失敗 {failed} 回・成功 {ok} 回）" if a.rds_logins else ""
        return f"{target}へのログイン試行が検出されました{src}{counts}。"
    return f"{target}に関する{label}が検出されました{src}。"


def _join(values, limit: int = MAX_LIST) -> str:
    return listed([v for v in values if v], limit)


def _yes(v: bool | None) -> str:
    return "不明" if v is None else ("はい" if v else "いいえ")


def fact_rows(d: m.GuardDutyDetails) -> Rows:
    rows: list[tuple[str, str]] = [("検出タイプ", d.finding_type), ("重要度", severity_ja(d.severity))]
    if d.sample:
        rows.append(("サンプル", "はい（GuardDuty のサンプル検出結果）"))
    rows += [("アカウント", d.account_id or ""), ("リージョン", d.region or "")]
    if d.count is not None:
        rows.append(("検出回数", str(d.count)))
    rows += [("初回検出日時", jst(d.first_seen)), ("最終検出日時", jst(d.last_seen))]
    if d.resource_type:
        rows.append(("対象リソースの種類", f"{_target(d)}（{d.resource_type}）"))
    rows += resource_rows(d.resource)
    rows += action_rows(d.action)
    for t in d.threat_intel:
        rows.append(("脅威リスト", t.list_name or ""))
        if t.names:
            rows.append(("脅威名", _join(t.names)))
    rows += _scan_rows(d.malware_scan) + _runtime_rows(d.runtime) + _sequence_rows(d.sequence)
    rows += [("検出結果 ID", d.finding_id), ("検出器 ID", d.detector_id or ""), ("ARN", d.arn or "")]
    return tuple((k, v) for k, v in rows if v)


def resource_rows(r: m.Resource) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if i := r.instance:
        rows += [
            ("インスタンス ID", i.instance_id or ""),
            ("インスタンスタイプ", i.instance_type or ""),
            ("インスタンスの状態", i.state or ""),
            ("AMI", i.image_id or ""),
            ("プラットフォーム", i.platform or ""),
            ("アベイラビリティーゾーン", i.availability_zone or ""),
            ("IAM インスタンスプロファイル", i.iam_profile_arn or ""),
            ("パブリック IP アドレス", _join(i.public_ips)),
            ("プライベート IP アドレス", _join(n.private_ip or "" for n in i.network_interfaces)),
            ("VPC", _join(sorted({n.vpc_id or "" for n in i.network_interfaces}))),
            (
                "セキュリティグループ",
                _join(f"{g} ({n})" if n else g for ni in i.network_interfaces for g, n in ni.security_groups),
            ),
        ]
        rows += [("タグ", _join(f"{k}={v}" for k, v in i.tags))]
    if k := r.access_key:
        rows += [
            ("アクセスキー ID", k.access_key_id or ""),
            ("ユーザー名", k.user_name or ""),
            ("ユーザーの種類", k.user_type or ""),
            ("プリンシパル ID", k.principal_id or ""),
        ]
    for b in r.s3_buckets:
        pa = b.public_access
        rows += [
            ("S3 バケット", b.arn or b.name or ""),
            ("バケットの役割", b.role or ""),
            ("公開状態", (pa.effective_permission or "") if pa else ""),
            ("暗号化", b.encryption_type or ""),
        ]
        rows += [("S3 オブジェクト", _join(o.key or o.arn or "" for o in b.objects))]
    if c := r.eks_cluster:
        rows += [("EKS クラスター", c.name or c.arn or ""), ("クラスターの状態", c.status or "")]
    if u := r.kubernetes_user:
        rows += [
            ("Kubernetes ユーザー", u.username or ""),
            ("Kubernetes グループ", _join(u.groups)),
            ("なりすまし先ユーザー", u.impersonated_username or ""),
        ]
    if w := r.kubernetes_workload:
        rows += [
            ("ワークロード", f"{w.workload_type or ''} {w.namespace or ''}/{w.name or ''}".strip()),
            ("サービスアカウント", w.service_account or ""),
            ("ホストネットワークの使用", _yes(w.host_network) if w.host_network is not None else ""),
        ]
        rows += _container_rows(w.containers)
    if e := r.ecs_cluster:
        rows += [("ECS クラスター", e.arn or e.name or "")]
        if e.task:
            rows += [
                ("ECS タスク", e.task.arn or ""),
                ("タスク定義", e.task.definition_arn or ""),
                ("起動タイプ", e.task.launch_type or ""),
            ]
            rows += _container_rows(e.task.containers)
    if r.container:
        rows += _container_rows((r.container,))
    if f := r.lambda_function:
        rows += [
            ("Lambda 関数", f.function_arn or f.function_name or ""),
            ("実行ロール", f.role or ""),
            ("バージョン", f.version or ""),
        ]
    if db := r.rds_instance:
        rows += [
            ("DB インスタンス", db.identifier or db.arn or ""),
            ("DB クラスター", db.cluster_identifier or ""),
            ("エンジン", " ".join(x for x in (db.engine, db.engine_version) if x)),
        ]
    if lm := r.rds_limitless:
        rows += [
            ("DB シャードグループ", lm.shard_group_identifier or lm.shard_group_arn or ""),
            ("DB クラスター", lm.cluster_identifier or ""),
            ("エンジン", " ".join(x for x in (lm.engine, lm.engine_version) if x)),
        ]
    if du := r.rds_user:
        rows += [
            ("DB ユーザー", du.user or ""),
            ("アプリケーション", du.application or ""),
            ("データベース", du.database or ""),
            ("認証方式", du.auth_method or ""),
        ]
    rows += [
        ("EBS ボリューム", _join(v.volume_arn or v.device_name or "" for v in r.ebs_volumes if not v.skipped)),
        ("スキャン対象外のボリューム", _join(v.volume_arn or "" for v in r.ebs_volumes if v.skipped)),
    ]
    return rows


def _container_rows(containers: tuple[m.Container, ...]) -> list[tuple[str, str]]:
    rows = []
    for c in containers[:MAX_LIST]:
        rows.append(("コンテナ", " ".join(x for x in (c.name, c.image) if x)))
        if c.privileged:
            rows.append(("特権コンテナ", "はい"))
    return rows


def action_rows(a: m.Action | None) -> list[tuple[str, str]]:
    if a is None:
        return []
    rows: list[tuple[str, str]] = [("活動の種類", ACTION_JA.get(a.action_type or "", a.action_type or ""))]
    for ip in a.remote[:MAX_LIST]:
        org = " / ".join(x for x in (ip.org or ip.isp, f"AS{ip.asn}" if ip.asn else "") if x)
        rows += [
            ("送信元 IP アドレス", ip.address or ""),
            ("国", ip.country or ip.country_code or ""),
            ("都市", ip.city or ""),
            ("組織", org),
        ]
    if c := a.api_call:
        rows += [
            ("API", c.api or ""),
            ("サービス", c.service_name or ""),
            ("呼び出し元の種類", c.caller_type or ""),
            ("呼び出し元ドメイン", c.domain or ""),
            ("呼び出し元アカウント", c.remote_account_id or ""),
            ("エラーコード", c.error_code or ""),
            ("ユーザーエージェント", c.user_agent or ""),
        ]
        rows += [("影響を受けたリソース", f"{k}: {v}") for k, v in c.affected_resources[:MAX_LIST]]
    if n := a.network:
        rows += [
            ("通信の方向", DIRECTION_JA.get(n.direction or "", n.direction or "")),
            ("プロトコル", n.protocol or ""),
            ("ローカルポート", _port(n.local_port)),
            ("リモートポート", _port(n.remote_port)),
            ("遮断", _yes(n.blocked) if n.blocked is not None else ""),
        ]
    if a.port_probes:
        rows.append(("探査されたポート", _join(sorted({_port(p.local_port) for p in a.port_probes} - {""}))))
    if dn := a.dns:
        rows += [
            ("問い合わせたドメイン", dn.domain or ""),
            ("遮断", _yes(dn.blocked) if dn.blocked is not None else ""),
        ]
    if k := a.kubernetes:
        rows += [
            ("Kubernetes API", " ".join(x for x in (k.verb, k.request_uri) if x)),
            ("送信元 IP アドレス（Kubernetes）", _join(k.source_ips)),
            ("ステータスコード", str(k.status_code or "")),
        ]
    for x in a.rds_logins[:MAX_LIST]:
        rows.append(
            (
                "ログイン試行",
                (f"{x.user or '?'}（{x.application or '?'}）: 失敗 {x.failed or 0} 回・成功 {x.successful or 0} 回"),
            )
        )
    return rows


def _port(p: m.Port | None) -> str:
    if p is None or p.port is None:
        return ""
    return f"{p.port} ({p.name})" if p.name and p.name != "Unknown" else str(p.port)


def _scan_rows(s: m.MalwareScan | None) -> list[tuple[str, str]]:
    if s is None:
        return []
    rows = [
        ("スキャン ID", s.scan_id or ""),
        ("スキャンの種類", s.scan_type or ""),
        ("スキャンしたファイル数", str(s.scanned_files or "")),
        ("脅威が見つかったファイル数", str(s.threat_files or "")),
        ("最も重大な脅威", " ".join(x for x in (s.highest_threat, s.highest_severity) if x)),
    ]
    for t in s.threats[:MAX_LIST]:
        rows.append(
            (
                "検出された脅威",
                f"{t.name or '?'}（{_join(p for p, _ in t.file_paths)}）" if t.file_paths else t.name or "",
            )
        )
    return rows


def _runtime_rows(r: m.Runtime | None) -> list[tuple[str, str]]:
    if r is None:
        return []
    rows = []
    if p := r.process:
        rows += [
            ("プロセス", p.name or ""),
            ("実行ファイル", p.executable_path or ""),
            ("実行ファイルの SHA-256", p.executable_sha256 or ""),
            ("PID", str(p.pid or "")),
            ("実行ユーザー", p.user or ""),
            ("親プロセス", _join(p.lineage, 5)),
        ]
    rows += [(f"実行時コンテキスト（{k}）", v) for k, v in r.context[:MAX_LIST]]
    return rows


def _sequence_rows(s: m.AttackSequence | None) -> list[tuple[str, str]]:
    if s is None:
        return []
    rows = [("シグナル", f"{g.name or g.signal_type or '?'}（{g.count or 1} 回）") for g in s.signals[:MAX_LIST]]
    rows += [(f"指標（{i.title or i.key or '?'}）", _join(i.values)) for i in s.indicators[:MAX_LIST]]
    rows += [("関連リソース", _join(x.uid or x.name or "" for x in s.resources))]
    rows += [("関連 IP アドレス", _join(e.ip or "" for e in s.endpoints))]
    return rows
