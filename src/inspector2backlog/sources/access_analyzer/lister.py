"""``sync`` for IAM Access Analyzer: ListAnalyzers → ListFindingsV2 (every status, so issues close) → GetFindingV2
per finding (its details paged). One page = one ListFindingsV2 page; its ``next_token`` resumes after it (the analyzer
ARN and the ListFindingsV2 token, see :class:`~.._listing.Position`). Each listed finding carries the analyzer's ARN
and the region (GetFindingV2 names neither)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .._listing import Pacer, Position, accounts, client_factory, plain
from ..base import ListedPage

SERVICE = "accessanalyzer"
PAGE_SIZE = 100
MAX_DETAIL_PAGES = 100  # GetFindingV2 pages of one finding's details


@dataclass
class AccessAnalyzerLister:
    client_for: Callable[[str, str], Any]
    pacer: Pacer
    accounts: tuple[str, ...] = ()
    page_size: int = PAGE_SIZE

    @classmethod
    def from_options(cls, options: Any) -> AccessAnalyzerLister:
        size = int(getattr(options, "page_size", PAGE_SIZE) or PAGE_SIZE)
        return cls(client_factory(options), Pacer(options), accounts(options), max(1, min(size, 1000)))

    def _analyzers(self, client: Any) -> list[str]:
        arns: list[str] = []
        token: str | None = None
        while True:
            self.pacer.wait()
            resp = client.list_analyzers(**({"nextToken": token} if token else {}))
            arns += [a["arn"] for a in resp.get("analyzers") or [] if isinstance(a.get("arn"), str)]
            token = resp.get("nextToken") or None
            if not token:
                return arns

    def _finding(self, client: Any, analyzer: str, finding_id: str, region: str) -> dict[str, Any]:
        details: list[Any] = []
        token: str | None = None
        out: dict[str, Any] = {}
        for _ in range(MAX_DETAIL_PAGES):
            self.pacer.wait()
            resp = client.get_finding_v2(analyzerArn=analyzer, id=finding_id, **({"nextToken": token} if token else {}))
            out = plain(resp)
            details += out.pop("findingDetails", None) or []
            token = out.pop("nextToken", None) or None
            if not token:
                break
        return {**out, "findingDetails": details, "analyzerArn": analyzer, "region": region}

    def pages(self, region: str, *, token: str | None = None) -> Iterator[ListedPage]:
        client = self.client_for(SERVICE, region)
        at = Position.decode(token)
        analyzers = self._analyzers(client)
        if at.container in analyzers:
            analyzers = analyzers[analyzers.index(at.container) :]
        else:
            at = Position()
        for n, analyzer in enumerate(analyzers):
            list_token = at.token if analyzer == at.container else None
            following = analyzers[n + 1] if n + 1 < len(analyzers) else None
            while True:
                kwargs: dict[str, Any] = {"analyzerArn": analyzer, "maxResults": self.page_size}
                if self.accounts:
                    kwargs["filter"] = {"resourceOwnerAccount": {"eq": list(self.accounts)}}
                if list_token:
                    kwargs["nextToken"] = list_token
                self.pacer.wait()
                resp = client.list_findings_v2(**kwargs)
                list_token = resp.get("nextToken") or None
                findings = [
                    self._finding(client, analyzer, s["id"], region)
                    for s in resp.get("findings") or []
                    if isinstance(s.get("id"), str)
                ]
                if list_token:
                    nxt: str | None = Position(analyzer, list_token).encode()
                else:
                    nxt = Position(following).encode() if following else None
                yield ListedPage(findings, nxt)
                if not list_token:
                    break
