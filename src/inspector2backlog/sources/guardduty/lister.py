"""``sync`` for GuardDuty: ListDetectors → ListFindings (archived included, so issues close) → GetFindings (≤ 50
ids a call). One page = one ListFindings page's findings; its ``next_token`` resumes after it (the detector and the
ListFindings token, see :class:`~.._listing.Position`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .._listing import Pacer, Position, accounts, client_factory, plain
from ..base import ListedPage

SERVICE = "guardduty"
MAX_IDS = 50  # GetFindings and ListFindings both take at most 50


@dataclass
class GuardDutyLister:
    client_for: Callable[[str, str], Any]
    pacer: Pacer
    accounts: tuple[str, ...] = ()
    page_size: int = MAX_IDS

    @classmethod
    def from_options(cls, options: Any) -> GuardDutyLister:
        size = int(getattr(options, "page_size", MAX_IDS) or MAX_IDS)
        return cls(client_factory(options), Pacer(options), accounts(options), max(1, min(size, MAX_IDS)))

    def _criteria(self) -> dict[str, Any]:
        # no service.archived criterion: archived findings are listed too, so their issues close
        return {"Criterion": {"accountId": {"Eq": list(self.accounts)}}} if self.accounts else {}

    def _detectors(self, client: Any) -> list[str]:
        ids: list[str] = []
        token: str | None = None
        while True:
            self.pacer.wait()
            resp = client.list_detectors(**({"NextToken": token} if token else {}))
            ids += [i for i in resp.get("DetectorIds") or [] if isinstance(i, str)]
            token = resp.get("NextToken") or None
            if not token:
                return ids

    def pages(self, region: str, *, token: str | None = None) -> Iterator[ListedPage]:
        client = self.client_for(SERVICE, region)
        at = Position.decode(token)
        detectors = self._detectors(client)
        if at.container in detectors:
            detectors = detectors[detectors.index(at.container) :]
        else:
            at = Position()  # the detector is gone (or a fresh start): list every detector from the beginning
        for n, detector in enumerate(detectors):
            list_token = at.token if detector == at.container else None
            following = detectors[n + 1] if n + 1 < len(detectors) else None
            while True:
                kwargs: dict[str, Any] = {"DetectorId": detector, "MaxResults": self.page_size}
                if self._criteria():
                    kwargs["FindingCriteria"] = self._criteria()
                if list_token:
                    kwargs["NextToken"] = list_token
                self.pacer.wait()
                resp = client.list_findings(**kwargs)
                ids = [i for i in resp.get("FindingIds") or [] if isinstance(i, str)]
                list_token = resp.get("NextToken") or None
                findings: list[dict[str, Any]] = []
                for i in range(0, len(ids), MAX_IDS):
                    self.pacer.wait()
                    got = client.get_findings(DetectorId=detector, FindingIds=ids[i : i + MAX_IDS])
                    findings += plain(got.get("Findings") or [])
                if list_token:
                    nxt: str | None = Position(detector, list_token).encode()
                else:
                    nxt = Position(following).encode() if following else None
                yield ListedPage(findings, nxt)
                if not list_token:
                    break
