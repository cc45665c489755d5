"""Vendors' own severity words in Japanese (``vendorSeverity`` is free text in each vendor's vocabulary).

Japanese first, the word as sent in brackets: 「影響は軽微 (unimportant、Debian)」. Unknown words are shown as sent.
"""

from __future__ import annotations

from ...render.labels import SOURCE_JA

_COMMON = {
    "critical": "緊急",
    "high": "重要",
    "important": "重要",
    "medium": "警告",
    "moderate": "警告",
    "low": "注意",
    "negligible": "影響は軽微",
    "unimportant": "影響は軽微",
    "none": "なし",
    "informational": "情報",
    "untriaged": "未評価",
    "not yet assigned": "未評価",
    "unknown": "不明",
}

# where a vendor's word means something else than the common reading
_BY_SOURCE = {
    # Debian security tracker urgencies; "end-of-life": the release gets no more fixes
    "DEBIAN_CVE": {"unimportant": "影響は軽微", "end-of-life": "サポート終了", "not yet assigned": "未評価"},
    # Ubuntu CVE priorities
    "UBUNTU_CVE": {"negligible": "影響は軽微", "untriaged": "未評価"},
    # Red Hat: Critical / Important / Moderate / Low
    "REDHAT_CVE": {},
    # Amazon Linux (ALAS): Critical / Important / Medium / Low
    "AMAZON_CVE": {},
    # GitHub advisories: critical / high / moderate / low
    "GITHUB": {},
}


def vendor_severity_ja(word: str, source: str = "") -> str:
    """The Japanese for a vendor's severity word ("" when unknown)."""
    key = " ".join(word.strip().lower().replace("_", " ").split())
    return _BY_SOURCE.get(source, {}).get(key) or _COMMON.get(key, "")


def vendor_severity_text(word: str, source: str = "") -> str:
    """「警告 (Moderate、Red Hat)」; a word we do not know stays as sent: 「foo (Red Hat)」."""
    src = SOURCE_JA.get(source, source)
    ja = vendor_severity_ja(word, source)
    if ja:
        return f"{ja} ({word}、{src})" if src else f"{ja} ({word})"
    return f"{word} ({src})" if src else word
