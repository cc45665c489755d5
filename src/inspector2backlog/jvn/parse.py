"""MyJVN API responses (``feed=hnd`` XML) read safely into plain values.

* ``getVulnOverviewList`` answers JVNRSS 3.2 (RSS 1.0 + ``sec:`` mod_sec 3.0): one ``item`` per JVN iPedia entry,
  its id in ``sec:identifier`` and its CVE ids in ``sec:references source="CVE" id="CVE-…"``.
* ``getVulnDetailInfo`` answers VULDEF 3.2: one ``Vulinfo`` per entry — ``VulinfoID``, ``VulinfoData/Title``,
  ``VulinfoDescription/Overview``, ``Impact/ImpactItem/Description``, ``Solution/SolutionItem/Description``,
  ``Related/RelatedItem`` (CVE ids in ``VulinfoID``), ``DateLastUpdated``.
* Both end with the MyJVN ``status:Status`` node: ``retCd="0"`` success, ``retCd="1"`` error (``errCd``,
  ``errMsg``). A response without it is not a MyJVN answer.

Elements are matched by local name (the VULDEF namespace has been published both as ``http://jvn.jp/vuldef/``
and ``https://…``). The XML is untrusted: a document type declaration (where entity expansion lives) is refused
before parsing, and so is a body over :data:`MAX_BYTES`. Text fields hold HTML (``<ul><li>…``) escaped once; it is
turned into plain lines here, list items starting with 「・」.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from xml.parsers import expat

from ..errors import JVN, Inspector2BacklogError

MAX_BYTES = 4 * 1024 * 1024  # ten detail entries are a few tens of KB
MAX_TEXT = 4000  # characters kept of one text field
MARKERS = ("** 未確定 **", "** 削除 **")  # JVN's own marks: unconfirmed / withdrawn entries are not shown
STATUS_TAG = "{http://jvndb.jvn.jp/myjvn/Status}Status"
JVNDB_ID = re.compile(r"JVNDB-\d{4}-\d{6}")
CVE_ID = re.compile(r"CVE-\d{4}-\d{4,7}")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z]{1,10})\b[^<>]{0,500}>")
_SPACES = re.compile(r"[ \t\u3000]+")


class JvnParseError(Inspector2BacklogError, ValueError):
    """The body is not a well-formed, acceptable MyJVN response."""

    kind = JVN


class JvnApiError(JvnParseError):
    """MyJVN answered with its error status (``retCd="1"``)."""


@dataclass(frozen=True, slots=True)
class JvnEntry:
    """One JVN iPedia entry: Japanese text as plain lines (list items start with 「・」)."""

    jvndb_id: str
    title: str
    overview: str
    impact: str = ""
    solution: str = ""
    cves: tuple[str, ...] = ()
    updated: str = ""

    @property
    def url(self) -> str:
        return f"https://jvndb.jvn.jp/jvndb/{self.jvndb_id}"

    @property
    def marked(self) -> bool:
        """True for an entry JVN marks 「** 未確定 **」 or 「** 削除 **」."""
        return any(m in text for m in MARKERS for text in (self.title, self.overview))

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "cves": list(self.cves)}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> JvnEntry:
        d = json.loads(text)
        s = {k: str(d.get(k) or "") for k in ("jvndb_id", "title", "overview", "impact", "solution", "updated")}
        entry = cls(
            s["jvndb_id"],
            s["title"],
            s["overview"],
            s["impact"],
            s["solution"],
            tuple(str(c) for c in d.get("cves") or ()),
            s["updated"],
        )
        if not JVNDB_ID.fullmatch(entry.jvndb_id):
            raise ValueError("not a JVNDB id")
        return entry


# ---- safe XML -------------------------------------------------------------------------------------------------


def _refuse(*_: Any) -> None:
    raise JvnParseError("a document type declaration or entity is not allowed in a MyJVN response")


def safe_xml(data: bytes) -> ET.Element:
    """Parse ``data`` after refusing a DTD or entity declaration (billion laughs, external entities)."""
    if len(data) > MAX_BYTES:
        raise JvnParseError(f"response of {len(data):,} bytes is larger than {MAX_BYTES:,}")
    guard = expat.ParserCreate()
    guard.StartDoctypeDeclHandler = _refuse
    guard.EntityDeclHandler = _refuse
    guard.ExternalEntityRefHandler = _refuse  # type: ignore[assignment]
    try:
        guard.Parse(data, True)
        return ET.fromstring(data)
    except (expat.ExpatError, ET.ParseError) as exc:
        raise JvnParseError(f"malformed XML ({exc})") from None


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: ET.Element, name: str) -> Iterator[ET.Element]:
    return (c for c in el if _local(c.tag) == name)


def _child(el: ET.Element | None, *path: str) -> ET.Element | None:
    for name in path:
        if el is None:
            return None
        el = next(_children(el, name), None)
    return el


def _items(el: ET.Element, container: str, name: str) -> Iterator[ET.Element]:
    box = _child(el, container)
    return _children(box, name) if box is not None else iter(())


def _text(el: ET.Element | None) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def check_status(root: ET.Element) -> ET.Element:
    """The MyJVN status node; raises :class:`JvnApiError` for an error answer, :class:`JvnParseError` without one."""
    status = next(root.iter(STATUS_TAG), None)
    if status is None:
        raise JvnParseError("no MyJVN status node in the response")
    if status.get("retCd", "").strip() != "0":
        code = status.get("errCd", "")[:40]
        msg = status.get("errMsg", "")[:200]
        raise JvnApiError(f"MyJVN error {code or '?'}: {msg or 'no message'}")
    return status


# ---- text ------------------------------------------------------------------------------------------------------


def plain_text(raw: str) -> str:
    """JVN's escaped HTML (``<ul><li>…</li></ul>``, ``<br>``) as plain lines; list items start with 「・」."""
    raw = raw[: MAX_TEXT * 2]
    if "<" in raw:

        def tag(m: re.Match[str]) -> str:
            closing, name = m.group(1), m.group(2).lower()
            if name == "li":
                return "" if closing else "\n・"
            return "\n" if name in ("br", "p", "ul", "ol", "div") else ""

        raw = _TAG.sub(tag, raw)
    text = html.unescape(raw).replace("\r\n", "\n").replace("\r", "\n").replace("\\n", "\n")
    lines = (_SPACES.sub(" ", ln).strip() for ln in text.split("\n"))
    out = "\n".join(ln for ln in lines if ln and ln != "・")
    return out[:MAX_TEXT].rstrip() + ("…" if len(out) > MAX_TEXT else "")


