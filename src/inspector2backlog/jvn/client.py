"""A small MyJVN API client (``https://jvndb.jvn.jp/myjvn``, ``feed=hnd``) on httpx.

Two calls: :meth:`MyJvnClient.find` (``getVulnOverviewList`` with ``keyword=CVE-…`` and no date range — the API
has no CVE parameter, and without ``rangeDate*=n`` it searches only the last week) and :meth:`MyJvnClient.details`
(``getVulnDetailInfo``, up to :data:`MAX_DETAIL_IDS` ids a call, joined with ``+`` as the API documents).

No retries: a failure falls back to the translation engine, and the caller's circuit breaker stops asking. Errors
are typed — :class:`JvnUnavailable` (timeout, connection, 429/5xx) and :class:`JvnBadResponse` (4xx, not XML, a
MyJVN error status) — and their messages carry no response text beyond MyJVN's own error code and message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

from .. import __version__
from ..errors import JVN, Inspector2BacklogError
from .parse import CVE_ID, JVNDB_ID, MAX_BYTES, JvnEntry, JvnParseError, parse_detail, parse_overview_list

DEFAULT_ENDPOINT = "https://jvndb.jvn.jp/myjvn"
MAX_DETAIL_IDS = 10  # getVulnDetailInfo's maxCountItem limit
_NO_DATE_RANGE = {"rangeDatePublic": "n", "rangeDatePublished": "n", "rangeDateFirstPublished": "n"}


class JvnError(Inspector2BacklogError):
    """A MyJVN call failed. The message never carries a secret or a response body."""

    kind = JVN


class JvnUnavailable(JvnError):
    """Timeout, connection failure, 429 or 5xx: MyJVN could not answer now."""


class JvnBadResponse(JvnError):
    """MyJVN answered, but not with a usable response (4xx, malformed XML, its own error status)."""


class MyJvnClient:
    def __init__(
        self,
        endpoint_url: str = DEFAULT_ENDPOINT,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        on_request: Callable[[str, int], None] | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("?")
        self._on_request = on_request
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            transport=transport,
            headers={
                "User-Agent": f"inspector2backlog/{__version__} (+JVN iPedia lookup)",
                "Accept": "application/xml",
            },
            follow_redirects=False,
        )

    def find(self, cve: str) -> list[str]:
        """JVNDB ids of the entries for ``cve`` (empty: JVN iPedia has none)."""
        if not CVE_ID.fullmatch(cve):
            raise ValueError(f"not a CVE id: {cve!r}")
        query = urlencode(
            {
                "method": "getVulnOverviewList",
                "feed": "hnd",
                "keyword": cve,
                "lang": "ja",
                "maxCountItem": "50",
                **_NO_DATE_RANGE,
            }
        )
        return self._call("getVulnOverviewList", query, lambda body: parse_overview_list(body, cve))

    def details(self, ids: Sequence[str]) -> list[JvnEntry]:
        """The entries of up to :data:`MAX_DETAIL_IDS` JVNDB ids, in one call."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        if len(ids) > MAX_DETAIL_IDS or not all(JVNDB_ID.fullmatch(i) for i in ids):
            raise ValueError(f"getVulnDetailInfo takes 1–{MAX_DETAIL_IDS} JVNDB ids")
        query = urlencode(
            {"method": "getVulnDetailInfo", "feed": "hnd", "lang": "ja", "maxCountItem": str(MAX_DETAIL_IDS)}
        )
        return self._call("getVulnDetailInfo", query + "&vulnId=" + "+".join(ids), parse_detail)

    def _call(self, method: str, query: str, parse: Callable[[bytes], Any]) -> Any:
        url = f"{self.endpoint_url}?{query}"
        try:
            with self._http.stream("GET", url) as resp:
                if self._on_request is not None:
                    self._on_request(method, resp.status_code)
                if resp.status_code == 429 or resp.status_code >= 500:
                    raise JvnUnavailable(f"{method}: HTTP {resp.status_code}")
                if resp.status_code != 200:
                    raise JvnBadResponse(f"{method}: HTTP {resp.status_code}")
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise JvnBadResponse(f"{method}: response larger than {MAX_BYTES:,} bytes")
        except httpx.TimeoutException:
            raise JvnUnavailable(f"{method}: timed out") from None
        except httpx.TransportError as exc:
            raise JvnUnavailable(f"{method}: {type(exc).__name__}") from None
        try:
            return parse(bytes(body))
        except JvnParseError as exc:
            raise JvnBadResponse(f"{method}: {exc}") from None

    def close(self) -> None:
        self._http.close()
