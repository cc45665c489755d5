"""A loopback fake of Backlog API v2, behaving as ../shared/docs/backlog-api.md documents.

Real HTTP on 127.0.0.1 (``ThreadingHTTPServer``, port 0): ``apiKey`` query parameter or ``Authorization: Bearer``
(else 401, code 11); form-encoded bodies parsed (``key[]`` repeated, ``customField_{id}`` / ``customField_{id}[i]``);
required parameters validated (400, code 7, documented error body); summary ≤ 255, description ≤ 100,000, comment
≤ 50,000 characters; 4-byte UTF-8 anywhere → 400 "Incorrect String"; 404 code 6 for unknown issues/projects;
``X-RateLimit-Limit/Remaining/Reset`` per bucket (read / update / search) with configurable budgets → 429 code 13,
windows of 60 s that start at a bucket's first request, the headers on every answer (401 and injected faults too);
an OAuth 2.0 token endpoint (``oauth_client``, ``oauth_refresh_token``, ``oauth_token_seconds``: expiring access
tokens, a rotated refresh token, 401 with ``WWW-Authenticate: Bearer error="invalid_token"``);
default status / priority / resolution names in the API user's language (``language="en"``: Open, High, Fixed…);
fault injection (:meth:`FakeBacklog.fail_next`, :meth:`FakeBacklog.fail_every`, :meth:`FakeBacklog.fault_rate`); every
request recorded with the API key redacted. A real space's search index on request: ``strict=True`` matches keyword
and custom-field searches by words (split on non-alphanumerics, every word must match), ``search_lag`` makes a new or
updated issue visible to them only that many seconds later (``lag_every_list``: to every issue list).

Usable without pytest (bench scripts)::

    with FakeBacklog() as fake:
        client = BacklogClient(fake.url, api_key=fake.api_key)

In tests: ``from tests.fakes.backlog_server import fake_backlog`` (a pytest fixture created on first access, so
importing this module does not import pytest).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_API_KEY = "fake-backlog-api-key-Zq8rW3xY7uT1"
DEFAULT_RATE_LIMITS = {"read": 600, "update": 150, "search": 150, "icon": 60}
PRIORITIES = [{"id": 2, "name": "高"}, {"id": 3, "name": "中"}, {"id": 4, "name": "低"}]
RESOLUTIONS = [
    {"id": 0, "name": "対応済み"},
    {"id": 1, "name": "対応しない"},
    {"id": 2, "name": "無効"},
    {"id": 3, "name": "重複"},
    {"id": 4, "name": "再現しない"},
]
STATUSES = [
    (1, "未対応", "#ed8077"),
    (2, "処理中", "#4488c5"),
    (3, "処理済み", "#5eb5a6"),
    (4, "完了", "#b0be3c"),
]
PRIORITIES_EN = [{"id": 2, "name": "High"}, {"id": 3, "name": "Normal"}, {"id": 4, "name": "Low"}]
RESOLUTIONS_EN = [
    {"id": 0, "name": "Fixed"},
    {"id": 1, "name": "Won't Fix"},
    {"id": 2, "name": "Invalid"},
    {"id": 3, "name": "Duplicate"},
    {"id": 4, "name": "Cannot Reproduce"},
]
STATUSES_EN = [
    (1, "Open", "#ed8077"),
    (2, "In Progress", "#4488c5"),
    (3, "Resolved", "#5eb5a6"),
    (4, "Closed", "#b0be3c"),
]
#: the default names Backlog answers in, by the API user's language
NAMES = {
    "ja": {"priorities": PRIORITIES, "resolutions": RESOLUTIONS, "statuses": STATUSES},
    "en": {"priorities": PRIORITIES_EN, "resolutions": RESOLUTIONS_EN, "statuses": STATUSES_EN},
}
RATE_WINDOW_SECONDS = 60.0
SUMMARY_MAX, DESCRIPTION_MAX, COMMENT_MAX = 255, 100_000, 50_000
TEXT_PARAMS = ("summary", "description", "comment", "content")


# ---- recorded requests ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str  # without the query string, e.g. "/api/v2/issues"
    query: list[tuple[str, str]]  # apiKey value replaced by "***"
    form: list[tuple[str, str]]
    kind: str  # route name: "create_issue", "get_project"… ("unknown" when no route matched)
    bucket: str
    status: int = 0  # 0 = no response (timeout/disconnect fault)
    fault: str = ""  # the injected fault, if any
    auth: str = ""  # "apiKey" | "bearer" | ""

    def param(self, name: str) -> str | None:
        for k, v in (*self.form, *self.query):
            if k == name:
                return v
        return None

    def params(self, name: str) -> list[str]:
        return [v for k, v in (*self.form, *self.query) if k == name]

    def text(self) -> str:
        """Everything recorded, as one string (for "the key appears nowhere" assertions)."""
        return json.dumps([self.method, self.path, self.query, self.form], ensure_ascii=False)


@dataclass(slots=True)
class _Fault:
    status: int | str  # HTTP status, "timeout" or "disconnect"
    method: str | None = None
    path: re.Pattern[str] | None = None
    apply: bool = False  # process the request first, then fail (the "it may have been applied" case)
    rate_headers: bool = True  # an injected 429 carries X-RateLimit-* headers

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or bool(self.path.search(path)))


@dataclass(slots=True)
class _Project:
    id: int
    key: str
    name: str
    text_formatting_rule: str
    issue_types: list[dict]
    statuses: list[dict]
    categories: list[dict]
    custom_fields: list[dict]
    user_ids: list[int]
    next_key_id: int = 1

    def json(self) -> dict:
        return {
            "id": self.id,
            "projectKey": self.key,
            "name": self.name,
            "chartEnabled": False,
            "subtaskingEnabled": False,
            "projectLeaderCanEditProjectLeader": False,
            "textFormattingRule": self.text_formatting_rule,
            "archived": False,
        }


class _Reply(Exception):
    """Raised inside a route to answer with an error body."""

    def __init__(self, status: int, code: int, message: str, more_info: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.more_info = status, code, message, more_info


def _err(status: int, code: int, message: str, more_info: str = "") -> _Reply:
    return _Reply(status, code, message, more_info)


def _error_body(*errors: tuple[int, str, str]) -> dict:
    return {"errors": [{"message": m, "code": c, "moreInfo": i} for c, m, i in errors]}


# ---- the fake ---------------------------------------------------------------------------------------------------


class FakeBacklog:
    """An in-memory Backlog space with one project (more via :meth:`add_project`), served over loopback HTTP."""

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        oauth_token: str | None = None,
        project_key: str = "SEC",
        project_name: str = "セキュリティ",
        text_formatting_rule: str = "markdown",
        issue_types: Sequence[str] = ("バグ", "タスク", "脆弱性"),
        categories: Sequence[str] = ("AWS", "アプリ"),
        custom_fields: Sequence[dict] | None = None,
        users: Sequence[dict] | None = None,
        rate_limits: dict[str, int] | None = None,
        hang_seconds: float = 2.0,
        latency: float = 0.0,
        space_key: str = "fakespace",
        strict: bool = False,
        search_lag: float = 0.0,
        lag_every_list: bool = False,
        language: str = "ja",
        oauth_client: tuple[str, str] | None = None,
        oauth_refresh_token: str | None = None,
        oauth_token_seconds: float = 3600,
    ) -> None:
        if language not in NAMES:
            raise ValueError(f"language must be one of {sorted(NAMES)}")
        self.language = language  # the API user's language: default statuses/priorities/resolutions are named in it
        self.priorities: list[dict] = [dict(x) for x in NAMES[language]["priorities"]]
        self.resolutions: list[dict] = [dict(x) for x in NAMES[language]["resolutions"]]
        # a real space's search index: ``strict`` matches keyword / custom-field searches by words, not substrings;
        # ``search_lag`` seconds (the fake's clock) pass before a created or updated issue is seen by those searches
        # (``lag_every_list``: by every ``GET issues`` / ``issues/count``, filters without a keyword included)
        self.strict = strict
        self.search_lag = search_lag
        self.lag_every_list = lag_every_list
        self._indexed: dict[int, list[tuple[float, dict]]] = {}  # issue id → (visible from, what the index holds)
        self._periodic: list | None = None  # fail_every: [fault, n, seen, left]
        self.api_key = api_key
        self.latency = latency  # seconds each answer is delayed (outside the lock): makes concurrency visible
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the server was handling at once
        self.oauth_token = oauth_token  # a static bearer token that never expires
        # the token endpoint (POST /api/v2/oauth2/token): client id/secret, the one valid refresh token (rotated on
        # every refresh), the access tokens issued and their expiry on the fake's clock
        self.oauth_client = oauth_client
        self.refresh_token = oauth_refresh_token
        self.oauth_token_seconds = oauth_token_seconds
        self.access_tokens: dict[str, float] = {}
        self.issued_tokens: list[str] = []  # every access and refresh token the endpoint gave out
        self.hang_seconds = hang_seconds
        self.space_key = space_key
        self.rate_limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self.requests: list[RecordedRequest] = []
        self.counts: Counter[str] = Counter()  # by route kind, plus "unauthorized", "rate_limited", "fault:…"
        self.issues: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = {}
        self.webhooks: dict[str, list[dict]] = {}  # project key → registered webhooks
        self._lock = threading.RLock()
        self._offset = 0.0
        self._windows: dict[str, tuple[float, int]] = {}
        self._faults: list[_Fault] = []
        self._fault_p = 0.0
        self._fault_kinds: tuple[int | str, ...] = ()
        self._rng = random.Random(0)
        self._ids = iter(range(10_000, 10_000_000))
        self.users: dict[int, dict] = {}
        for u in users or (
            {"id": 101, "userId": "i2b-bot", "name": "inspector2backlog", "mailAddress": "bot@example.com"},
            {"id": 102, "userId": "yamada", "name": "山田 太郎", "mailAddress": "yamada@example.com"},
            {"id": 103, "userId": "sato", "name": "佐藤 花子", "mailAddress": "sato@example.com"},
        ):
            self.users[int(u["id"])] = {"roleType": 1, "lang": language, "lastLoginTime": None, **u}
        self.myself_id = next(iter(self.users))
        self.projects: dict[str, _Project] = {}
        self.add_project(
            project_key,
            name=project_name,
            text_formatting_rule=text_formatting_rule,
            issue_types=issue_types,
            categories=categories,
            custom_fields=custom_fields
            if custom_fields is not None
            else ({"name": "Finding ARN", "typeId": 1}, {"name": "影響度", "typeId": 5, "required": False}),
        )
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- setup -------------------------------------------------------------------------------------------------
    def add_project(
        self,
        key: str,
        *,
        name: str | None = None,
        text_formatting_rule: str = "markdown",
        issue_types: Sequence[str] = ("バグ", "タスク"),
        categories: Sequence[str] = (),
        custom_fields: Sequence[dict] = (),
        user_ids: Iterable[int] | None = None,
    ) -> _Project:
        """A project. ``custom_fields`` items: ``{"name", "typeId", "required"?, "applicableIssueTypes"?: [names]}``."""
        with self._lock:
            pid = next(self._ids)
            types = [
                {"id": next(self._ids), "projectId": pid, "name": n, "color": "#7ea800", "displayOrder": i}
                for i, n in enumerate(issue_types)
            ]
            by_name = {t["name"]: t["id"] for t in types}
            fields_ = []
            for i, spec in enumerate(custom_fields):
                fields_.append(
                    {
                        "id": next(self._ids),
                        "typeId": int(spec.get("typeId", 1)),
                        "name": spec["name"],
                        "description": "",
                        "required": bool(spec.get("required", False)),
                        "applicableIssueTypes": [by_name[n] for n in spec.get("applicableIssueTypes", ())],
                        "allowAddItem": False,
                        "items": [
                            {"id": j + 1, "name": it, "displayOrder": j} for j, it in enumerate(spec.get("items", ()))
                        ],
                        "displayOrder": i,
                    }
                )
            project = _Project(
                id=pid,
                key=key,
                name=name or key,
                text_formatting_rule=text_formatting_rule,
                issue_types=types,
                statuses=[
                    {"id": sid, "projectId": pid, "name": n, "color": c, "displayOrder": 1000 * (i + 1)}
                    for i, (sid, n, c) in enumerate(NAMES[self.language]["statuses"])
                ],
                categories=[{"id": next(self._ids), "name": n, "displayOrder": i} for i, n in enumerate(categories)],
                custom_fields=fields_,
                user_ids=list(user_ids) if user_ids is not None else list(self.users),
            )
            self.projects[key] = project
            return project

    @property
    def project(self) -> _Project:
        """The first project."""
        return next(iter(self.projects.values()))

    def custom_field_id(self, name: str, project: str | None = None) -> int:
        p = self.projects[project] if project else self.project
        return next(f["id"] for f in p.custom_fields if f["name"] == name)

    def issue_type_id(self, name: str, project: str | None = None) -> int:
        p = self.projects[project] if project else self.project
        return next(t["id"] for t in p.issue_types if t["name"] == name)

    # ---- clock and rate limits ---------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (rate-limit windows roll over)."""
        with self._lock:
            self._offset += max(0.0, seconds)

    def set_rate_limit(self, bucket: str, limit: int) -> None:
        with self._lock:
            self.rate_limits[bucket] = limit

    def reset_rate_limits(self) -> None:
        with self._lock:
            self._windows.clear()

    def _window(self, bucket: str) -> tuple[float, int]:
        """The bucket's current window: it starts at the first request after the previous one ended (not at a
        minute boundary). No request yet → a window that would start now, unused."""
        now = self.now()
        ws, used = self._windows.get(bucket, (now, 0))
        if now >= ws + RATE_WINDOW_SECONDS:
            ws, used = now, 0
        return ws, used

    def _count_request(self, bucket: str) -> bool:
        """Count one request against ``bucket``; False (not counted) when its budget is spent."""
        ws, used = self._window(bucket)
        if used >= self.rate_limits.get(bucket, 600):
            return False
        self._windows[bucket] = (ws, used + 1)
        return True

    def _rate_headers(self, bucket: str) -> dict[str, str]:
        ws, used = self._window(bucket)
        limit = self.rate_limits.get(bucket, 600)
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - used)),
            "X-RateLimit-Reset": str(int(ws + RATE_WINDOW_SECONDS)),
        }

    # ---- faults ------------------------------------------------------------------------------------------------
    def fail_next(
        self,
        n: int = 1,
        status: int | str = 500,
        *,
        method: str | None = None,
        path: str | None = None,
        apply: bool = False,
        rate_headers: bool = True,
    ) -> None:
        """The next ``n`` matching requests fail: an HTTP status (429 → code 13 + headers, 5xx → code 1),
        ``"timeout"`` (no answer for ``hang_seconds``, then the connection closes) or ``"disconnect"``.
        ``method``/``path`` (a regex searched in the path) narrow which requests; ``apply=True`` processes the request
        before failing (a POST that "timed out" but created the issue); ``rate_headers=False`` sends an injected 429
        without ``X-RateLimit-*`` headers."""
        pattern = re.compile(path) if path else None
        with self._lock:
            self._faults.extend(_Fault(status, method, pattern, apply, rate_headers) for _ in range(n))

    def fail_every(
        self,
        n: int,
        status: int | str = 500,
        *,
        method: str | None = None,
        path: str | None = None,
        apply: bool = False,
        times: int = 1000,
    ) -> None:
        """Every ``n``-th matching request (the n-th, 2n-th, …; up to ``times`` of them) fails as in :meth:`fail_next`."""
        pattern = re.compile(path) if path else None
        with self._lock:
            self._periodic = [_Fault(status, method, pattern, apply), n, 0, times]

    def fault_rate(self, p: float, seed: int = 0, kinds: Sequence[int | str] = (429, 500, 503, "timeout")) -> None:
        """From now on, each request fails with probability ``p`` with one of ``kinds`` (seeded, reproducible)."""
        with self._lock:
            self._fault_p = p
            self._rng = random.Random(seed)
            self._fault_kinds = tuple(kinds)

    def clear_faults(self) -> None:
        with self._lock:
            self._periodic = None
            self._faults.clear()
            self._fault_p = 0.0

    def _next_fault(self, method: str, path: str) -> _Fault | None:
        for i, f in enumerate(self._faults):
            if f.matches(method, path):
                return self._faults.pop(i)
        periodic = self._periodic
        if periodic and periodic[3] > 0 and periodic[0].matches(method, path):
            periodic[2] += 1
            if periodic[2] % periodic[1] == 0:
                periodic[3] -= 1
                return periodic[0]
        if self._fault_p and self._rng.random() < self._fault_p:
            return _Fault(self._rng.choice(self._fault_kinds))
        return None

    # ---- server ------------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeBacklog is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeBacklog:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeBacklog:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- inspection helpers ------------------------------------------------------------------------------------
    def issue(self, id_or_key: str | int) -> dict:
        with self._lock:
            found = self._find_issue(str(id_or_key))
            if found is None:
                raise KeyError(id_or_key)
            return found

    def comments_of(self, id_or_key: str | int) -> list[dict]:
        return list(self.comments.get(self.issue(id_or_key)["id"], []))

    def requests_of(self, kind: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.kind == kind]

    def recorded_text(self) -> str:
        return "\n".join(r.text() for r in self.requests)

    def add_issue(self, summary: str, *, description: str = "", project: str | None = None, **extra: Any) -> dict:
        """Seed an issue directly (no HTTP)."""
        p = self.projects[project] if project else self.project
        with self._lock:
            return self._create_issue(
                p,
                {
                    "summary": summary,
                    "description": description,
                    "issueTypeId": p.issue_types[0]["id"],
                    "priorityId": 3,
                    **extra,
                },
                {},
            )

    # ---- request handling (called from handler threads) --------------------------------------------------------
    def _handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], Any, str]:
        """Returns (status, headers, json body, action) where action is "", "timeout" or "disconnect"."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        form: list[tuple[str, str]] = []
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and ctype == "application/x-www-form-urlencoded":
            form = parse_qsl(body.decode("utf-8", "strict"), keep_blank_values=True)
        rel = path[len("/api/v2/") :] if path.startswith("/api/v2/") else None
        kind, route, args = self._route(method, rel)
        bucket = ("search" if rel in ("issues", "issues/count") else "read") if method == "GET" else "update"
        shown_query = [(k, "***" if k == "apiKey" else v) for k, v in query]
        auth = ""
        if any(k == "apiKey" for k, _ in query):
            auth = "apiKey"
        elif (headers.get("Authorization") or "").startswith("Bearer "):
            auth = "bearer"
        rec = RecordedRequest(method, path, shown_query, form, kind, bucket, auth=auth)

        with self._lock:
            self.requests.append(rec)
            fault = self._next_fault(method, path)
            if fault is not None and not fault.apply:
                return self._fault_reply(rec, fault, bucket)

            if kind == "oauth_token":  # no API authentication, no rate-limit bucket
                rec.form = [(k, "***" if k in ("refresh_token", "client_secret") else v) for k, v in form]
                self.counts[kind] += 1
                rec.status, payload = self._r_oauth_token(form)
                return rec.status, {}, payload, ""

            if not self._authenticated(query, headers):
                self.counts["unauthorized"] += 1
                rec.status = 401
                return (
                    401,
                    self._unauthorized_headers(headers, bucket),
                    _error_body((11, "Authentication failure.", "")),
                    "",
                )

            if not self._count_request(bucket):
                self.counts["rate_limited"] += 1
                rec.status = 429
                return 429, self._rate_headers(bucket), _error_body((13, "Too Many Requests.", "")), ""
            rate_headers = self._rate_headers(bucket)
            self.counts[kind] += 1

            try:
                if route is None:
                    raise _err(404, 6, "No such API.")
                params = [*query, *form]
                self._check_four_byte(params)
                status, payload = route(params, *args)
            except _Reply as reply:
                status, payload = reply.status, _error_body((reply.code, reply.message, reply.more_info))
            rec.status = status
            if fault is not None:  # apply=True: processed, then the answer is lost
                return self._fault_reply(rec, fault, bucket)
            return status, rate_headers, payload, ""

    def _fault_reply(self, rec: RecordedRequest, fault: _Fault, bucket: str) -> tuple[int, dict, Any, str]:
        rec.fault = str(fault.status)
        self.counts[f"fault:{fault.status}"] += 1
        if fault.status in ("timeout", "disconnect"):
            rec.status = 0
            return 0, {}, None, str(fault.status)
        status = int(fault.status)
        rec.status = status
        if status == 429:
            hdrs = self._rate_headers(bucket) if fault.rate_headers else {}
            if hdrs:
                hdrs["X-RateLimit-Remaining"] = "0"
            return 429, hdrs, _error_body((13, "Too Many Requests.", "")), ""
        if status >= 500:
            return status, self._rate_headers(bucket), _error_body((1, "Internal Server Error.", "")), ""
        return status, self._rate_headers(bucket), _error_body((7, "Injected failure.", "")), ""

    def _unauthorized_headers(self, headers: Any, bucket: str) -> dict[str, str]:
        out = self._rate_headers(bucket)
        if (headers.get("Authorization") or "").startswith("Bearer "):
            out["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return out

    def _authenticated(self, query: list[tuple[str, str]], headers: Any) -> bool:
        keys = [v for k, v in query if k == "apiKey"]
        if keys:
            return keys[-1] == self.api_key
        auth = headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return False
        token = auth[len("Bearer ") :]
        if self.oauth_token and token == self.oauth_token:
            return True
        return self.access_tokens.get(token, 0.0) > self.now()

    def _r_oauth_token(self, form: list[tuple[str, str]]) -> tuple[int, dict]:
        """``grant_type=refresh_token``: a new access token for ``oauth_token_seconds`` and a new refresh token (the
        old one stops working). OAuth 2.0 error bodies (``{"error": …}``) otherwise."""
        one = lambda n: self._one(form, n)  # noqa: E731
        if self.oauth_client is None or (one("client_id"), one("client_secret")) != self.oauth_client:
            return 401, {"error": "invalid_client"}
        if one("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if not self.refresh_token or one("refresh_token") != self.refresh_token:
            self.counts["oauth_invalid_grant"] += 1
            return 400, {"error": "invalid_grant"}
        access = f"fake-access-{secrets.token_hex(12)}"
        self.refresh_token = f"fake-refresh-{secrets.token_hex(12)}"
        self.access_tokens[access] = self.now() + self.oauth_token_seconds
        self.issued_tokens += [access, self.refresh_token]
        seconds = self.oauth_token_seconds
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": self.refresh_token,
            "expires_in": int(seconds) if float(seconds).is_integer() else seconds,
        }

    @staticmethod
    def _check_four_byte(params: list[tuple[str, str]]) -> None:
        for k, v in params:
            if any(ord(ch) > 0xFFFF for ch in v):
                raise _err(400, 7, "Incorrect String value.", k)

    # ---- routing -----------------------------------------------------------------------------------------------
    _ROUTES: ClassVar[list[tuple[str, re.Pattern[str], str, str]]] = [
        ("POST", re.compile(r"oauth2/token"), "oauth_token", "_r_oauth_token"),
        ("GET", re.compile(r"space"), "space", "_r_space"),
        ("GET", re.compile(r"users/myself"), "myself", "_r_myself"),
        ("GET", re.compile(r"rateLimit"), "rate_limit", "_r_rate_limit"),
        ("GET", re.compile(r"priorities"), "priorities", "_r_priorities"),
        ("GET", re.compile(r"resolutions"), "resolutions", "_r_resolutions"),
        ("GET", re.compile(r"projects/([^/]+)"), "get_project", "_r_project"),
        ("GET", re.compile(r"projects/([^/]+)/issueTypes"), "issue_types", "_r_issue_types"),
        ("GET", re.compile(r"projects/([^/]+)/statuses"), "statuses", "_r_statuses"),
        ("GET", re.compile(r"projects/([^/]+)/categories"), "categories", "_r_categories"),
        ("GET", re.compile(r"projects/([^/]+)/customFields"), "custom_fields", "_r_custom_fields"),
        ("GET", re.compile(r"projects/([^/]+)/users"), "project_users", "_r_project_users"),
        ("GET", re.compile(r"projects/([^/]+)/webhooks"), "list_webhooks", "_r_list_webhooks"),
        ("POST", re.compile(r"projects/([^/]+)/webhooks"), "add_webhook", "_r_add_webhook"),
        ("POST", re.compile(r"issues"), "create_issue", "_r_create_issue"),
        ("GET", re.compile(r"issues"), "list_issues", "_r_list_issues"),
        ("GET", re.compile(r"issues/count"), "count_issues", "_r_count_issues"),
        ("GET", re.compile(r"issues/([^/]+)"), "get_issue", "_r_get_issue"),
        ("PATCH", re.compile(r"issues/([^/]+)"), "update_issue", "_r_update_issue"),
        ("DELETE", re.compile(r"issues/([^/]+)"), "delete_issue", "_r_delete_issue"),
        ("POST", re.compile(r"issues/([^/]+)/comments"), "add_comment", "_r_add_comment"),
        ("GET", re.compile(r"issues/([^/]+)/comments"), "list_comments", "_r_list_comments"),
    ]

    def _route(self, method: str, rel: str | None) -> tuple[str, Callable | None, tuple]:
        if rel is None:
            return "unknown", None, ()
        for m, pattern, kind, attr in self._ROUTES:
            match = pattern.fullmatch(rel)
            if match and m == method:
                return kind, getattr(self, attr), match.groups()
        return "unknown", None, ()

    # ---- helpers -----------------------------------------------------------------------------------------------
    def _iso(self, ts: float | None = None) -> str:
        return dt.datetime.fromtimestamp(ts if ts is not None else self.now(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _user(self, uid: int) -> dict:
        u = self.users[uid]
        return {k: u.get(k) for k in ("id", "userId", "name", "roleType", "lang", "mailAddress")}

    def _find_project(self, key_or_id: str) -> _Project:
        for p in self.projects.values():
            if p.key == key_or_id or str(p.id) == key_or_id:
                return p
        raise _err(404, 6, "No project.", key_or_id)

    def _find_issue(self, id_or_key: str) -> dict | None:
        if id_or_key.isdigit():
            return self.issues.get(int(id_or_key))
        return next((i for i in self.issues.values() if i["issueKey"] == id_or_key), None)

    def _issue_or_404(self, id_or_key: str) -> dict:
        found = self._find_issue(id_or_key)
        if found is None:
            raise _err(404, 6, "No issue.", id_or_key)
        return found

    @staticmethod
    def _one(params: list[tuple[str, str]], name: str) -> str | None:
        values = [v for k, v in params if k == name]
        return values[-1] if values else None

    @staticmethod
    def _many(params: list[tuple[str, str]], name: str) -> list[str]:
        return [v for k, v in params if k == f"{name}[]"]

    @staticmethod
    def _int(value: str, name: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise _err(400, 7, f"Invalid value for {name}.", name) from None

    @staticmethod
    def _date(value: str, name: str) -> str:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise _err(400, 7, f"Invalid date format for {name} (yyyy-MM-dd).", name) from None
        return value

    def _custom_values(self, p: _Project, params: list[tuple[str, str]]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for k, v in params:
            m = re.fullmatch(r"customField_(\d+)(?:\[(\d*)\])?", k)
            if not m:
                continue
            fid = int(m.group(1))
            if not any(f["id"] == fid for f in p.custom_fields):
                raise _err(400, 7, f"No such custom field: {fid}.", k)
            out.setdefault(fid, []).append(v)
        return out

    # ---- routes: space/project ---------------------------------------------------------------------------------
    def _r_space(self, params):
        return 200, {
            "spaceKey": self.space_key,
            "name": "Fake Space",
            "ownerId": self.myself_id,
            "lang": self.language,
            "timezone": "Asia/Tokyo",
            "textFormattingRule": self.project.text_formatting_rule,
            "created": "2020-01-01T00:00:00Z",
            "updated": "2020-01-01T00:00:00Z",
        }

    def _r_myself(self, params):
        return 200, self._user(self.myself_id)

    def _r_rate_limit(self, params):
        out = {}
        for bucket in ("read", "update", "search", "icon"):
            h = self._rate_headers(bucket)
            out[bucket] = {
                "limit": int(h["X-RateLimit-Limit"]),
                "remaining": int(h["X-RateLimit-Remaining"]),
                "reset": int(h["X-RateLimit-Reset"]),
            }
        return 200, {"rateLimit": out}

    def _r_priorities(self, params):
        return 200, self.priorities

    def _r_resolutions(self, params):
        return 200, self.resolutions

    def _r_project(self, params, key):
        return 200, self._find_project(key).json()

    def _r_issue_types(self, params, key):
        return 200, self._find_project(key).issue_types

    def _r_statuses(self, params, key):
        return 200, self._find_project(key).statuses

    def _r_categories(self, params, key):
        return 200, self._find_project(key).categories

    def _r_custom_fields(self, params, key):
        return 200, self._find_project(key).custom_fields

    def _r_project_users(self, params, key):
        return 200, [self._user(uid) for uid in self._find_project(key).user_ids]

    # ---- routes: issues ----------------------------------------------------------------------------------------
    def _check_text(self, params: list[tuple[str, str]]) -> None:
        for name, limit in (
            ("summary", SUMMARY_MAX),
            ("description", DESCRIPTION_MAX),
            ("comment", COMMENT_MAX),
            ("content", COMMENT_MAX),
        ):
            v = self._one(params, name)
            if v is not None and len(v) > limit:
                raise _err(400, 7, f"{name} is too long (max {limit}).", name)

    def _r_create_issue(self, params):
        missing = [n for n in ("projectId", "summary", "issueTypeId", "priorityId") if not self._one(params, n)]
        if missing:
            raise _Reply(400, 7, "Please input a value: " + ", ".join(missing) + ".", ",".join(missing))
        self._check_text(params)
        p = self._find_project_for_issue(self._one(params, "projectId"))
        return 201, self._create_issue(p, dict(params), self._custom_values(p, params), params)

    def _find_project_for_issue(self, pid: str) -> _Project:
        pid_i = self._int(pid, "projectId")
        p = next((x for x in self.projects.values() if x.id == pid_i), None)
        if p is None:
            raise _err(400, 7, "No such project.", "projectId")
        return p

    def _create_issue(
        self, p: _Project, single: dict, custom: dict[int, list[str]], params: list | None = None
    ) -> dict:
        params = params or []
        type_id = self._int(str(single["issueTypeId"]), "issueTypeId")
        issue_type = next((t for t in p.issue_types if t["id"] == type_id), None)
        if issue_type is None:
            raise _err(400, 7, "No such issue type.", "issueTypeId")
        priority = self._priority(str(single["priorityId"]))
        for f in p.custom_fields:
            applies = not f["applicableIssueTypes"] or type_id in f["applicableIssueTypes"]
            if f["required"] and applies and not any(v.strip() for v in custom.get(f["id"], [])):
                raise _err(
                    400, 7, f'Please input a value for the custom field "{f["name"]}".', f"customField_{f['id']}"
                )
        now = self._iso()
        iid = next(self._ids)
        key_id = p.next_key_id
        p.next_key_id += 1
        me = self._user(self.myself_id)
        issue = {
            "id": iid,
            "projectId": p.id,
            "issueKey": f"{p.key}-{key_id}",
            "keyId": key_id,
            "issueType": issue_type,
            "summary": str(single["summary"]),
            "description": str(single.get("description") or ""),
            "resolution": None,
            "priority": priority,
            "status": p.statuses[0],
            "assignee": None,
            "category": [],
            "versions": [],
            "milestone": [],
            "startDate": None,
            "dueDate": None,
            "estimatedHours": None,
            "actualHours": None,
            "parentIssueId": None,
            "createdUser": me,
            "created": now,
            "updatedUser": me,
            "updated": now,
            "customFields": [
                {"id": f["id"], "fieldTypeId": f["typeId"], "name": f["name"], "value": None} for f in p.custom_fields
            ],
            "attachments": [],
            "sharedFiles": [],
            "stars": [],
        }
        self._apply_common(p, issue, params, custom)
        if not issue["summary"].strip():
            raise _err(400, 7, "Please input a value: summary.", "summary")
        self.issues[iid] = issue
        self.comments[iid] = []
        self._reindex(issue)
        return issue

    def _priority(self, value: str) -> dict:
        pid = self._int(value, "priorityId")
        found = next((x for x in self.priorities if x["id"] == pid), None)
        if found is None:
            raise _err(400, 7, "No such priority.", "priorityId")
        return found

    def _apply_common(
        self, p: _Project, issue: dict, params: list[tuple[str, str]], custom: dict[int, list[str]]
    ) -> None:
        one = lambda n: self._one(params, n)  # noqa: E731
        if one("summary") is not None:
            issue["summary"] = one("summary")
        if one("description") is not None:
            issue["description"] = one("description")
        if one("priorityId") is not None:
            issue["priority"] = self._priority(one("priorityId"))
        if one("issueTypeId") is not None:
            tid = self._int(one("issueTypeId"), "issueTypeId")
            t = next((t for t in p.issue_types if t["id"] == tid), None)
            if t is None:
                raise _err(400, 7, "No such issue type.", "issueTypeId")
            issue["issueType"] = t
        if one("assigneeId") is not None:
            uid = self._int(one("assigneeId"), "assigneeId")
            if uid not in p.user_ids:
                raise _err(400, 7, "The assignee is not a member of the project.", "assigneeId")
            issue["assignee"] = self._user(uid)
        cats = self._many(params, "categoryId")
        if cats:
            chosen = []
            for c in cats:
                cid = self._int(c, "categoryId[]")
                cat = next((x for x in p.categories if x["id"] == cid), None)
                if cat is None:
                    raise _err(400, 7, "No such category.", "categoryId[]")
                chosen.append(cat)
            issue["category"] = chosen
        for name in ("startDate", "dueDate"):
            if one(name) is not None:
                issue[name] = self._date(one(name), name) + "T00:00:00Z" if one(name) else None
        for uid in self._many(params, "notifiedUserId"):
            if self._int(uid, "notifiedUserId[]") not in p.user_ids:
                raise _err(400, 7, "A notified user is not a member of the project.", "notifiedUserId[]")
        for fid, values in custom.items():
            for cf in issue["customFields"]:
                if cf["id"] == fid:
                    cf["value"] = values[0] if len(values) == 1 else values

    def _r_list_issues(self, params):
        count = self._int(self._one(params, "count") or "20", "count")
        offset = self._int(self._one(params, "offset") or "0", "offset")
        if not 1 <= count <= 100:
            raise _err(400, 7, "count must be between 1 and 100.", "count")
        found = self._search(params)
        sort = self._one(params, "sort") or "created"
        key = {"created": "id", "updated": "updated", "id": "id"}.get(sort, "id")
        found.sort(key=lambda i: (i[key], i["id"]), reverse=(self._one(params, "order") or "desc") == "desc")
        return 200, found[offset : offset + count]

    def _r_count_issues(self, params):
        return 200, {"count": len(self._search(params))}

    def _search(self, params: list[tuple[str, str]]) -> list[dict]:
        """The issues matching ``params``, judged on what the search index holds (see ``search_lag``); the answer
        carries each issue's current content, as Backlog's does."""
        keyword = self._one(params, "keyword")
        custom = [(int(m.group(1)), v) for k, v in params if (m := re.fullmatch(r"customField_(\d+)", k))]
        indexed = bool(keyword or custom) or self.lag_every_list
        wanted = []
        for name, path in (
            ("projectId", ("projectId",)),
            ("statusId", ("status", "id")),
            ("issueTypeId", ("issueType", "id")),
            ("priorityId", ("priority", "id")),
            ("createdUserId", ("createdUser", "id")),
            ("id", ("id",)),
        ):
            ids = {self._int(v, f"{name}[]") for v in self._many(params, name)}
            if ids:
                wanted.append((path, ids))
        dates = []
        for name, field_, since in (
            ("createdSince", "created", True),
            ("createdUntil", "created", False),
            ("updatedSince", "updated", True),
            ("updatedUntil", "updated", False),
        ):
            value = self._one(params, name)
            if value:
                dates.append((field_, self._date(value, name), since))
        words = _words(keyword) if keyword and self.strict else None
        now = self.now()
        found = []
        for issue in self.issues.values():
            seen = self._seen(issue, now) if indexed else issue
            if seen is None:
                continue
            if any(_get(seen, path) not in ids for path, ids in wanted):
                continue
            if any(seen[f][:10] < d if since else seen[f][:10] > d for f, d, since in dates):
                continue
            if keyword:
                text = seen["summary"] + "\n" + seen["description"]
                if words is not None:
                    if not words <= _words(text):
                        continue
                elif keyword.casefold() not in text.casefold():
                    continue
            if custom and not all(self._custom_match(seen, fid, v) for fid, v in custom):
                continue
            found.append(issue)
        return found

    def _custom_match(self, issue: dict, fid: int, value: str) -> bool:
        for cf in issue["customFields"]:
            if cf["id"] == fid and cf["value"] is not None:
                have = str(cf["value"])
                return _words(value) <= _words(have) if self.strict else value in have
        return False

    def _reindex(self, issue: dict) -> None:
        """Hand the issue's current content to the (lagging) index."""
        if not self.search_lag:
            return
        versions = self._indexed.setdefault(issue["id"], [])
        now = self.now()
        while len(versions) > 1 and versions[1][0] <= now:  # keep the newest visible version and what follows
            versions.pop(0)
        versions.append((now + self.search_lag, json.loads(json.dumps(issue))))

    def _seen(self, issue: dict, now: float) -> dict | None:
        """The version of ``issue`` searches see at ``now`` (``None``: not in the index yet)."""
        if not self.search_lag:
            return issue
        shown = None
        for visible_from, version in self._indexed.get(issue["id"], ()):
            if visible_from <= now:
                shown = version
        return shown

    def _r_get_issue(self, params, key):
        return 200, self._issue_or_404(key)

    def _r_delete_issue(self, params, key):
        issue = self._issue_or_404(key)
        del self.issues[issue["id"]]
        return 200, issue

    def _r_update_issue(self, params, key):
        issue = self._issue_or_404(key)
        p = self._find_project(str(issue["projectId"]))
        self._check_text(params)
        if self._one(params, "summary") is not None and not self._one(params, "summary").strip():
            raise _err(400, 7, "Please input a value: summary.", "summary")
        changes = []
        status = self._one(params, "statusId")
        if status is not None:
            sid = self._int(status, "statusId")
            new = next((s for s in p.statuses if s["id"] == sid), None)
            if new is None:
                raise _err(400, 7, "No such status.", "statusId")
        resolution = self._one(params, "resolutionId")
        if resolution is not None and resolution != "":
            rid = self._int(resolution, "resolutionId")
            if not any(r["id"] == rid for r in self.resolutions):
                raise _err(400, 7, "No such resolution.", "resolutionId")
        custom = self._custom_values(p, params)
        before = json.loads(json.dumps(issue))
        self._apply_common(p, issue, params, custom)
        if status is not None:
            issue["status"] = new
        if resolution is not None:
            issue["resolution"] = (
                next(r for r in self.resolutions if r["id"] == int(resolution)) if resolution != "" else None
            )
        for fld in ("status", "resolution", "priority", "summary", "description", "assignee"):
            if before[fld] != issue[fld]:
                changes.append({"field": fld, "originalValue": _label(before[fld]), "newValue": _label(issue[fld])})
        issue["updated"] = self._iso()
        issue["updatedUser"] = self._user(self.myself_id)
        self._reindex(issue)
        comment = self._one(params, "comment")
        if comment or changes:
            self._add_comment(issue, comment or "", self._many(params, "notifiedUserId"), changes)
        return 200, issue

    def _add_comment(self, issue: dict, content: str, notified: list[str], changes: list | None = None) -> dict:
        now = self._iso()
        comment = {
            "id": next(self._ids),
            "content": content or None,
            "changeLog": changes or [],
            "createdUser": self._user(self.myself_id),
            "created": now,
            "updated": now,
            "stars": [],
            "notifications": [
                {"id": i, "user": self._user(int(u)), "alreadyRead": False, "reason": 2}
                for i, u in enumerate(notified)
                if int(u) in self.users
            ],
        }
        self.comments.setdefault(issue["id"], []).append(comment)
        return comment

    def _r_add_comment(self, params, key):
        issue = self._issue_or_404(key)
        content = self._one(params, "content")
        if not content:
            raise _err(400, 7, "Please input a value: content.", "content")
        self._check_text(params)
        p = self._find_project(str(issue["projectId"]))
        for uid in self._many(params, "notifiedUserId"):
            if self._int(uid, "notifiedUserId[]") not in p.user_ids:
                raise _err(400, 7, "A notified user is not a member of the project.", "notifiedUserId[]")
        issue["updated"] = self._iso()
        return 201, self._add_comment(issue, content, self._many(params, "notifiedUserId"))

    def _r_list_comments(self, params, key):
        issue = self._issue_or_404(key)
        items = list(self.comments.get(issue["id"], []))
        if (self._one(params, "order") or "desc") == "desc":
            items.reverse()
        return 200, items[: self._int(self._one(params, "count") or "20", "count")]

    # ---- webhooks (two-way) ------------------------------------------------------------------------------------
    def _r_list_webhooks(self, params, key):
        return 200, list(self.webhooks.get(self._find_project(key).key, []))

    def _r_add_webhook(self, params, key):
        p = self._find_project(key)
        name, url = self._one(params, "name"), self._one(params, "hookUrl")
        if not name or not url:
            raise _err(400, 7, "Please input a value: name, hookUrl.", "name")
        hook = {
            "id": next(self._ids),
            "name": name,
            "description": self._one(params, "description") or "",
            "hookUrl": url,
            "allEvent": (self._one(params, "allEvent") or "false") == "true",
            "activityTypeIds": [self._int(v, "activityTypeIds[]") for v in self._many(params, "activityTypeIds")],
            "createdUser": self._user(self.myself_id),
            "created": self._iso(),
        }
        self.webhooks.setdefault(p.key, []).append(hook)
        return 201, hook

    def user_changes(
        self,
        id_or_key: str | int,
        *,
        status: str | None = None,
        resolution: str | None = "",
        by: int = 102,
        comment: str = "",
    ) -> dict:
        """A person changes the issue in Backlog's UI (status / resolution by name; ``None`` resolution clears it).
        Returns the webhook payload Backlog would send (type 2, issue updated)."""
        with self._lock:
            issue = self.issue(id_or_key)
            p = self._find_project(str(issue["projectId"]))
            changes = []
            if status is not None:
                new = next(s_ for s_ in p.statuses if s_["name"] == status)
                changes.append(
                    {
                        "field": "status",
                        "new_value": str(new["id"]),
                        "old_value": str(issue["status"]["id"]),
                        "type": "standard",
                    }
                )
                issue["status"] = new
            if resolution != "":
                new_r = next((r for r in self.resolutions if r["name"] == resolution), None) if resolution else None
                old = issue["resolution"]
                changes.append(
                    {
                        "field": "resolution",
                        "new_value": str(new_r["id"]) if new_r else "",
                        "old_value": str(old["id"]) if old else "",
                        "type": "standard",
                    }
                )
                issue["resolution"] = new_r
            issue["updated"] = self._iso()
            issue["updatedUser"] = self._user(by)
            self._add_comment(
                issue,
                comment,
                [],
                [{"field": c["field"], "newValue": c["new_value"], "originalValue": c["old_value"]} for c in changes],
            )
            return self.webhook_payload(issue, changes, by=by)

    def webhook_payload(self, issue: dict, changes: list[dict] | None = None, *, type_: int = 2, by: int = 102) -> dict:
        """The documented payload shape: ``{id, type, project, content{…}, createdUser, created}``."""
        p = self._find_project(str(issue["projectId"]))
        return {
            "id": next(self._ids),
            "type": type_,
            "project": p.json(),
            "content": {
                "id": issue["id"],
                "key_id": issue["keyId"],
                "summary": issue["summary"],
                "description": issue["description"],
                "comment": None,
                "changes": changes or [],
                "customFields": issue["customFields"],
            },
            "createdUser": self._user(by),
            "created": self._iso(),
        }


