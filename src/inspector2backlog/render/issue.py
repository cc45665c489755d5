"""Finding → Japanese issue (one object, three renderings).

:class:`IssueBuilder` lays out the sections once as a small document (:mod:`.doc`); :class:`Issue` renders it to
Backlog Markdown, Backlog notation or plain e-mail text on demand, within Backlog's length limits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from ..findings.model import Finding, Package, Resource, Unparsed
from ..findings.timestamps import jst, try_parse
from ..translate.base import Translation, Translator
from . import backlog_notation, email, markdown
from .cvss import explain
from .doc import Block, Bullets, Code, CodeBlock, Heading, Line, Link, Para, Section, Strong, Table, plain
from .labels import (
    COMPONENT_JA,
    DEFAULT_DUE_DAYS,
    DEFAULT_PRIORITY,
    FINDING_TYPE_JA,
    RESOURCE_SHORT,
    SOURCE_JA,
    resource_type_ja,
    severity_ja,
    yes_no,
)
from .limits import cap_finding
from .links import inline_links, quoted
from .packages import advice, fixed_version, function_account, layer_line, layer_list, locations, merge_packages
from .redact import redact_value
from .safe import DESCRIPTION_LIMIT, SUMMARY_LIMIT, clean, summary_line, truncate
from .vendor_severity import vendor_severity_text
from .wording import (
    INSPECTOR_CUT_MARK,
    cell_code,
    codes,
    detector_ja,
    inspector_cut,
    line_range,
    missing_sentence,
    others,
    percent,
    shown_vector,
    status_label,
    with_cut_mark,
)

FORMATS = ("markdown", "backlog", "email")
_RENDERERS = {"markdown": markdown.render, "backlog": backlog_notation.render, "email": email.render}
NONE_PROVIDED = "None Provided"
FALLBACK_SUMMARY = "【要確認】Inspector 通知の解析に失敗しました"
EMPTY_SUBJECT = "内容の記載がない Inspector の検出結果"
MAX_LINKS = 15
MAX_TAGS = 8
MAX_PACKAGES = 200


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
            texts = _texts_to_translate(f)
            tr = self.translate_texts(texts, f.vulnerability_id, f.description)
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
        issue.finding_arn = f.arn
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
        score, score_label = _headline_score(f)
        rec_t = tr.get(f.recommendation)
        code_refs = f.code.reference_urls if f.code else ()
        blocks: list[Block] = _overview(f, tr)
        blocks.append(
            self._section(
                (
                    "scores",
                    f.type,
                    f.severity,
                    f.inspector_score,
                    f.adjusted_cvss,
                    f.cvss,
                    f.vendor_severity,
                    f.vulnerability_source,
                ),
                lambda: _scores(f, score_label),
            )
        )
        blocks.append(
            self._section(
                ("exploit", f.exploit_available, f.last_known_exploit, f.epss, f.fix_available),
                lambda: _exploit_and_fix(f),
            )
        )
        blocks += _resources(f)
        if f.packages:
            blocks.append(
                self._section(("packages", f.packages, _fn_account(f)), lambda: _packages(f.packages, _fn_account(f)))
            )
        if f.network:
            blocks += _network(f)
        if f.code:
            blocks += _code(f)
        blocks.append(
            self._section(
                (
                    "remediation",
                    f.packages,
                    _fn_account(f),
                    f.network,
                    f.code,
                    f.recommendation,
                    f.recommendation_url,
                    rec_t,
                ),
                lambda: _remediation(f, tr),
            )
        )
        blocks.append(
            self._section(
                (
                    "references",
                    f.source_url,
                    f.reference_urls,
                    f.recommendation_url,
                    code_refs,
                    f.vulnerability_id,
                    f.related_vulnerabilities,
                ),
                lambda: _references(f),
            )
        )
        blocks += _detection(f)
        blocks.append(
            self._section(
                ("original", f.title, f.description, f.recommendation, tr.get(f.description), rec_t),
                lambda: _original(f, tr),
            )
        )
        return Issue(
            finding_arn=f.arn,
            summary=summary_for(f, score, tr),
            severity=f.severity,
            priority=plan.priority if plan is not None else DEFAULT_PRIORITY.get(f.severity, "中"),
            due_days=plan.due_days if plan is not None else DEFAULT_DUE_DAYS.get(f.severity),
            labels=_labels(f),
            blocks=with_reasons(blocks, plan.reasons if plan is not None else ()),
            status=f.status,
            origin=f.origin,
        )


def with_reasons(blocks: list[Block], reasons: Sequence[str]) -> list[Block]:
    """``blocks`` with 「優先度を上げた理由」 (when a rule raised the priority) before the first cached section."""
    if reasons:
        at = next((i for i, b in enumerate(blocks) if isinstance(b, Section)), len(blocks))
        blocks[at:at] = [Heading("優先度を上げた理由"), Bullets([[r] for r in reasons])]
    return blocks


# ---- summary ---------------------------------------------------------------------------------------------------


def severity_head(severity: str, score: float | None) -> str:
    """The summary's head: ``【重要 8.8】`` (``【重要】`` without a score)."""
    return f"【{severity_ja(severity)} {score:.1f}】" if score is not None else f"【{severity_ja(severity)}】"


