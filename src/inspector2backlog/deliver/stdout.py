"""Print what would be sent (``--dry-run``, or ``sink = "stdout"``). Nothing leaves the machine."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from ..redaction import redact_secrets
from ..render import markdown
from ..render.doc import Block
from ..render.issue import Issue
from .base import IssueRef, Sink


class StdoutSink(Sink):
    name = "stdout"

    def __init__(self, out: TextIO | None = None, *, text_format: str = "markdown", full: bool = True):
        self.out = out or sys.stdout
        self.text_format = text_format
        self.full = full
        self._n = 0

    def create(self, issue: Issue) -> IssueRef:
        self._n += 1
        ref = IssueRef(f"DRY-{self._n}")
        self._print(f"[作成 / create] {ref.key} {issue.summary}  (優先度 {issue.priority})")
        if self.full:
            self.out.write(redact_secrets(issue.description(self.text_format)) + "\n")
        return ref

    def update(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        self._print(f"[更新 / update] {ref.key}\n{markdown.render(comment).strip()}")

    def close(
        self, ref: IssueRef, comment: Sequence[Block], *, suppressed: bool = False, resolution: str | None = None
    ) -> None:
        self._print(
            f"[{'抑制で完了 / close (suppressed)' if suppressed else '完了 / close'}] {ref.key}\n"
            f"{markdown.render(comment).strip()}"
        )

    def reopen(self, ref: IssueRef, issue: Issue | None, comment: Sequence[Block]) -> None:
        self._print(f"[再オープン / reopen] {ref.key}\n{markdown.render(comment).strip()}")

    def _print(self, text: str) -> None:
        self.out.write(redact_secrets(text) + "\n" + "-" * 72 + "\n")
