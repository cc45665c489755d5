"""The Backlog client driven over real loopback HTTP against the fake Backlog (tests/fakes/backlog_server.py)."""

from __future__ import annotations

import logging
import threading
import traceback

import httpx
import pytest

from inspector2backlog.backlog import BacklogClient, ConfigLookupError, ProjectContext, encode_params, redact
from inspector2backlog.backlog.errors import (
    AuthenticationError,
    BacklogTimeoutError,
    BacklogTransportError,
    InternalError,
    InvalidRequestError,
    NoResourceError,
    ServerError,
    TooManyRequestsError,
    install_log_redaction,
)
from inspector2backlog.deliver.backlog import BacklogSink
from inspector2backlog.deliver.base import IssueRef
from inspector2backlog.deliver.paced import PacedSink
from inspector2backlog.render.doc import Para
from tests.fakes.backlog_server import DEFAULT_API_KEY, FakeBacklog, fake_backlog  # noqa: F401

FAST = httpx.Timeout(0.4, connect=0.5)


class Sleeper:
    """An injected ``sleep``: records waits and moves the fake's clock instead of sleeping."""

    def __init__(self, fake: FakeBacklog | None = None) -> None:
        self.waits: list[float] = []
        self.fake = fake

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.fake is not None:
            self.fake.advance(seconds)


def make_client(fake: FakeBacklog, **kw) -> BacklogClient:
    kw.setdefault("sleep", Sleeper(fake))
    kw.setdefault("clock", fake.now)
    kw.setdefault("timeout", FAST)
    return BacklogClient(fake.url, api_key=kw.pop("api_key", fake.api_key), **kw)


def issue_params(fake: FakeBacklog, **extra) -> dict:
    return {
        "projectId": fake.project.id,
        "summary": "CVE-2024-0001 の脆弱性",
        "issueTypeId": fake.issue_type_id("脆弱性"),
        "priorityId": 2,
        **extra,
    }


# ---- endpoints ------------------------------------------------------------------------------------------------


def test_every_read_endpoint(fake_backlog: FakeBacklog) -> None:
    c = make_client(fake_backlog)
    assert c.space()["spaceKey"] == "fakespace"
    assert c.myself()["userId"] == "i2b-bot"
    limits = c.rate_limit()["rateLimit"]
    assert limits["update"]["limit"] == 150 and limits["search"]["limit"] == 150
    assert set(c.rate_limit_state) >= {"read", "update", "search"}
    assert [p["name"] for p in c.priorities()] == ["高", "中", "低"]
    assert [r["id"] for r in c.resolutions()] == [0, 1, 2, 3, 4]
    project = c.project("SEC")
    assert project["projectKey"] == "SEC" and project["textFormattingRule"] == "markdown"
    pid = project["id"]
    assert c.project(pid)["projectKey"] == "SEC"
    assert [t["name"] for t in c.issue_types(pid)] == ["バグ", "タスク", "脆弱性"]
    assert [s["name"] for s in c.statuses("SEC")] == ["未対応", "処理中", "処理済み", "完了"]
    assert [x["name"] for x in c.categories(pid)] == ["AWS", "アプリ"]
    assert [f["name"] for f in c.custom_fields(pid)] == ["Finding ARN", "影響度"]
    assert [u["userId"] for u in c.project_users(pid)] == ["i2b-bot", "yamada", "sato"]
    assert fake_backlog.counts["get_project"] == 2 and fake_backlog.counts["statuses"] == 1


