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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .backlog.client import BacklogClient
from .backlog.credentials import Credentials, resolve_credentials
from .backlog.errors import AuthenticationError, BacklogError
from .backlog.oauth import session_from_config
from .config import ConfigError
from .deliver.sns_check import check_sns_subscriptions
from .doctor_project import check_project, check_source_projects
from .doctor_report import Check, DoctorReport, Level
from .runtime import open_state
from .state.probe import describe, probe
from .state.sqlite import path_problem

__all__ = ["Check", "DoctorReport", "Level", "run_doctor"]

if TYPE_CHECKING:
    from .config import Config

log = logging.getLogger("inspector2backlog.doctor")

LOW_RATE_LIMIT_SHARE = 0.1


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
    _check_sources(config, report)
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
            check_project(client, config, report, lang=str(me.get("lang") or ""))
            check_source_projects(client, config, report)
            _check_rate_limit(client, report, clock)
            if config.two_way.enabled:  # Backlog → AWS: the webhook and the actions' resolutions
                from .doctor_two_way import check_two_way  # lazy: two-way is off by default

                check_two_way(client, config, report)
    finally:
        if own_client:
            client.close()
    return report


def _make_client(config: Config, report: DoctorReport, **kw: Any) -> BacklogClient | None:
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


def _check_sources(config: Config, report: DoctorReport) -> None:
    """One line for ``[sources.*]`` when any table differs from the defaults: what each source does instead."""
    ja: list[str] = []
    en: list[str] = []
    for name, s in config.sources.items():
        if s == type(s)():  # all defaults: nothing to say
            continue
        if not s.enabled:
            ja.append(f"{name}: 無効")
            en.append(f"{name}: disabled")
            continue
        b = config.backlog_for(name)
        route = f"{b.project_key or '-'} / {b.issue_type or '-'}" + (f" / {b.category}" if b.category else "")
        types = (f" types {', '.join(s.types)}" if s.types else "") + (
            f" exclude {', '.join(s.exclude_types)}" if s.exclude_types else ""
        )
        ja.append(f"{name}: {route}{types}（アーカイブ時の完了理由: {s.archived_resolution or 'なし'}）")
        en.append(f"{name}: {route}{types} (archived: {s.archived_resolution or 'no resolution'})")
    if ja:
        report.add("ソース", "Sources", "ok", "; ".join(ja), "; ".join(en))


def _check_state(config: Config, report: DoctorReport) -> None:
    """Open the state store ``[state]`` names and round-trip a probe record; a SQLite file that does not exist yet
    is not created, only its directory checked."""
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
