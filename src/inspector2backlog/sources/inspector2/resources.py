"""Inspector's resources as the issue names and describes them (EC2 instances, ECR images and repositories, Lambda
functions, code repositories), read from their typed details (:mod:`.model`)."""

from __future__ import annotations

from typing import TypeVar

from ...findings.model import Finding, Resource
from ...findings.timestamps import jst
from ...render.doc import Code, Line
from ...render.labels import RESOURCE_SHORT, resource_type_ja
from ...render.wording import codes, others
from .model import Ec2Instance, EcrImage, EcrRepository, LambdaFunction, RawTime
from .packages import function_account, layer_list

MAX_TAGS = 8
T = TypeVar("T")
_EC2, _IMAGE, _REPO, _FN = Ec2Instance(), EcrImage(), EcrRepository(), LambdaFunction()


def resource_label(r: Resource | None) -> str:
    if r is None:
        return ""
    short = RESOURCE_SHORT.get(r.type, r.type)
    if r.type == "AWS_EC2_INSTANCE":
        return f"EC2 {r.name_tag} ({r.id})" if r.name_tag else f"EC2 {r.id}"
    if r.type == "AWS_ECR_CONTAINER_IMAGE":
        img = _of(r, EcrImage, _IMAGE)
        repo = img.repository_name or r.id.split("/", 1)[-1]
        if img.image_tags:
            return f"ECR {repo}:{img.image_tags[0]}"
        return f"ECR {repo}@{img.digest[:19]}" if img.digest else f"ECR {repo}"
    if r.type == "AWS_LAMBDA_FUNCTION":
        return f"Lambda {_of(r, LambdaFunction, _FN).function_name or r.id.split(':function:')[-1]}"
    if r.type == "AWS_ECR_REPOSITORY":
        return f"{short} {_of(r, EcrRepository, _REPO).name or r.id}"
    return f"{short} {r.id}" if short != r.id else r.id


def long_label(r: Resource | None) -> str:
    """「EC2 インスタンス i-… (Name)」「Lambda 関数 fn」: the resource as a sentence names it."""
    if r is None:
        return "対象リソース"
    short = resource_label(r)
    prefix = RESOURCE_SHORT.get(r.type, "")
    if prefix and short.startswith(prefix + " "):
        short = short[len(prefix) + 1 :]
    return f"{resource_type_ja(r.type)} {short}"


def fn_account(f: Finding) -> str:
    """The account a Lambda function belongs to (layers of another account are third-party)."""
    r = f.primary_resource
    return function_account(r.id, f.account) if r is not None else f.account


def resource_lines(f: Finding, r: Resource) -> list[Line]:
    """The facts of one resource."""
    kind = resource_type_ja(r.type)
    lines: list[Line] = []
    region = r.region if r.region and r.region != "N/A" else f.region
    if r.type == "AWS_EC2_INSTANCE":
        ec2 = _of(r, Ec2Instance, _EC2)
        facts = _join(ec2.instance_type, ec2.platform, ec2.image_id)
        lines.append([f"種類: {kind} ", Code(r.id), f"（{facts}）" if facts else ""])
        if r.name_tag:
            lines.append(["名前 (Name タグ): ", r.name_tag])
        net = " / ".join(x for x in (ec2.vpc_id, ec2.subnet_id) if x)
        if net:
            lines.append(["VPC / サブネット: ", Code(net)])
        ips = list(ec2.ipv4_addresses + ec2.ipv6_addresses)
        if ips:
            lines.append(["IP アドレス: ", "、".join(ips[:6]) + others(len(ips) - 6)])
        if ec2.key_name:
            lines.append(["キーペア: ", Code(ec2.key_name)])
        if ec2.iam_instance_profile_arn:
            lines.append(["インスタンスプロファイル: ", Code(ec2.iam_instance_profile_arn)])
    elif r.type == "AWS_ECR_CONTAINER_IMAGE":
        img = _of(r, EcrImage, _IMAGE)
        lines.append([f"種類: {kind} ", Code(img.repository_name or r.id)])
        tags = img.image_tags
        if tags:
            lines.append(["イメージタグ: ", *codes(tags[:10]), others(len(tags) - 10)])
        if img.digest:
            lines.append(["ダイジェスト: ", Code(img.digest)])
        facts = _join(img.platform, img.architecture)
        if facts:
            lines.append([f"プラットフォーム: {facts}"])
        if img.pushed_at is not None and img.pushed_at.present:
            lines.append([f"プッシュ日時: {_shown(img.pushed_at)}"])
        if (img.last_in_use_at is not None and img.last_in_use_at.present) or img.in_use_count is not None:
            count = img.in_use_count or "不明"
            lines.append([f"使用状況: 使用中 {count} 件、最終使用 {_shown(img.last_in_use_at)}"])
    elif r.type == "AWS_LAMBDA_FUNCTION":
        fn = _of(r, LambdaFunction, _FN)
        facts = _join(fn.version, fn.runtime, ", ".join(fn.architectures), fn.package_type)
        lines.append([f"種類: {kind} ", Code(fn.function_name or r.id), f"（{facts}）" if facts else ""])
        if fn.layers:
            lines.append(["レイヤー: ", *layer_list(fn.layers, fn_account(f))])
        if fn.vpc_id:
            lines.append(["VPC: ", Code(fn.vpc_id)])
        if fn.last_modified_at is not None and fn.last_modified_at.present:
            lines.append([f"最終更新: {_shown(fn.last_modified_at)}"])
    else:
        lines.append([f"種類: {kind} ", Code(r.id)])
    lines.append([f"アカウント / リージョン: {f.account or '不明'} / {region or '不明'}"])
    if r.type != "AWS_EC2_INSTANCE" or r.id.startswith("arn:"):
        lines.append(["ID: ", Code(r.id)])
    pairs = [(k, v) for k, v in r.tags.items() if not k.startswith("aws:") and k != "Name"]
    if pairs:
        lines.append(["タグ: ", *codes([f"{k}={v}" for k, v in pairs[:MAX_TAGS]]), others(len(pairs) - MAX_TAGS)])
    return lines


def _of(r: Resource, cls: type[T], empty: T) -> T:
    """``r.details`` when it is a ``cls`` (a hand-built Resource may carry none), else the empty one."""
    return r.details if isinstance(r.details, cls) else empty


def _join(*parts: str) -> str:
    return "、".join(p for p in parts if p)


def _shown(t: RawTime | None) -> str:
    """A resource timestamp in JST (an unreadable value shown as sent, 「不明」 when there is none)."""
    if t is None:
        return "不明"
    if t.when is not None:
        return jst(t.when)
    return t.text if t.present and t.text else "不明"
