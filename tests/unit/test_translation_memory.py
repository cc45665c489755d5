"""TranslationService: each distinct text is sent once, ever; failures degrade to English once per run."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.state.sqlite import SQLiteStore
from inspector2backlog.stats import Stats
from inspector2backlog.translate import EngineConfigError, make_engine, make_translator
from inspector2backlog.translate.base import Engine, TranslationError
from inspector2backlog.translate.memory import TranslationService

DESC = "A memory leak flaw was found in the Linux kernel in drivers/crypto/ccp/ccp-ops.c (CVE-2019-18808)."
REC = "Update all packages in the vulnerable packages section to their latest versions."


class CountingEngine(Engine):
    """Behaves like a remote engine: counts what it is sent; 'translates' by marking the text."""

    name = "counting"

    def __init__(self, formality: str = "FORMAL", fail: str | None = None, answer: str | None = "mark") -> None:
        self.formality = formality
        self.fail = fail
        self.answer = answer
        self.calls: list[list[str]] = []

    def options_key(self) -> str:
        return f"formality={self.formality}"

    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        self.calls.append(list(texts))
        if self.fail:
            raise TranslationError(f"counting: {self.fail}")
        if self.answer is None:
            return [None] * len(texts)
        if self.answer == "constant":  # loses every protected span
            return ["訳" for _ in texts]
        return [f"【訳】{t}" for t in texts]

    @property
    def sent(self) -> list[str]:
        return [t for call in self.calls for t in call]


def test_same_text_across_findings_is_sent_once(tmp_path: Path) -> None:
    engine, stats = CountingEngine(), Stats()
    with SQLiteStore(tmp_path / "state.db") as store:
        service = TranslationService(engine, store, stats)
        out = service.translate_many([DESC, REC] * 50)
        assert [t.status for t in out] == ["translated"] * 100
        assert out[0].text == f"【訳】{DESC}" and out[1].text == f"【訳】{REC}" and out[2].text == out[0].text
        assert engine.sent == [DESC, REC] and len(engine.calls) == 1
        assert stats["translated_chars"] == len(DESC) + len(REC)
        assert stats["translation_requests"] == 1
        assert stats["translation_cache_hits"] == 98
        # a later batch in the same run: in-process memo, no call
        assert service.translate(DESC).text == f"【訳】{DESC}"
        assert len(engine.calls) == 1 and stats["translation_cache_hits"] == 99

    # The next run: a new service over the same store sends nothing.
    engine2, stats2 = CountingEngine(), Stats()
    with SQLiteStore(tmp_path / "state.db") as store:
        out = TranslationService(engine2, store, stats2).translate_many([REC, DESC, DESC])
    assert [t.text for t in out] == [f"【訳】{REC}", f"【訳】{DESC}", f"【訳】{DESC}"]
    assert engine2.calls == [] and stats2["translated_chars"] == 0 and stats2["translation_requests"] == 0
    assert stats2["translation_cache_hits"] == 3


def test_texts_differing_only_in_protected_spans_share_one_call() -> None:
    engine, stats, store = CountingEngine(), Stats(), MemoryStore()
    tmpl = (
        "On the instance {i}, the port range 22-22 is reachable from the InternetGateway {g} from an attached ENI {i}."
    )
    a = tmpl.format(i="i-0aaaaaaaaaaaaaaaa", g="igw-0aaaaaaaaaaaaaaaa")
    b = tmpl.format(i="i-0bbbbbbbbbbbbbbbb", g="igw-0bbbbbbbbbbbbbbbb")
    c = tmpl.format(i="i-0cccccccccccccccc", g="igw-0cccccccccccccccc")
    out = TranslationService(engine, store, stats).translate_many([a, b])
    assert engine.sent == [a]
    assert [t.text for t in out] == [f"【訳】{a}", f"【訳】{b}"]  # b got its own ids back, in the right places
    assert stats["translation_cache_hits"] == 1
    # another run, a new resource: still no call
    engine2 = CountingEngine()
    assert TranslationService(engine2, store, Stats()).translate(c).text == f"【訳】{c}"
    assert engine2.calls == []


def test_ambiguous_template_falls_back_to_exact_texts() -> None:
    engine = CountingEngine(answer="constant")  # drops the spans: the template cannot be derived
    a, b = "Fixed in CVE-2024-0001.", "Fixed in CVE-2024-0002."
    out = TranslationService(engine, MemoryStore(), Stats()).translate_many([a, b, a])
    assert engine.calls == [[a], [b]]  # the second text is sent on its own, once
    assert [t.text for t in out] == ["訳", "訳", "訳"]


def test_blank_texts_are_empty_and_never_sent() -> None:
    engine, stats = CountingEngine(), Stats()
    out = TranslationService(engine, MemoryStore(), stats).translate_many(["", "   ", "\n"])
    assert [t.status for t in out] == ["empty"] * 3 and [t.text for t in out] == ["", "   ", "\n"]
    assert engine.calls == [] and stats["translation_requests"] == 0


def test_untranslatable_text_stays_english_and_is_not_persisted() -> None:
    engine, store = CountingEngine(answer=None), MemoryStore()
    service = TranslationService(engine, store, Stats())
    first = service.translate_many([DESC, DESC])
    assert [t.status for t in first] == ["untranslated", "untranslated"] and first[0].text == DESC
    assert service.translate(DESC).status == "untranslated"
    assert len(engine.calls) == 1  # remembered for this run
    assert store.tm_get_many([service.key(DESC)]) == {}


def test_failure_opens_the_breaker_and_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    store, stats = MemoryStore(), Stats()
    TranslationService(CountingEngine(), store, Stats()).translate(REC)  # REC is already in memory
    engine = CountingEngine(fail="throttled by the service")
    service = TranslationService(engine, store, stats)
    with caplog.at_level(logging.WARNING, logger="inspector2backlog.translate"):
        out = service.translate_many([DESC, REC])
        more = service.translate_many(["Another text.", DESC])
    assert [(t.status, t.text) for t in out] == [("failed", DESC), ("translated", f"【訳】{REC}")]
    assert [t.status for t in more] == ["failed", "failed"]
    assert len(engine.calls) == 1 and service.broken
    records = [r for r in caplog.records if r.name == "inspector2backlog.translate"]
    assert len(records) == 1 and "throttled by the service" in records[0].getMessage()
    assert stats["translation_requests"] == 1 and stats["translated_chars"] == len(DESC)


def test_failure_threshold_allows_more_attempts() -> None:
    engine = CountingEngine(fail="boom")
    service = TranslationService(engine, MemoryStore(), Stats(), failure_threshold=2)
    service.translate("one")
    service.translate("two")
    service.translate("three")
    assert engine.sent == ["one", "two"]


def test_options_are_part_of_the_key() -> None:
    store = MemoryStore()
    TranslationService(CountingEngine(formality="FORMAL"), store, Stats()).translate(REC)
    informal = CountingEngine(formality="INFORMAL")
    service = TranslationService(informal, store, Stats())
    service.translate(REC)
    assert informal.sent == [REC]
    assert service.key(REC).startswith("tm1:counting:") and service.key(REC) != TranslationService(
        CountingEngine(), store
    ).key(REC)


def test_local_engines_do_not_use_the_store_or_count_chars() -> None:
    class Local(CountingEngine):
        name = "local"

        @property
        def remote(self) -> bool:
            return False

    store, stats = MemoryStore(), Stats()
    service = TranslationService(Local(), store, stats)
    assert service.translate(DESC).status == "translated"
    assert store.tm_get_many([service.key(DESC)]) == {} and stats["translated_chars"] == 0


def test_factory_builds_engines_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_translator("offline")
    assert isinstance(service, TranslationService) and service.engine.name == "offline"
    assert service.translate("").status == "empty"
    assert make_engine("amazon", formality="INFORMAL").options_key() == "en>ja;formality=INFORMAL;terminology="
    with pytest.raises(EngineConfigError, match="unknown translation engine"):
        make_translator("babelfish")
    monkeypatch.delenv("DEEPL_AUTH_KEY", raising=False)
    with pytest.raises(EngineConfigError, match="DEEPL_AUTH_KEY"):
        make_translator("deepl")
    with pytest.raises(EngineConfigError, match="model file not found"):
        make_translator("argos", model_path=tmp_path / "translate-en_ja-1_1.argosmodel")
    model = tmp_path / "translate-en_ja-1_1.argosmodel"
    model.write_bytes(b"not a model")
    try:
        import argostranslate  # noqa: F401
    except ImportError:
        with pytest.raises(EngineConfigError, match="argostranslate"):
            make_translator("argos", model_path=model)
    with pytest.raises(EngineConfigError, match="bad option"):
        make_translator("amazon", colour="blue")
