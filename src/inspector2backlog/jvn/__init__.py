"""JVN iPedia (IPA / JPCERT/CC) through the MyJVN API: official Japanese text for known CVEs.

Optional (``[jvn] enabled = true``) and imported only then. :func:`make_source` wires the client, the cache in the
state store and the circuit breaker; the issue builder asks the source before the translation engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..stats import Stats
    from .source import JvnSource

DAY = 86400.0


def make_source(config: Any, store: Any = None, stats: Stats | None = None, *, transport: Any = None) -> JvnSource:
    """A :class:`~.source.JvnSource` from a ``[jvn]`` section (:class:`~inspector2backlog.config.JvnConfig`)."""
    # lazy: [jvn] is optional: its client and cache load only when it is on
    from .cache import JvnCache
    from .client import MyJvnClient
    from .source import JvnSource

    client = MyJvnClient(config.endpoint_url, timeout=config.timeout_seconds, transport=transport)
    cache = JvnCache(store, hit_ttl_seconds=config.cache_days * DAY, miss_ttl_seconds=config.miss_cache_days * DAY)
    return JvnSource(client, cache, stats, failure_threshold=config.failure_threshold)


__all__ = ["make_source"]