def test_create_issue_encodes_lists_and_custom_fields(fake_backlog: FakeBacklog) -> None:
    fake = fake_backlog
    fake.add_project("MULTI", custom_fields=[{"name": "環境", "typeId": 6, "items": ["prod", "dev"]}])
    c = make_client(fake)
    arn_field = fake.custom_field_id("Finding ARN")
    cats = [x["id"] for x in fake.project.categories]
    issue = c.create_issue(
        issue_params(
            fake,
            description="説明 & 詳細 = 100%",
            categoryId=cats,  # no [] in the key: added by the client
            **{
                "notifiedUserId[]": [102, 103],
                f"customField_{arn_field}": "arn:aws:inspector2:ap-northeast-1:1:finding/x",
            },
            dueDate="2030-01-31",
            assigneeId=None,  # None is left out
        )
    )
    assert issue["issueKey"] == "SEC-1" and issue["status"]["name"] == "未対応"
    form = fake.requests_of("create_issue")[0].form
    assert form.count(("categoryId[]", str(cats[0]))) == 1 and ("categoryId[]", str(cats[1])) in form
    assert [v for k, v in form if k == "notifiedUserId[]"] == ["102", "103"]
    assert ("description", "説明 & 詳細 = 100%") in form
    assert not any(k == "assigneeId" for k, _ in form)
    stored = fake.issue("SEC-1")
    assert stored["dueDate"].startswith("2030-01-31")
    assert [c_["name"] for c_ in stored["category"]] == ["AWS", "アプリ"]
    assert next(f for f in stored["customFields"] if f["id"] == arn_field)["value"].startswith("arn:aws:inspector2")
    assert c.create_issue(issue_params(fake))["issueKey"] == "SEC-2"

    multi = fake.projects["MULTI"]
    env_field = multi.custom_fields[0]["id"]
    c.create_issue(
        {
            "projectId": multi.id,
            "summary": "x",
            "issueTypeId": multi.issue_types[0]["id"],
            "priorityId": 3,
            f"customField_{env_field}": ["prod", "dev"],
        }
    )
    form = fake.requests_of("create_issue")[-1].form
    assert (f"customField_{env_field}[0]", "prod") in form and (f"customField_{env_field}[1]", "dev") in form
    assert fake.issue("MULTI-1")["customFields"][0]["value"] == ["prod", "dev"]


def test_encode_params_rules() -> None:
    assert encode_params(
        {"a": [1, 2], "b[]": ("x",), "customField_9": ["p", "q"], "n": None, "t": True, "f": False}
    ) == [
        ("a[]", "1"),
        ("a[]", "2"),
        ("b[]", "x"),
        ("customField_9[0]", "p"),
        ("customField_9[1]", "q"),
        ("t", "true"),
        ("f", "false"),
    ]
    assert encode_params(None) == []


def test_update_get_list_count_and_comments(fake_backlog: FakeBacklog) -> None:
    fake = fake_backlog
    c = make_client(fake)
    arn_field = fake.custom_field_id("Finding ARN")
    first = c.create_issue(
        issue_params(fake, description="marker: i2b:abc123", **{f"customField_{arn_field}": "arn:1"})
    )
    c.create_issue(
        issue_params(fake, summary="別の課題", description="nothing", **{f"customField_{arn_field}": "arn:2"})
    )

    assert c.get_issue("SEC-1")["id"] == first["id"]
    assert c.get_issue(first["id"])["issueKey"] == "SEC-1"
    found = c.list_issues({"projectId": [fake.project.id], "keyword": "i2b:abc123"})
    assert [i["issueKey"] for i in found] == ["SEC-1"]
    assert [i["issueKey"] for i in c.list_issues({f"customField_{arn_field}": "arn:2"})] == ["SEC-2"]
    assert c.count_issues({"projectId[]": [fake.project.id]}) == 2
    assert c.count_issues({"statusId": [4]}) == 0

    updated = c.update_issue("SEC-1", {"statusId": 4, "resolutionId": 0, "comment": "Inspector で CLOSED になりました"})
    assert (updated["issueKey"], updated["status"]["id"], updated["status"]["name"], updated["resolution"]["id"]) == (
        "SEC-1",
        4,
        "完了",
        0,
    )
    comments = fake.comments_of("SEC-1")
    assert comments[-1]["content"] == "Inspector で CLOSED になりました"
    assert {ch["field"] for ch in comments[-1]["changeLog"]} >= {"status", "resolution"}
    assert c.count_issues({"statusId": [4]}) == 1

    comment = c.add_comment("SEC-2", "再検出されました", notified_user_ids=[102])
    assert comment["content"] == "再検出されました"
    assert fake.requests_of("add_comment")[0].params("notifiedUserId[]") == ["102"]
    assert [x["content"] for x in c.list_comments("SEC-2")] == ["再検出されました"]


