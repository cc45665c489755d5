"""Inspector findings in groups (``[grouping] group_by``): their group ids and what a group record keeps of them.

vulnerability  package findings  the vulnerability id (CVE-2024-6387, GHSA-…)
               network findings  net:{ports}/{protocol}        (「ポート 22/TCP が到達可能」 on every instance)
               code findings     code:{detector id}             (CWE + detector)
               anything else     title:{title}
fix            {package}@{fixed-in version}, one group per affected package ({package}@none without a fix);
               findings without packages fall back to their vulnerability id
"""

from __future__ import annotations

from typing import Any

from ...findings.model import Finding
from ...render.wording import is_pre_release, preferred_fix
from .sections import details


def vulnerability_id(f: Finding) -> str:
    d = details(f)
    if d.vulnerability_id:
        return d.vulnerability_id
    if d.network is not None:
        return f"net:{d.network.port_label.upper()}"
    if d.code is not None:
        return "code:" + (d.code.detector_id or "+".join(d.code.cwes) or d.code.detector_name or f.title)
    return "title:" + (f.title or f.type)


def fix_ids(f: Finding) -> list[str]:
    """``package@fixed-in`` for each affected package (``@none`` when there is no fix); deduplicated, ordered."""
    fixed = [(p.name, preferred_fix(p.fixed_in) if p.fix_known else "none") for p in details(f).packages]
    released = {n for n, v in fixed if v != "none" and not is_pre_release(v)}
    # a pre-release is never proposed for a package that a release also fixes
    return list(dict.fromkeys(f"{n}@{v}" for n, v in fixed if not (n in released and is_pre_release(v))))


def group_ids(f: Finding, mode: str) -> list[tuple[str, str]]:
    if mode == "vulnerability":
        return [("vuln", vulnerability_id(f))]
    if mode == "fix":
        ids = fix_ids(f)
        if ids:
            return [("fix", i) for i in ids]
        return [("vuln", vulnerability_id(f))]
    return []


def member_fields(f: Finding, kind: str, gid: str) -> dict[str, Any]:
    """Inspector's part of a group member entry: score, exploit, fix, EPSS, subject, packages, port, code place."""
    d = details(f)
    pkgs = d.packages
    if kind == "fix" and pkgs:
        name = gid.rsplit("@", 1)[0]
        pkgs = tuple(p for p in pkgs if p.name == name) or pkgs
    entry: dict[str, Any] = {
        "sc": d.headline_score,
        "x": d.exploit_available,
        "fx": d.fix_available,
        "ep": d.epss,
        "id": d.vulnerability_id or _short_subject(f),
        "p": [list(x) for x in dict.fromkeys((p.name, p.full_version, preferred_fix(p.fixed_in)) for p in pkgs)][:20],
    }
    if d.network is not None:
        entry["net"] = d.network.port_label
    if d.code is not None and (d.code.file_path or d.code.file_name):
        entry["loc"] = [d.code.file_path or d.code.file_name, d.code.start_line, d.code.end_line]
    return entry


def _short_subject(f: Finding) -> str:
    d = details(f)
    if d.network is not None:
        return f"ポート {d.network.port_label}"
    if d.code is not None:
        return " ".join(x for x in ("、".join(d.code.cwes), d.code.detector_name) if x) or f.title
    return f.title


def lead_info(f: Finding, kind: str, gid: str) -> dict[str, Any]:
    """What the group issue shows besides its members (kept once per group record)."""
    d = details(f)
    lead: dict[str, Any] = {"type": f.type, "vid": d.vulnerability_id, "title": f.title[:300]}
    if kind == "fix" and "@" in gid:
        name, fixed = gid.rsplit("@", 1)
        p = next((p for p in d.packages if p.name == name), None)
        lead.update(
            {
                "pkg": name,
                "fixed": "" if fixed == "none" else fixed,
                "cmd": p.remediation if p and p.remediation not in ("", "NotAvailable") else "",
                "pm": p.package_manager if p else "",
            }
        )
        return lead
    lead.update(
        {
            "desc": f.description[:4000],
            "rec": f.recommendation[:2000],
            "rec_url": f.recommendation_url,
            "src": d.source_url,
            "refs": list(d.reference_urls[:10]),
        }
    )
    if d.network is not None:
        lead["net"] = d.network.port_label
    if d.code is not None:
        lead["code"] = " ".join(x for x in ("、".join(d.code.cwes), d.code.detector_name) if x)
    return lead