def send_webhook(url: str, payload: Any, *, timeout: float = 30.0, raw: bytes | None = None) -> tuple[int, str]:
    """POST ``payload`` (JSON) to ``url`` as Backlog does; returns ``(status, body)`` (errors are answers too)."""
    import urllib.error
    import urllib.request

    data = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback in tests
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def _words(text: str) -> set[str]:
    """Words as a search index splits them: runs of letters and digits, case-folded."""
    return set(re.findall(r"[^\W_]+", text.casefold()))


def _get(issue: dict, path: tuple[str, ...]) -> Any:
    for p in path:
        issue = issue[p]
    return issue


def _label(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("name")
    return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeBacklog/1.0"

    def setup(self) -> None:
        super().setup()
        # headers and body leave in one segment; no Nagle/delayed-ACK stalls of ~40 ms per request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep the test output clean
        pass

    def _serve(self) -> None:
        fake: FakeBacklog = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with fake._lock:
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            if fake.latency:
                time.sleep(fake.latency)
            status, headers, payload, action = fake._handle(self.command, self.path, self.headers, body)
        finally:
            with fake._lock:
                fake.in_flight -= 1
        if action == "timeout":
            time.sleep(fake.hang_seconds)
            self.close_connection = True
            return
        if action == "disconnect":
            self.close_connection = True
            return
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self._headers_buffer.append(b"\r\n")  # end_headers() without its flush: one write for headers + body
        self._headers_buffer.append(data)
        self.flush_headers()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve


# ---- the pytest fixture, created on first access so that importing this module never imports pytest ---------------

_fixture: Any = None


def __getattr__(name: str) -> Any:
    global _fixture
    if name == "fake_backlog":
        if _fixture is None:
            import pytest

            @pytest.fixture
            def fake_backlog():
                """A started :class:`FakeBacklog` with the default project SEC."""
                with FakeBacklog() as fake:
                    yield fake

            _fixture = fake_backlog
        return _fixture
    raise AttributeError(name)