def reference_urls(urls: Sequence[str], vulnerability_id: str) -> list[str]:
    """The distinct URLs, plus the NVD page of a CVE when none of them is it."""
    urls = list(urls)
    if vulnerability_id.startswith("CVE-") and not any(vulnerability_id in u for u in urls if "nvd.nist.gov" in u):
        urls.append(f"https://nvd.nist.gov/vuln/detail/{vulnerability_id}")
    return list(dict.fromkeys(u for u in urls if u))


def summary_for(f: Finding, score: float | None, tr: Mapping[str, Translation] | None = None) -> str:
    head = severity_head(f.severity, score)
    subject = _subject(f, tr or {}) or EMPTY_SUBJECT
    where = resource_label(f.primary_resource) if f.resources else ""
    if len(f.resources) > 1:
        where += others(len(f.resources) - 1)
    scope = " / ".join(x for x in (f.account, f.region) if x)
    text = head + subject
    if where:
        text += " — " + where
    if scope:
        text += f" ({scope})"
    return truncate(summary_line(text), SUMMARY_LIMIT, "…")


def _subject(f: Finding, tr: Mapping[str, Translation]) -> str:
    if f.type == "PACKAGE_VULNERABILITY" or f.packages:
        vid = f.vulnerability_id or f.title
        if f.packages:
            merged = merge_packages(f.packages)
            return f"{vid} {merged[0].label}{others(len(merged) - 1)}".strip()
        return vid
    if f.network:
        t = tr.get(f.title)
        if t is not None and t.translated:
            return t.text
        return f"ポート {f.network.port_label} が外部から到達可能"
    if f.code:
        cwes = "、".join(f.code.cwes)
        return " ".join(x for x in (cwes, f.code.detector_name or f.title) if x)
    return f.title or f.vulnerability_id or FINDING_TYPE_JA.get(f.type, "" if f.type == "UNKNOWN" else f.type)


def resource_label(r: Resource | None) -> str:
    if r is None:
        return ""
    short = RESOURCE_SHORT.get(r.type, r.type)
    if r.type == "AWS_EC2_INSTANCE":
        return f"EC2 {r.name_tag} ({r.id})" if r.name_tag else f"EC2 {r.id}"
    if r.type == "AWS_ECR_CONTAINER_IMAGE":
        d = r.detail("awsEcrContainerImage") or r.detail("image")
        repo = _str(d.get("repositoryName")) or r.id.split("/", 1)[-1]
        tags = _strs(d.get("imageTags"))
        if tags:
            return f"ECR {repo}:{tags[0]}"
        digest = _str(d.get("imageHash") or d.get("imageDigest"))
        return f"ECR {repo}@{digest[:19]}" if digest else f"ECR {repo}"
    if r.type == "AWS_LAMBDA_FUNCTION":
        d = r.detail("awsLambdaFunction") or r.detail("serverlessFunction")
        name = _str(d.get("functionName") or d.get("serverlessFunctionName")) or r.id.split(":function:")[-1]
        return f"Lambda {name}"
    if r.type == "AWS_ECR_REPOSITORY":
        d = r.detail("awsEcrRepository")
        return f"{short} {_str(d.get('name')) or r.id}"
    return f"{short} {r.id}" if short != r.id else r.id


