"""``doctor`` with ``[two_way] enabled``: the actions' resolutions exist, and a webhook of the project points at
``webhook_url`` with our secret (compared, never printed) for issue updates."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from .backlog.errors import BacklogError
from .backlog.models import DEFAULT_RESOLUTIONS, Named
from .backlog.project import match_named
from .doctor_report import DoctorReport
from .twoway.settings import webhook_secret
from .twoway.webhook import DECISION_TYPES, PATH_PREFIX

if TYPE_CHECKING:
    from .backlog.client import BacklogClient
    from .config import Config


def split_hook_url(url: str) -> tuple[str, str]:
    """``(url without the secret, the secret)`` for ``…/hook/<secret>`` or ``…?token=<secret>``."""
    parts = urlsplit(url.strip())
    path, secret = parts.path, ""
    at = path.find(PATH_PREFIX)
    if at >= 0:
        path, secret = path[:at], path[at + len(PATH_PREFIX) :].strip("/")
    query = parse_qsl(parts.query, keep_blank_values=True)
    secret = secret or next((v for k, v in query if k == "token"), "")
    rest = "&".join(f"{k}={v}" for k, v in query if k != "token")
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), rest, "")), secret


def check_two_way(client: BacklogClient, config: Config, report: DoctorReport) -> None:
    t = config.two_way
    try:
        resolutions = [Named.from_json(d) for d in client.resolutions()]
    except BacklogError as e:
        report.add("双方向: 完了理由", "Two-way: resolutions", "error", f"取得できません: {e}", f"cannot list: {e}")
        resolutions = []
    for name, action in t.actions.items():
        found, route = match_named(resolutions, name, DEFAULT_RESOLUTIONS) if resolutions else (None, "")
        if found is None and resolutions:
            names = ", ".join(r.name for r in resolutions)
            report.add(
                "双方向: 完了理由",
                "Two-way: resolution",
                "error",
                f"「{name}」がスペースにありません（あるもの: {names}）",
                f"{name!r} does not exist in the space (existing: {names})",
            )
        elif found is not None:
            via = "" if route == "name" else f"（{route} で一致）"
            report.add(
                "双方向: 完了理由",
                "Two-way: resolution",
                "ok",
                f"「{name}」→ {found.name} (id {found.id}){via}: {action}",
                f"{name!r} → {found.name} (id {found.id}, by {route}): {action}",
            )
    _check_webhook(client, config, report)


def _check_webhook(client: BacklogClient, config: Config, report: DoctorReport) -> None:
    t = config.two_way
    if not t.webhook_url:
        report.add(
            "双方向: Webhook",
            "Two-way: webhook",
            "warn",
            "webhook_url が未設定です（Webhook を使わない場合は pull を定期実行してください）",
            "webhook_url not set (without a webhook, run pull on a schedule)",
        )
        return
    secret = _secret(t)
    try:
        hooks: Any = client._request("GET", f"projects/{config.backlog.project_key}/webhooks")
    except BacklogError as e:
        report.add(
            "双方向: Webhook", "Two-way: webhook", "error", f"一覧を取得できません: {e}", f"cannot list webhooks: {e}"
        )
        return
    want = split_hook_url(t.webhook_url)[0]
    shown = f"{want}{PATH_PREFIX}***"
    for h in hooks if isinstance(hooks, list) else ():
        base, given = split_hook_url(str(h.get("hookUrl") or ""))
        if base != want:
            continue
        if secret is not None and not hmac.compare_digest(given.encode(), secret.encode()):
            report.add(
                "双方向: Webhook",
                "Two-way: webhook",
                "error",
                f"Webhook「{h.get('name')}」は {shown} を指していますが、秘密値が設定と異なります",
                f"webhook {h.get('name')!r} points at {shown} but with another secret",
            )
            return
        types = set(h.get("activityTypeIds") or ())
        if not h.get("allEvent") and not set(DECISION_TYPES) <= types:
            report.add(
                "双方向: Webhook",
                "Two-way: webhook",
                "warn",
                f"Webhook「{h.get('name')}」に課題の更新（2）・一括更新（14）の通知が含まれていません",
                f"webhook {h.get('name')!r} lacks activity types 2 (updated) / 14 (bulk updated)",
            )
            return
        report.add(
            "双方向: Webhook",
            "Two-way: webhook",
            "ok",
            f"Webhook「{h.get('name')}」→ {shown}",
            f"webhook {h.get('name')!r} → {shown}",
        )
        return
    report.add(
        "双方向: Webhook",
        "Two-way: webhook",
        "error",
        f"プロジェクト {config.backlog.project_key} に {shown} への Webhook がありません",
        f"no webhook of project {config.backlog.project_key} points at {shown}",
    )


def _secret(t: Any) -> str | None:
    try:
        return webhook_secret(t)
    except Exception:  # noqa: BLE001 - the URL is still compared; the secret check is skipped
        return None
