"""Finding → Japanese issue (one object, three renderings).

:class:`IssueBuilder` lays out the issue once as a small document (:mod:`.doc`): the frame every source shares
(「概要」 with the translated description, 「検出日時」, 「原文 (English)」, the fallback issue, the length limits)
around the source's own sections (``sources.get(f.source).sections``). :class:`Issue` renders it to Backlog
Markdown, Backlog notation or plain e-mail text on demand, within Backlog's length limits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import sources
from ..findings.model import Finding, Unparsed
from ..findings.timestamps import jst
from ..translate.base import Translation, Translator
from . import backlog_notation, email, markdown
from .doc import Block, Bullets, Code, CodeBlock, Heading, Line, Para, Section, Strong, plain
from .labels import DEFAULT_DUE_DAYS, DEFAULT_PRIORITY, FINDING_TYPE_JA, severity_ja
from .limits import cap_finding
from .links import inline_links, quoted
from .redact import redact_value
from .safe import DESCRIPTION_LIMIT, clean, truncate
from .wording import NONE_PROVIDED, reference_urls, severity_head, tr_line

__all__ = ["NONE_PROVIDED", "reference_urls", "severity_head"]  # re-exported: group issues use them too

FORMATS = ("markdown", "backlog", "email")
_RENDERERS = {"markdown": markdown.render, "backlog": backlog_notation.render, "email": email.render}
FALLBACK_SUMMARY = "【要確認】Inspector 通知の解析に失敗しました"  # the default source's; others name theirs


class Plan(Protocol):
    """How urgent the issue is, decided by the policy before the issue is built (``policy.plan.IssuePlan``)."""

    @property
    def priority(self) -> str: ...  # Backlog priority name: 高 / 中 / 低

    @property
    def due_days(self) -> int | None: ...

    @property
    def reasons(self) -> tuple[str, ...]: ...  # why a rule raised it: shown under 「優先度を上げた理由」


@dataclass
class Issue:
    """Everything needed to file (or preview) one Backlog issue."""

    finding_arn: str
    summary: str
    severity: str
    priority: str  # Backlog priority name: 高 / 中 / 低
    due_days: int | None
    labels: tuple[str, ...]
    blocks: list[Block]
    fallback: bool = False
    status: str = "ACTIVE"
    origin: str = ""
    error: str = ""
    source: str = ""  # the finding's source (its registry name): which Backlog project it goes to ("" = [backlog])
    _cache: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def severity_ja(self) -> str:
        return severity_ja(self.severity)

    def description(self, fmt: str = "markdown") -> str:
        text = self._cache.get(fmt)
        if text is None:
            if fmt not in _RENDERERS:
                raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
            render = _RENDERERS[fmt]
            text = render(self.blocks)
            if len(text) > DESCRIPTION_LIMIT:
                # the ARN (near the end) is how a crashed create is found again: it must survive the cut
                footer = render([Para(["Finding ARN: ", Code(self.finding_arn)])]) if self.finding_arn else ""
                text = truncate(text, DESCRIPTION_LIMIT - len(footer) - 2) + ("\n\n" + footer if footer else "")
            self._cache[fmt] = text
        return text

    def email(self) -> tuple[str, str]:
        """(subject, body) for the mail-to-issue path: the subject becomes the Backlog summary."""
        return self.summary, self.description("email")

    def as_json(self, fmt: str = "markdown") -> dict[str, Any]:
        return {
            "finding_arn": self.finding_arn,
            "severity": self.severity,
            "severity_ja": self.severity_ja,
            "status": self.status,
            "summary": self.summary,
            "priority": self.priority,
            "due_days": self.due_days,
            "labels": list(self.labels),
            "fallback": self.fallback,
            "origin": self.origin,
            "format": fmt,
            "description": self.description(fmt),
        }


class IssueBuilder:
    """Lays out the Japanese issue for a finding. Stateless apart from its translator (and its section cache)."""

    def __init__(self, translator: Translator, *, jvn: Any = None) -> None:
        self.translator = translator
        self.jvn = jvn  # a JvnSource ([jvn] enabled): JVN iPedia's Japanese text stands in for a CVE's description
        self._sections: dict[tuple, Section] = {}

    # ---- public --------------------------------------------------------------------------------------------
    def build(self, f: Finding, plan: Plan | None = None) -> Issue:
        """The issue for ``f``, with the priority and due date of ``plan`` (none: the default table by severity)."""
        f = cap_finding(f)  # every text field of bounded length before any pattern or engine sees it
        try:
            src = sources.get(f.source)
            tr = self.translate_texts(src.texts(f), src.vulnerability_id(f), f.description)
        except Exception as e:  # noqa: BLE001 - the translator's own failures are handled inside; this is a bug
            return self._fallback_for(f, e)
        return self._build_or_fallback(f, tr, plan)

    def fallback(self, item: Unparsed, secrets: tuple[str, ...] = (), key: str = "") -> Issue:
        return fallback_issue(item, secrets, key)

    def translate_texts(self, texts: Sequence[str], vulnerability_id: str, description: str) -> dict[str, Translation]:
        """``texts`` translated; ``description`` answered by JVN iPedia instead when ``[jvn]`` has the CVE."""
        jt = self.jvn.text_for(vulnerability_id, description) if self.jvn is not None else None
        if jt is not None:
            texts = [t for t in texts if t != description]
        tr = dict(zip(texts, self.translator.translate_many(texts), strict=False)) if texts else {}
        if jt is not None:
            tr[description] = jt
        return tr

    def lookahead(self, items: Iterable[Any]) -> Iterable[Any]:
        """``items`` unchanged; with ``[jvn]`` on, read a few ahead so their CVEs are looked up together."""
        return items if self.jvn is None else self.jvn.lookahead(items)

    # ---- layout --------------------------------------------------------------------------------------------
    def _build_or_fallback(self, f: Finding, tr: Mapping[str, Translation], plan: Plan | None = None) -> Issue:
        try:
            return self._build(f, tr, plan)
        except Exception as e:  # noqa: BLE001 - a layout bug on odd input must not lose the finding
            return self._fallback_for(f, e)

    @staticmethod
    def _fallback_for(f: Finding, e: Exception) -> Issue:
        issue = fallback_issue(Unparsed(f.origin, f"課題の作成中に予期しないエラー: {type(e).__name__}: {e}", f.raw))
        issue.finding_arn, issue.source = f.arn, f.source
        return issue

    def _section(self, key: tuple, make: Callable[[], list[Block]]) -> Section:
        """A section that depends only on ``key``: built once, rendered once per format (see :class:`Section`)."""
        sec = self._sections.get(key)
        if sec is None:
            if len(self._sections) >= 4096:
                self._sections.clear()
            sec = self._sections[key] = Section(key, tuple(make()))
        return sec

    def _build(self, f: Finding, tr: Mapping[str, Translation], plan: Plan | None) -> Issue:
        src = sources.get(f.source)
        rec_t = tr.get(f.recommendation)
        own = src.overview(f, tr)
        blocks: list[Block] = _overview(src, f, tr) if own is None else list(own)
        blocks += reason_blocks(plan.reasons if plan is not None else ())
        blocks += src.sections(f, tr)
        blocks += _detection(src, f)
        # the source's own 「概要」 shows no description: one it did not ask to translate is kept here in English
        keep = own is not None and f.description not in tr
        blocks.append(
            self._section(
                ("original", f.source, f.title, f.description, f.recommendation, tr.get(f.description), rec_t, keep),
                lambda: _original(src, f, tr, keep_description=keep),
            )
        )
        return Issue(
            finding_arn=f.arn,
            summary=src.summary(f, tr),
            severity=f.severity,
            priority=plan.priority if plan is not None else DEFAULT_PRIORITY.get(f.severity, "中"),
            due_days=plan.due_days if plan is not None else DEFAULT_DUE_DAYS.get(f.severity),
            labels=src.labels(f),
            blocks=blocks,
            status=f.status,
            origin=f.origin,
            source=f.source,
        )


def reason_blocks(reasons: Sequence[str]) -> list[Block]:
    """「優先度を上げた理由」 (when a rule raised the priority), right after 「概要」."""
    return [Heading("優先度を上げた理由"), Bullets([[r] for r in reasons])] if reasons else []


# ---- the frame -------------------------------------------------------------------------------------------------


def _overview(src: Any, f: Finding, tr: Mapping[str, Translation]) -> list[Block]:
    blocks: list[Block] = [Heading("概要"), Para(src.lead(f))]
    note = src.status_note(f)
    if note:
        blocks.append(Para([Strong(note)]))
    if f.description.strip():
        t = tr.get(f.description)
        line, ok = tr_line(t, f.description)
        jvn = jvn_blocks(t)
        if jvn:
            blocks += jvn
        elif ok:
            blocks.append(Para(inline_links(line[0] + src.cut_mark(f.description))))
        else:
            blocks += quoted(plain([line[0], _with_mark(src, f.description)]))
    return blocks


def _with_mark(src: Any, text: str) -> str:
    mark = src.cut_mark(text)
    return text.rstrip() + mark if mark else text


def jvn_blocks(t: Translation | None) -> list[Block]:
    """JVN iPedia's text (with its 出典 line) for a description ``[jvn]`` answered, else []."""
    entry = getattr(t, "jvn", None)
    if entry is None:
        return []
    from .jvn import overview_blocks  # lazy: [jvn] is optional: its blocks load only when JVN answered

    return overview_blocks(entry)