# ---- sections --------------------------------------------------------------------------------------------------


def _texts_to_translate(f: Finding) -> list[str]:
    texts = [f.description]
    if f.recommendation:
        texts.append(f.recommendation)
    if f.network and f.title:
        texts.append(f.title)
    return [t for t in texts if t and t.strip()]


def _tr_line(t: Translation | None, original: str) -> tuple[list[str], bool]:
    """A translated text as an inline line; the flag says whether it is Japanese."""
    if t is None or not t.translated:
        mark = "【翻訳失敗・原文】" if t is not None and t.status == "failed" else "【未翻訳・原文】"
        return [mark, original], False
    return [t.text], True


def _long_label(r: Resource | None) -> str:
    """「EC2 インスタンス i-… (Name)」「Lambda 関数 fn」: the resource as a sentence names it."""
    if r is None:
        return "対象リソース"
    short = resource_label(r)
    prefix = RESOURCE_SHORT.get(r.type, "")
    if prefix and short.startswith(prefix + " "):
        short = short[len(prefix) + 1 :]
    return f"{resource_type_ja(r.type)} {short}"


def _lead_sentence(f: Finding) -> Line:
    if f.primary_resource is None and not (f.packages or f.network or f.code):
        return [missing_sentence(f.raw)]
    where = _long_label(f.primary_resource)
    sev = severity_ja(f.severity)
    if f.packages:
        merged = merge_packages(f.packages)
        names = codes([m.label for m in merged[:3]])
        return [
            where,
            " のパッケージ ",
            *names,
            others(len(merged) - 3),
            " に脆弱性 ",
            Code(f.vulnerability_id or f.title),
            f"（深刻度: {sev}）が見つかりました。",
        ]
    if f.network:
        n = f.network
        src = _network_source(f)
        return [where, " のポート ", Code(f"{n.ports}/{n.protocol}"), f" が{src}から到達可能です（深刻度: {sev}）。"]
    if f.code:
        c = f.code
        loc = c.file_path or c.file_name or "ソースコード"
        at = f" の {line_range(c.start_line, c.end_line)}で、" if c.start_line is not None else " で、"
        return [
            where,
            " のコード ",
            Code(loc),
            at,
            detector_ja(c.detector_name) if c.detector_name else "問題",
            "（" + "、".join(c.cwes) + "）" if c.cwes else "",
            f"が検出されました（深刻度: {sev}）。",
        ]
    return [where, f" で Inspector の検出結果があります（深刻度: {sev}）。"]


def _network_source(f: Finding) -> str:
    for s in f.network.steps if f.network else ():
        label = COMPONENT_JA.get(s.component_type)
        if label:
            return label
    return "外部"


def _overview(f: Finding, tr: Mapping[str, Translation]) -> list[Block]:
    blocks: list[Block] = [Heading("概要"), Para(_lead_sentence(f))]
    if f.status != "ACTIVE":
        blocks.append(Para([Strong(f"この検出結果の状態: {status_label(f.status)}")]))
    if f.description.strip():
        t = tr.get(f.description)
        line, ok = _tr_line(t, f.description)
        jvn = jvn_blocks(t)
        if jvn:
            blocks += jvn
        elif ok:
            blocks.append(Para(inline_links(line[0] + (INSPECTOR_CUT_MARK if inspector_cut(f.description) else ""))))
        else:
            blocks += quoted(plain([line[0], with_cut_mark(f.description)]))
    return blocks


def jvn_blocks(t: Translation | None) -> list[Block]:
    """JVN iPedia's text (with its 出典 line) for a description ``[jvn]`` answered, else []."""
    entry = getattr(t, "jvn", None)
    if entry is None:
        return []
    from .jvn import overview_blocks  # only when JVN answered

    return overview_blocks(entry)


