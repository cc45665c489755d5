"""AmazonTranslateEngine through real boto3/botocore against a loopback Amazon Translate (JSON 1.1)."""

from __future__ import annotations

import logging
import time

import boto3
import pytest

from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.stats import Stats
from inspector2backlog.translate import make_translator
from inspector2backlog.translate.amazon import AmazonTranslateEngine
from inspector2backlog.translate.base import FAILED_MARK, TranslationError
from tests.fakes._mangle import PREFIX
from tests.fakes.translate_server import TARGET, TranslateServer

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETKEY"
TEXT = (
    "In libssh2 v1.9.0 and earlier versions, the SSH_MSG_DISCONNECT logic in packet.c has an integer overflow "
    "(CVE-2019-17498) & may crash <b>clients</b>; see https://github.com/libssh2/libssh2/pull/402."
)


@pytest.fixture
def server():
    with TranslateServer() as srv:
        yield srv


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> boto3.session.Session:
    monkeypatch.delenv("AWS_ENDPOINT_URL_TRANSLATE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return boto3.session.Session(
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key=SECRET, region_name="ap-northeast-1"
    )


def engine(server: TranslateServer, session: boto3.session.Session, **kw) -> AmazonTranslateEngine:
    return AmazonTranslateEngine(session=session, endpoint_url=server.url, **kw)


def test_translates_with_protected_spans_restored(server, session) -> None:
    server.mode = "reorder"
    out = engine(server, session, terminology="inspector-terms").translate_batch([TEXT, "   "])
    assert out[1] == "   "
    assert out[0].startswith(PREFIX)
    for span in (
        "libssh2 v1.9.0",
        "SSH_MSG_DISCONNECT",
        "CVE-2019-17498",
        "https://github.com/libssh2/libssh2/pull/402",
    ):
        assert span in out[0]
    assert "& may crash <b>clients</b>" in out[0]  # escaped on the way, unescaped on the way back
    [req] = server.requests
    assert req["headers"]["X-Amz-Target"] == TARGET
    assert req["headers"]["Content-Type"] == "application/x-amz-json-1.1"
    body = req["body"]
    assert body["SourceLanguageCode"] == "en" and body["TargetLanguageCode"] == "ja"
    assert body["Settings"] == {"Formality": "FORMAL"} and body["TerminologyNames"] == ["inspector-terms"]
    assert '<span translate="no" data-p="0">libssh2 v1.9.0</span>' in body["Text"]
    assert "&amp; may crash &lt;b&gt;clients&lt;/b&gt;" in body["Text"]


@pytest.mark.parametrize("mode", ["requote", "pad", "drop", "duplicate", "strip_attrs"])
def test_restoration_survives_engine_layouts(server, session, mode: str) -> None:
    server.mode = mode
    [out] = engine(server, session).translate_batch([TEXT])
    for span in (
        "libssh2 v1.9.0",
        "SSH_MSG_DISCONNECT",
        "CVE-2019-17498",
        "https://github.com/libssh2/libssh2/pull/402",
    ):
        assert span in out
    assert "<span" not in out and "</span" not in out.replace("</b>", "")


def test_long_text_is_split_under_the_byte_limit_and_joined(server, session) -> None:
    sentence = "The package openssl 3.0.13 is affected by CVE-2024-0001 in /usr/lib/libssl.so.3 — 日本語も含む. "
    text = (sentence * 160).strip()
    assert len(text.encode("utf-8")) > 10_000
    [out] = engine(server, session).translate_batch([text])
    assert len(server.requests) >= 2
    assert all(len(r["body"]["Text"].encode("utf-8")) <= 10_000 for r in server.requests)
    assert out.count("openssl 3.0.13") == 160 and out.count("CVE-2024-0001") == 160
    assert out.count(PREFIX) == len(server.requests)


def test_throttling_is_retried_by_botocore(server, session) -> None:
    server.fail(2, "TooManyRequestsException")
    eng = engine(server, session, max_attempts=3)
    [out] = eng.translate_batch(["Possible denial of service in X.509 name checks."])
    assert out.startswith(PREFIX)
    assert len(server.requests) == 3 and eng.request_count == 1


def test_persistent_throttling_fails_clearly_without_secrets(server, session, caplog) -> None:
    server.fail(None, "TooManyRequestsException")
    eng = engine(server, session, max_attempts=2)
    with pytest.raises(TranslationError) as info:
        eng.translate_batch(["Possible denial of service."])
    message = str(info.value)
    assert "TooManyRequestsException" in message and "2 attempts" in message
    assert SECRET not in message and "AKIAIOSFODNN7EXAMPLE" not in message
    assert len(server.requests) == 2

    # Through the service: English original, status failed (翻訳失敗), logged once, breaker stops further calls.
    stats = Stats()
    service = make_translator(
        "amazon", stats=stats, store=MemoryStore(), session=session, endpoint_url=server.url, max_attempts=2
    )
    with caplog.at_level(logging.WARNING, logger="inspector2backlog.translate"):
        first = service.translate_many(["Possible denial of service.", "Another text."])
        second = service.translate("A third text.")
    assert [t.status for t in first] == ["failed", "failed"] and first[0].text == "Possible denial of service."
    assert second.status == "failed" and FAILED_MARK == "翻訳失敗"
    assert len(server.requests) == 4  # 2 attempts for the one failed call, nothing after
    logged = [r.getMessage() for r in caplog.records if r.name == "inspector2backlog.translate"]
    assert len(logged) == 1 and "TooManyRequestsException" in logged[0] and SECRET not in logged[0]


def test_server_errors_are_retried_then_reported(server, session) -> None:
    server.fail(None, "ServiceUnavailableException")
    start = time.monotonic()
    with pytest.raises(TranslationError, match="ServiceUnavailableException"):
        engine(server, session, max_attempts=2).translate_batch(["Hello."])
    assert len(server.requests) == 2 and time.monotonic() - start < 10


def test_endpoint_from_environment(server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSLATE", server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    [out] = AmazonTranslateEngine(region="us-east-1", formality=None).translate_batch(["None Provided"])
    assert out == f"{PREFIX}None Provided"
    assert "Settings" not in server.requests[0]["body"]


def test_service_memory_with_real_engine(server, session) -> None:
    store, stats = MemoryStore(), Stats()
    texts = [TEXT, TEXT.replace("CVE-2019-17498", "CVE-2019-99999"), TEXT]
    out = make_translator("amazon", store=store, stats=stats, session=session, endpoint_url=server.url).translate_many(
        texts
    )
    assert len(server.requests) == 1  # one template, one call
    assert "CVE-2019-99999" in out[1].text and "CVE-2019-17498" not in out[1].text
    assert stats["translation_requests"] == 1 and stats["translated_chars"] == len(TEXT)
