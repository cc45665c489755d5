"""The ``doctor`` report: one line a check, Japanese / English, and the exit code it adds up to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .backlog.errors import redact

Level = Literal["ok", "warn", "error"]


_TAG = {"ok": "[OK]  ", "warn": "[WARN]", "error": "[NG]  "}


@dataclass(frozen=True, slots=True)
class Check:
    name_ja: str
    name_en: str
    level: Level
    message_ja: str
    message_en: str

    @property
    def ok(self) -> bool:
        return self.level != "error"

    def line(self) -> str:
        text = f"{_TAG[self.level]} {self.name_ja} ({self.name_en}): {self.message_ja}"
        if self.message_en and self.message_en != self.message_ja:
            text += f" / {self.message_en}"
        return redact(text)


@dataclass(slots=True)
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    def add(self, name_ja: str, name_en: str, level: Level, message_ja: str, message_en: str = "") -> Check:
        check = Check(name_ja, name_en, level, redact(message_ja), redact(message_en))
        self.checks.append(check)
        return check

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.level == "error"]

    @property
    def lines(self) -> list[str]:
        out = ["inspector2backlog doctor: Backlog 設定の診断 / Backlog configuration check"]
        out += [c.line() for c in self.checks]
        n, w = len(self.problems), sum(c.level == "warn" for c in self.checks)
        if n:
            out.append(f"結果: 問題が {n} 件あります / Result: {n} problem(s) found")
        elif w:
            out.append(f"結果: 問題はありません（注意 {w} 件）/ Result: OK with {w} warning(s)")
        else:
            out.append("結果: 問題はありません / Result: all checks passed")
        return out

    def text(self) -> str:
        return "\n".join(self.lines)