def _headline_score(f: Finding) -> tuple[float | None, str]:
    score = f.headline_score
    if score is None:
        return None, ""
    if f.inspector_score is not None or (f.adjusted_cvss and f.adjusted_cvss.score is not None):
        return score, "Inspector スコア"
    cvss = f.best_cvss
    assert cvss is not None  # a headline score without Inspector's own score is a CVSS base score
    return score, f"CVSS {cvss.version} 基本値"


def _cvss_tables(vector: str, version: str) -> list[Block]:
    ex = explain(vector, version)
    if not ex.valid:
        return [Para([ex.error or "CVSS ベクターを解析できませんでした。", " ベクター: ", Code(vector)])]
    blocks: list[Block] = []
    for group in ex.group_names:
        rows = [[[f"{r.metric} ({r.code})"], [r.value]] for r in ex.rows if r.group == group]
        blocks.append(Table([f"CVSS {ex.version} {group}", "評価"], rows))
    return blocks


def _scores(f: Finding, score_label: str) -> list[Block]:
    rows: list[list[Line]] = [[["深刻度"], [f"{severity_ja(f.severity)} ({f.severity})"]]]
    adj = f.adjusted_cvss
    best = None
    if adj and adj.vector:
        score = f.inspector_score if f.inspector_score is not None else adj.score
        note = "環境による調整あり" if adj.adjustments else "環境による調整なし"
        src = SOURCE_JA.get(adj.score_source, adj.score_source)
        rows.append([["Inspector スコア"], [f"{_fmt(score)}（CVSS {adj.version}、出典 {src}、{note}）"]])
        rows.append([["ベクター"], cell_code(shown_vector(adj.vector))])
        vector, version = adj.vector, adj.version
    else:
        best = f.best_cvss
        if best is not None:
            src = SOURCE_JA.get(best.source, best.source)
            label = "Inspector スコア" if f.inspector_score is not None else score_label
            rows.append(
                [
                    [label],
                    [
                        f"{_fmt(f.inspector_score if f.inspector_score is not None else best.base_score)}"
                        f"（CVSS {best.version}、出典 {src}）"
                    ],
                ]
            )
            rows.append([["ベクター"], cell_code(shown_vector(best.vector))])
            vector, version = best.vector, best.version
        else:
            na = f.type in ("NETWORK_REACHABILITY", "CODE_VULNERABILITY") and f.inspector_score is None
            rows.append(
                [
                    ["CVSS スコア"],
                    ["対象外（この種類の検出結果には CVSS スコアがありません）" if na else "提供されていません"],
                ]
            )
            vector = version = ""
    if f.vendor_severity:
        rows.append([["ベンダーの深刻度"], [vendor_severity_text(f.vendor_severity, f.vulnerability_source)]])
    blocks: list[Block] = [Heading("深刻度とスコア"), Table(["項目", "値"], rows)]
    if adj and adj.adjustments:
        blocks.append(Para(["Inspector による環境に応じた調整:"]))
        blocks.append(Bullets([[Code(m or "?"), "：", r or "（理由の記載なし）"] for m, r in adj.adjustments]))
    if vector:
        blocks += _cvss_tables(vector, version)
    shown = (vector, version)
    others = [c for c in f.cvss if (c.vector, c.version) != shown]
    if others:
        rows2 = [
            [[c.version], [SOURCE_JA.get(c.source, c.source)], [_fmt(c.base_score)], cell_code(shown_vector(c.vector))]
            for c in others
        ]
        blocks.append(Para(["そのほかの CVSS 評価:"]))
        blocks.append(Table(["バージョン", "出典", "基本値", "ベクター"], rows2))
    return blocks


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def _exploit_and_fix(f: Finding) -> list[Block]:
    if not (f.exploit_available or f.fix_available or f.epss is not None):
        return []
    items: list[Line] = []
    if f.exploit_available:
        line: list = ["既知の悪用: ", Strong(yes_no(f.exploit_available))]
        if f.last_known_exploit:
            line.append(f"（最終確認 {jst(f.last_known_exploit)}）")
        items.append(line)
    else:
        items.append(["既知の悪用: 情報なし"])
    if f.epss is not None:
        items.append([f"悪用可能性 (EPSS): {percent(f.epss)}（30 日以内に悪用される確率の推定）"])
    if f.fix_available:
        items.append(["修正の有無: ", Strong(yes_no(f.fix_available))])
    return [Heading("悪用・修正の状況"), Bullets(items)]


