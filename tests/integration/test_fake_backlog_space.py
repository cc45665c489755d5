"""The fake Backlog behaves like a real space where it matters: rate-limit windows that start at a bucket's first
request, ``X-RateLimit-*`` on every answer (401 and injected faults included), names in the API user's language."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.backlog_server import FakeBacklog

RATE = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def get(fake: FakeBacklog, path: str, key: str | None = None, **kw) -> httpx.Response:
    return httpx.get(f"{fake.url}/api/v2/{path}", params={"apiKey": key or fake.api_key}, timeout=5, **kw)


def test_the_window_starts_at_the_first_request_not_at_a_minute_boundary():
    with FakeBacklog(rate_limits={"read": 3}) as fake:
        fake.advance((30 - fake.now() % 60) % 60)  # half-way through a clock minute
        first = fake.now()
        r = get(fake, "space")
        assert r.headers["X-RateLimit-Remaining"] == "2"
        assert int(first) + 59 <= int(r.headers["X-RateLimit-Reset"]) <= int(fake.now()) + 60
        fake.advance(45)  # past the clock minute, still inside the window
        assert get(fake, "space").headers["X-RateLimit-Remaining"] == "1"
        get(fake, "space")
        limited = get(fake, "space")
        assert limited.status_code == 429 and limited.headers["X-RateLimit-Remaining"] == "0"
        fake.advance(15)  # 60 s after the first request: a new window, starting now
        again = fake.now()
        r = get(fake, "space")
        assert r.status_code == 200 and r.headers["X-RateLimit-Remaining"] == "2"
        assert int(again) + 59 <= int(r.headers["X-RateLimit-Reset"]) <= int(fake.now()) + 60


@pytest.mark.parametrize("fault", [500, 503, 400, 429])
def test_injected_faults_carry_the_rate_limit_headers(fault):
    with FakeBacklog() as fake:
        fake.fail_next(1, fault)
        r = get(fake, "space")
        assert r.status_code == fault and all(h in r.headers for h in RATE), r.headers


def test_401_and_errors_carry_the_rate_limit_headers():
    with FakeBacklog(oauth_token="good-token") as fake:
        r = get(fake, "space", key="wrong-key-123456")
        assert r.status_code == 401 and all(h in r.headers for h in RATE)
        assert "WWW-Authenticate" not in r.headers  # an API key, not a bearer token
        r = httpx.get(f"{fake.url}/api/v2/space", headers={"Authorization": "Bearer stale"}, timeout=5)
        assert r.status_code == 401 and all(h in r.headers for h in RATE)
        assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        r = get(fake, "issues/NOPE-1")
        assert r.status_code == 404 and all(h in r.headers for h in RATE)


@pytest.mark.parametrize(
    "language, names",
    [
        (
            "en",
            (
                ["Open", "In Progress", "Resolved", "Closed"],
                ["High", "Normal", "Low"],
                ["Fixed", "Won't Fix", "Invalid", "Duplicate", "Cannot Reproduce"],
            ),
        ),
        (
            "ja",
            (
                ["未対応", "処理中", "処理済み", "完了"],
                ["高", "中", "低"],
                ["対応済み", "対応しない", "無効", "重複", "再現しない"],
            ),
        ),
    ],
)
def test_default_names_follow_the_api_users_language(language, names):
    with FakeBacklog(language=language) as fake:
        assert get(fake, "users/myself").json()["lang"] == language
        statuses = get(fake, "projects/SEC/statuses").json()
        assert [(s["id"], s["name"]) for s in statuses] == list(zip([1, 2, 3, 4], names[0], strict=True))
        assert [(p["id"], p["name"]) for p in get(fake, "priorities").json()] == list(
            zip([2, 3, 4], names[1], strict=True)
        )
        assert [(r["id"], r["name"]) for r in get(fake, "resolutions").json()] == list(
            zip(range(5), names[2], strict=True)
        )
