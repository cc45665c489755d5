"""GuardDuty finding types explained in Japanese: 概要, なぜ重要か, 調査手順, 対応手順, 誤検知になりやすい状況.

The text lives in ``knowledge_ja.toml`` (package data, read once on first use). Per type: ``summary``, ``why`` and
optional ``investigate_extra`` / ``respond_first`` / ``respond_extra`` / ``false_positive``, and ``family`` when the
type's steps are another family's. The ordered steps are the family's (``"<ThreatPurpose>:<ResourceTypeAffected>"``)
with the type's own after them; ``respond_first`` is remediation specific enough to lead. A type the table does not
know (GuardDuty adds types every year) gets a generic Japanese entry built from the parts of its name, the finding's
resource type and action type (``generic=True``); no section is ever empty.

Text between backticks is inline code (a command, an API or event name) for the renderer.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .labels import (
    ACTION_JA,
    ARTIFACT_JA,
    DETECTION_JA,
    RESOURCE_JA,
    RESOURCE_TYPE_JA,
    RESOURCE_TYPE_TO_RESOURCE,
    THREAT_FAMILY_JA,
    THREAT_PURPOSE_JA,
)

__all__ = [
    "ACTION_JA",
    "RESOURCE_JA",
    "RESOURCE_TYPE_JA",
    "THREAT_FAMILY_JA",
    "THREAT_PURPOSE_JA",
    "Knowledge",
    "TypeParts",
    "known_types",
    "lookup",
    "parse_type",
]

DATA_FILE = "knowledge_ja.toml"
#: names longer than this, or with other characters, are never quoted into the generic text
_MAX_NAME = 64
_MAX_CACHED_TYPE = 256
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789&._-")


@dataclass(frozen=True, slots=True)
class Knowledge:
    """What a finding type means and what to do about it, in Japanese."""

    type: str
    summary: str  # 何が起きたか
    why: str  # なぜ重要か
    investigate: tuple[str, ...]  # 調査手順, in order
    respond: tuple[str, ...]  # 対応手順, in order
    false_positive: str = ""  # 誤検知になりやすい状況 ("" when nothing useful can be said)
    generic: bool = False  # True: built from the parts of an unknown type's name


@dataclass(frozen=True, slots=True)
class TypeParts:
    """``ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact``; missing parts are ""."""

    purpose: str = ""
    resource: str = ""
    family: str = ""
    mechanism: str = ""
    artifact: str = ""

    @property
    def family_key(self) -> str:
        return f"{self.purpose}:{self.resource}"


def parse_type(finding_type: str) -> TypeParts:
    """Split a finding type into its parts (linear: ``str.partition`` only; any part may be missing).

    ``Weird`` → purpose only; ``EC2/Foo`` → no purpose; ``A:EC2/Malware/Foo`` → resource ``EC2/Malware``.
    """
    text = (finding_type or "").strip()
    purpose, colon, rest = text.partition(":")
    if not colon:
        if "/" not in text:
            return TypeParts(purpose=text)
        purpose, rest = "", text
    resource, slash, name = rest.rpartition("/")
    if not slash:  # "Purpose:Resource" without a name
        resource, name = rest, ""
    name, _, artifact = name.partition("!")
    family, _, mechanism = name.partition(".")
    return TypeParts(purpose, resource, family, mechanism, artifact)


@lru_cache(maxsize=1)
def _load() -> Mapping[str, Any]:
    raw = resources.files(__package__).joinpath(DATA_FILE).read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def known_types() -> tuple[str, ...]:
    """Every finding type with its own entry, in file order."""
    return tuple(_load().get("types", {}))


def _steps(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(s.strip() for s in value if isinstance(s, str) and s.strip())


def _section(table: str, key: str) -> Mapping[str, Any]:
    value = _load().get(table, {}).get(key)
    return value if isinstance(value, dict) else {}


def _resource_key(parts: TypeParts, resource_type: str | None) -> str:
    if parts.resource in RESOURCE_JA:
        return parts.resource
    return RESOURCE_TYPE_TO_RESOURCE.get(resource_type or "", "")


def _base_steps(family_key: str, resource_key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The family's steps, else the resource's generic steps, else the catch-all ones."""
    tables = ("families", family_key), ("resources", resource_key), ("resources", resource_key.partition("/")[0])
    for table, key in (*tables, ("resources", "default")):
        sec = _section(table, key)
        investigate, respond = _steps(sec.get("investigate")), _steps(sec.get("respond"))
        if investigate and respond:
            return investigate, respond
    return (), ()


