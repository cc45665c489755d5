"""An Inspector issue's 「推奨対応」 (package updates, layer replacements, security-group advice, the code fix and
Inspector's own recommendation) and 「参考情報」."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...findings.model import Finding
from ...render.doc import Block, Bullets, Code, Heading, Line, Link, Para
from ...render.links import inline_links, quoted
from ...render.wording import NONE_PROVIDED, codes, line_range, reference_urls, tr_line
from .model import InspectorDetails
from .packages import advice, merge_packages

MAX_PACKAGES = 200
MAX_LINKS = 15
_REMOTE_ADMIN_ADVICE = {
    22: "SSH の管理接続は、インターネットに公開せず AWS Systems Manager Session Manager 経由に切り替えることを検討してください。",
    3389: "RDP の管理接続は、インターネットに公開せず AWS Systems Manager Fleet Manager（または Session Manager のポート"
    "フォワーディング）経由に切り替えることを検討してください。",
}


def remediation(f: Finding, d: InspectorDetails, tr: Mapping[str, Any], account: str) -> list[Block]:
    items: list[Line] = []
    commands: list[str] = []
    for m in merge_packages(d.packages)[:MAX_PACKAGES]:
        items += advice(m, account)
        p = m.pkg
        if p.remediation and p.remediation != "NotAvailable" and p.remediation not in commands:
            commands.append(p.remediation)
    if commands:
        items.append(["更新コマンドの例: ", *codes(commands)])
    if d.network:
        items += _network_advice(d)
    if d.code:
        c = d.code
        at = f" の {line_range(c.start_line, c.end_line)}" if c.start_line is not None else " "
        items.append(
            [
                Code(c.file_path or c.file_name or "ソースコード"),
                at,
                f"を確認し、検出ルール「{c.detector_name or c.detector_id}」の指摘に沿って修正してください。",
            ]
        )
        items.append(["修正をデプロイすると Inspector が再スキャンし、解消されていれば検出結果はクローズされます。"])
    blocks: list[Block] = [Heading("推奨対応")]
    if items:
        blocks.append(Bullets(items))
    rec = f.recommendation.strip()
    if not rec or rec == NONE_PROVIDED:
        blocks.append(Para(["（Inspector の推奨: 記載なし）"]))
    else:
        line, ok = tr_line(tr.get(f.recommendation), f.recommendation)
        if ok:
            blocks.append(Para(["Inspector の推奨: ", *inline_links(line[0])]))
        else:
            blocks.append(
                Para(
                    [
                        "Inspector の推奨（未翻訳・原文）:"
                        if line[0].startswith("【未")
                        else "Inspector の推奨（翻訳失敗・原文）:"
                    ]
                )
            )
            blocks += quoted(f.recommendation, skip=(f.recommendation_url,))
    if f.recommendation_url:
        blocks.append(Para(["詳細: ", Link(f.recommendation_url, f.recommendation_url)]))
    return blocks


def _network_advice(d: InspectorDetails) -> list[Line]:
    n = d.network
    assert n is not None
    sgs = [s.component_id for s in n.steps if s.component_type == "AWS::EC2::SecurityGroup"]
    acls = [s.component_id for s in n.steps if s.component_type == "AWS::EC2::NetworkAcl"]
    port = f"{n.ports}/{n.protocol}" if n.protocol else n.ports
    out: list[Line] = []
    if sgs:
        out.append(
            [
                "セキュリティグループ ",
                *codes(sgs),
                " のインバウンドルールで ",
                Code(port),
                " の送信元（0.0.0.0/0 など）を必要な範囲に限定するか、不要ならルールを削除してください。",
            ]
        )
    if acls:
        out.append(["あわせてネットワーク ACL ", *codes(acls), " でも不要な通信を拒否できます。"])
    tip = (
        _REMOTE_ADMIN_ADVICE.get(n.port_begin)
        if n.port_begin is not None and n.port_end in (None, n.port_begin)
        else None
    )
    if tip:
        out.append([tip])
    return out


def references(f: Finding, d: InspectorDetails) -> list[Block]:
    seen = reference_urls(
        [d.source_url, *d.reference_urls, f.recommendation_url, *(d.code.reference_urls if d.code else ())],
        d.vulnerability_id,
    )
    if not seen and not d.related_vulnerabilities:
        return []
    items: list[Line] = [[Link(u, u)] for u in seen[:MAX_LINKS]]
    if len(seen) > MAX_LINKS:
        items.append([f"他 {len(seen) - MAX_LINKS} 件"])
    if d.related_vulnerabilities:
        items.append(["関連する脆弱性: ", *codes(list(d.related_vulnerabilities[:20]))])
    return [Heading("参考情報"), Bullets(items)]
