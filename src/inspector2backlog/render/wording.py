"""Small wording rules every template shares: counts, percentages, lists, status labels, long cells.

One place for each rule, so an issue, a group issue and an e-mail say the same thing the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .doc import Code, Line

#: Inspector cuts ``description`` at this many characters, mid-word and without a mark
INSPECTOR_DESCRIPTION_CUT = 1024
INSPECTOR_CUT_MARK = "…（Inspector 側で省略）"
CELL_WIDTH = 80  # the longest unbreakable string a table cell gets

STATUS_LABEL_JA = {"ACTIVE": "未解決", "CLOSED": "クローズ", "SUPPRESSED": "抑制済み"}


def others(n: int) -> str:
    """「 他 N 件」 (with its leading space), or "" for no more."""
    return f" 他 {n} 件" if n > 0 else ""


def percent(x: float) -> str:
    """A probability (0–1) as a percentage with at least two significant digits: 0.00075 → 「0.075%」."""
    pct = x * 100
    if pct <= 0:
        return "0%"
    if pct >= 10:
        return f"{pct:.1f}%"
    decimals = min(6, max(2, 1 - math.floor(math.log10(pct))))
    return f"{pct:.{decimals}f}%"


def status_label(status: str) -> str:
    """「未解決 (ACTIVE)」: Japanese first, the enum in brackets, never a bracket inside a bracket."""
    ja = STATUS_LABEL_JA.get(status)
    return f"{ja} ({status})" if ja else (status or "不明")


def line_range(start: object, end: object) -> str:
    """「12 行目」「12〜14 行目」 ("" without a line number)."""
    if not isinstance(start, int):
        return ""
    return f"{start} 行目" if not isinstance(end, int) or end == start else f"{start}〜{end} 行目"


def missing_sentence(raw: object) -> str:
    """For an almost empty finding: what it lacks, instead of inventing it."""
    d = raw if isinstance(raw, dict) else {}
    missing = [
        label
        for key, label in (
            ("type", "種類"),
            ("title", "タイトル"),
            ("description", "説明"),
            ("severity", "深刻度"),
            ("status", "状態"),
            ("resources", "対象リソース"),
        )
        if not d.get(key)
    ]
    what = "、".join(missing) if missing else "対象リソースや脆弱性の情報"
    return f"Inspector の検出結果を受信しましたが、{what}が含まれていません。Inspector のコンソールで Finding ARN から内容を確認してください。"


def codes(values: Sequence[str], sep: str = "、") -> list:
    """Values as code spans joined by 「、」 (a Japanese list)."""
    out: list = []
    for i, v in enumerate(values):
        if i:
            out.append(sep)
        out.append(Code(v))
    return out


def inspector_cut(text: str) -> bool:
    """Whether Inspector cut this description (exactly at its limit)."""
    return len(text) == INSPECTOR_DESCRIPTION_CUT


def with_cut_mark(text: str) -> str:
    return text.rstrip() + INSPECTOR_CUT_MARK if inspector_cut(text) else text


def cell_code(text: str, width: int = CELL_WIDTH) -> Line:
    """A code value for a table cell: a string longer than ``width`` is split at ``/``, ``:`` or ``,`` (or hard at
    ``width``) into several code spans with a space between, so the cell can wrap."""
    if len(text) <= width:
        return [Code(text)]
    out: list = []
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + width)
        if end < n:
            cut = max(text.rfind("/", start + 1, end), text.rfind(":", start + 1, end), text.rfind(",", start + 1, end))
            if cut > start + width // 4:
                end = cut + 1
        if out:
            out.append(" ")
        out.append(Code(text[start:end]))
        start = end
    return out


def shown_vector(vector: str) -> str:
    """A CVSS vector without its "not defined" (``/XX:X``) metrics: CVSS 4.0 spells every metric out."""
    if "/" not in vector:
        return vector
    parts = vector.split("/")
    kept = [p for p in parts if not (":" in p and p.split(":", 1)[1] in ("X", "ND") and not p.startswith("CVSS:"))]
    return "/".join(kept)


DETECTOR_JA = {
    "hardcoded credentials": "ハードコードされた認証情報",
    "hardcoded password": "ハードコードされたパスワード",
    "sql injection": "SQL インジェクション",
    "os command injection": "OS コマンドインジェクション",
    "cross-site scripting": "クロスサイトスクリプティング",
    "path traversal": "パストラバーサル",
    "log injection": "ログインジェクション",
    "xml external entity": "XML 外部エンティティ参照 (XXE)",
    "server-side request forgery": "サーバサイドリクエストフォージェリ (SSRF)",
    "insecure hashing": "安全でないハッシュ関数の使用",
    "insecure cryptography": "安全でない暗号の使用",
    "insecure connection using unencrypted protocol": "暗号化されていない通信",
    "deserialization of untrusted object": "信頼できないデータのデシリアライズ",
    "resource leak": "リソースの解放漏れ",
    "clear text credentials": "平文の認証情報",
    "improper input validation": "不適切な入力確認",
    "unrestricted upload of dangerous file type": "危険な種類のファイルのアップロード",
    "missing authorization": "認可の欠如",
    "code injection": "コードインジェクション",
}


def detector_ja(name: str) -> str:
    """A code-scan detector's name in Japanese when we know it (CodeGuru detector names), else as sent."""
    return DETECTOR_JA.get(name.strip().lower(), name)
