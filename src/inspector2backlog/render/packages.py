"""Affected packages as people read them: one row per package and version (its locations together), the Lambda
layer a package came from, Go binaries, and fixed-in versions without pre-releases when a release exists."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..findings.model import Package
from .doc import Code, Line
from .wording import cell_code, line_range, others

# "1.26.0-rc.3", "2.0.0rc1", "1.0~beta2", "3.0.0-alpha", "4.0.0.dev1": a digit, then a pre-release word
_PRE_RELEASE = re.compile(r"(?i)\d[-.~_]?(?:rc|alpha|beta|pre|preview|dev)(?![a-z])")
# a language-package pre-release as a whole: 1.26.0-rc.3, v2.0.0rc1, 3.1.0.dev2 (group 1: the release it leads to)
_SEMVER_PRE = re.compile(r"(v?\d+(?:\.\d+)*)[-.]?(?:rc|alpha|beta|pre|preview|dev)[.\d]*", re.I)
GO_STDLIB = frozenset({"stdlib", "go/stdlib", "go-stdlib", "std"})


@dataclass(frozen=True, slots=True)
class MergedPackage:
    """One package name + version, wherever it was found."""

    pkg: Package  # the first occurrence (fixed-in version, manager, remediation)
    places: tuple[Package, ...]  # every occurrence, for their locations

    @property
    def name(self) -> str:
        return self.pkg.name

    @property
    def label(self) -> str:
        return f"{self.pkg.name} {self.pkg.version}".strip()


def merge_packages(pkgs: Sequence[Package]) -> list[MergedPackage]:
    """The distinct (name, version) pairs in order, each with all its occurrences."""
    by_key: dict[tuple[str, str], list[Package]] = {}
    for p in pkgs:
        by_key.setdefault((p.name, p.full_version), []).append(p)
    return [MergedPackage(ps[0], tuple(ps)) for ps in by_key.values()]


def is_pre_release(version: str) -> bool:
    return bool(_PRE_RELEASE.search(version))


def preferred_fix(fixed_in: str) -> str:
    """``fixedInVersion`` without pre-releases: a fix in ``1.26.0-rc.3`` is in the ``1.26.0`` release, and a
    pre-release listed beside releases (「1.25.7, 1.26.0-rc.3」) is dropped. Distribution versions stay as sent."""
    if "," not in fixed_in and not is_pre_release(fixed_in):
        return fixed_in
    cands = [c.strip() for c in fixed_in.split(",") if c.strip()]
    releases = [c for c in cands if not is_pre_release(c)]
    if releases:
        return ", ".join(releases)
    return ", ".join(dict.fromkeys(_release_of(c) for c in cands))


def _release_of(version: str) -> str:
    m = _SEMVER_PRE.fullmatch(version)
    return m.group(1) if m else version


def function_account(resource_id: str, fallback: str) -> str:
    """The account in a Lambda function ARN (``arn:aws:lambda:r:ACCOUNT:function:…``), else ``fallback``."""
    parts = resource_id.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4].isdigit() else fallback


def layer_parts(arn: str) -> tuple[str, str, str]:
    """(account, name, version) of a Lambda layer version ARN (``arn:aws:lambda:r:acct:layer:name:3``)."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[5] == "layer":
        return parts[4], parts[6], parts[7] if len(parts) > 7 else ""
    return "", arn, ""


def layer_line(arn: str, function_account: str) -> Line:
    """「レイヤー `deps:3`」, or 「サードパーティのレイヤー `deps:3`」 when another account publishes it."""
    account, name, version = layer_parts(arn)
    third = bool(account and function_account and account != function_account)
    return ["サードパーティのレイヤー " if third else "レイヤー ", Code(f"{name}:{version}" if version else name)]


def layer_list(arns: Sequence[str], function_account: str) -> Line:
    """The layers of a function: 「`deps:3`、`otel:1`（サードパーティ）」."""
    out: list = []
    for i, arn in enumerate(arns):
        account, name, version = layer_parts(arn)
        out += (["、"] if i else []) + [Code(f"{name}:{version}" if version else name)]
        if is_third_party_layer(arn, function_account):
            out.append(f"（サードパーティ、アカウント {account}）")
    return out


def is_third_party_layer(arn: str, function_account: str) -> bool:
    account = layer_parts(arn)[0]
    return bool(account and function_account and account != function_account)


def location(p: Package, function_account: str = "") -> Line:
    """Where one occurrence is: its layer and file path, its image layer, or 「—」."""
    out: list = []
    if p.source_lambda_layer_arn:
        out += layer_line(p.source_lambda_layer_arn, function_account)
        if p.file_path:
            out += [" の ", *cell_code(p.file_path)]
        return out
    if p.file_path:
        return cell_code(p.file_path)
    if p.source_layer_hash:
        return ["イメージレイヤー ", Code(p.source_layer_hash[:19] + "…")]
    return ["—"]


