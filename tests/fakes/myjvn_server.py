"""A loopback MyJVN API (``/myjvn``, ``feed=hnd``) serving JVN iPedia entries in the documented XML formats.

    with MyJvnServer() as srv:            # the entries of SAMPLE_ENTRIES
        client = MyJvnClient(srv.url + "/myjvn")

* ``getVulnOverviewList``: JVNRSS 3.2 (RSS 1.0 + mod_sec 3.0) with ``sec:identifier`` and ``sec:references``.
  Like the real API the keyword is a case-insensitive substring match over the entry's text and CVE ids, and
  without ``rangeDatePublic=n&rangeDatePublished=n&rangeDateFirstPublished=n`` only entries of the last week are
  searched (ours are all older: such a request finds nothing).
* ``getVulnDetailInfo``: VULDEF 3.2, ``vulnId`` ids joined with ``+``; more than ten ids is a MyJVN error status.
* Every answer ends with the ``status:Status`` node (``retCd="1"`` with ``errCd`` / ``errMsg`` for errors).

Faults for the next requests (``srv.fail(n, fault)``; ``n=None``: all): ``"500"``, ``"503"``, ``"timeout"``
(answers after ``srv.delay`` seconds), ``"badxml"`` (truncated XML), ``"doctype"`` (an entity-expansion bomb),
``"status"`` (a MyJVN error status), ``"html"`` (an HTML error page with 200).
The entries are invented for the tests, written in JVN iPedia's style; the JVNDB numbers are not real ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from ._loopback import LoopbackServer

STATUS_NS = "http://jvndb.jvn.jp/myjvn/Status"


@dataclass(frozen=True)
class FakeEntry:
    jvndb_id: str
    title: str
    overview: str  # may hold JVN's HTML (<ul><li>…), escaped once in the XML as the real feed does
    impact: str
    solution: str
    cves: tuple[str, ...]
    date: str = "2024-04-01T12:00:00+09:00"


SAMPLE_ENTRIES: tuple[FakeEntry, ...] = (
    FakeEntry(
        "JVNDB-2024-001987",
        "XZ Utils に悪意のあるコードが埋め込まれた問題",
        "XZ Utils の 5.6.0 および 5.6.1 の配布用アーカイブには、悪意のあるコードが埋め込まれています。"
        "liblzma のビルド処理において、難読化されたテストファイルからオブジェクトファイルが抽出され、"
        "liblzma 内の特定の関数が改ざんされます。",
        "第三者によって、当該ライブラリをリンクしたソフトウェア（sshd など）との通信を傍受または改ざんされ、"
        "システムに不正にアクセスされる可能性があります。",
        "[アップデートする] ベンダ情報を参照し、改ざんされていないバージョンへ更新してください。",
        ("CVE-2024-3094",),
    ),
    FakeEntry(
        "JVNDB-2024-003719",
        "OpenSSH の sshd における競合状態に関する脆弱性",
        "OpenSSH の sshd には、次の脆弱性が存在します。<ul><li>シグナルハンドラにおける競合状態 (CWE-364) "
        "- CVE-2024-6387</li></ul>",
        "遠隔の第三者によって、root 権限で任意のコードを実行される可能性があります。",
        "ベンダ情報を参照して適切な対策を実施してください。",
        ("CVE-2024-6387",),
    ),
    FakeEntry(
        "JVNDB-2024-004102",
        "Requests における証明書検証の不備に関する脆弱性",
        "Requests には、最初の要求で verify=False を指定すると、同じ接続への以降の要求でも証明書の検証が"
        "行われない脆弱性が存在します。",
        "情報を取得される、または改ざんされる可能性があります。",
        "ベンダ情報を参照して適切な対策を実施してください。",
        ("CVE-2024-35195",),
    ),
    FakeEntry(
        "JVNDB-2023-002230",
        "Flask における情報漏えいに関する脆弱性",
        "Flask には、特定の条件下でレスポンスがプロキシにキャッシュされ、別のクライアントに送信される脆弱性が"
        "存在します。",
        "情報を取得される可能性があります。",
        "ベンダ情報を参照して適切な対策を実施してください。",
        ("CVE-2023-30861",),
    ),
    FakeEntry(
        "JVNDB-2023-004211",
        "HTTP/2 プロトコルにおけるサービス運用妨害 (DoS) の脆弱性",
        "HTTP/2 プロトコルには、ストリームのキャンセルを悪用したサービス運用妨害 (DoS) の脆弱性が存在します。",
        "サービス運用妨害 (DoS) 状態にされる可能性があります。",
        "ベンダ情報を参照して適切な対策を実施してください。",
        ("CVE-2023-44487",),
    ),
    FakeEntry(
        "JVNDB-2024-007311",
        "OpenSSL における X.509 証明書の名前検査に関するサービス運用妨害 (DoS) の脆弱性",
        "OpenSSL には、X.509 証明書の名前検査において不正なメモリ読み取りが発生し、"
        "サービス運用妨害 (DoS) 状態となる脆弱性が存在します。",
        "サービス運用妨害 (DoS) 状態にされる可能性があります。",
        "ベンダ情報を参照して適切な対策を実施してください。",
        ("CVE-2024-6119",),
    ),
    FakeEntry(
        "JVNDB-2025-006420",
        "Requests における認証情報の漏えいに関する脆弱性",
        "Requests には、URL の解析の不備により、細工された URL に対して .netrc に記載された認証情報が"
        "第三者に送信される脆弱性が存在します。",
        "情報を取得される可能性があります。",
        "[アップデートする] 開発者が提供する情報をもとに、最新版へアップデートしてください。",
        ("CVE-2024-47081",),
    ),
    FakeEntry(
        "JVNDB-2022-010245",
        "libxml2 における整数オーバーフローの脆弱性",
        "libxml2 には、buf.c および tree.c のバッファ処理関数における整数オーバーフローの脆弱性が存在します。",
        "情報を取得される、情報を改ざんされる、およびサービス運用妨害 (DoS) 状態にされる可能性があります。",
        "ベンダ情報を参照して適切な対策を実施してください。",
        ("CVE-2022-29824",),
    ),
    FakeEntry(
        "JVNDB-2019-011021",
        "libssh2 における境界外読み取りに関する脆弱性",
        "libssh2 の packet.c における SSH_MSG_DISCONNECT の処理には、整数オーバーフローに起因する"
        "境界外読み取りの脆弱性が存在します。",
        "情報を取得される、およびサービス運用妨害 (DoS) 状態にされる可能性があります。",
        "ベンダ情報を参照して適切な対策を実施してください。",
        ("CVE-2019-17498",),
    ),
    FakeEntry(
        "JVNDB-2025-009001",
        "** 未確定 ** Go の net/http における脆弱性",
        "** 未確定 ** Go の net/http には、未特定の脆弱性が存在します。",
        "未確定",
        "未確定",
        ("CVE-2025-47906",),
    ),
    FakeEntry(
        "JVNDB-2024-012797",
        "** 削除 ** OpenSSL における脆弱性",
        "** 削除 ** この脆弱性情報は取り下げられました。",
        "",
        "",
        ("CVE-2024-12797",),
    ),
)


class MyJvnServer(LoopbackServer[str]):
    def __init__(self, entries: tuple[FakeEntry, ...] = SAMPLE_ENTRIES, *, delay: float = 2.0) -> None:
        self.entries = {e.jvndb_id: e for e in entries}
        self.delay = delay
        super().__init__(_handler)

    def calls(self, method: str) -> list[dict]:
        return [r for r in self.requests if r["params"].get("method") == method]


def _status(method: str, params: dict, *, total: int = 0, err: tuple[str, str] | None = None) -> str:
    code, msg = err or ("", "")
    extra = "".join(f" {k}={quoteattr(v)}" for k, v in params.items() if k not in ("method", "feed", "lang"))
    return (
        f'<status:Status version="3.3" method={quoteattr(method)} lang="ja" retCd="{1 if err else 0}" '
        f'retMax="{10 if method == "getVulnDetailInfo" else 50}" errCd={quoteattr(code)} errMsg={quoteattr(msg)} '
        f'totalRes="{total}" totalResRet="{total}" firstRes="1" feed="hnd"{extra} />'
    )


def _error(method: str, params: dict, code: str, msg: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" ?>\n<Result version="3.3" xmlns="http://jvndb.jvn.jp/myjvn/Results"'
        f' xmlns:status="{STATUS_NS}">{_status(method, params, err=(code, msg))}</Result>'
    )


def overview_xml(entries: list[FakeEntry], params: dict) -> str:
    items = []
    for e in entries:
        url = f"https://jvndb.jvn.jp/ja/contents/{e.jvndb_id[6:10]}/{e.jvndb_id}.html"
        refs = "".join(
            f'<sec:references source="CVE" id="{c}">https://www.cve.org/CVERecord?id={c}</sec:references>'
            f'<sec:references source="NVD" id="{c}">https://nvd.nist.gov/vuln/detail/{c}</sec:references>'
            for c in e.cves
        )
        items.append(
            f'<item rdf:about="{url}"><title>{escape(e.title)}</title><link>{url}</link>'
            f"<description>{escape(e.overview)}</description>"
            f"<dc:creator>Information-technology Promotion Agency, Japan</dc:creator>"
            f"<sec:identifier>{e.jvndb_id}</sec:identifier>{refs}"
            f'<sec:cvss score="9.8" severity="Critical" vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"'
            f' version="3.0" type="Base" /><dc:date>{e.date}</dc:date>'
            f"<dcterms:issued>{e.date}</dcterms:issued><dcterms:modified>{e.date}</dcterms:modified></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns="http://purl.org/rss/1.0/" '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" '
        f'xmlns:status="{STATUS_NS}" xml:lang="ja"><channel rdf:about="https://jvndb.jvn.jp/apis/myjvn">'
        "<title>JVNDB　脆弱性対策情報</title><link>https://jvndb.jvn.jp/apis/myjvn</link>"
        "<description>JVNDB　脆弱性対策情報</description><items><rdf:Seq>"
        + "".join(
            f'<rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/{e.jvndb_id[6:10]}/{e.jvndb_id}.html" />'
            for e in entries
        )
        + "</rdf:Seq></items></channel>"
        + "".join(items)
        + _status("getVulnOverviewList", params, total=len(entries))
        + "</rdf:RDF>"
    )


def detail_xml(entries: list[FakeEntry], params: dict) -> str:
    infos = []
    for e in entries:
        related = "".join(
            f'<RelatedItem type="advisory"><Name>Common Vulnerabilities and Exposures (CVE)</Name>'
            f"<VulinfoID>{c}</VulinfoID><URL>https://www.cve.org/CVERecord?id={c}</URL></RelatedItem>"
            f'<RelatedItem type="advisory"><Name>National Vulnerability Database (NVD)</Name>'
            f"<VulinfoID>{c}</VulinfoID><URL>https://nvd.nist.gov/vuln/detail/{c}</URL></RelatedItem>"
            for c in e.cves
        )
        infos.append(
            f"<Vulinfo><VulinfoID>{e.jvndb_id}</VulinfoID><VulinfoData><Title>{escape(e.title)}</Title>"
            f"<VulinfoDescription><Overview>{escape(e.overview)}</Overview></VulinfoDescription>"
            "<Affected><AffectedItem><Name>ベンダ</Name><ProductName>製品</ProductName><VersionNumber /></AffectedItem>"
            '</Affected><Impact><Cvss version="3.0"><Severity type="Base">Critical</Severity><Base>9.8</Base>'
            "<Vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</Vector></Cvss>"
            f"<ImpactItem><Description>{escape(e.impact)}</Description></ImpactItem></Impact>"
            f"<Solution><SolutionItem><Description>{escape(e.solution)}</Description></SolutionItem></Solution>"
            f'<Related>{related}<RelatedItem type="cwe"><Name>JVNDB</Name><VulinfoID>CWE-Other</VulinfoID>'
            "<Title>その他</Title><URL>https://jvndb.jvn.jp/ja/cwe/index.html</URL></RelatedItem></Related>"
            f"<History><HistoryItem><HistoryNo>1</HistoryNo><DateTime>{e.date}</DateTime>"
            "<Description>[2024年04月01日]\\n  掲載</Description></HistoryItem></History>"
            f"<DateFirstPublished>{e.date}</DateFirstPublished><DateLastUpdated>{e.date}</DateLastUpdated>"
            f"<DatePublic>{e.date}</DatePublic></VulinfoData></Vulinfo>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<VULDEF-Document version="3.2" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://jvn.jp/vuldef/" '
        'xmlns:vuldef="http://jvn.jp/vuldef/" xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" '
        f'xmlns:status="{STATUS_NS}" xml:lang="ja">'
        + "".join(infos)
        + _status("getVulnDetailInfo", params, total=len(entries))
        + "</VULDEF-Document>"
    )


_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><rdf:RDF xmlns:rdf="x"><t>&lol3;</t></rdf:RDF>'
)


def _handler(server: MyJvnServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body in separate writes would wait for a delayed ACK

        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, status: int, body: str, ctype: str = "application/xml; charset=UTF-8") -> None:
            data = body.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            with server._lock:
                server.requests.append(
                    {"path": parts.path, "query": parts.query, "params": params, "headers": dict(self.headers.items())}
                )
            fault = server._next_fault()
            method = params.get("method", "")
            if fault == "timeout":
                time.sleep(server.delay)
            elif fault in ("500", "503"):
                return self._reply(int(fault), "<html><body>Service Unavailable</body></html>", "text/html")
            elif fault == "badxml":
                return self._reply(200, detail_xml(list(server.entries.values())[:1], params)[:300])
            elif fault == "doctype":
                return self._reply(200, _BOMB)
            elif fault == "html":
                return self._reply(200, "<!DOCTYPE html><html><body>メンテナンス中</body></html>", "text/html")
            elif fault == "status":
                return self._reply(
                    200,
                    _error(
                        method,
                        params,
                        "XX99990001",
                        "サーバ側でエラーが発生しました。しばらく時間を置いてから再試行してください。",
                    ),
                )
            if parts.path.rstrip("/") != "/myjvn" or params.get("feed") != "hnd":
                return self._reply(200, _error(method, params, "XX01010001", "feed には hnd を指定してください。"))
            if method == "getVulnOverviewList":
                return self._reply(200, overview_xml(self._search(params), params))
            if method == "getVulnDetailInfo":
                ids = [i for i in params.get("vulnId", "").replace(" ", "+").split("+") if i]
                if not ids or len(ids) > 10:
                    return self._reply(
                        200, _error(method, params, "VD01020005", "vulnId は 1～10 件で指定してください。")
                    )
                return self._reply(200, detail_xml([server.entries[i] for i in ids if i in server.entries], params))
            return self._reply(200, _error(method, params, "XX01010002", "method の値が不正です。"))

        def _search(self, params: dict) -> list[FakeEntry]:
            if any(params.get(k) != "n" for k in ("rangeDatePublic", "rangeDatePublished", "rangeDateFirstPublished")):
                return []  # the API's default range is the last week; every entry here is older
            kw = params.get("keyword", "").lower()
            return [
                e
                for e in server.entries.values()
                if kw and any(kw in t.lower() for t in (e.title, e.overview, *e.cves))
            ][:50]

    return Handler
