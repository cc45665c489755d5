"""What the ``sync`` listers of GuardDuty and IAM Access Analyzer share: the client factory, API-call pacing, the
resume token (which container — detector, analyzer — and the API's own token inside it) and JSON-plain pages.

``options`` (duck-typed, every attribute optional):

* ``client_for(service, region)`` → a boto3 client (default: ``boto3.client(service, region_name=region)``);
* ``endpoint_url``: passed to the default factory (tests: the loopback fakes);
* ``api_interval``: minimum seconds between two AWS calls of one lister (default 0: the SDK's retries only);
* ``accounts``: only these accounts' findings; ``page_size``; ``sleep`` / ``clock`` (tests).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Position:
    """Where a listing resumes: the container (detector id, analyzer ARN) and the API's token within it."""

    container: str | None = None
    token: str | None = None

    def encode(self) -> str:
        return json.dumps({"c": self.container, "t": self.token}, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str | None) -> Position:
        """A saved token; an unreadable one starts from the beginning (re-listing is harmless)."""
        if not value:
            return cls()
        try:
            data = json.loads(value)
        except ValueError:
            return cls()
        if not isinstance(data, Mapping):
            return cls()
        c, t = data.get("c"), data.get("t")
        return cls(c if isinstance(c, str) else None, t if isinstance(t, str) else None)


def client_factory(options: Any) -> Callable[[str, str], Any]:
    given = getattr(options, "client_for", None)
    if callable(given):
        return given
    endpoint = getattr(options, "endpoint_url", None)

    def make(service: str, region: str) -> Any:
        import boto3  # lazy: only `sync` lists, and the Lambda's event path never needs it

        return boto3.client(service, region_name=region, endpoint_url=endpoint or None)

    return make


class Pacer:
    """At least ``interval`` seconds between two calls (``wait`` before each)."""

    def __init__(self, options: Any) -> None:
        self.interval = float(getattr(options, "api_interval", 0.0) or 0.0)
        self.sleep: Callable[[float], None] = getattr(options, "sleep", None) or time.sleep
        self.clock: Callable[[], float] = getattr(options, "clock", None) or time.monotonic
        self._last: float | None = None

    def wait(self) -> None:
        if self.interval > 0 and self._last is not None:
            gap = self.interval - (self.clock() - self._last)
            if gap > 0:
                self.sleep(gap)
        self._last = self.clock()


def accounts(options: Any) -> tuple[str, ...]:
    return tuple(str(a) for a in getattr(options, "accounts", ()) or () if str(a))


def plain(value: Any) -> Any:
    """A boto3 response as JSON data: datetimes as ISO 8601 (UTC), ``ResponseMetadata`` dropped."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