def test_oauth_bearer_token_instead_of_api_key() -> None:
    with FakeBacklog(oauth_token="oauth-token-abcdefgh") as fake:
        c = BacklogClient(fake.url, oauth_token="oauth-token-abcdefgh", timeout=FAST)
        assert c.myself()["userId"] == "i2b-bot"
        rec = fake.requests[-1]
        assert rec.auth == "bearer" and not any(k == "apiKey" for k, _ in rec.query)
        bad = BacklogClient(fake.url, oauth_token="wrong-token-xyz", timeout=FAST)
        with pytest.raises(AuthenticationError):
            bad.myself()


# ---- error typing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "status", "needle"),
    [
        (lambda c, f: c.get_issue("SEC-999"), NoResourceError, 404, "No issue"),
        (lambda c, f: c.project("NOPE"), NoResourceError, 404, "No project"),
        (lambda c, f: c.create_issue({"summary": "x"}), InvalidRequestError, 400, "projectId"),
        (lambda c, f: c.create_issue(issue_params(f, summary="あ" * 256)), InvalidRequestError, 400, "summary"),
        (
            lambda c, f: c.create_issue(issue_params(f, description="a" * 100_001)),
            InvalidRequestError,
            400,
            "description",
        ),
        (
            lambda c, f: c.create_issue(issue_params(f, description="ok 🔥")),
            InvalidRequestError,
            400,
            "Incorrect String",
        ),
        (
            lambda c, f: c.add_comment(c.create_issue(issue_params(f))["issueKey"], "c" * 50_001),
            InvalidRequestError,
            400,
            "content",
        ),
        (
            lambda c, f: c.update_issue(c.create_issue(issue_params(f))["id"], {"statusId": 99}),
            InvalidRequestError,
            400,
            "status",
        ),
    ],
    ids=[
        "no-issue",
        "no-project",
        "missing-params",
        "long-summary",
        "long-description",
        "emoji",
        "long-comment",
        "bad-status",
    ],
)
def test_errors_are_typed_by_backlog_code(fake_backlog, call, error, status, needle) -> None:
    c = make_client(fake_backlog)
    with pytest.raises(error) as info:
        call(c, fake_backlog)
    assert info.value.status == status
    assert info.value.code == error.code
    assert needle in str(info.value)
    assert fake_backlog.api_key not in str(info.value)


def test_missing_required_params_lists_each(fake_backlog: FakeBacklog) -> None:
    with pytest.raises(InvalidRequestError) as info:
        make_client(fake_backlog).create_issue({"projectId": fake_backlog.project.id})
    assert info.value.messages and all(n in info.value.messages[0] for n in ("summary", "issueTypeId", "priorityId"))


def test_wrong_api_key_is_authentication_error_and_never_shown(fake_backlog: FakeBacklog) -> None:
    wrong = "wrong-key-but-still-secret-42"
    c = make_client(fake_backlog, api_key=wrong)
    with pytest.raises(AuthenticationError) as info:
        c.space()
    assert info.value.code == 11 and info.value.status == 401
    text = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert wrong not in text and "apiKey=" not in text.replace("apiKey=***", "")


# ---- rate limits ----------------------------------------------------------------------------------------------


def test_429_waits_until_reset_then_retries() -> None:
    with FakeBacklog(rate_limits={"update": 2}) as fake:
        sleeper = Sleeper(fake)
        c = make_client(fake, sleep=sleeper)
        c.create_issue(issue_params(fake))
        c.create_issue(issue_params(fake))
        assert c.rate_limit_state["update"].remaining == 0
        reset = c.rate_limit_state["update"].reset
        now = fake.now()
        third = c.create_issue(issue_params(fake))  # 429 → wait → success
        assert third["issueKey"] == "SEC-3"
        assert fake.counts["rate_limited"] == 1
        assert len(sleeper.waits) == 1
        assert reset - now <= sleeper.waits[0] <= reset - now + 1.5  # until the reset (+1 s margin), not 60 s blindly
        assert c.rate_limit_state["update"].remaining == 1  # a fresh window