def _resources(f: Finding) -> list[Block]:
    blocks: list[Block] = [Heading("対象リソース")]
    if not f.resources:
        blocks.append(Para(["リソース情報がありません。"]))
        return blocks
    for r in f.resources[:20]:
        blocks.append(Bullets(_resource_lines(f, r)))
    if len(f.resources) > 20:
        blocks.append(Para([f"他 {len(f.resources) - 20} 件のリソース"]))
    return blocks


def _str(v: Any) -> str:
    return v if isinstance(v, str) else "" if v is None or isinstance(v, (dict, list, bool)) else str(v)


def _strs(v: Any) -> list[str]:
    return [x for x in (_str(i) for i in v) if x] if isinstance(v, list) else []


def _resource_lines(f: Finding, r: Resource) -> list[Line]:
    """Resource facts; ``details`` is raw JSON, so every value is read defensively."""
    kind = resource_type_ja(r.type)
    lines: list[Line] = []
    region = r.region if r.region and r.region != "N/A" else f.region
    if r.type == "AWS_EC2_INSTANCE":
        d = r.detail("awsEc2Instance") or r.detail("vm")
        facts = _join(_str(d.get("type")), _str(d.get("platform")), _str(d.get("imageId") or d.get("vmImageReference")))
        lines.append([f"種類: {kind} ", Code(r.id), f"（{facts}）" if facts else ""])
        if r.name_tag:
            lines.append(["名前 (Name タグ): ", r.name_tag])
        net = " / ".join(x for x in (_str(d.get("vpcId") or d.get("networkId")), _str(d.get("subnetId"))) if x)
        if net:
            lines.append(["VPC / サブネット: ", Code(net)])
        ips = _strs(d.get("ipV4Addresses")) + _strs(d.get("ipV6Addresses"))
        if ips:
            lines.append(["IP アドレス: ", "、".join(ips[:6]) + others(len(ips) - 6)])
        if _str(d.get("keyName")):
            lines.append(["キーペア: ", Code(_str(d.get("keyName")))])
        if _str(d.get("iamInstanceProfileArn")):
            lines.append(["インスタンスプロファイル: ", Code(_str(d.get("iamInstanceProfileArn")))])
    elif r.type == "AWS_ECR_CONTAINER_IMAGE":
        d = r.detail("awsEcrContainerImage") or r.detail("image")
        lines.append([f"種類: {kind} ", Code(_str(d.get("repositoryName")) or r.id)])
        tags = _strs(d.get("imageTags"))
        if tags:
            lines.append(["イメージタグ: ", *codes(tags[:10]), others(len(tags) - 10)])
        digest = _str(d.get("imageHash") or d.get("imageDigest"))
        if digest:
            lines.append(["ダイジェスト: ", Code(digest)])
        facts = _join(_str(d.get("platform")), _str(d.get("architecture")))
        if facts:
            lines.append([f"プラットフォーム: {facts}"])
        if d.get("pushedAt"):
            lines.append([f"プッシュ日時: {_jst_raw(d.get('pushedAt'))}"])
        if d.get("lastInUseAt") or d.get("inUseCount") is not None:
            count = _str(d.get("inUseCount")) or "不明"
            lines.append([f"使用状況: 使用中 {count} 件、最終使用 {_jst_raw(d.get('lastInUseAt'))}"])
    elif r.type == "AWS_LAMBDA_FUNCTION":
        d = r.detail("awsLambdaFunction") or r.detail("serverlessFunction")
        name = _str(d.get("functionName") or d.get("serverlessFunctionName")) or r.id
        facts = _join(
            _str(d.get("version")),
            _str(d.get("runtime")),
            ", ".join(_strs(d.get("architectures"))),
            _str(d.get("packageType")),
        )
        lines.append([f"種類: {kind} ", Code(name), f"（{facts}）" if facts else ""])
        layers = _strs(d.get("layers"))
        if layers:
            lines.append(["レイヤー: ", *layer_list(layers, _fn_account(f))])
        vpc = raw if isinstance(raw := d.get("vpcConfig"), dict) else {}
        if _str(vpc.get("vpcId")):
            lines.append(["VPC: ", Code(_str(vpc.get("vpcId")))])
        if d.get("lastModifiedAt"):
            lines.append([f"最終更新: {_jst_raw(d.get('lastModifiedAt'))}"])
    else:
        lines.append([f"種類: {kind} ", Code(r.id)])
    lines.append([f"アカウント / リージョン: {f.account or '不明'} / {region or '不明'}"])
    if r.type != "AWS_EC2_INSTANCE" or r.id.startswith("arn:"):
        lines.append(["ID: ", Code(r.id)])
    pairs = [(k, v) for k, v in r.tags.items() if not k.startswith("aws:") and k != "Name"]
    if pairs:
        lines.append(["タグ: ", *codes([f"{k}={v}" for k, v in pairs[:MAX_TAGS]]), others(len(pairs) - MAX_TAGS)])
    return lines


