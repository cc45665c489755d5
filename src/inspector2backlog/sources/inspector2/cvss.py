"""CVSS vectors explained metric by metric in Japanese (IPA/JVN terms, ``../shared/docs/terminology-ja.md``).

The ``cvss`` library validates and scores; the metric table is built from our own split of the vector, so a
malformed vector still shows what it carries (unknown keys and values stay visible as their codes).
:func:`explain` never raises and is cached per (vector, version): many findings share a vector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

BASE = "基本評価基準"
TEMPORAL = "現状評価基準"
ENVIRONMENTAL = "環境評価基準"
THREAT = "脅威評価基準"
SUPPLEMENTAL = "補足評価基準"
OTHER = "その他"  # keys that belong to no group of the detected version

_NOT_DEFINED = frozenset({"X", "ND"})
_MAX_ERROR_DETAIL = 40


@dataclass(frozen=True, slots=True)
class MetricRow:
    group: str  # 基本評価基準 | 現状評価基準 | 環境評価基準 | 脅威評価基準 | 補足評価基準 (その他 for unknown keys)
    code: str  # "AV"
    metric: str  # "攻撃元区分"
    value_code: str  # "N"
    value: str  # "ネットワーク"


@dataclass(frozen=True, slots=True)
class CvssExplanation:
    version: str  # "2.0" | "3.0" | "3.1" | "4.0" ("" when neither the vector nor the caller says)
    vector: str  # as given (stripped)
    valid: bool
    error: str | None  # Japanese note when malformed
    base_score: float | None
    severity: str | None  # 緊急/重要/警告/注意/なし (v2: 危険/警告/注意)
    rows: tuple[MetricRow, ...]
    group_names: tuple[str, ...]


# --- metric tables -------------------------------------------------------------------------------------------
# (code, group, 日本語, {value code: 日本語}) in specification order.

_HLN = {"H": "高", "L": "低", "N": "なし"}
_REQ = {"L": "低", "M": "中", "H": "高"}

_V3_BASE = (
    ("AV", "攻撃元区分", {"N": "ネットワーク", "A": "隣接", "L": "ローカル", "P": "物理"}),
    ("AC", "攻撃条件の複雑さ", {"L": "低", "H": "高"}),
    ("PR", "必要な特権レベル", {"N": "不要", "L": "低", "H": "高"}),
    ("UI", "ユーザ関与レベル", {"N": "不要", "R": "要"}),
    ("S", "スコープ", {"U": "変更なし", "C": "変更あり"}),
    ("C", "機密性への影響", _HLN),
    ("I", "完全性への影響", _HLN),
    ("A", "可用性への影響", _HLN),
)
_V3_TEMPORAL = (
    ("E", "攻撃される可能性", {"U": "未実証", "P": "実証可能", "F": "攻撃可能", "H": "容易に攻撃可能"}),
    ("RL", "利用可能な対策のレベル", {"O": "正式", "T": "暫定", "W": "非公式", "U": "なし"}),
    ("RC", "脆弱性情報の信頼性", {"U": "未確認", "R": "未確証", "C": "確認済"}),
)
_V3_ENV = (
    ("CR", "機密性の要求度", _REQ),
    ("IR", "完全性の要求度", _REQ),
    ("AR", "可用性の要求度", _REQ),
) + tuple(("M" + code, "調整後の" + name, values) for code, name, values in _V3_BASE)

_V2_IMPACT = {"N": "なし", "P": "部分的", "C": "全面的"}
_V2_BASE = (
    ("AV", "攻撃元区分", {"L": "ローカル", "A": "隣接ネットワーク", "N": "ネットワーク"}),
    ("AC", "攻撃条件の複雑さ", {"H": "高", "M": "中", "L": "低"}),
    ("Au", "攻撃前の認証要否", {"M": "複数", "S": "単一", "N": "不要"}),
    ("C", "機密性への影響", _V2_IMPACT),
    ("I", "完全性への影響", _V2_IMPACT),
    ("A", "可用性への影響", _V2_IMPACT),
)
_V2_TEMPORAL = (
    ("E", "攻撃される可能性", {"U": "未実証", "POC": "実証可能", "F": "攻撃可能", "H": "容易に攻撃可能"}),
    ("RL", "利用可能な対策のレベル", {"OF": "正式", "TF": "暫定", "W": "非公式", "U": "なし"}),
    ("RC", "脆弱性情報の信頼性", {"UC": "未確認", "UR": "未確証", "C": "確認済"}),
)
_V2_ENV = (
    ("CDP", "二次的被害の可能性", {"N": "なし", "L": "軽微", "LM": "少", "MH": "中", "H": "大"}),
    ("TD", "影響を受ける対象システムの範囲", {"N": "なし", "L": "小", "M": "中", "H": "大"}),
    ("CR", "機密性の要求度", _REQ),
    ("IR", "完全性の要求度", _REQ),
    ("AR", "可用性の要求度", _REQ),
)

_V4_SUBSEQUENT = {"H": "高", "L": "低", "N": "なし"}
_V4_BASE = (
    ("AV", "攻撃元区分", {"N": "ネットワーク", "A": "隣接", "L": "ローカル", "P": "物理"}),
    ("AC", "攻撃条件の複雑さ", {"L": "低", "H": "高"}),
    ("AT", "攻撃要件", {"N": "なし", "P": "あり"}),
    ("PR", "必要な特権レベル", {"N": "不要", "L": "低", "H": "高"}),
    ("UI", "ユーザ関与レベル", {"N": "不要", "P": "受動的", "A": "能動的"}),
    ("VC", "脆弱なシステムの機密性への影響", _HLN),
    ("VI", "脆弱なシステムの完全性への影響", _HLN),
    ("VA", "脆弱なシステムの可用性への影響", _HLN),
    ("SC", "後続システムの機密性への影響", _V4_SUBSEQUENT),
    ("SI", "後続システムの完全性への影響", _V4_SUBSEQUENT),
    ("SA", "後続システムの可用性への影響", _V4_SUBSEQUENT),
)
_V4_THREAT = (("E", "攻撃される可能性", {"A": "攻撃あり", "P": "実証コードあり", "U": "報告なし"}),)
_V4_MODIFIED_SUBSEQUENT = {"H": "高", "L": "低", "N": "無視できる", "S": "安全性に影響"}
_V4_ENV = (
    ("CR", "機密性の要求度", _REQ),
    ("IR", "完全性の要求度", _REQ),
    ("AR", "可用性の要求度", _REQ),
) + tuple(
    (
        "M" + code,
        "調整後の" + name,
        _V4_MODIFIED_SUBSEQUENT if code in ("SC", "SI", "SA") else values,
    )
    for code, name, values in _V4_BASE
)
_V4_SUPPLEMENTAL = (
    ("S", "安全性", {"N": "無視できる", "P": "影響あり"}),
    ("AU", "自動化可能性", {"N": "不可", "Y": "可能"}),
    ("R", "復旧", {"A": "自動", "U": "ユーザによる復旧", "I": "復旧不能"}),
    ("V", "価値密度", {"D": "分散", "C": "集中"}),
    ("RE", "対応の労力", {"L": "低", "M": "中", "H": "高"}),
    ("U", "緊急度", {"Clear": "クリア", "Green": "グリーン", "Amber": "アンバー", "Red": "レッド"}),
)

_Table = dict[str, tuple[int, str, str, dict[str, str]]]  # code -> (order, group, 日本語, values)


def _table(*groups: tuple[str, tuple[tuple[str, str, dict[str, str]], ...]]) -> _Table:
    out: _Table = {}
    for group, metrics in groups:
        for code, name, values in metrics:
            out[code] = (len(out), group, name, values)
    return out


_TABLES: dict[str, _Table] = {
    "2": _table((BASE, _V2_BASE), (TEMPORAL, _V2_TEMPORAL), (ENVIRONMENTAL, _V2_ENV)),
    "3": _table((BASE, _V3_BASE), (TEMPORAL, _V3_TEMPORAL), (ENVIRONMENTAL, _V3_ENV)),
    "4": _table((BASE, _V4_BASE), (THREAT, _V4_THREAT), (ENVIRONMENTAL, _V4_ENV), (SUPPLEMENTAL, _V4_SUPPLEMENTAL)),
}
_MANDATORY = {
    "2": tuple(code for code, _, _ in _V2_BASE),
    "3": tuple(code for code, _, _ in _V3_BASE),
    "4": tuple(code for code, _, _ in _V4_BASE),
}
_FAMILY = {"2.0": "2", "3.0": "3", "3.1": "3", "4.0": "4"}
_PREFIXES = {"CVSS:2.0/": "2.0", "CVSS:3.0/": "3.0", "CVSS:3.1/": "3.1", "CVSS:4.0/": "4.0"}


# --- public API ----------------------------------------------------------------------------------------------


def severity_ja(score: float | None, version: str = "3.1") -> str | None:
    """Japanese severity for a CVSS score (JVN usage); ``None`` for no score or a score outside 0–10."""
    if score is None or isinstance(score, bool):
        return None
    try:
        s = float(score)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(s) or s < 0.0 or s > 10.0:
        return None
    if str(version or "").lstrip("vV").startswith("2"):
        return "危険" if s >= 7.0 else "警告" if s >= 4.0 else "注意"
    if s >= 9.0:
        return "緊急"
    if s >= 7.0:
        return "重要"
    if s >= 4.0:
        return "警告"
    if s > 0.0:
        return "注意"
    return "なし"


def explain(vector: str, version: str | None = None) -> CvssExplanation:
    """Explain ``vector`` metric by metric in Japanese. Never raises."""
    if not isinstance(vector, str):
        vector = "" if vector is None else str(vector)
    if version is not None and not isinstance(version, str):
        version = str(version)
    try:
        return _explain_cached(vector, version)
    except Exception as exc:  # defensive: explain is used while rendering and must not break an issue
        return _invalid(vector.strip(), version or "", f"内部エラー: {type(exc).__name__}", ())


# --- implementation ------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _explain_cached(vector: str, version: str | None) -> CvssExplanation:
    shown = vector.strip()
    body = shown
    if len(body) >= 2 and body[0] == "(" and body[-1] == ")":
        body = body[1:-1].strip()

    detected = ""
    for prefix, ver in _PREFIXES.items():
        if body.startswith(prefix):
            detected = ver
            body = body[len(prefix) :]
            break
    else:
        if body.startswith("CVSS:"):
            head = body.partition("/")[0]
            return _invalid(shown, head[5:], f"未対応の CVSS バージョン「{_clip(head)}」", ())
    if not body:
        return _invalid(shown, detected or _normalize_version(version), "ベクターが空です", ())
    ver = detected or _normalize_version(version) or _guess_version(body)
    family = _FAMILY.get(ver, "")
    table = _TABLES.get(family)

    fields = _split_fields(body)
    rows = _rows(fields, table or {})
    if table is None:
        reason = "CVSS バージョンを判別できません" if not ver else f"未対応の CVSS バージョン「{_clip(ver)}」"
        return _invalid(shown, ver, reason, rows)

    problem = _problem(body, fields, table, _MANDATORY[family], "ND" if family == "2" else "X")
    score: float | None = None
    lib_error: str | None = None
    try:
        score = _score(family, ver, body)
    except Exception as exc:  # cvss.exceptions.CVSSError, or anything odd the library trips over
        lib_error = _library_reason(exc)
    if problem is None and lib_error is None and score is not None:
        return CvssExplanation(
            version=ver,
            vector=shown,
            valid=True,
            error=None,
            base_score=score,
            severity=severity_ja(score, ver),
            rows=rows,
            group_names=_groups(rows),
        )
    return _invalid(shown, ver, problem or lib_error or "スコアを計算できません", rows)


def _score(family: str, ver: str, body: str) -> float:
    if family == "2":
        from cvss import CVSS2

        return float(CVSS2(body).base_score)
    if family == "3":
        from cvss import CVSS3

        return float(CVSS3(f"CVSS:{ver}/{body}").base_score)
    from cvss import CVSS4

    return float(CVSS4(f"CVSS:4.0/{body}").base_score)


def _normalize_version(version: str | None) -> str:
    if not version:
        return ""
    v = version.strip().lstrip("vV")
    if v in ("2", "3", "4"):
        v += ".0"
    return v


def _guess_version(body: str) -> str:
    """A vector without prefix and without a caller-given version: NVD v2 vectors look like this."""
    keys = {f.partition(":")[0] for f in body.split("/")}
    if "Au" in keys:
        return "2.0"
    if keys & {"AT", "VC", "VI", "VA", "SC", "SI", "SA"}:
        return "4.0"
    if keys & {"PR", "UI", "S"}:
        return "3.1"
    return "2.0" if keys & {"AV", "AC", "C", "I", "A"} else ""


def _split_fields(body: str) -> tuple[tuple[str, str], ...]:
    out = []
    for field in body.split("/"):
        if not field:
            continue
        key, sep, value = field.partition(":")
        out.append((key, value if sep else ""))
    return tuple(out)


def _rows(fields: tuple[tuple[str, str], ...], table: _Table) -> tuple[MetricRow, ...]:
    keyed: list[tuple[int, MetricRow]] = []
    seen: set[tuple[str, str]] = set()
    for position, (code, value_code) in enumerate(fields):
        if (code, value_code) in seen:
            continue
        seen.add((code, value_code))
        entry = table.get(code)
        if entry is None:
            keyed.append((10_000 + position, MetricRow(OTHER, code, code, value_code, value_code)))
            continue
        order, group, name, values = entry
        if group != BASE and value_code in _NOT_DEFINED:
            continue
        keyed.append((order, MetricRow(group, code, name, value_code, values.get(value_code, value_code))))
    keyed.sort(key=lambda item: item[0])
    return tuple(row for _, row in keyed)


def _groups(rows: tuple[MetricRow, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(row.group for row in rows))


def _problem(
    body: str, fields: tuple[tuple[str, str], ...], table: _Table, mandatory: tuple[str, ...], not_defined: str
) -> str | None:
    """A Japanese reason for the first structural problem, or None (the library then has the last word)."""
    if body.endswith("/") or "//" in body:
        return "区切り「/」の位置が不正です"
    seen: set[str] = set()
    for code, value in fields:
        if code not in table:
            return f"不明な評価基準「{_clip(code)}」"
        if code in seen:
            return f"評価基準「{_clip(code)}」が重複しています"
        seen.add(code)
        _, group, _, values = table[code]
        if value not in values and not (group != BASE and value == not_defined):
            return f"評価基準「{_clip(code)}」の値「{_clip(value)}」が不明です"
    missing = [code for code in mandatory if code not in seen]
    if missing:
        return "必須の評価基準がありません: " + "、".join(missing)
    return None


def _library_reason(exc: Exception) -> str:
    return _clip(str(exc) or type(exc).__name__)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR_DETAIL else text[: _MAX_ERROR_DETAIL - 1] + "…"


def _invalid(shown: str, ver: str, reason: str, rows: tuple[MetricRow, ...]) -> CvssExplanation:
    return CvssExplanation(
        version=ver,
        vector=shown,
        valid=False,
        error=f"ベクターを解析できませんでした（{reason}）。原文のまま表示しています。",
        base_score=None,
        severity=None,
        rows=rows,
        group_names=_groups(rows),
    )
