"""DeepLEngine through the real ``deepl`` client against a loopback DeepL API v2."""

from __future__ import annotations

import logging

import pytest

from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.stats import Stats
from inspector2backlog.translate import make_translator
from inspector2backlog.translate.base import TranslationError
from inspector2backlog.translate.deepl import DeepLEngine
from tests.fakes._mangle import PREFIX
from tests.fakes.deepl_server import DeepLServer

KEY = "0c0ffee0-dead-beef-cafe-123456789abc:fx"
TEXT = "Flask 2.0.0 may cache `Set-Cookie` headers & leak a client's 'session' (CVE-2023-30861) <see docs>."
SPANS = ("Flask 2.0.0", "`Set-Cookie`", "'session'", "CVE-2023-30861")


@pytest.fixture
def server():
    with DeepLServer(KEY) as srv:
        yield srv


def test_translates_a_batch_in_one_request(server) -> None:
    eng = DeepLEngine(KEY, server_url=server.url, glossary=None)
    out = eng.translate_batch([TEXT, "", "None Provided"])
    assert out[1] == "" and out[2] == f"{PREFIX}None Provided"
    assert out[0].startswith(PREFIX) and all(s in out[0] for s in SPANS)
    assert "& leak" in out[0] and "<see docs>" in out[0]
    [req] = server.requests
    assert req["headers"]["Authorization"] == f"DeepL-Auth-Key {KEY}"
    body = req["body"]
    assert body["tag_handling"] == "xml" and body["ignore_tags"] == ["x"]
    assert body["source_lang"] == "EN" and body["target_lang"] == "JA" and body["formality"] == "prefer_more"
    assert len(body["text"]) == 2 and '<x i="0">Flask 2.0.0</x>' in body["text"][0]
    assert "&amp; leak" in body["text"][0] and "&lt;see docs&gt;" in body["text"][0]


@pytest.mark.parametrize("mode", ["requote", "pad", "drop", "duplicate", "strip_attrs"])
def test_restoration_survives_engine_layouts(server, mode: str) -> None:
    server.mode = mode
    [out] = DeepLEngine(KEY, server_url=server.url).translate_batch([TEXT])
    assert all(s in out for s in SPANS) and "<x" not in out


def test_requests_stay_under_128_kib(server) -> None:
    texts = [f"Text number {i} about openssl 3.0.{i} and a long tail of words. " * 40 for i in range(60)]
    eng = DeepLEngine(KEY, server_url=server.url, max_request_bytes=64 * 1024)
    out = eng.translate_batch(texts)
    assert len(server.requests) >= 2 and eng.request_count == len(server.requests)
    assert all(r["size"] <= 64 * 1024 and len(r["body"]["text"]) <= 50 for r in server.requests)
    assert [o.count(f"openssl 3.0.{i}") for i, o in enumerate(out)] == [40] * 60


def test_429_is_retried_by_the_library(server) -> None:
    server.fail(1, 429)
    [out] = DeepLEngine(KEY, server_url=server.url, max_retries=2).translate_batch(["Hello."])
    assert out == f"{PREFIX}Hello."
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("status", "reason"),
    [(456, "quota"), (403, "authorization failed"), (429, "too many requests")],
)
def test_errors_map_to_clear_reasons_without_the_key(server, status: int, reason: str) -> None:
    server.fail(None, status)
    eng = DeepLEngine(KEY, server_url=server.url, max_retries=0)
    with pytest.raises(TranslationError, match=reason) as info:
        eng.translate_batch(["Hello."])
    assert KEY not in str(info.value) and KEY.split(":")[0] not in repr(eng)


def test_wrong_key_is_an_authorization_error(server) -> None:
    with pytest.raises(TranslationError, match="authorization failed"):
        DeepLEngine("wrong-key", server_url=server.url).translate_batch(["Hello."])


def test_quota_exhaustion_through_the_service(server, caplog) -> None:
    server.fail(None, 456)
    stats = Stats()
    service = make_translator(
        "deepl", store=MemoryStore(), stats=stats, auth_key=KEY, server_url=server.url, max_retries=0
    )
    with caplog.at_level(logging.DEBUG):
        out = service.translate_many([TEXT, "Another."])
        again = service.translate("Third.")
    assert [t.status for t in out] == ["failed", "failed"] and out[0].text == TEXT and again.status == "failed"
    assert len(server.requests) == 1
    warnings = [r.getMessage() for r in caplog.records if r.name == "inspector2backlog.translate"]
    assert len(warnings) == 1 and "quota" in warnings[0]
    assert all(KEY not in r.getMessage() for r in caplog.records)
