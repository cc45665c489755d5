"""The seed's path: an e-mail through SNS to Backlog's mail-to-issue address (subject → summary).

Mail-to-issue returns no issue key, so this target is create-only: updates, closes and reopens are not sent (the
pipeline still records them, and dedup still prevents a second mail for a re-sent finding).
"""

from __future__ import annotations

from typing import Any

from ..redaction import redact_secrets
from ..render.issue import Issue
from .base import DeliveryError, IssueRef, Sink

SUBJECT_LIMIT = 99  # SNS: "less than 100 characters", no line breaks
MESSAGE_BYTES = 256 * 1024 - 8 * 1024  # SNS: 256 KiB a message, room left for the footer SNS adds
#: the last line of our text: SNS appends an English unsubscribe footer to every e-mail, and that footer then sits
#: visibly outside what inspector2backlog wrote (the subscription is confirmed with AuthenticateOnUnsubscribe=true,
#: so its link cannot unsubscribe without AWS credentials: see deploy/README.md)
END_MARKER = "――― inspector2backlog の本文はここまでです。この下は Amazon SNS が付ける配信の案内です ―――"


def shorten_middle(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """``text`` within ``limit`` characters, cut in the middle: the head (severity, vulnerability) and the tail
    (resource, account / region) are kept, 「…」 marks the cut."""
    if len(text) <= limit:
        return text
    tail_start = text.rfind(" — ")
    if tail_start < 0 or len(text) - tail_start > limit // 2:
        tail_start = text.rfind(" (")
    tail = text[tail_start:] if tail_start > 0 and len(text) - tail_start <= limit // 2 else text[-(limit // 3) :]
    head = text[: limit - len(tail) - 1]
    return head.rstrip() + "…" + tail


class SnsEmailSink(Sink):
    name = "sns"
    supports_lifecycle = False
    text_format = "email"

    def __init__(
        self, topic_arn: str, *, client: Any = None, region: str | None = None, endpoint_url: str | None = None
    ):
        if not topic_arn:
            raise ValueError("[delivery] sns_topic_arn is required for the sns sink / SNS トピック ARN が必要です")
        if client is None:
            # lazy: boto3 only for the mail-to-issue sink
            import boto3
            from botocore.config import Config

            region = region or (topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else None)
            client = boto3.client(
                "sns",
                region_name=region,
                endpoint_url=endpoint_url,
                config=Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=15),
            )
        self.topic_arn = topic_arn
        self.client = client

    @staticmethod
    def message(issue: Issue) -> tuple[str, str]:
        """(subject, body) exactly as published: the subject fits SNS's limit, the body starts with the summary."""
        subject, body = (redact_secrets(t) for t in issue.email())
        text = f"{subject}\n\n{body.rstrip()}"
        if len(text.encode()) > MESSAGE_BYTES:  # the ARN (how the finding is found again) survives the cut
            footer = f"\n…（長さの上限のため省略）\nFinding ARN: {issue.finding_arn}"
            text = text.encode()[: MESSAGE_BYTES - len(footer.encode())].decode(errors="ignore") + footer
        return shorten_middle(subject), f"{text}\n\n{END_MARKER}\n"

    def create(self, issue: Issue) -> IssueRef:
        subject, body = self.message(issue)
        try:
            resp = self.client.publish(TopicArn=self.topic_arn, Subject=subject, Message=body)
        except Exception as e:  # botocore ClientError / EndpointConnectionError after its retries
            raise DeliveryError(f"SNS publish failed: {type(e).__name__}: {e}") from e
        return IssueRef(f"sns:{resp['MessageId']}")