def _runtime_target(parts: TypeParts, resource_type: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Runtime Monitoring types name no resource: the finding's resourceType says where the process ran."""
    if parts.resource != "Runtime" or not resource_type:
        return (), ()
    sec = _section("runtime_targets", resource_type)
    return _steps(sec.get("investigate")), _steps(sec.get("respond"))


def _with_target(respond: tuple[str, ...], target: tuple[str, ...]) -> tuple[str, ...]:
    """The concrete isolation for where the process ran goes right after the family's first (containment) step."""
    return respond[:1] + target + respond[1:]


def _safe_name(name: str) -> bool:
    return 0 < len(name) <= _MAX_NAME and all(c in _NAME_CHARS for c in name)


def lookup(finding_type: str, *, resource_type: str | None = None, action_type: str | None = None) -> Knowledge:
    """The entry for ``finding_type``; a generic one (``generic=True``) when the table does not know it.

    Cached; a type longer than any GuardDuty type (garbage input) is answered without filling the cache."""
    finding_type = finding_type if isinstance(finding_type, str) else ""
    if len(finding_type) > _MAX_CACHED_TYPE:
        return _lookup.__wrapped__(finding_type, resource_type, action_type)
    return _lookup(finding_type, resource_type, action_type)


@lru_cache(maxsize=1024)
def _lookup(finding_type: str, resource_type: str | None, action_type: str | None) -> Knowledge:
    parts = parse_type(finding_type)
    entry = _load().get("types", {}).get(finding_type)
    if isinstance(entry, dict) and entry.get("summary") and entry.get("why"):
        return _known(finding_type, entry, parts, resource_type)
    return _generic(finding_type, parts, resource_type, action_type)


def _known(finding_type: str, entry: Mapping[str, Any], parts: TypeParts, resource_type: str | None) -> Knowledge:
    family = entry.get("family")
    family = family if isinstance(family, str) else parts.family_key
    investigate, respond = _base_steps(family, _resource_key(parts, resource_type))
    target_inv, target_resp = _runtime_target(parts, resource_type)
    return Knowledge(
        type=finding_type,
        summary=str(entry["summary"]).strip(),
        why=str(entry["why"]).strip(),
        investigate=investigate + _steps(entry.get("investigate_extra")) + target_inv,
        respond=(
            _steps(entry.get("respond_first")) + _with_target(respond, target_resp) + _steps(entry.get("respond_extra"))
        ),
        false_positive=str(entry.get("false_positive", "")).strip(),
        generic=False,
    )


def _generic(finding_type: str, parts: TypeParts, resource_type: str | None, action_type: str | None) -> Knowledge:
    resource_key = _resource_key(parts, resource_type)
    purpose_ja = THREAT_PURPOSE_JA.get(parts.purpose, "")
    where = RESOURCE_JA.get(resource_key) or RESOURCE_TYPE_JA.get(resource_type or "") or "AWS 環境"
    action_ja = ACTION_JA.get(action_type or "", "")
    how = f"（{action_ja}）" if action_ja else ""
    kind = f"「{purpose_ja}」に分類される活動" if purpose_ja else "不審な活動"
    scope = _cat(f"「{purpose_ja}」と", where) if purpose_ja else where
    sentences = [
        _cat("GuardDuty が", where, "で", kind, how, "を検出しました。"),
        _family_sentence(parts),
        _cat("この検出タイプの個別の解説はまだ登録されていないため、以下は", scope, "に共通する一般的な手順です。"),
    ]

    purpose = _section("purposes", parts.purpose)
    why = str(purpose.get("why", "")).strip() or str(_section("purposes", "default").get("why", "")).strip()
    investigate, respond = _base_steps(parts.family_key, resource_key)
    first_step = _steps(_section("resources", "default").get("first"))
    action_step = _steps(_section("actions", action_type or "").get("investigate"))
    runtime_inv, runtime_resp = _runtime_target(parts, resource_type)
    return Knowledge(
        type=finding_type,
        summary="".join(s for s in sentences if s),
        why=why,
        investigate=_dedup(first_step + action_step + investigate + runtime_inv),
        respond=_dedup(_with_target(respond, runtime_resp)),
        false_positive=str(purpose.get("false_positive", "")).strip(),
        generic=True,
    )


def _family_sentence(parts: TypeParts) -> str:
    family_ja = THREAT_FAMILY_JA.get(parts.family, "")
    detail = [DETECTION_JA[parts.mechanism]] if parts.mechanism in DETECTION_JA else []
    if parts.artifact in ARTIFACT_JA:
        detail.append(f"{ARTIFACT_JA[parts.artifact]}から検出")
    note = f"（{'、'.join(detail)}）" if detail else ""
    if family_ja:
        return f"検出の内容は「{family_ja}」です{note}。"
    if _safe_name(parts.family):
        return f"脅威の種類 `{parts.family}` は、この知識ベースにまだない新しい名前です{note}。"
    return "検出タイプの名前から脅威の種類を判別できないため、検出結果の説明文もあわせて確認してください。"


def _cat(*parts: str) -> str:
    """Concatenate, with a space where half-width letters or digits meet Japanese (as the hand-written text does)."""
    out = ""
    for part in parts:
        if out and part and (_is_ascii_word(out[-1]) != _is_ascii_word(part[0])) and _is_ja(out[-1] + part[0]):
            out += " "
        out += part
    return out


def _is_ascii_word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _is_ja(pair: str) -> bool:
    """True when the non-ASCII side of the pair is a kana/kanji (not 「」（）、。 and the like)."""
    c = pair[1] if pair[0].isascii() else pair[0]
    return "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff"


def _dedup(steps: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(steps))