def locations(m: MergedPackage, function_account: str = "", limit: int = 5) -> Line:
    """The distinct locations of a merged package, joined by 「、」 (「他 N 件」 beyond ``limit``)."""
    seen: list[tuple] = []
    out: list = []
    for p in m.places:
        key = (p.source_lambda_layer_arn, p.file_path, p.source_layer_hash)
        if key in seen:
            continue
        seen.append(key)
        if len(seen) > limit:
            continue
        if out:
            out.append("、")
        out += location(p, function_account)
    if len(seen) > limit:
        out.append(f" 他 {len(seen) - limit} 件")
    return out


def fixed_version(p: Package) -> str:
    """The fixed-in version to propose ("" when none is known)."""
    return preferred_fix(p.fixed_in) if p.fix_known else ""


def advice(m: MergedPackage, function_account: str = "") -> list[Line]:
    """What to do about one package: replace the Lambda layer it came from, rebuild a Go binary, or update it."""
    p = m.pkg
    fixed = fixed_version(p)
    layers = list(dict.fromkeys(x.source_lambda_layer_arn for x in m.places if x.source_lambda_layer_arn))
    out: list[Line] = [_layer_advice(p, fixed, layers, function_account)] if layers else []
    if not layers or any(not x.source_lambda_layer_arn for x in m.places):  # also outside a layer
        out.append(_own_advice(p, fixed))
    return out


def _layer_advice(p: Package, fixed: str, layers: list[str], function_account: str) -> Line:
    where: list = []
    for i, arn in enumerate(layers[:3]):
        where += [*(["、"] if i else []), *layer_line(arn, function_account)[1:]]
    if p.name.lower() in GO_STDLIB:
        target: list = ["Go ", Code(fixed), " 以降で再ビルドした"] if fixed else ["修正済みの Go で再ビルドした"]
    else:
        target = (
            [Code(p.name), " を ", Code(fixed), " 以降に更新した"] if fixed else [Code(p.name), " の修正版が入った"]
        )
    tail = "（関数のコードではなく、レイヤーの更新が必要です）。"
    if any(is_third_party_layer(a, function_account) for a in layers):
        return [
            "サードパーティのレイヤー ",
            *where,
            " の提供元が ",
            *target,
            "バージョンを公開しているか確認し、関数が使うレイヤーをそのバージョンに更新してください",
            tail,
        ]
    return [
        "レイヤー ",
        *where,
        " について、",
        *target,
        "新しいレイヤーバージョンを作成し、関数が使うレイヤーをそのバージョンに更新してください",
        tail,
    ]


def _own_advice(p: Package, fixed: str) -> Line:
    return update_line(p.name, fixed, p.package_manager)


def update_line(name: str, fixed: str, manager: str = "", *, vendor_hint: bool = True) -> Line:
    """「<pkg> を <fixed> 以降に更新してください。」; for Go, rebuild with a fixed toolchain; or that no fix exists."""
    fixed = preferred_fix(fixed) if fixed and fixed != "NotAvailable" else ""
    if name.lower() in GO_STDLIB:
        if fixed:
            return [
                "Go の標準ライブラリの脆弱性です。Go ",
                Code(fixed),
                " 以降のツールチェーンでバイナリを再ビルドしてください"
                "（配布元のバイナリであれば、修正版に入れ替えてください）。",
            ]
        return ["Go の標準ライブラリの脆弱性です。修正された Go ツールチェーンはまだ提供されていません。"]
    if fixed and manager.upper() == "GOBINARY":
        return [
            "バイナリに組み込まれた Go モジュール ",
            Code(name),
            " を ",
            Code(fixed),
            " 以降に更新し、修正済みの Go ツールチェーンでバイナリを再ビルドしてください"
            "（配布元のバイナリであれば、修正版に入れ替えてください）。",
        ]
    if fixed:
        return [Code(name), " を ", Code(fixed), " 以降に更新してください。"]
    hint = "ベンダーの情報を確認し、回避策を検討してください。" if vendor_hint else ""
    return [Code(name), " の修正バージョンはまだ提供されていません。" + hint]


def member_cell(m: Mapping[str, Any]) -> Line:
    """A group member's detail cell: its packages (current → fixed), port, or file and lines."""
    out: list = []
    pkgs = list(dict.fromkeys((p[0], p[1], p[2]) for p in m.get("p") or []))
    for i, (name, version, fixed) in enumerate(pkgs[:3]):
        if i:
            out.append("、")
        fixed_text = fixed if fixed and fixed != "NotAvailable" else "修正なし"
        out += [Code(f"{name} {version}"), f" → {fixed_text}"]
    out.append(others(len(pkgs) - 3))
    if m.get("net"):
        out.append(Code(m["net"]))
    loc = m.get("loc")
    if isinstance(loc, list) and len(loc) == 3 and loc[0]:
        lines = line_range(loc[1], loc[2])
        out += [Code(str(loc[0])), f"（{lines}）" if lines else ""]
    return [x for x in out if x] or ["—"]