def test_429_without_reset_header_waits_a_minute_bounded(fake_backlog: FakeBacklog) -> None:
    fake_backlog.fail_next(1, 429, rate_headers=False)
    sleeper = Sleeper(fake_backlog)
    assert make_client(fake_backlog, sleep=sleeper).space()["spaceKey"] == "fakespace"
    assert sleeper.waits == [60.0]

    fake_backlog.fail_next(1, 429, rate_headers=False)
    sleeper = Sleeper(fake_backlog)
    make_client(fake_backlog, sleep=sleeper, max_rate_limit_wait=5).space()
    assert sleeper.waits == [5.0]


def test_429_with_reset_in_the_past_waits_briefly(fake_backlog: FakeBacklog) -> None:
    fake_backlog.fail_next(1, 429)
    sleeper = Sleeper()
    c = make_client(fake_backlog, sleep=sleeper, clock=lambda: fake_backlog.now() + 3600)  # our clock runs ahead
    assert c.myself()["userId"] == "i2b-bot"
    assert sleeper.waits == [1.0]


def test_429_until_retries_run_out_is_typed(fake_backlog: FakeBacklog) -> None:
    fake_backlog.fail_next(10, 429)
    sleeper = Sleeper(fake_backlog)
    with pytest.raises(TooManyRequestsError) as info:
        make_client(fake_backlog, sleep=sleeper, max_retries=2).priorities()
    assert info.value.code == 13 and info.value.status == 429
    assert len(sleeper.waits) == 2 and fake_backlog.counts["fault:429"] == 3


def test_rate_limit_state_is_tracked_per_bucket(fake_backlog: FakeBacklog) -> None:
    c = make_client(fake_backlog)
    c.space()
    c.list_issues()
    c.create_issue(issue_params(fake_backlog))
    c.list_issues()
    state = c.rate_limit_state
    assert (state["read"].limit, state["read"].remaining) == (600, 599)
    assert (state["search"].limit, state["search"].remaining) == (150, 148)
    assert (state["update"].limit, state["update"].remaining) == (150, 149)
    assert state["update"].reset > fake_backlog.now() - 1
    assert 0 < state["update"].pace(fake_backlog.now()) <= 1.0


# ---- 5xx / timeouts / transport -------------------------------------------------------------------------------


def test_5xx_is_retried_with_backoff_then_succeeds(fake_backlog: FakeBacklog) -> None:
    fake_backlog.add_issue("seed")
    fake_backlog.fail_next(2, 500)
    sleeper = Sleeper(fake_backlog)
    seen: list[tuple[str, str, int]] = []
    c = make_client(fake_backlog, sleep=sleeper, on_request=lambda m, p, s: seen.append((m, p, s)))
    assert c.get_issue("SEC-1")["summary"] == "seed"
    assert [s for *_, s in seen] == [500, 500, 200]
    assert len(sleeper.waits) == 2
    assert 0.5 <= sleeper.waits[0] <= 1.0 and 1.0 <= sleeper.waits[1] <= 2.0  # exponential, jittered


def test_503_is_retried_for_a_post(fake_backlog: FakeBacklog) -> None:
    """503 means the service did not take the request: safe to send the create again."""
    fake_backlog.fail_next(1, 503, method="POST")
    sleeper = Sleeper(fake_backlog)
    issue = make_client(fake_backlog, sleep=sleeper).create_issue(issue_params(fake_backlog))
    assert issue["issueKey"] == "SEC-1" and len(fake_backlog.issues) == 1 and len(sleeper.waits) == 1


