"""``sync`` for Security Hub: GetFindings (ASFF, Security Hub CSPM) and GetFindingsV2 (OCSF, the new Security
Hub), page by page through boto3, paced, resumable by the page token.

The token handed back in :class:`ListedPage` names its API — ``asff:<NextToken>`` or ``ocsf:<NextToken>`` — so a
run interrupted anywhere resumes where it stopped, also across the switch from the ASFF to the OCSF listing
(``ocsf:`` alone: the OCSF listing from its start). Archived and resolved findings are listed too (no
``RecordState`` filter), so their issues close.

Options (``lister(options)``; every attribute optional): ``apis`` (``("asff",)`` default, ``("ocsf",)`` or both),
``page_size`` (≤ 100), ``pace_seconds`` or ``api_interval`` (least time between two API calls), ``filters`` /
``filters_v2`` (the APIs' own ``Filters``), ``accounts`` (when no filters are given: only these accounts' findings,
``AwsAccountId`` / ``cloud.account.uid``), ``client_for`` (``(region) -> boto3 client``; default boto3's
``securityhub`` client with standard retries, which honours ``AWS_ENDPOINT_URL_SECURITYHUB``), ``sleep`` /
``clock`` (tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..base import ListedPage

__all__ = ["APIS", "SecurityHubLister", "lister_for"]

APIS = ("asff", "ocsf")
MAX_PAGE_SIZE = 100
_CALLS = {"asff": "get_findings", "ocsf": "get_findings_v2"}


def _default_client(region: str) -> Any:
    # lazy import: boto3 loads only when a sync lists Security Hub (never on the Lambda's event path)
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10, read_timeout=60)
    return boto3.client("securityhub", region_name=region, config=config)


@dataclass
class SecurityHubLister:
    apis: tuple[str, ...] = ("asff",)
    page_size: int = MAX_PAGE_SIZE
    pace_seconds: float = 0.0
    filters: Mapping[str, Any] = field(default_factory=dict)
    filters_v2: Mapping[str, Any] = field(default_factory=dict)
    client_for: Callable[[str], Any] = _default_client
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _last_call: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [a for a in self.apis if a not in APIS]
        if unknown or not self.apis:
            raise ValueError(f"Security Hub の一覧 API は {', '.join(APIS)} のいずれかです（指定: {unknown or '空'}）")
        self.page_size = max(1, min(int(self.page_size), MAX_PAGE_SIZE))

    def _pace(self) -> None:
        if self.pace_seconds > 0 and self._last_call is not None:
            wait = self.pace_seconds - (self.clock() - self._last_call)
            if wait > 0:
                self.sleep(wait)
        self._last_call = self.clock()

    def _start(self, token: str | None) -> tuple[int, str | None]:
        """(index into ``apis``, the API's own token) for a token this lister handed out."""
        if not token:
            return 0, None
        api, sep, inner = token.partition(":")
        if not sep or api not in self.apis:
            raise ValueError(f"Security Hub の再開トークンが不正です: {token[:40]!r}")
        return self.apis.index(api), inner or None

    def _call(self, client: Any, api: str, token: str | None) -> Mapping[str, Any]:
        kwargs: dict[str, Any] = {"MaxResults": self.page_size}
        filters = self.filters if api == "asff" else self.filters_v2
        if filters:
            kwargs["Filters"] = dict(filters)
        if token:
            kwargs["NextToken"] = token
        self._pace()
        result: Mapping[str, Any] = getattr(client, _CALLS[api])(**kwargs)
        return result

    def pages(self, region: str, *, token: str | None = None) -> Iterator[ListedPage]:
        index, inner = self._start(token)
        client = self.client_for(region)
        for i in range(index, len(self.apis)):
            api = self.apis[i]
            while True:
                resp = self._call(client, api, inner)
                inner = resp.get("NextToken") or None
                findings = [f for f in resp.get("Findings") or [] if isinstance(f, Mapping)]
                if inner is not None:
                    next_token: str | None = f"{api}:{inner}"
                elif i + 1 < len(self.apis):
                    next_token = f"{self.apis[i + 1]}:"
                else:
                    next_token = None
                yield ListedPage(findings, next_token)
                if inner is None:
                    break


def _option(options: Any, name: str, default: Any) -> Any:
    if isinstance(options, Mapping):
        value = options.get(name, default)
    else:
        value = getattr(options, name, default)
    return default if value is None else value


def account_filters(accounts: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """GetFindings' and GetFindingsV2's ``Filters`` for the findings of ``accounts`` (empty: every account)."""
    if not accounts:
        return {}, {}
    asff = {"AwsAccountId": [{"Value": a, "Comparison": "EQUALS"} for a in accounts]}
    ocsf = {
        "CompositeFilters": [
            {
                "StringFilters": [
                    {"FieldName": "cloud.account.uid", "Filter": {"Value": a, "Comparison": "EQUALS"}} for a in accounts
                ],
                "Operator": "OR",
            }
        ]
    }
    return asff, ocsf


def lister_for(options: Any) -> SecurityHubLister:
    """The lister for ``options`` (an object or mapping; see the module docstring)."""
    apis = _option(options, "apis", ("asff",))
    by_account = account_filters(tuple(str(a) for a in _option(options, "accounts", ()) if str(a)))
    kwargs: dict[str, Any] = {
        "apis": (apis,) if isinstance(apis, str) else tuple(apis),
        "page_size": _option(options, "page_size", MAX_PAGE_SIZE),
        "pace_seconds": float(_option(options, "pace_seconds", None) or _option(options, "api_interval", 0.0)),
        "filters": _option(options, "filters", {}) or by_account[0],
        "filters_v2": _option(options, "filters_v2", {}) or by_account[1],
    }
    for name in ("client_for", "sleep", "clock"):
        value = _option(options, name, None)
        if value is not None:
            kwargs[name] = value
    return SecurityHubLister(**kwargs)