# ---- responses -------------------------------------------------------------------------------------------------


def parse_overview_list(data: bytes, cve: str) -> list[str]:
    """The JVNDB ids of the ``getVulnOverviewList`` items that name ``cve`` (the keyword search also matches
    longer ids and mentions: only an item whose CVE references — or, lacking them, its text — name it counts).
    Items JVN marks unconfirmed or withdrawn are left out."""
    root = safe_xml(data)
    check_status(root)
    want = cve.upper()
    ids: list[str] = []
    for item in root.iter():
        if _local(item.tag) != "item":
            continue
        jid = _text(_child(item, "identifier"))
        if not JVNDB_ID.fullmatch(jid):
            continue
        title, desc = _text(_child(item, "title")), _text(_child(item, "description"))
        if any(m in title or m in desc for m in MARKERS):
            continue
        refs = {(r.get("id") or "").strip().upper() for r in _children(item, "references")}
        cves = {r for r in refs if CVE_ID.fullmatch(r)}
        named = want in cves if cves else want in set(CVE_ID.findall(f"{title} {desc}"))
        if named and jid not in ids:
            ids.append(jid)
    return ids


def parse_detail(data: bytes) -> list[JvnEntry]:
    """The entries of a ``getVulnDetailInfo`` answer (marked ones included: see :attr:`JvnEntry.marked`)."""
    root = safe_xml(data)
    check_status(root)
    out: list[JvnEntry] = []
    for info in root.iter():
        if _local(info.tag) != "Vulinfo":
            continue
        jid = _text(_child(info, "VulinfoID"))
        data_el = _child(info, "VulinfoData")
        if not JVNDB_ID.fullmatch(jid) or data_el is None:
            continue
        impact = _join(_text(_child(i, "Description")) for i in _items(data_el, "Impact", "ImpactItem"))
        solution = _join(_text(_child(s, "Description")) for s in _items(data_el, "Solution", "SolutionItem"))
        cves: list[str] = []
        for rel in _items(data_el, "Related", "RelatedItem"):
            rid = _text(_child(rel, "VulinfoID")).upper()
            if CVE_ID.fullmatch(rid) and rid not in cves:
                cves.append(rid)
        out.append(
            JvnEntry(
                jvndb_id=jid,
                title=plain_text(_text(_child(data_el, "Title"))),
                overview=plain_text(_text(_child(data_el, "VulinfoDescription", "Overview"))),
                impact=plain_text(impact),
                solution=plain_text(solution),
                cves=tuple(cves),
                updated=_text(_child(data_el, "DateLastUpdated"))[:40],
            )
        )
    return out


def _join(parts: Iterator[str]) -> str:
    return "\n".join(p for p in parts if p)
