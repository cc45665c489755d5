"""MyJVN responses (the documented hnd XML) read into entries; untrusted XML refused where it could hurt."""

from __future__ import annotations

import pytest

from inspector2backlog.jvn.parse import (
    JvnApiError,
    JvnEntry,
    JvnParseError,
    parse_detail,
    parse_overview_list,
    plain_text,
    safe_xml,
)
from tests.fakes.myjvn_server import SAMPLE_ENTRIES, FakeEntry, detail_xml, overview_xml

# the shape of MyJVN's own example (JVNDB-2022-000097, trimmed), with the older https namespace of the docs
DETAIL = """<?xml version="1.0" encoding="UTF-8"?>
<VULDEF-Document version="3.2" xmlns="https://jvn.jp/vuldef/" xmlns:vuldef="https://jvn.jp/vuldef/"
  xmlns:status="http://jvndb.jvn.jp/myjvn/Status" xml:lang="ja">
  <Vulinfo>
    <VulinfoID>JVNDB-2022-000097</VulinfoID>
    <VulinfoData>
      <Title>電子入札コアシステムにおける複数の脆弱性</Title>
      <VulinfoDescription>
        <Overview>電子入札コアシステムには、次の複数の脆弱性が存在します。&lt;ul&gt;&lt;li&gt;クロスサイトスクリプティング (CWE-79) - CVE-2022-41993&lt;/li&gt;&lt;li&gt;オープンリダイレクト (CWE-601) - CVE-2022-46288&lt;/li&gt;&lt;/ul&gt;</Overview>
      </VulinfoDescription>
      <Impact>
        <Cvss version="3.0"><Severity type="Base">Medium</Severity><Base>6.1</Base></Cvss>
        <ImpactItem><Description>任意のスクリプトを実行される可能性があります。</Description></ImpactItem>
      </Impact>
      <Solution><SolutionItem><Description>[パッチを適用する] 開発者が提供する情報をもとにパッチを適用してください。</Description></SolutionItem></Solution>
      <Related>
        <RelatedItem type="advisory"><Name>Common Vulnerabilities and Exposures (CVE)</Name><VulinfoID>CVE-2022-41993</VulinfoID></RelatedItem>
        <RelatedItem type="advisory"><Name>National Vulnerability Database (NVD)</Name><VulinfoID>CVE-2022-41993</VulinfoID></RelatedItem>
        <RelatedItem type="advisory"><Name>Common Vulnerabilities and Exposures (CVE)</Name><VulinfoID>CVE-2022-46288</VulinfoID></RelatedItem>
        <RelatedItem type="cwe"><Name>JVNDB</Name><VulinfoID>CWE-79</VulinfoID></RelatedItem>
      </Related>
      <DateLastUpdated>2024-05-29T17:39:51+09:00</DateLastUpdated>
    </VulinfoData>
  </Vulinfo>
  <status:Status version="3.3" method="getVulnDetailInfo" lang="ja" retCd="0" retMax="10" errCd="" errMsg=""
    totalRes="1" totalResRet="1" firstRes="1" feed="hnd" vulnId="JVNDB-2022-000097" />
</VULDEF-Document>""".encode()


def test_detail_entry_fields_and_html_as_lines() -> None:
    (e,) = parse_detail(DETAIL)
    assert e.jvndb_id == "JVNDB-2022-000097" and e.url == "https://jvndb.jvn.jp/jvndb/JVNDB-2022-000097"
    assert e.overview.split("\n") == [
        "電子入札コアシステムには、次の複数の脆弱性が存在します。",
        "・クロスサイトスクリプティング (CWE-79) - CVE-2022-41993",
        "・オープンリダイレクト (CWE-601) - CVE-2022-46288",
    ]
    assert e.impact == "任意のスクリプトを実行される可能性があります。"
    assert e.solution.startswith("[パッチを適用する]")
    assert e.cves == ("CVE-2022-41993", "CVE-2022-46288")  # CWE ids and duplicates left out
    assert e.updated == "2024-05-29T17:39:51+09:00" and not e.marked
    assert JvnEntry.from_json(e.to_json()) == e


def test_marked_entries_are_recognised() -> None:
    entries = {e.jvndb_id: e for e in parse_detail(detail_xml(list(SAMPLE_ENTRIES), {}).encode())}
    assert entries["JVNDB-2025-009001"].marked and entries["JVNDB-2024-012797"].marked
    assert not entries["JVNDB-2024-001987"].marked


def test_overview_list_keeps_items_naming_the_cve_exactly_and_drops_marked_ones() -> None:
    near = FakeEntry("JVNDB-2024-000001", "別製品の脆弱性", "別の脆弱性です。", "", "", ("CVE-2024-30940",))
    same = FakeEntry("JVNDB-2024-000002", "同じ CVE の別エントリ", "説明", "", "", ("CVE-2024-3094",))
    gone = FakeEntry("JVNDB-2024-000003", "** 削除 ** 取り下げ", "** 削除 **", "", "", ("CVE-2024-3094",))
    body = overview_xml([SAMPLE_ENTRIES[0], near, same, gone], {}).encode()
    assert parse_overview_list(body, "CVE-2024-3094") == ["JVNDB-2024-001987", "JVNDB-2024-000002"]
    assert parse_overview_list(body, "CVE-2024-30940") == ["JVNDB-2024-000001"]


def test_an_empty_answer_is_a_result_node_with_the_status_only() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><Result version="3.3" xmlns="http://jvndb.jvn.jp/myjvn/Results"'
        b' xmlns:status="http://jvndb.jvn.jp/myjvn/Status"><status:Status version="3.3" retCd="0" errCd=""'
        b' errMsg="" totalRes="0" /></Result>'
    )
    assert parse_overview_list(body, "CVE-2024-3094") == [] and parse_detail(body) == []


def test_error_status_and_missing_status_are_errors() -> None:
    err = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:status="http://jvndb.jvn.jp/myjvn/'
        'Status"><status:Status retCd="1" errCd="VL01020003" errMsg="startItemは正の整数値のみ指定可能です。"/>'
        "</rdf:RDF>"
    ).encode()
    with pytest.raises(JvnApiError, match="VL01020003"):
        parse_overview_list(err, "CVE-2024-3094")
    with pytest.raises(JvnParseError, match="status"):
        parse_detail(b'<VULDEF-Document xmlns="http://jvn.jp/vuldef/"></VULDEF-Document>')


@pytest.mark.parametrize(
    "body",
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><r>&c;</r>'
        ),
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        b'<?xml version="1.0"?><!DOCTYPE html><html></html>',
    ],
)
def test_document_type_declarations_are_refused(body: bytes) -> None:
    with pytest.raises(JvnParseError, match="document type"):
        safe_xml(body)


def test_malformed_and_oversized_bodies_are_errors() -> None:
    with pytest.raises(JvnParseError, match="malformed"):
        safe_xml(DETAIL[:200])
    with pytest.raises(JvnParseError, match="larger"):
        safe_xml(b"<r>" + b"x" * (5 * 1024 * 1024) + b"</r>")


def test_plain_text_is_linear_and_bounded() -> None:
    assert plain_text("a<br>b&amp;c<script>x</script>") == "a\nb&cx"
    assert plain_text("行1\\n行2") == "行1\n行2"
    long = plain_text("<" * 200_000 + "あ" * 10_000)
    assert len(long) <= 4001 and long.endswith("…")