@pytest.mark.parametrize("status", [500, 502])
def test_post_500_is_not_retried_and_says_it_may_have_been_applied(fake_backlog: FakeBacklog, status: int) -> None:
    """A 500 after the issue was stored (apply=True): a blind retry would file it twice."""
    fake_backlog.fail_next(1, status, method="POST", path=r"/issues$", apply=True)
    sleeper = Sleeper(fake_backlog)
    with pytest.raises(ServerError) as info:
        make_client(fake_backlog, sleep=sleeper).create_issue(issue_params(fake_backlog))
    assert info.value.maybe_applied is True and info.value.status == status
    assert sleeper.waits == [] and len(fake_backlog.issues) == 1  # stored once, not twice


def test_5xx_until_retries_run_out_is_typed(fake_backlog: FakeBacklog) -> None:
    fake_backlog.fail_next(5, 503)
    sleeper = Sleeper(fake_backlog)
    with pytest.raises(InternalError) as info:
        make_client(fake_backlog, sleep=sleeper, max_retries=3).get_issue("SEC-1")
    assert info.value.status == 503 and len(sleeper.waits) == 3
    assert isinstance(info.value, ServerError)  # code 1 InternalError is a server-side error
    assert all(w <= 30 for w in sleeper.waits)


def test_read_timeout_is_retried_for_reads(fake_backlog: FakeBacklog) -> None:
    fake_backlog.hang_seconds = 1.0
    fake_backlog.add_issue("seed")
    fake_backlog.fail_next(1, "timeout")
    sleeper = Sleeper(fake_backlog)
    assert make_client(fake_backlog, sleep=sleeper).get_issue("SEC-1")["summary"] == "seed"
    assert len(sleeper.waits) == 1 and fake_backlog.counts["fault:timeout"] == 1


def test_timeouts_until_retries_run_out(fake_backlog: FakeBacklog) -> None:
    fake_backlog.hang_seconds = 1.0
    fake_backlog.fail_next(3, "timeout")
    with pytest.raises(BacklogTimeoutError) as info:
        make_client(fake_backlog, max_retries=1, timeout=httpx.Timeout(0.25)).space()
    assert info.value.maybe_applied is False and info.value.code is None


def test_post_timeout_is_not_retried_and_says_it_may_have_been_applied(fake_backlog: FakeBacklog) -> None:
    fake_backlog.hang_seconds = 1.0
    fake_backlog.fail_next(1, "timeout", method="POST", path=r"/issues$", apply=True)
    sleeper = Sleeper(fake_backlog)
    c = make_client(fake_backlog, sleep=sleeper)
    with pytest.raises(BacklogTimeoutError) as info:
        c.create_issue(issue_params(fake_backlog, description="marker i2b:zz"))
    assert info.value.maybe_applied is True and "may have been applied" in str(info.value)
    assert sleeper.waits == [] and len(fake_backlog.requests_of("create_issue")) == 1
    # the caller's recovery: search for the marker instead of creating again
    assert [i["issueKey"] for i in c.list_issues({"keyword": "i2b:zz"})] == ["SEC-1"]


def test_disconnect_on_comment_is_ambiguous_but_on_get_is_retried(fake_backlog: FakeBacklog) -> None:
    fake_backlog.add_issue("seed")
    c = make_client(fake_backlog)
    fake_backlog.fail_next(1, "disconnect", method="POST")
    with pytest.raises(BacklogTransportError) as info:
        c.add_comment("SEC-1", "x")
    assert info.value.maybe_applied is True
    fake_backlog.fail_next(1, "disconnect")
    assert c.get_issue("SEC-1")["issueKey"] == "SEC-1"


def test_connection_refused_is_retried_and_not_ambiguous() -> None:
    fake = FakeBacklog().start()
    url = fake.url
    fake.stop()
    sleeper = Sleeper()
    c = BacklogClient(url, api_key=DEFAULT_API_KEY, timeout=FAST, sleep=sleeper, max_retries=2)
    with pytest.raises(BacklogTransportError) as info:
        c.create_issue({"summary": "x"})
    assert info.value.maybe_applied is False and len(sleeper.waits) == 2
    assert DEFAULT_API_KEY not in str(info.value)


