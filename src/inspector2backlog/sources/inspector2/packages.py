"""Affected packages as people read them: one row per package and version (its locations together), the Lambda
layer a package came from, Go binaries, and fixed-in versions without pre-releases when a release exists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...render.doc import Code, Line
from ...render.wording import GO_STDLIB, cell_code, preferred_fix, update_line
from .model import Package


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
