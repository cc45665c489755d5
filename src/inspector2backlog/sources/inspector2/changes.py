"""Material changes of an Inspector finding: what in a re-sent finding is worth telling people about.

Inspector re-sends a finding on every change, including timestamp-only ones. A *snapshot* keeps the fields that
matter (severity, score, exploit and fix availability, affected packages and their fixed-in versions, resources);
its fingerprint decides whether a re-send needs a Backlog call, and the diff of two snapshots is the comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...findings.model import Finding
from ...render.labels import severity_ja, yes_no
from .sections import details


def snapshot(f: Finding) -> dict[str, Any]:
    d = details(f)
    return {
        "severity": f.severity,
        "score": d.headline_score,
        "exploit": d.exploit_available,
        "fix": d.fix_available,
        "packages": sorted([p.name, p.full_version, p.fixed_in] for p in d.packages),
        "resources": sorted(r.id for r in f.resources),
        "ports": d.network.ports if d.network else "",
    }


def describe(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Japanese lines, one per material change (empty when nothing material changed)."""
    out: list[str] = []
    if old.get("severity") != new.get("severity"):
        out.append(f"深刻度: {severity_ja(old.get('severity') or '')} → {severity_ja(new.get('severity') or '')}")
    if old.get("score") != new.get("score"):
        out.append(f"スコア: {_num(old.get('score'))} → {_num(new.get('score'))}")
    if old.get("exploit") != new.get("exploit"):
        out.append(f"既知の悪用: {yes_no(old.get('exploit') or '')} → {yes_no(new.get('exploit') or '')}")
    if old.get("fix") != new.get("fix"):
        out.append(f"修正の有無: {yes_no(old.get('fix') or '')} → {yes_no(new.get('fix') or '')}")
    old_p = {p[0]: p for p in old.get("packages") or []}
    new_p = {p[0]: p for p in new.get("packages") or []}
    for name in sorted(new_p.keys() - old_p.keys()):
        out.append(f"影響を受けるパッケージが追加: {name} {new_p[name][1]}")
    for name in sorted(old_p.keys() - new_p.keys()):
        out.append(f"影響を受けるパッケージから外れました: {name} {old_p[name][1]}")
    for name in sorted(old_p.keys() & new_p.keys()):
        o, n = old_p[name], new_p[name]
        if o[1] != n[1]:
            out.append(f"{name} のバージョン: {o[1]} → {n[1]}")
        if o[2] != n[2]:
            out.append(f"{name} の修正バージョン: {o[2] or 'なし'} → {n[2] or 'なし'}")
    old_r, new_r = set(old.get("resources") or []), set(new.get("resources") or [])
    for rid in sorted(new_r - old_r):
        out.append(f"対象リソースが追加: {rid}")
    for rid in sorted(old_r - new_r):
        out.append(f"対象リソースから外れました: {rid}")
    if old.get("ports") != new.get("ports"):
        out.append(f"開放ポート: {old.get('ports') or 'なし'} → {new.get('ports') or 'なし'}")
    return out


def _num(x: Any) -> str:
    return "なし" if x is None else f"{x:.1f}" if isinstance(x, (int, float)) else str(x)