def test_random_faults_are_absorbed_by_retries() -> None:
    with FakeBacklog() as fake:
        fake.fault_rate(0.3, seed=7, kinds=(429, 500, 503, "disconnect"))
        c = make_client(fake, max_retries=8)
        for _ in range(25):
            assert c.myself()["userId"] == "i2b-bot"
        assert sum(v for k, v in fake.counts.items() if k.startswith("fault:")) >= 3
        assert fake.counts["myself"] == 25


# ---- seriality, pacing, https, secrets ------------------------------------------------------------------------


def test_requests_are_strictly_serial_across_threads() -> None:
    with FakeBacklog(latency=0.02) as fake:
        c = make_client(fake)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(3):
                    c.priorities()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert not errors and fake.counts["priorities"] == 18
        assert fake.max_in_flight == 1


def test_writes_are_paced_in_the_one_sink_wrapper(fake_backlog: FakeBacklog) -> None:
    """Pacing lives in :class:`PacedSink` (the client has none): writes ``min_interval`` apart, reads not paced."""
    sleeper = Sleeper()
    c = make_client(fake_backlog, sleep=sleeper, clock=lambda: 1000.0)
    assert not hasattr(c, "min_interval")
    issue = fake_backlog.add_issue("CVE-2024-0001 の脆弱性")
    ref = IssueRef(issue["issueKey"], issue["id"])
    inner = BacklogSink(c, ProjectContext.load(c, "SEC", issue_type_name="脆弱性"))
    sink = PacedSink(inner, sleep=sleeper, clock=lambda: 1000.0)
    for _ in range(3):
        sink.update(ref, None, [Para(["コメント"])])  # not paced unless asked to (the Lambda, `send`)
    assert sleeper.waits == []
    with sink.pacing(min_interval=1.0, max_wait=120.0):  # as `sync` paces its run
        for _ in range(3):
            sink.update(ref, None, [Para(["コメント"])])
            sink.find("arn:aws:inspector2:ap-northeast-1:111122223333:finding/none")
    assert sleeper.waits == [1.0, 1.0]
    assert fake_backlog.counts["update_issue"] == 6 and sink.min_interval == 0.0


@pytest.mark.parametrize("url", ["http://example.backlog.jp", "http://10.0.0.1", "ftp://x.backlog.com", "nonsense"])
def test_https_is_required_except_loopback(url: str) -> None:
    with pytest.raises(ValueError) as info:
        BacklogClient(url, api_key="super-secret-key-123")
    assert "super-secret-key-123" not in str(info.value)


@pytest.mark.parametrize(
    "url", ["https://x.backlog.com", "http://127.0.0.1:8080", "http://localhost", "http://[::1]:9"]
)
def test_https_or_loopback_is_accepted(url: str) -> None:
    c = BacklogClient(url, api_key="k" * 10)
    assert c.space_url == url.rstrip("/") and "kkkk" not in repr(c)


def test_credentials_are_required() -> None:
    with pytest.raises(ValueError):
        BacklogClient("https://x.backlog.com")


