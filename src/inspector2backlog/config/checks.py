"""Configuration checks that need more than a type: every configured URL's port, the Backlog space URL, the
``[input]`` section (the CLI's input cap), ``[sources.*]`` patterns and ``[two_way]``.

:func:`problems` yields ``(place, message)``; :func:`inspector2backlog.config.load_config` turns the first into a
:class:`~inspector2backlog.config.ConfigError` naming the file and the key. ``doctor`` reports the same lines.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..redaction import redact
from .per_source import COMPLIANCE_STATUSES, SOURCE_NAMES
from .vocabulary import DEFAULT_MAX_INPUT_BYTES, SEVERITIES, TWO_WAY_ACTIONS

if TYPE_CHECKING:
    import httpx

    from .per_source import SourcesConfig


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_space_url(space_url: str) -> httpx.URL:
    """Parse the space URL; https is required except for loopback hosts. Raises ``ValueError``.

    The one rule for the space URL: the configuration checks it when it is loaded, the Backlog client when it is
    built (:func:`inspector2backlog.backlog.client.check_space_url` is this function)."""
    import httpx  # lazy: httpx costs ~0.3 s of import time, and only a configured space URL needs it (not `render`)

    if not space_url:
        raise ValueError("Backlog space URL is empty / Backlog のスペース URL が空です")
    try:
        url = httpx.URL(space_url)
    except Exception as exc:  # httpx.InvalidURL and friends
        raise ValueError(f"invalid Backlog space URL: {redact(space_url)!r} ({type(exc).__name__})") from None
    if url.scheme not in ("https", "http") or not url.host:
        raise ValueError(f"invalid Backlog space URL: {redact(space_url)!r} (expected https://SPACE.backlog.com)")
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise ValueError(
            f"Backlog space URL must use https (http only for loopback hosts): {redact(space_url)!r} / "
            "スペース URL は https にしてください（http はループバックのみ）"
        )
    if url.query or url.fragment:
        raise ValueError(f"Backlog space URL must not carry a query or fragment: {redact(space_url)!r}")
    return url


def url_problem(url: str) -> str | None:
    """Why ``url``'s port is not usable (outside 1–65535, not a number), or None. Only the port is judged here."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        return f"URL として読めません / invalid URL ({exc})"
    host_port = parts.netloc.rpartition("@")[2]
    if host_port.startswith("["):  # [IPv6]:port
        host_port = host_port.partition("]")[2]
        if not host_port:
            return None
    elif ":" not in host_port:
        return None
    text = host_port.rpartition(":")[2]
    if text == "":
        return None  # "https://host:" means the default port
    if not (text.isascii() and text.isdigit()):
        return f"ポート番号 {text!r} が数字ではありません / port {text!r} is not a number"
    if not 1 <= int(text) <= 65535:
        return f"ポート番号 {int(text)} は範囲外です（1〜65535）/ port {int(text)} is outside 1–65535"
    return None


def _url_keys(config: Any) -> Iterator[tuple[str, str, str]]:
    """(section, key, value) of every non-empty string key named ``*_url`` / ``*_endpoint`` in every section."""
    for section in fields(config):
        value = getattr(config, section.name)
        if not is_dataclass(value):
            continue
        for f in fields(value):
            v = getattr(value, f.name)
            if isinstance(v, str) and v and f.name.endswith(("_url", "_endpoint", "endpoint_url")):
                yield section.name, f.name, v


def problems(config: Any) -> Iterator[tuple[str, str]]:
    for section, key, value in _url_keys(config):
        problem = url_problem(value)
        if problem:
            yield f"[{section}] {key}", problem
    inp = getattr(config, "input", None)
    if inp is not None and inp.max_bytes < 1:
        yield (
            "[input] max_bytes",
            (
                f"{inp.max_bytes}: 1 以上のバイト数を指定してください / must be a positive number "
                f"of bytes (default {DEFAULT_MAX_INPUT_BYTES})"
            ),
        )
    sources = getattr(config, "sources", None)
    if sources is not None:
        yield from source_problems(sources)
    sync = getattr(config, "sync", None)
    if sync is not None:
        yield from sync_problems(sync)


def sync_problems(sync: Any) -> Iterator[tuple[str, str]]:
    """``(place, message)`` for a ``[sync] sources`` name that is not a source, or an unknown Security Hub API."""
    unknown = [s for s in sync.sources if s not in SOURCE_NAMES]
    if unknown:
        yield (
            "[sync] sources",
            f"{', '.join(map(repr, unknown))}: 不明なソースです / unknown source (known: {', '.join(SOURCE_NAMES)})",
        )
    apis = [a for a in sync.securityhub_apis if a not in ("asff", "ocsf")]
    if apis or not sync.securityhub_apis:
        yield (
            "[sync] securityhub_apis",
            f"{', '.join(map(repr, apis)) or '[]'}: asff（GetFindings）か ocsf（GetFindingsV2）を指定してください / "
            "must be asff and/or ocsf",
        )


def source_problems(sources: SourcesConfig) -> Iterator[tuple[str, str]]:
    """``(place, message)`` for each ``[sources.<name>]`` table that contradicts itself: a type pattern both
    included and excluded (the exclusion would win, silently)."""
    for name, s in sources.items():
        place = f"[sources.{name}]"
        both = sorted(set(s.types) & set(s.exclude_types))
        if both:
            yield (
                f"{place} exclude_types",
                f"{', '.join(map(repr, both))}: types と exclude_types の両方にあります / "
                "listed in both types and exclude_types",
            )
        for key, known, what in (
            ("severities", SEVERITIES, "深刻度 / severity label"),
            ("compliance", COMPLIANCE_STATUSES, "準拠状況 / compliance status"),
        ):
            bad = [v for v in getattr(s, key) if v not in known]
            if bad:
                yield (
                    f"{place} {key}",
                    f"{', '.join(map(repr, bad))}: 不明な{what.split(' / ')[0]}です / unknown {what.split(' / ')[1]} "
                    f"(known: {', '.join(known)})",
                )


def two_way_problems(t: Any) -> Iterator[tuple[str, str]]:
    """``(place, message)`` for every invalid ``[two_way]`` value (checked when it is enabled)."""
    for name, action in t.actions.items():
        if action not in TWO_WAY_ACTIONS:
            yield f"[two_way.actions] {name}", f"{action!r} is not one of {', '.join(TWO_WAY_ACTIONS)}"
    for cidr in t.allowed_source_ips:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            yield "[two_way] allowed_source_ips", f"{cidr!r} is not an IP address or CIDR"
    if t.max_body_bytes <= 0:
        yield "[two_way] max_body_bytes", "must be a positive number of bytes"
