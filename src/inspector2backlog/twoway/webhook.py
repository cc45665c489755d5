"""Checks on a Backlog webhook request to a Lambda Function URL (payload format 2.0), before anything is called.

Backlog signs nothing, so: the secret in the path (``/hook/<secret>``) or the query (``?token=<secret>``), compared
in constant time; an optional source-IP allowlist; a body size limit. An accepted request yields only *hints* —
issue ids to re-read through the Backlog API; nothing in the payload is believed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .settings import ip_allowed

#: activity types whose change may be a decision: 2 issue updated, 14 bulk updated
DECISION_TYPES = (2, 14)
MAX_HINTS = 100
PATH_PREFIX = "/hook/"


@dataclass(frozen=True, slots=True)
class Verdict:
    status: int  # 200 accepted · 400 · 403 · 405 · 413
    reason: str = ""  # why it was rejected (for the log and the metric; never the secret)
    hints: tuple[int, ...] = ()  # issue ids to re-read
    source_ip: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == 200


def _given_secret(event: dict) -> str:
    path = str(event.get("rawPath") or "")
    if path.startswith(PATH_PREFIX):
        return path[len(PATH_PREFIX) :].strip("/")
    for k, v in parse_qsl(str(event.get("rawQueryString") or ""), keep_blank_values=True):
        if k == "token":
            return v
    return ""


def check(event: dict, *, secret: str, nets: tuple[Any, ...], max_body_bytes: int, project_key: str) -> Verdict:
    http = (event.get("requestContext") or {}).get("http") or {}
    ip = str(http.get("sourceIp") or "")
    if not ip_allowed(ip, nets):
        return Verdict(403, "source_ip", source_ip=ip)
    given = _given_secret(event)
    if not given:
        return Verdict(403, "no_secret", source_ip=ip)
    if not secret or not hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode("utf-8")):
        return Verdict(403, "bad_secret", source_ip=ip)
    method = str(http.get("method") or "POST").upper()
    if method != "POST":
        return Verdict(405, "method", source_ip=ip)
    body = event.get("body") or ""
    if not isinstance(body, str):
        return Verdict(400, "bad_body", source_ip=ip)
    if event.get("isBase64Encoded"):
        if len(body) > (max_body_bytes // 3 + 1) * 4:
            return Verdict(413, "too_large", source_ip=ip)
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return Verdict(400, "bad_body", source_ip=ip)
    else:
        if len(body) > max_body_bytes:  # characters ≤ bytes: a cheap first cut
            return Verdict(413, "too_large", source_ip=ip)
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > max_body_bytes:
        return Verdict(413, "too_large", source_ip=ip)
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return Verdict(400, "bad_body", source_ip=ip)
    if not isinstance(payload, dict):
        return Verdict(400, "bad_body", source_ip=ip)
    return Verdict(200, hints=hints(payload, project_key), source_ip=ip)


def hints(payload: dict, project_key: str) -> tuple[int, ...]:
    """Issue ids an update (or bulk update) payload names, for our project only; at most :data:`MAX_HINTS`."""
    if payload.get("type") not in DECISION_TYPES:
        return ()
    project = payload.get("project") or {}
    if not isinstance(project, dict) or str(project.get("projectKey") or "") != project_key:
        return ()
    content = payload.get("content") or {}
    if not isinstance(content, dict):
        return ()
    items = [content] if "id" in content else []
    items += [x for x in (content.get("link") or ()) if isinstance(x, dict)][:MAX_HINTS]
    out: list[int] = []
    for x in items:
        v = x.get("id")
        if isinstance(v, int) and not isinstance(v, bool) and v > 0 and v not in out:
            out.append(v)
    return tuple(out[:MAX_HINTS])