def test_api_key_appears_in_no_log_record_exception_or_recording(fake_backlog, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    key = fake_backlog.api_key
    fake_backlog.fail_next(1, 500)
    fake_backlog.fail_next(1, 429)
    c = make_client(fake_backlog)
    c.space()
    c.create_issue(issue_params(fake_backlog))
    failures: list[BaseException] = []
    for call in (lambda: c.get_issue("SEC-404"), lambda: c.create_issue(issue_params(fake_backlog, summary=""))):
        try:
            call()
        except Exception as exc:
            failures.append(exc)
            logging.getLogger("inspector2backlog.backlog.client").exception("failed: %s", exc)
    assert len(failures) == 2
    logging.getLogger("inspector2backlog").info("a URL with the key: https://x/api/v2/space?apiKey=%s", key)
    assert any("apiKey=***" in r.getMessage() for r in caplog.records)  # httpx logged URLs, redacted
    assert key not in caplog.text
    for r in caplog.records:
        assert key not in r.getMessage()
    for exc in failures:
        assert key not in "".join(traceback.format_exception(exc))
    assert key not in fake_backlog.recorded_text()


def test_redact_function() -> None:
    install_log_redaction("literal-secret-value-1")
    text = 'GET https://s.backlog.com/api/v2/x?a=1&apiKey=abc123&b=2 {"apiKey": "zzz"} Bearer tok.en-1 literal-secret-value-1'
    out = redact(text, ["other-secret"])
    assert "abc123" not in out and "zzz" not in out and "tok.en-1" not in out and "literal-secret-value-1" not in out
    assert "a=1&apiKey=***&b=2" in out
    assert redact("nothing to hide") == "nothing to hide"


# ---- ProjectContext -------------------------------------------------------------------------------------------


def test_project_context_resolves_names() -> None:
    with FakeBacklog(text_formatting_rule="backlog") as fake:
        c = make_client(fake)
        ctx = ProjectContext.load(
            c,
            "SEC",
            issue_type_name="脆弱性",
            category_names=["AWS"],
            assignee="yamada@example.com",
            notified_users=["sato", 102],
            arn_custom_field_name="Finding ARN",
            priority_names=["高", "中", "低"],
        )
        assert ctx.text_formatting_rule == "backlog" and not ctx.markdown
        assert ctx.issue_type.id == fake.issue_type_id("脆弱性")
        assert (ctx.open_status.name, ctx.closed_status.id, ctx.suppressed_resolution.id) == ("未対応", 4, 1)
        assert ctx.priority_id("高") == 2 and ctx.priority_id("低") == 4
        assert ctx.assignee.user_id == "yamada" and [u.id for u in ctx.notified_users] == [103, 102]
        assert ctx.arn_custom_field.id == fake.custom_field_id("Finding ARN")
        params = ctx.base_issue_params()
        assert params["categoryId[]"] == [fake.project.categories[0]["id"]] and params["notifiedUserId[]"] == [103, 102]
        issue = c.create_issue({**params, "summary": "s", "priorityId": ctx.priority_id("中")})
        assert issue["assignee"]["userId"] == "yamada"


@pytest.mark.parametrize(
    ("kwargs", "ja", "en"),
    [
        (
            {"issue_type_name": "セキュリティ"},
            '課題種別 "セキュリティ" がプロジェクト SEC にありません（存在するもの: バグ, タスク, 脆弱性）',
            'Issue type "セキュリティ" does not exist in project SEC (existing: バグ, タスク, 脆弱性)',
        ),
        (
            {"closed_status_name": "クローズ"},
            '状態 "クローズ" がプロジェクト SEC にありません（存在するもの: 未対応, 処理中, 処理済み, 完了）',
            "Status",
        ),
        (
            {"arn_custom_field_name": "ARN"},
            'カスタム属性 "ARN" がプロジェクト SEC にありません（存在するもの: Finding ARN, 影響度）',
            "Custom field",
        ),
        ({"arn_custom_field_name": "影響度"}, "SingleList", "must be Text or TextArea"),
        ({"assignee": "suzuki"}, 'ユーザー "suzuki" がプロジェクト SEC のメンバーにありません', "山田 太郎 (yamada)"),
        ({"category_names": ["GCP"]}, 'カテゴリー "GCP"', "existing: AWS, アプリ"),
        ({"priority_names": ["緊急"]}, '優先度 "緊急" がスペースにありません（存在するもの: 高, 中, 低）', "Priority"),
        ({"suppressed_resolution_name": "却下"}, '完了理由 "却下"', "対応しない"),
    ],
)
def test_project_context_lookup_errors_list_what_exists(fake_backlog, kwargs, ja, en) -> None:
    args = {"issue_type_name": "脆弱性", **kwargs}
    with pytest.raises(ConfigLookupError) as info:
        ProjectContext.load(make_client(fake_backlog), "SEC", **args)
    assert ja in str(info.value) and en in str(info.value)


def test_project_context_unknown_project(fake_backlog: FakeBacklog) -> None:
    with pytest.raises(ConfigLookupError) as info:
        ProjectContext.load(make_client(fake_backlog), "NOPE", issue_type_name="脆弱性")
    assert 'プロジェクト "NOPE" が見つかりません' in str(info.value) and "not found" in str(info.value)
