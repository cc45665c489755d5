"""JVN iPedia through our real client against the loopback MyJVN server: lookups, batching, the cache, faults and
the circuit breaker, and the issue text (概要 from JVN with its 出典 line, the English original kept)."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from inspector2backlog.config import JvnConfig
from inspector2backlog.findings.model import Finding
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.jvn import make_source
from inspector2backlog.render.group import build_group_issue, lead_info
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.state.sqlite import SQLiteStore
from inspector2backlog.stats import Stats
from inspector2backlog.translate.base import Engine
from inspector2backlog.translate.memory import TranslationService
from tests.fakes.myjvn_server import SAMPLE_ENTRIES, FakeEntry, MyJvnServer

from ..conftest import EXAMPLES

XZ, SSH, REQ = "CVE-2024-3094", "CVE-2024-6387", "CVE-2024-35195"


def source(srv_url: str, store=None, stats=None, **cfg):
    conf = JvnConfig(enabled=True, endpoint_url=srv_url + "/myjvn", **{"timeout_seconds": 0.5, **cfg})
    return make_source(conf, store, stats if stats is not None else Stats())


def finding(name: str) -> Finding:
    event = (EXAMPLES / f"{name}.event.json").read_bytes()
    (f,) = [i for i in iter_text(event, name) if isinstance(i, Finding)]
    return f


class CountingEngine(Engine):
    """A remote engine that records what it was sent."""

    name = "counting"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        self.sent += texts
        return [f"【訳】{t}" for t in texts]


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---- lookups -------------------------------------------------------------------------------------------------


def test_prefetch_asks_once_per_cve_and_ten_ids_per_detail_call() -> None:
    many = tuple(
        FakeEntry(
            f"JVNDB-2024-1{n:05d}",
            f"製品 {n} の脆弱性",
            f"製品 {n} には脆弱性が存在します。",
            "影響",
            "対策",
            (f"CVE-2024-9{n:04d}",),
        )
        for n in range(23)
    )
    with MyJvnServer(many) as srv:
        stats = Stats()
        src = source(srv.url, MemoryStore(), stats)
        cves = [e.cves[0] for e in many]
        src.prefetch(cves + cves[:5] + ["GHSA-xxxx-yyyy", ""])
        assert len(srv.calls("getVulnOverviewList")) == 23
        details = srv.calls("getVulnDetailInfo")
        assert [len(c["params"]["vulnId"].split(" ")) for c in details] == [10, 10, 3]  # "+" reads as a space
        assert "+" in details[0]["query"]  # ids joined with a literal "+", as the API documents
        assert all(c["params"]["rangeDatePublic"] == "n" for c in srv.calls("getVulnOverviewList"))
        assert src.entry(cves[7]).overview == "製品 7 には脆弱性が存在します。"
        assert len(srv.requests) == 26  # answered from the run's memo
        assert stats["jvn_fetched"] == 23 and stats["jvn_requests"] == 26


def test_hits_and_misses_are_cached_so_the_next_run_asks_nothing(tmp_path: Path) -> None:
    with MyJvnServer() as srv:
        store = SQLiteStore(tmp_path / "s.sqlite3")
        first = Stats()
        src = source(srv.url, store, first)
        src.prefetch([XZ, SSH, "CVE-2099-0001"])
        assert src.entry(XZ).jvndb_id == "JVNDB-2024-001987" and src.entry("CVE-2099-0001") is None
        assert (first["jvn_fetched"], first["jvn_not_found"], first["jvn_cache_hits"]) == (2, 1, 0)
        asked = len(srv.requests)
        second = Stats()
        again = source(srv.url, store, second)  # the next run: a new source, the same store
        assert again.entry(XZ).jvndb_id == "JVNDB-2024-001987"
        assert again.entry("CVE-2099-0001") is None and again.entry(SSH) is not None
        assert len(srv.requests) == asked and second["jvn_cache_hits"] == 3 and second["jvn_requests"] == 0


def test_the_miss_ttl_is_shorter_than_the_hit_ttl(tmp_path: Path) -> None:
    with MyJvnServer() as srv:
        store = SQLiteStore(tmp_path / "s.sqlite3")
        src = source(srv.url, store)
        src.prefetch([XZ, "CVE-2099-0001"])
        in_two_days = time.time() + 2 * 86400  # a miss is kept 1 day, an entry 30
        assert list(store.cache_get_many(["jvn1:" + XZ, "jvn1:CVE-2099-0001"], now=in_two_days)) == ["jvn1:" + XZ]


def test_unconfirmed_and_withdrawn_entries_are_ignored() -> None:
    with MyJvnServer() as srv:
        stats = Stats()
        src = source(srv.url, MemoryStore(), stats)
        assert src.entry("CVE-2025-47906") is None  # 「** 未確定 **」
        assert src.entry("CVE-2024-12797") is None  # 「** 削除 **」
        assert stats["jvn_not_found"] == 2


def test_marked_detail_is_ignored_even_when_the_overview_list_did_not_show_the_mark() -> None:
    plain_title = FakeEntry(
        "JVNDB-2025-000777", "Go の脆弱性", "** 未確定 ** 内容は確認中です。", "", "", ("CVE-2025-58183",)
    )
    with MyJvnServer((plain_title,)) as srv:
        srv.entries[plain_title.jvndb_id] = plain_title
        src = source(srv.url, MemoryStore())
        assert src.entry("CVE-2025-58183") is None


# ---- faults --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["500", "503", "timeout", "badxml", "doctype", "status", "html"])
def test_a_failed_call_falls_back_is_counted_and_not_cached(fault: str, caplog: pytest.LogCaptureFixture) -> None:
    with MyJvnServer(delay=1.5) as srv:
        store, stats = MemoryStore(), Stats()
        srv.fail(1, fault)
        src = source(srv.url, store, stats)
        with caplog.at_level(logging.WARNING, logger="inspector2backlog.jvn"):
            assert src.entry(XZ) is None
        assert stats["jvn_failures"] == 1 and "JVN iPedia lookup failed" in caplog.text
        assert store.cache_get_many(["jvn1:" + XZ]) == {}  # the next run asks again
        assert source(srv.url, store).entry(XZ) is not None


def test_the_breaker_opens_after_repeated_failures() -> None:
    with MyJvnServer() as srv:
        srv.fail(None, "503")
        stats = Stats()
        src = source(srv.url, MemoryStore(), stats, failure_threshold=2)
        for cve in (XZ, SSH, REQ, "CVE-2023-30861"):
            assert src.entry(cve) is None
        assert len(srv.requests) == 2 and stats["jvn_failures"] == 2 and src.breaker.broken


def test_a_failed_detail_call_leaves_its_cves_unresolved() -> None:
    with MyJvnServer() as srv:
        store, stats = MemoryStore(), Stats()
        src = source(srv.url, store, stats)
        original = src.client.details

        def failing(ids):
            srv.fail(1, "500")
            return original(ids)

        src.client.details = failing  # the server fails exactly the detail call
        src.prefetch([XZ, SSH])
        assert src.entry(XZ) is None and src.entry(SSH) is None
        assert stats["jvn_failures"] == 1 and store.cache_get_many(["jvn1:" + XZ, "jvn1:" + SSH]) == {}


def test_server_down_is_a_failure_not_an_exception() -> None:
    stats = Stats()
    src = source(closed_port_url(), MemoryStore(), stats)
    assert src.entry(XZ) is None and src.text_for(XZ, "English.") is None
    assert stats["jvn_failures"] == 1


# ---- the issue -----------------------------------------------------------------------------------------------


def builder_with(src, engine: Engine | None = None, store=None) -> IssueBuilder:
    return IssueBuilder(TranslationService(engine or CountingEngine(), store, Stats()), jvn=src)


def test_overview_is_jvns_japanese_with_the_source_line_and_the_english_stays_in_the_original() -> None:
    f = finding("01-ecr-critical-xz")
    engine = CountingEngine()
    with MyJvnServer() as srv:
        issue = builder_with(source(srv.url, MemoryStore()), engine).build(f)
    md = issue.description("markdown")
    overview = md.split("## 概要", 1)[1].split("\n## ", 1)[0]
    assert "XZ Utils の 5.6.0 および 5.6.1 の配布用アーカイブには" in overview
    assert "**想定される影響**" in overview and "通信を傍受または改ざん" in overview
    assert "出典: [JVN iPedia JVNDB-2024-001987](https://jvndb.jvn.jp/jvndb/JVNDB-2024-001987)" in overview
    assert "未翻訳" not in overview and "【訳】" not in overview
    original = md.split("## 原文 (English)", 1)[1]
    assert f.description[:60] in original
    assert f.description not in engine.sent  # the engine is not paid for what JVN answered
    assert f.recommendation in engine.sent or not f.recommendation.strip()
    backlog = issue.description("backlog")
    assert "出典: [[JVN iPedia JVNDB-2024-001987>https://jvndb.jvn.jp/jvndb/JVNDB-2024-001987]]" in backlog
    _, body = issue.email()
    assert "JVN iPedia JVNDB-2024-001987" in body and "https://jvndb.jvn.jp/jvndb/JVNDB-2024-001987" in body


def test_jvn_list_items_become_bullets_and_stock_solutions_are_left_out() -> None:
    with MyJvnServer() as srv:
        md = builder_with(source(srv.url, MemoryStore())).build(finding("02-ec2-high-openssh")).description("markdown")
    overview = md.split("## 概要", 1)[1].split("\n## ", 1)[0]
    assert (
        "\n- シグナルハンドラにおける競合状態 \\(CWE-364\\) \\- CVE-2024-6387" in overview
        or "\n- シグナルハンドラにおける競合状態 (CWE-364) - CVE-2024-6387" in overview
    ), overview
    assert "対策（JVN iPedia）" not in overview  # 「ベンダ情報を参照して適切な対策を実施してください。」 adds nothing


def test_jvn_text_goes_through_the_same_safety_path() -> None:
    evil = FakeEntry(
        "JVNDB-2024-001987",
        "題",
        "@channel 注意 #image(x.png) ![x](https://evil.example/a.png) "
        "<ul><li>[クリック](javascript:alert(1))</li></ul>😀",
        "",
        "",
        ("CVE-2024-3094",),
    )
    with MyJvnServer((evil,)) as srv:
        issue = builder_with(source(srv.url, MemoryStore())).build(finding("01-ecr-critical-xz"))
    md, bl = issue.description("markdown"), issue.description("backlog")
    for text in (md, bl):
        assert "@channel" not in text and "#image(" not in text and "😀" not in text
    assert "![x](https://evil" not in md and "[クリック](javascript:" not in md  # escaped: shown, never acted on
    assert "!\\[x\\](https://evil.example/a.png)" in md and "＠channel" in md


def test_without_an_entry_the_engine_path_is_unchanged() -> None:
    f = finding("03-lambda-medium-requests")
    with MyJvnServer(()) as srv:  # JVN has nothing
        with_jvn = builder_with(source(srv.url, MemoryStore()), CountingEngine()).build(f).description("markdown")
    without = builder_with(None, CountingEngine()).build(f).description("markdown")
    assert with_jvn == without and "出典: " not in with_jvn


def test_findings_without_a_cve_never_ask() -> None:
    with MyJvnServer() as srv:
        b = builder_with(source(srv.url, MemoryStore()))
        for name in ("04-ec2-network-rdp", "05-lambda-code-hardcoded-credentials"):
            b.build(finding(name))
        assert srv.requests == []


def test_lookahead_batches_findings_of_a_stream() -> None:
    items = [
        finding(n)
        for n in ("01-ecr-critical-xz", "02-ec2-high-openssh", "03-lambda-medium-requests", "04-ec2-network-rdp")
    ]
    with MyJvnServer() as srv:
        b = builder_with(source(srv.url, MemoryStore()))
        seen = [b.build(x) for x in b.lookahead(iter(items))]
        assert len(seen) == 4 and len(srv.calls("getVulnDetailInfo")) == 1
        assert len(srv.calls("getVulnOverviewList")) == 3


def test_a_group_issue_shows_jvns_text_as_its_description() -> None:
    f = finding("01-ecr-critical-xz")
    data = {"lead": lead_info(f, "vulnerability", f.details.vulnerability_id), "members": {}}
    with MyJvnServer() as srv:
        issue = build_group_issue(
            "vuln:SEC:" + f.details.vulnerability_id,
            "vulnerability",
            data,
            builder_with(source(srv.url, MemoryStore())),
        )
    md = issue.description("markdown")
    section = md.split("## 説明", 1)[1].split("\n## ", 1)[0]
    assert "XZ Utils の 5.6.0 および 5.6.1" in section and "JVN iPedia JVNDB-2024-001987" in section


def test_sample_cves_all_have_entries_in_the_fake() -> None:
    cves = {c for e in SAMPLE_ENTRIES for c in e.cves}
    for name in ("01-ecr-critical-xz", "02-ec2-high-openssh", "03-lambda-medium-requests"):
        assert json.loads((EXAMPLES / f"{name}.event.json").read_text())["detail"]["title"].split()[0] in cves


def test_lookahead_yields_what_it_read_before_a_read_error() -> None:
    def items():
        yield finding("01-ecr-critical-xz")
        yield finding("02-ec2-high-openssh")
        raise OSError("the file went away")

    with MyJvnServer() as srv:
        got = []
        with pytest.raises(OSError):
            for x in source(srv.url, MemoryStore()).lookahead(items()):
                got.append(x)
        assert [f.details.vulnerability_id for f in got] == ["CVE-2024-3094", "CVE-2024-6387"]
        assert len(srv.calls("getVulnDetailInfo")) == 1


def test_a_long_lived_process_asks_again_after_retry_after() -> None:
    with MyJvnServer() as srv:
        src = source(srv.url, MemoryStore())
        now = [1000.0]
        src._clock = src.breaker._clock = lambda: now[0]
        srv.fail(1, "503")
        assert src.entry(XZ) is None and src.entry(XZ) is None  # the failure is remembered: one call
        assert len(srv.requests) == 1
        now[0] += 901
        assert src.entry(XZ) is not None and len(srv.requests) == 3  # asked again: overview + detail
