"""``sync`` for Amazon Inspector: ``ListFindings`` page by page (``maxResults`` = the page size, ``filterCriteria``
as given, ``nextToken`` as the resume token). Inspector's listing holds every finding status the criteria let
through, so a CLOSED finding closes its issue; a finding Inspector no longer lists at all is closed by ``sync``'s
gone-check (:mod:`inspector2backlog.policy.sync_gone`), which only Inspector's complete listing can support.

``options`` (duck-typed, every attribute optional): ``client_for(region)`` → a boto3 ``inspector2`` client (default:
boto3's, which honours ``AWS_ENDPOINT_URL_INSPECTOR2``), ``filter_criteria`` (ListFindings' ``filterCriteria``,
accounts included), ``page_size`` (≤ 100), ``api_interval`` / ``sleep`` / ``clock`` (least seconds between calls).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._listing import Pacer
from ..base import ListedPage

MAX_PAGE_SIZE = 100  # ListFindings' maximum


def _default_client(region: str) -> Any:
    # lazy import: boto3 loads only when `sync` lists Inspector (never on the Lambda's event path)
    import boto3
    from botocore.config import Config

    cfg = Config(connect_timeout=10, read_timeout=60, retries={"mode": "standard", "max_attempts": 5})
    return boto3.client("inspector2", region_name=region, config=cfg)


@dataclass
class InspectorLister:
    client_for: Callable[[str], Any]
    pacer: Pacer
    criteria: Mapping[str, Any] = field(default_factory=dict)
    page_size: int = MAX_PAGE_SIZE
    #: how a page is named in an unreadable finding's origin (``ListFindings ap-northeast-1 p2``)
    api: str = "ListFindings"

    @classmethod
    def from_options(cls, options: Any) -> InspectorLister:
        given = getattr(options, "client_for", None)
        size = int(getattr(options, "page_size", MAX_PAGE_SIZE) or MAX_PAGE_SIZE)
        return cls(
            given if callable(given) else _default_client,
            Pacer(options),
            dict(getattr(options, "filter_criteria", None) or {}),
            max(1, min(size, MAX_PAGE_SIZE)),
        )

    def pages(self, region: str, *, token: str | None = None) -> Iterator[ListedPage]:
        client = self.client_for(region)
        while True:
            kwargs: dict[str, Any] = {"maxResults": self.page_size}
            if self.criteria:
                kwargs["filterCriteria"] = dict(self.criteria)
            if token:
                kwargs["nextToken"] = token
            self.pacer.wait()
            resp = client.list_findings(**kwargs)
            token = resp.get("nextToken") or None
            yield ListedPage(list(resp.get("findings") or []), token)  # every element: an odd one is a fallback issue
            if token is None:
                return

    @staticmethod
    def listed_id(raw: Mapping[str, Any]) -> str:
        """The ARN a listed finding names, read before parsing (an unreadable finding listed with an ARN is still
        listed: the gone-check must not close its issue)."""
        arn = raw.get("findingArn")
        return arn.strip() if isinstance(arn, str) else ""