def _join(*parts: str) -> str:
    return "、".join(p for p in parts if p)


def _jst_raw(value: Any) -> str:
    """A timestamp from raw resource details, in JST (unreadable values shown as they are)."""
    if isinstance(value, (str, int, float)):
        return _jst_raw_cached(value)
    return "不明"


@lru_cache(maxsize=4096)
def _jst_raw_cached(value: str | int | float) -> str:
    dt = try_parse(value)
    return jst(dt) if dt else (str(value) if value else "不明")


def _packages(pkgs: Sequence[Package], account: str = "") -> list[Block]:
    rows: list[list[Line]] = []
    merged = merge_packages(pkgs)
    for m in merged[:MAX_PACKAGES]:
        p = m.pkg
        fixed: Line = [Code(fixed_version(p))] if p.fix_known else ["未提供" if p.fixed_in == "NotAvailable" else "—"]
        rows.append(
            [
                cell_code(p.name),
                cell_code(p.full_version or "?"),
                fixed,
                [p.package_manager or "—"],
                locations(m, account),
            ]
        )
    blocks: list[Block] = [
        Heading("影響を受けるパッケージ"),
        Table(["パッケージ", "現在のバージョン", "修正バージョン", "種別", "場所"], rows),
    ]
    if len(merged) > MAX_PACKAGES:
        blocks.append(Para([f"他 {len(merged) - MAX_PACKAGES} 件のパッケージ"]))
    return blocks


def _fn_account(f: Finding) -> str:
    r = f.primary_resource
    return function_account(r.id, f.account) if r is not None else f.account


def _network(f: Finding) -> list[Block]:
    n = f.network
    assert n is not None
    items: list[Line] = [
        ["開放ポート: ", Code(n.ports)],
        ["プロトコル: ", n.protocol or "不明"],
    ]
    if n.steps:
        path: list = ["経路: "]
        for i, s in enumerate(n.steps):
            if i:
                path.append(" → ")
            path += [COMPONENT_JA.get(s.component_type, s.component_type or "?"), " ", Code(s.component_id)]
        items.append(path)
    blocks: list[Block] = [Heading("ネットワーク到達性"), Bullets(items)]
    if n.steps:
        rows: list[list[Line]] = [
            [
                [str(i)],
                [COMPONENT_JA.get(s.component_type, s.component_type)],
                [Code(s.component_id)],
                [Code(s.component_type)],
            ]
            for i, s in enumerate(n.steps, 1)
        ]
        blocks.append(Table(["順", "コンポーネント", "ID", "種別"], rows))
    return blocks


