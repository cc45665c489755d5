"""Configuration checks that need more than a type, kept apart from :mod:`config` so sections can grow there:
every configured URL's port, and the ``[input]`` section (the CLI's input cap).

:func:`problems` yields ``(place, message)``; :func:`inspector2backlog.config.load_config` turns the first into a
:class:`~inspector2backlog.config.ConfigError` naming the file and the key.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024
#: what a ``[two_way.actions]`` resolution may map to
TWO_WAY_ACTIONS = ("suppress", "none")


@dataclass(frozen=True, slots=True)
class InputConfig:
    #: the CLI refuses a file or standard input larger than this (exit 2, nothing from it sent)
    max_bytes: int = DEFAULT_MAX_INPUT_BYTES


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
