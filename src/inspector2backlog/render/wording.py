"""Small wording rules every template shares: counts, percentages, lists, status labels, long cells.

One place for each rule, so an issue, a group issue and an e-mail say the same thing the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from .doc import Code, Line
from .labels import severity_ja

#: Inspector cuts ``description`` at this many characters, mid-word and without a mark
INSPECTOR_DESCRIPTION_CUT = 1024
INSPECTOR_CUT_MARK = "…（Inspector 側で省略）"
CELL_WIDTH = 80  # the longest unbreakable string a table cell gets

STATUS_LABEL_JA = {"ACTIVE": "未解決", "CLOSED": "クローズ", "SUPPRESSED": "抑制済み"}


def others(n: int) -> str:
    """「 他 N 件」 (with its leading space), or "" for no more."""
    return f" 他 {n} 件" if n > 0 else ""


def listed(values: Sequence[str], limit: int, sep: str = ", ") -> str:
    """The first ``limit`` values joined by ``sep``, then 「 ほか N 件」 for the rest."""
    more = f" ほか {len(values) - limit} 件" if len(values) > limit else ""
    return sep.join(values[:limit]) + more


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


# ---- fixed-in versions (a finding's and a group's) ----------------------------------------------------------

# "1.26.0-rc.3", "2.0.0rc1", "1.0~beta2", "3.0.0-alpha", "4.0.0.dev1": a digit, then a pre-release word
_PRE_RELEASE = re.compile(r"(?i)\d[-.~_]?(?:rc|alpha|beta|pre|preview|dev)(?![a-z])")
# a language-package pre-release as a whole: 1.26.0-rc.3, v2.0.0rc1, 3.1.0.dev2 (group 1: the release it leads to)
_SEMVER_PRE = re.compile(r"(v?\d+(?:\.\d+)*)[-.]?(?:rc|alpha|beta|pre|preview|dev)[.\d]*", re.I)
GO_STDLIB = frozenset({"stdlib", "go/stdlib", "go-stdlib", "std"})


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


# ---- shared by the issue frame, the sources' sections and group issues ------------------------------------------

NONE_PROVIDED = "None Provided"  # what a service writes for "no recommendation"


def severity_head(severity: str, score: float | None) -> str:
    """The summary's head: ``【重要 8.8】`` (``【重要】`` without a score)."""
    return f"【{severity_ja(severity)} {score:.1f}】" if score is not None else f"【{severity_ja(severity)}】"


def reference_urls(urls: Sequence[str], vulnerability_id: str) -> list[str]:
    """The distinct URLs, plus the NVD page of a CVE when none of them is it."""
    urls = list(urls)
    if vulnerability_id.startswith("CVE-") and not any(vulnerability_id in u for u in urls if "nvd.nist.gov" in u):
        urls.append(f"https://nvd.nist.gov/vuln/detail/{vulnerability_id}")
    return list(dict.fromkeys(u for u in urls if u))


def tr_line(t: Any, original: str) -> tuple[list[str], bool]:
    """A translated text (a ``Translation`` or None) as an inline line; the flag says whether it is Japanese."""
    if t is None or not t.translated:
        mark = "【翻訳失敗・原文】" if t is not None and t.status == "failed" else "【未翻訳・原文】"
        return [mark, original], False
    return [t.text], True
