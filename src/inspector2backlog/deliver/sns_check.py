"""``doctor`` for the sns sink: is the mail-to-issue subscription confirmed with ``AuthenticateOnUnsubscribe=true``?

SNS appends a one-click unsubscribe link to every e-mail, so with mail-to-issue the link lands in each Backlog issue
where anyone who can read the project could click it. A subscription confirmed with ``AuthenticateOnUnsubscribe``
(``ConfirmationWasAuthenticated`` = true) only unsubscribes through an authenticated AWS call. Read with
``sns:ListSubscriptionsByTopic`` and ``sns:GetSubscriptionAttributes``; a missing permission is a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AddCheck = Callable[..., Any]  # DoctorReport.add(name_ja, name_en, level, message_ja, message_en)
_NAME = ("SNS 購読", "SNS subscription")
_MAIL = ("email", "email-json")


def check_sns_subscriptions(add: AddCheck, topic_arn: str, client: Any = None) -> None:
    """Add one line per e-mail subscription of ``topic_arn`` (or one line saying why none could be read)."""
    if not topic_arn:
        add(*_NAME, "error", "[delivery] sns_topic_arn が未設定です", "[delivery] sns_topic_arn not set")
        return
    try:
        if client is None:
            # lazy: boto3 only for the mail-to-issue sink
            import boto3

            region = topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else None
            client = boto3.client("sns", region_name=region)
        subs: list[dict] = []
        token = None
        while True:
            kw = {"TopicArn": topic_arn, **({"NextToken": token} if token else {})}
            page = client.list_subscriptions_by_topic(**kw)
            subs += page.get("Subscriptions") or []
            token = page.get("NextToken")
            if not token or len(subs) > 1000:
                break
    except Exception as e:  # noqa: BLE001 - botocore ClientError (AccessDenied, NotFound) or no credentials
        add(
            *_NAME,
            "warn",
            f"購読を確認できませんでした: {type(e).__name__}: {e}",
            f"could not read the subscriptions: {type(e).__name__}",
        )
        return
    mails = [s for s in subs if s.get("Protocol") in _MAIL]
    if not mails:
        add(
            *_NAME,
            "error",
            f"トピック {topic_arn} にメールの購読がありません（メールによる課題登録のアドレスを購読させてください）",
            "no e-mail subscription on the topic",
        )
        return
    for s in mails:
        _check_one(add, client, s)


def _check_one(add: AddCheck, client: Any, sub: dict) -> None:
    endpoint = str(sub.get("Endpoint") or "?")
    arn = str(sub.get("SubscriptionArn") or "")
    if arn in ("", "PendingConfirmation", "Deleted") or arn.count(":") < 6:
        add(
            *_NAME,
            "error",
            f"{endpoint} の購読が確認されていません。deploy/README.md の手順で、"
            "AuthenticateOnUnsubscribe=true を付けて ConfirmSubscription を呼んでください",
            f"{endpoint}: subscription not confirmed (confirm it with AuthenticateOnUnsubscribe=true)",
        )
        return
    try:
        attrs = client.get_subscription_attributes(SubscriptionArn=arn).get("Attributes") or {}
    except Exception as e:  # noqa: BLE001
        add(
            *_NAME,
            "warn",
            f"{endpoint} の購読属性を確認できませんでした: {type(e).__name__}",
            f"{endpoint}: could not read the subscription attributes: {type(e).__name__}",
        )
        return
    if _true(attrs.get("PendingConfirmation")):
        add(
            *_NAME,
            "error",
            f"{endpoint} の購読が確認待ちです。AuthenticateOnUnsubscribe=true を付けて確認してください",
            f"{endpoint}: subscription pending confirmation",
        )
    elif _true(attrs.get("ConfirmationWasAuthenticated")):
        add(
            *_NAME,
            "ok",
            f"{endpoint} は認証付きで確認済みです（配信停止リンクは AWS の認証なしでは使えません）",
            f"{endpoint}: confirmed with AuthenticateOnUnsubscribe",
        )
    else:
        add(
            *_NAME,
            "error",
            f"{endpoint} の購読は認証なしで確認されています。課題に載る配信停止リンクを誰でも押せます。"
            "購読を作り直し、AuthenticateOnUnsubscribe=true を付けて確認してください（deploy/README.md）",
            f"{endpoint}: confirmed without authentication: anyone reading an issue can unsubscribe it",
        )


def _true(v: Any) -> bool:
    return v is True or str(v).lower() == "true"