def _detection(src: Any, f: Finding) -> list[Block]:
    lines: list[Line] = [
        [f"初回検出: {jst(f.first_observed)}、最終検出: {jst(f.last_observed)}、更新: {jst(f.updated_at)}"],
        *src.detection_lines(f),
    ]
    state = src.status_text(f)
    kind = FINDING_TYPE_JA.get(f.type) or ("不明（通知に記載なし）" if f.type == "UNKNOWN" else f.type)
    lines.append([f"状態: {state}、種類: {kind}"])
    lines.append(["Finding ARN: ", Code(f.arn)])
    return [Heading("検出日時"), Bullets(lines)]


def _original(src: Any, f: Finding, tr: Mapping[str, Translation], *, keep_description: bool = False) -> list[Block]:
    """The English original of whatever was shown translated (untranslated text is already shown in English), and
    with ``keep_description`` the description that nothing else shows."""
    parts = []
    if f.title:
        parts.append(f.title)
    desc_t = tr.get(f.description)
    if f.description and (keep_description or (desc_t is not None and desc_t.translated)):
        parts.append(_with_mark(src, f.description))
    rec_t = tr.get(f.recommendation)
    if f.recommendation and rec_t is not None and rec_t.translated and f.recommendation != NONE_PROVIDED:
        parts.append("Remediation: " + f.recommendation)
    if not parts:
        return []
    return [Heading("原文 (English)"), *quoted("\n\n".join(parts), skip=(f.recommendation_url,))]