def _code(f: Finding) -> list[Block]:
    c = f.code
    assert c is not None
    items: list[Line] = []
    if c.cwes:
        cwe_line: list = ["CWE: "]
        for i, cwe in enumerate(c.cwes):
            if i:
                cwe_line.append("、")
            num = cwe.upper().removeprefix("CWE-")
            cwe_line.append(Link(cwe, f"https://cwe.mitre.org/data/definitions/{num}.html") if num.isdigit() else cwe)
        items.append(cwe_line)
    rule: list[str | Code] = ["検出ルール: ", c.detector_name or c.detector_id or "不明"]
    if c.detector_id and c.detector_name:
        rule += ["（", Code(c.detector_id), "）"]
    items.append(rule)
    if c.rule_id:
        items.append(["ルール ID: ", Code(c.rule_id)])
    if c.detector_tags:
        items.append(["タグ: ", "、".join(c.detector_tags)])
    lines = line_range(c.start_line, c.end_line)
    items.append(["ファイル: ", Code(c.file_path or c.file_name or "不明"), f"（{lines}）" if lines else ""])
    if c.source_lambda_layer_arn:
        items.append(["レイヤー: ", *layer_line(c.source_lambda_layer_arn, _fn_account(f))])
    return [Heading("コードの脆弱性"), Bullets(items)]


def _remediation(f: Finding, tr: Mapping[str, Translation]) -> list[Block]:
    items: list[Line] = []
    commands: list[str] = []
    for m in merge_packages(f.packages)[:MAX_PACKAGES]:
        items += advice(m, _fn_account(f))
        p = m.pkg
        if p.remediation and p.remediation != "NotAvailable" and p.remediation not in commands:
            commands.append(p.remediation)
    if commands:
        items.append(["更新コマンドの例: ", *codes(commands)])
    if f.network:
        items += _network_advice(f)
    if f.code:
        c = f.code
        at = f" の {line_range(c.start_line, c.end_line)}" if c.start_line is not None else " "
        items.append(
            [
                Code(c.file_path or c.file_name or "ソースコード"),
                at,
                f"を確認し、検出ルール「{c.detector_name or c.detector_id}」の指摘に沿って修正してください。",
            ]
        )
        items.append(["修正をデプロイすると Inspector が再スキャンし、解消されていれば検出結果はクローズされます。"])
    blocks: list[Block] = [Heading("推奨対応")]
    if items:
        blocks.append(Bullets(items))
    rec = f.recommendation.strip()
    if not rec or rec == NONE_PROVIDED:
        blocks.append(Para(["（Inspector の推奨: 記載なし）"]))
    else:
        line, ok = _tr_line(tr.get(f.recommendation), f.recommendation)
        if ok:
            blocks.append(Para(["Inspector の推奨: ", *inline_links(line[0])]))
        else:
            blocks.append(
                Para(
                    [
                        "Inspector の推奨（未翻訳・原文）:"
                        if line[0].startswith("【未")
                        else "Inspector の推奨（翻訳失敗・原文）:"
                    ]
                )
            )
            blocks += quoted(f.recommendation, skip=(f.recommendation_url,))
    if f.recommendation_url:
        blocks.append(Para(["詳細: ", Link(f.recommendation_url, f.recommendation_url)]))
    return blocks


_REMOTE_ADMIN_ADVICE = {
    22: "SSH の管理接続は、インターネットに公開せず AWS Systems Manager Session Manager 経由に切り替えることを検討してください。",
    3389: "RDP の管理接続は、インターネットに公開せず AWS Systems Manager Fleet Manager（または Session Manager のポート"
    "フォワーディング）経由に切り替えることを検討してください。",
}


