"""``doctor``'s checks of the Backlog project: every configured name looked up as a real run would, what it resolved
to and how (by name, by id, by default id), and the language the space answered in."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from .backlog.errors import BacklogError, ConfigLookupError
from .backlog.project import ProjectCatalog, ProjectContext, context_kwargs
from .doctor_report import DoctorReport
from .runtime import project_routes

if TYPE_CHECKING:
    from .backlog.client import BacklogClient
    from .config import Config


def _lookup(
    report: DoctorReport,
    name_ja: str,
    name_en: str,
    fn: Callable[[], Any],
    ok_ja: Callable[[Any], str],
    ok_en: Callable[[Any], str],
) -> Any:
    try:
        value = fn()
    except ConfigLookupError as exc:
        report.add(name_ja, name_en, "error", exc.message_ja, exc.message_en)
        return None
    report.add(name_ja, name_en, "ok", ok_ja(value), ok_en(value))
    return value


def check_project(client: BacklogClient, config: Config, report: DoctorReport, *, lang: str = "") -> None:
    b = config.backlog
    try:
        catalog = ProjectCatalog.fetch(client, b.project_key)
    except ConfigLookupError as exc:
        report.add("プロジェクト", "Project", "error", exc.message_ja, exc.message_en)
        return
    except BacklogError as exc:
        report.add(
            "プロジェクト",
            "Project",
            "error",
            f"プロジェクト情報を取得できません: {exc}",
            f"cannot read the project: {exc}",
        )
        return
    label = f"{catalog.project_key} {catalog.project_name} (id {catalog.project_id})"
    report.add("プロジェクト", "Project", "ok", label, label)

    rule = catalog.text_formatting_rule
    if rule in ("markdown", "backlog"):
        ja = "Markdown" if rule == "markdown" else "Backlog 記法"
        report.add(
            "テキスト整形ルール",
            "Text formatting rule",
            "ok",
            f"{ja}（{rule}）で課題を書きます",
            f"issues will be written in {rule}",
        )
    else:
        report.add(
            "テキスト整形ルール",
            "Text formatting rule",
            "warn",
            f'未知のルール "{rule}"。Markdown として扱います',
            f'unknown rule "{rule}"; treated as markdown',
        )

    _language(report, catalog, lang)
    issue_type = None
    if b.issue_type:  # an empty one is already reported under Settings
        issue_type = _lookup(
            report,
            "課題種別",
            "Issue type",
            lambda: catalog.issue_type_named(b.issue_type),
            lambda v: f'"{v.name}" (id {v.id})',
            lambda v: f'"{v.name}" (id {v.id})',
        )
    for label_ja, label_en, name in (
        ("起票時の状態", "Open status", b.open_status),
        ("完了時の状態", "Closed status", b.closed_status),
    ):
        _lookup(report, label_ja, label_en, partial(catalog.status_named, name), *_resolved(catalog, "status", name))
    _lookup(
        report,
        "抑制時の完了理由",
        "Resolution for suppressed",
        lambda: catalog.resolution_named(b.suppressed_resolution),
        *_resolved(catalog, "resolution", b.suppressed_resolution),
    )
    if b.closed_resolution:
        _lookup(
            report,
            "解消時の完了理由",
            "Resolution for closed",
            lambda: catalog.resolution_named(b.closed_resolution),
            *_resolved(catalog, "resolution", b.closed_resolution),
        )
    else:
        report.add(
            "解消時の完了理由",
            "Resolution for closed",
            "ok",
            "指定なし（完了理由を設定せずに完了します）",
            "none (closed without a resolution)",
        )

    bad_priorities, found = [], {}
    for name in dict.fromkeys(b.priority.values()):
        try:
            found[name] = catalog.priority_named(name)
        except ConfigLookupError as exc:
            bad_priorities.append(exc)
    if bad_priorities:
        for bad in bad_priorities:
            report.add("優先度", "Priority", "error", bad.message_ja, bad.message_en)
    else:
        mapping = ", ".join(f"{sev}→{p}" for sev, p in b.priority.items())
        ja, en = (", ".join(_resolved_text(catalog, "priority", n, v, i) for n, v in found.items()) for i in (0, 1))
        report.add("優先度", "Priority", "ok", f"{mapping}（{ja}）", f"{mapping} ({en})")

    if b.category:
        _lookup(
            report,
            "カテゴリー",
            "Category",
            lambda: catalog.category_named(b.category),
            lambda v: f'"{v.name}"',
            lambda v: f'"{v.name}"',
        )
    if b.assignee:
        _lookup(
            report,
            "担当者",
            "Assignee",
            lambda: catalog.user_named(b.assignee),
            lambda v: v.label(),
            lambda v: v.label(),
        )
    for who in b.notified_users:
        _lookup(
            report,
            "通知先",
            "Notified user",
            partial(catalog.user_named, who),
            lambda v: v.label(),
            lambda v: v.label(),
        )

    provided: list[int] = []
    if b.arn_custom_field:
        field_ = _lookup(
            report,
            "カスタム属性（ARN）",
            "ARN custom field",
            lambda: catalog.custom_field_named(b.arn_custom_field, issue_type=issue_type),
            lambda v: f'"{v.name}" ({v.type_name}, id {v.id})',
            lambda v: f'"{v.name}" ({v.type_name}, id {v.id})',
        )
        if field_ is not None:
            provided.append(field_.id)
    if issue_type is not None:
        required = catalog.required_custom_fields(issue_type, provided=provided)
        if required:
            names = ", ".join(f'"{f.name}"' for f in required)
            report.add(
                "必須のカスタム属性",
                "Required custom fields",
                "error",
                f'課題種別 "{issue_type.name}" に必須のカスタム属性 {names} があり、課題を登録できません'
                "（必須を外すか、別の課題種別を使ってください）",
                f'issue type "{issue_type.name}" has required custom field(s) {names} that we do not fill: '
                "issue creation would fail",
            )


_ROUTE_TEXT = {
    "name": ("名前で照合", "by name"),
    "id": ("id で照合", "by id"),
    "default id": ("既定の id で照合", "by default id"),
}


_LANGUAGES = {"ja": ("日本語", "Japanese"), "en": ("英語", "English")}


def _resolved_text(catalog: ProjectCatalog, kind: str, name: str, v: Any, lang: int) -> str:
    """``"未対応" → "Open" (id 1, 既定の id で照合)``: what a configured name resolved to, and by which route."""
    route = catalog.route(kind, name)
    shown = f'"{name}"' if name == v.name else f'"{name}" → "{v.name}"'
    return f"{shown} (id {v.id}, {_ROUTE_TEXT.get(route, (route, route))[lang]})"


def _resolved(catalog: ProjectCatalog, kind: str, name: str) -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    return (lambda v: _resolved_text(catalog, kind, name, v, 0)), (lambda v: _resolved_text(catalog, kind, name, v, 1))


def _language(report: DoctorReport, catalog: ProjectCatalog, lang: str) -> None:
    """Which language the space answered in: ``users/myself`` ``lang``, else inferred from the default names."""
    inferred = catalog.language()
    code, how_ja, how_en = (
        (lang, "users/myself の lang", "users/myself lang")
        if lang
        else (inferred, "既定の名前から推定", "inferred from the default names")
    )
    if not code:
        report.add(
            "言語",
            "Language",
            "ok",
            "判別できません（既定の名前が変更されています）",
            "unknown (the default names were renamed)",
        )
        return
    ja, en = _LANGUAGES.get(code, (code, code))
    note_ja = "" if code == "ja" else "。日本語の既定の名前（未対応・完了・高・対応済みなど）は既定の id で照合します"
    note_en = (
        "" if code == "ja" else "; Japanese default names (未対応, 完了, 高, 対応済み…) are matched by their default id"
    )
    report.add(
        "言語",
        "Language",
        "ok",
        f"API は{ja}（{code}、{how_ja}）で答えています{note_ja}",
        f"the API answers in {en} ({code}, {how_en}){note_en}",
    )


def check_source_projects(client: BacklogClient, config: Config, report: DoctorReport) -> None:
    """``[sources.<name>]``: each ``archived_resolution`` the ``[backlog]`` checks above did not look up, and each
    other project / issue type / category a source files into, looked up as a run would (statuses, resolutions,
    custom field, category) with the archived resolutions of the sources it serves."""
    default, routes = project_routes(config)
    b = config.backlog
    extra = [config.for_source(n).archived_resolution for n in default]
    extra = [a for a in dict.fromkeys(extra) if a not in (b.suppressed_resolution, b.closed_resolution, "")]
    if extra:
        try:
            catalog = ProjectCatalog.fetch(client, b.project_key)
        except (ConfigLookupError, BacklogError):  # already reported by check_project
            extra = []
        for name in extra:
            _lookup(
                report,
                "アーカイブ時の完了理由",
                "Resolution for archived",
                partial(catalog.resolution_named, name),
                *_resolved(catalog, "resolution", name),
            )
    for rb, names in routes.values():
        who = ", ".join(names)
        archived = [config.for_source(n).archived_resolution for n in names]
        try:
            ctx = ProjectContext.load(client, rb.project_key, **context_kwargs(rb), resolution_names=archived)
        except ConfigLookupError as exc:
            report.add(
                "ソースの課題の登録先",
                "Source project",
                "error",
                f"{who}: {exc.message_ja}",
                f"{who}: {exc.message_en}",
            )
            continue
        except BacklogError as exc:
            report.add(
                "ソースの課題の登録先",
                "Source project",
                "error",
                f"{who}: プロジェクト {rb.project_key} の情報を取得できません: {exc}",
                f"{who}: cannot read project {rb.project_key}: {exc}",
            )
            continue
        where = f"{ctx.project_key} / {ctx.issue_type.name}" + "".join(f" / {c.name}" for c in ctx.categories)
        kept = "、".join(dict.fromkeys(a or "なし" for a in archived))
        kept_en = ", ".join(dict.fromkeys(a or "none" for a in archived))
        report.add(
            "ソースの課題の登録先",
            "Source project",
            "ok",
            f"{who}: {where}（アーカイブ時の完了理由: {kept}）",
            f"{who}: {where} (archived: {kept_en})",
        )