# ---- fallback --------------------------------------------------------------------------------------------------

_RAW_LIMIT = 60_000


def _clean_strings(v: Any, depth: int = 0) -> Any:
    """Neutralise mentions/macros inside JSON strings before dumping (``\\n@here`` hides a line start)."""
    if depth > 60:
        return v
    if isinstance(v, str):
        return clean(v)
    if isinstance(v, dict):
        return {k: _clean_strings(x, depth + 1) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean_strings(x, depth + 1) for x in v]
    return v


def fallback_issue(item: Unparsed, secrets: tuple[str, ...] = (), key: str = "") -> Issue:
    """An input we could not read still becomes an issue: the error and the raw input (secrets redacted). ``key``
    (the input's digest) is shown so that a create whose answer was lost can be found again."""
    raw = item.raw
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            pass
    try:
        shown = (
            json.dumps(_clean_strings(redact_value(raw, secrets)), ensure_ascii=False, indent=2, default=str)
            if not isinstance(raw, str)
            else redact_value(raw, secrets)
        )
    except (ValueError, RecursionError, TypeError):
        shown = redact_value(repr(raw)[:_RAW_LIMIT], secrets)
    shown = truncate(str(shown), _RAW_LIMIT, "\n…（長さの上限のため省略）")
    arn = ""
    if isinstance(raw, dict):
        for cand in (
            raw.get("findingArn"),
            (raw.get("detail") or {}).get("findingArn") if isinstance(raw.get("detail"), dict) else None,
        ):
            if isinstance(cand, str) and cand:
                arn = cand
                break
    id_line: list[Line] = [["管理用 ID: ", Code(key)]] if key else []
    service = sources.label_of(raw)
    blocks: list[Block] = [
        Heading("概要"),
        Para(
            [
                f"{service} からの通知を検出結果として解析できませんでした。内容を確認し、必要であれば手動で対応してください。"
                "元の入力を下に示します（秘密情報と思われる値は伏せています）。"
            ]
        ),
        Heading("エラー"),
        Bullets([["内容: ", item.error], ["入力元: ", Code(item.origin or "不明")], *id_line]),
        Heading("受信した内容"),
        CodeBlock(str(shown), "json"),
    ]
    return Issue(
        finding_arn=arn,
        summary=f"【要確認】{service} 通知の解析に失敗しました",
        severity="UNTRIAGED",
        priority="中",
        due_days=None,
        labels=(service, "要確認"),
        blocks=blocks,
        fallback=True,
        status="UNKNOWN",
        origin=item.origin,
        error=item.error,
    )