def _network_advice(f: Finding) -> list[Line]:
    n = f.network
    assert n is not None
    sgs = [s.component_id for s in n.steps if s.component_type == "AWS::EC2::SecurityGroup"]
    acls = [s.component_id for s in n.steps if s.component_type == "AWS::EC2::NetworkAcl"]
    port = f"{n.ports}/{n.protocol}" if n.protocol else n.ports
    out: list[Line] = []
    if sgs:
        out.append(
            [
                "セキュリティグループ ",
                *codes(sgs),
                " のインバウンドルールで ",
                Code(port),
                " の送信元（0.0.0.0/0 など）を必要な範囲に限定するか、不要ならルールを削除してください。",
            ]
        )
    if acls:
        out.append(["あわせてネットワーク ACL ", *codes(acls), " でも不要な通信を拒否できます。"])
    advice = (
        _REMOTE_ADMIN_ADVICE.get(n.port_begin)
        if n.port_begin is not None and n.port_end in (None, n.port_begin)
        else None
    )
    if advice:
        out.append([advice])
    return out


def _references(f: Finding) -> list[Block]:
    seen = reference_urls(
        [f.source_url, *f.reference_urls, f.recommendation_url, *(f.code.reference_urls if f.code else ())],
        f.vulnerability_id,
    )
    if not seen and not f.related_vulnerabilities:
        return []
    items: list[Line] = [[Link(u, u)] for u in seen[:MAX_LINKS]]
    if len(seen) > MAX_LINKS:
        items.append([f"他 {len(seen) - MAX_LINKS} 件"])
    if f.related_vulnerabilities:
        items.append(["関連する脆弱性: ", *codes(list(f.related_vulnerabilities[:20]))])
    return [Heading("参考情報"), Bullets(items)]


def _detection(f: Finding) -> list[Block]:
    lines: list[Line] = [
        [f"初回検出: {jst(f.first_observed)}、最終検出: {jst(f.last_observed)}、更新: {jst(f.updated_at)}"],
    ]
    if f.vendor_created or f.vendor_updated:
        vendor = [f"ベンダー公開: {jst(f.vendor_created)}"] if f.vendor_created else []
        if f.vendor_updated:
            vendor.append(f"ベンダー更新: {jst(f.vendor_updated)}")
        lines.append(["、".join(vendor)])
    raw = f.raw if isinstance(f.raw, dict) else {}
    state = status_label(f.status) if raw.get("status") or not raw else "不明（通知に記載なし）"
    kind = FINDING_TYPE_JA.get(f.type) or ("不明（通知に記載なし）" if f.type == "UNKNOWN" else f.type)
    lines.append([f"状態: {state}、種類: {kind}"])
    lines.append(["Finding ARN: ", Code(f.arn)])
    return [Heading("検出日時"), Bullets(lines)]


def _original(f: Finding, tr: Mapping[str, Translation]) -> list[Block]:
    """The English original of whatever was shown translated (untranslated text is already shown in English)."""
    parts = []
    if f.title:
        parts.append(f.title)
    desc_t = tr.get(f.description)
    if f.description and desc_t is not None and desc_t.translated:
        parts.append(with_cut_mark(f.description))
    rec_t = tr.get(f.recommendation)
    if f.recommendation and rec_t is not None and rec_t.translated and f.recommendation != NONE_PROVIDED:
        parts.append("Remediation: " + f.recommendation)
    if not parts:
        return []
    return [Heading("原文 (English)"), *quoted("\n\n".join(parts), skip=(f.recommendation_url,))]


def _labels(f: Finding) -> tuple[str, ...]:
    out = ["Inspector", FINDING_TYPE_JA.get(f.type, f.type), severity_ja(f.severity)]
    if f.primary_resource:
        out.append(RESOURCE_SHORT.get(f.primary_resource.type, f.primary_resource.type))
    if f.vulnerability_id:
        out.append(f.vulnerability_id)
    return tuple(out)


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
    blocks: list[Block] = [
        Heading("概要"),
        Para(
            [
                "Inspector からの通知を検出結果として解析できませんでした。内容を確認し、必要であれば手動で対応してください。"
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
        summary=FALLBACK_SUMMARY,
        severity="UNTRIAGED",
        priority="中",
        due_days=None,
        labels=("Inspector", "要確認"),
        blocks=blocks,
        fallback=True,
        status="UNKNOWN",
        origin=item.origin,
        error=item.error,
    )
