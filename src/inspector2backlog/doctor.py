"""``inspector2backlog doctor``: check that the configuration and the Backlog space fit together, before a real run.

Checks (each one line, Japanese / English): required settings, the state store (a probe record written, read
back and deleted), credentials, authentication, space, project, text formatting rule, issue type, statuses,
resolution, priorities, category, assignee, notified users, the ARN custom field, required custom fields we would
not fill, and the remaining rate limit. :func:`run_doctor` returns a
:class:`DoctorReport`; the CLI prints ``report.lines`` and exits with ``report.exit_code``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from .backlog.errors import AuthenticationError, BacklogError, ConfigLookupError, redact
from .backlog.project import ProjectCatalog

if TYPE_CHECKING:
    from .backlog.client import BacklogClient
    from .config import Config

log = logging.getLogger("inspector2backlog.doctor")

Level = Literal["ok", "warn", "error"]
_TAG = {"ok": "[OK]  ", "warn": "[WARN]", "error": "[NG]  "}
LOW_RATE_LIMIT_SHARE = 0.1


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


def run_doctor(
    config: Config,
    *,
    client: BacklogClient | None = None,
    env: Mapping[str, str] | None = None,
    ssm_client: Any = None,
    secrets_client: Any = None,
    clock: Callable[[], float] = time.time,
    sns_client: Any = None,
) -> DoctorReport:
    """Run every check against the live (or given) Backlog; never raises for a Backlog or configuration problem."""
    report = DoctorReport()
    if config.delivery.sink == "sns":  # mail-to-issue: the Backlog API is not used
        from .deliver.sns_check import check_sns_subscriptions

        check_sns_subscriptions(report.add, config.delivery.sns_topic_arn, sns_client)
        return report
    b = config.backlog
    missing = b.missing()
    if missing:
        keys = ", ".join(missing)
        report.add("設定", "Settings", "error", f"[backlog] の {keys} が未設定です", f"[backlog] {keys} not set")
    else:
        report.add(
            "設定",
            "Settings",
            "ok",
            f"スペース {b.space_url}、プロジェクト {b.project_key}",
            f"space {b.space_url}, project {b.project_key}",
        )
    _check_state(config, report)
    if not b.space_url:
        return report

    own_client = client is None
    if own_client:
        client = _make_client(config, report, env=env, ssm_client=ssm_client, secrets_client=secrets_client)
        if client is None:
            return report
    assert client is not None  # passed in, or made above
    try:
        me = _check_auth(client, report)
        if me is not None and b.project_key:
            _check_project(client, config, report, lang=str(me.get("lang") or ""))
            _check_rate_limit(client, report, clock)
            if config.two_way.enabled:  # Backlog → AWS: the webhook and the actions' resolutions
                from .doctor_two_way import check_two_way  # lazy: two-way is off by default

                check_two_way(client, config, report)
    finally:
        if own_client:
            client.close()
    return report


def _make_client(config: Config, report: DoctorReport, **kw: Any) -> BacklogClient | None:
    from .backlog.client import BacklogClient
    from .backlog.oauth import session_from_config
    from .config import ConfigError, Credentials, resolve_credentials

    try:
        oauth = session_from_config(config.backlog, **kw)
        creds = resolve_credentials(config, **kw) if oauth is None else Credentials()
    except (ConfigError, ValueError) as exc:
        report.add("認証情報", "Credentials", "error", str(exc), "")
        return None
    if oauth is not None:
        report.add(
            "認証情報",
            "Credentials",
            "ok",
            f"OAuth 2.0（クライアント {oauth.client_id}、リフレッシュトークンは{oauth.store.source_ja}）",
            f"OAuth 2.0 (client {oauth.client_id}, refresh token from {oauth.store.source})",
        )
    else:
        report.add(
            "認証情報",
            "Credentials",
            "ok",
            f"{creds.source_ja or creds.source} から取得しました",
            f"read from {creds.source}",
        )
    try:
        return BacklogClient.from_config(
            config.backlog,
            api_key=creds.api_key,
            oauth_token=creds.oauth_token,
            oauth=oauth,
            max_retries=2,
            max_rate_limit_wait=10.0,
        )
    except ValueError as exc:
        report.add("接続", "Connection", "error", str(exc), "")
        return None


def _check_auth(client: BacklogClient, report: DoctorReport) -> dict | None:
    """``users/myself`` when authentication works, else None (reported)."""
    try:
        me = client.myself()
    except AuthenticationError:
        report.add(
            "認証",
            "Authentication",
            "error",
            "認証に失敗しました。API キー（または OAuth トークン）とスペース URL を確認してください",
            "authentication failed: check the API key (or OAuth token) and the space URL",
        )
        return None
    except BacklogError as exc:
        report.add(
            "認証", "Authentication", "error", f"Backlog に接続できません: {exc}", f"cannot reach Backlog: {exc}"
        )
        return None
    who = f"{me.get('name', '')} ({me.get('userId', '')})"
    report.add("認証", "Authentication", "ok", f"{who} として接続しました", f"connected as {who}")
    try:
        space = client.space()
        label = f"{space.get('name', '')} ({space.get('spaceKey', '')})"
        report.add("スペース", "Space", "ok", label, label)
    except BacklogError as exc:
        report.add("スペース", "Space", "warn", f"スペース情報を取得できません: {exc}", f"cannot read the space: {exc}")
    return me if isinstance(me, dict) else {}


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


def _check_project(client: BacklogClient, config: Config, report: DoctorReport, *, lang: str = "") -> None:
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


def _check_rate_limit(client: BacklogClient, report: DoctorReport, clock: Callable[[], float]) -> None:
    try:
        data = client.rate_limit()
    except BacklogError as exc:
        report.add(
            "レート制限", "Rate limit", "warn", f"残り回数を取得できません: {exc}", f"cannot read the rate limit: {exc}"
        )
        return
    buckets = data.get("rateLimit") or {}
    parts, low = [], []
    for name in ("read", "update", "search"):
        v = buckets.get(name) or {}
        limit, remaining = v.get("limit"), v.get("remaining")
        if limit is None or remaining is None:
            continue
        parts.append(f"{name} {remaining}/{limit}")
        if limit and remaining < max(1, limit * LOW_RATE_LIMIT_SHARE):
            wait = max(0, int((v.get("reset") or clock()) - clock()))
            low.append(f"{name}（{wait} 秒後に回復）")
    summary = ", ".join(parts) or "不明"
    if low:
        report.add(
            "レート制限",
            "Rate limit",
            "warn",
            f"残りわずか: {summary}。{', '.join(low)}",
            f"nearly exhausted: {summary}",
        )
    else:
        report.add(
            "レート制限", "Rate limit", "ok", f"1 分あたりの残り回数 {summary}", f"remaining per minute: {summary}"
        )


def _check_state(config: Config, report: DoctorReport) -> None:
    """Open the state store ``[state]`` names and round-trip a probe record; a SQLite file that does not exist yet
    is not created, only its directory checked."""
    from pathlib import Path

    from .config import ConfigError
    from .runtime import open_state
    from .state.probe import describe, probe
    from .state.sqlite import path_problem

    s = config.state
    label_ja, label_en = describe(s)
    if not s.dynamodb_table:
        path = Path(s.path).absolute()
        if not path_problem(path) and not path.exists():  # its directory can be created / written
            report.add(
                "状態ストア",
                "State store",
                "ok",
                f"{label_ja}（まだありません。最初の実行で作成します）",
                f"{label_en} (does not exist yet; the first run creates it)",
            )
            return
    try:
        store = open_state(config)  # a path that cannot hold the store fails here, before anything is created
    except ConfigError as exc:
        report.add("状態ストア", "State store", "error", str(exc), "")
        return
    try:
        probe(store)
    except Exception as exc:  # noqa: BLE001 - any backend failure is the finding of this check
        reason = _store_error(exc)
        report.add(
            "状態ストア",
            "State store",
            "error",
            f"{label_ja} を読み書きできません: {reason}",
            f"cannot read/write {label_en}: {reason}",
        )
        return
    finally:
        store.close()
    report.add(
        "状態ストア",
        "State store",
        "ok",
        f"{label_ja}（テスト用のレコードを書き込み・読み出し・削除できました）",
        f"{label_en} (a probe record was written, read back and deleted)",
    )


def _store_error(exc: Exception) -> str:
    response = getattr(exc, "response", None)  # botocore ClientError: the code says it (ResourceNotFoundException…)
    if isinstance(response, dict) and response.get("Error", {}).get("Code"):
        err = response["Error"]
        return f"{err['Code']}: {err.get('Message', '')}".strip().rstrip(":")
    return f"{type(exc).__name__}: {str(exc)[:300]}"
