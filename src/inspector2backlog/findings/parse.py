"""Inputs → items: the envelopes every source shares (EventBridge events, bare findings, ``{"findings": [...]}``
pages, JSON arrays, NDJSON, SQS records, SNS notifications). Which source a value belongs to is the registry's
answer (:mod:`inspector2backlog.sources`, by a few keys: nothing is parsed to decide), and that source's ``parse``
reads it.

Every input yields items, never an exception: a :class:`Finding`, a :class:`Skipped` (a source's event that is
not a finding, with the reason), or an :class:`Unparsed` (kept whole, so it becomes a fallback issue).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .. import sources
from ..errors import PARSE, Inspector2BacklogError
from .model import EventMeta, Finding, Item, Skipped, Unparsed
from .timestamps import try_parse

_MAX_DEPTH = 4


class FindingParseError(Inspector2BacklogError, ValueError):
    """A value that claims to be a finding but cannot be read as one."""

    kind = PARSE


# ---- documents -----------------------------------------------------------------------------------------------

# "\ud83d" without its pair decodes to a lone surrogate, which no UTF-8 encoder (SQLite, DynamoDB, httpx) accepts.
# A pair decodes to one character, so whatever surrogate is left after decoding is a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # a cheap test on the text: may there be any?
_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(text: str) -> Any:
    """``json.loads``, with lone UTF-16 surrogates read as U+FFFD."""
    value = json.loads(text)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        value = repair_surrogates(value)
    return value


def repair_surrogates(value: Any) -> Any:
    """A decoded JSON value (e.g. a Lambda event) with every lone surrogate replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [repair_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {repair_surrogates(k): repair_surrogates(v) for k, v in value.items()}
    return value


def iter_text(text: str | bytes, origin: str = "input") -> Iterator[Item]:
    """Decode a document (JSON value or NDJSON) and yield its items."""
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            yield Unparsed(origin, f"UTF-8 として読めません: {e}", data.decode("utf-8", "replace"))
            return
    stripped = text.strip()
    if not stripped:
        yield Unparsed(origin, "入力が空です", text)
        return
    try:
        value = loads(stripped)
    except (ValueError, RecursionError) as whole_error:
        lines = [ln for ln in stripped.splitlines() if ln.strip()]
        if len(lines) < 2:
            yield Unparsed(origin, f"JSON として解析できません: {_short(whole_error)}", text)
            return
        for n, line in enumerate(lines, 1):  # NDJSON: one value per line, a bad line does not spoil the rest
            line_origin = f"{origin}:{n}"
            try:
                v = loads(line)
            except (ValueError, RecursionError) as e:
                yield Unparsed(line_origin, f"JSON として解析できません（{n} 行目）: {_short(e)}", line)
                continue
            yield from _sized(iter_items(v, line_origin), len(line))
        return
    yield from _sized(iter_items(value, origin), len(stripped))


def _sized(items: Iterator[Item], chars: int) -> Iterator[Item]:
    """``items``, each finding told the length of the JSON text it came from (a bound on every string in it)."""
    for item in items:
        if type(item) is Finding and not item.input_chars:
            item.input_chars = chars
        yield item


def iter_items(value: Any, origin: str = "input", _depth: int = 0) -> Iterator[Item]:
    """Yield items from a decoded JSON value of any supported shape."""
    try:
        yield from _dispatch(value, origin, _depth)
    except RecursionError:
        yield Unparsed(origin, "入れ子が深すぎます", value)
    except Exception as e:  # noqa: BLE001 - a bug on odd input must still end as a fallback issue, not a crash
        yield Unparsed(origin, f"入力の解析中に予期しないエラー: {type(e).__name__}: {_short(e)}", value)


def _dispatch(value: Any, origin: str, depth: int) -> Iterator[Item]:
    if depth > _MAX_DEPTH:
        yield Unparsed(origin, "入れ子が深すぎます", value)
        return
    if isinstance(value, list):
        if not value:
            return
        for i, v in enumerate(value):
            yield from _dispatch(v, f"{origin}[{i}]", depth + 1)
        return
    if not isinstance(value, dict):
        yield Unparsed(origin, f"AWS のセキュリティ検出結果ではありません（{type(value).__name__} 値）", value)
        return

    records = value.get("Records")
    if isinstance(records, list):  # SQS batch event (or SNS-to-Lambda)
        for i, rec in enumerate(records):
            yield from _from_record(rec, f"{origin}#Records[{i}]", depth)
        return
    if "detail-type" in value or ("detail" in value and "source" in value):
        yield from _from_event(value, origin)
        return
    reg = sources.for_finding(value)
    if reg is not None:
        yield from sources.get(reg.name).parse(value, origin, None)
        return
    detail = value.get("detail")
    if isinstance(detail, dict) and sources.for_finding(detail) is not None:  # an event cut down to its detail
        yield from _dispatch(detail, f"{origin}#detail", depth + 1)
        return
    data = value.get("data")
    if "status_code" in value and isinstance(data, (dict, list)):  # a recorded API response (placebo, c7n)
        yield from _dispatch(data, origin, depth + 1)
        return
    for page_key in ("findings", "Findings"):  # ListFindings / GetFindings pages (boto3: PascalCase); [] is valid
        findings = value.get(page_key)
        if isinstance(findings, list):
            for i, f in enumerate(findings):
                where = f"{origin}#{page_key}[{i}]"
                if isinstance(f, dict):
                    yield from _element(f, where)
                else:
                    yield Unparsed(where, f"{page_key}[] の要素がオブジェクトではありません", f)
            return
    one = value.get("finding")
    if isinstance(one, dict) and sources.for_finding(one) is not None:  # GetFinding output: {"finding": {...}}
        yield finding_or_unparsed(one, f"{origin}#finding", None)
        return
    if "body" in value and ("messageId" in value or "receiptHandle" in value):  # a single SQS record
        yield from _from_record(value, origin, depth)
        return
    if value.get("Type") == "Notification" and "Message" in value:  # SNS envelope
        yield from _from_record({"body": value.get("Message")}, origin, depth)
        return
    keys = ", ".join(sorted(map(str, value))[:8])
    yield Unparsed(
        origin,
        f"Inspector・GuardDuty・IAM Access Analyzer・Security Hub のどの検出結果としても認識できない形式です（キー: {keys or 'なし'}）",
        value,
    )


def _from_record(rec: Any, origin: str, depth: int) -> Iterator[Item]:
    if not isinstance(rec, dict):
        yield Unparsed(origin, "SQS レコードがオブジェクトではありません", rec)
        return
    if "messageId" in rec:
        origin = f"{origin}(messageId={rec.get('messageId')})"
    body = rec.get("body")
    if body is None and isinstance(rec.get("Sns"), dict):
        body = rec["Sns"].get("Message")
    if isinstance(body, (dict, list)):
        yield from _dispatch(body, origin, depth + 1)
        return
    if not isinstance(body, str):
        yield Unparsed(origin, "SQS レコードに本文 (body) がありません", rec)
        return
    try:
        decoded = loads(body)
    except (ValueError, RecursionError) as e:
        yield Unparsed(origin, f"SQS メッセージ本文を JSON として解析できません: {_short(e)}", body)
        return
    yield from _sized(_dispatch(decoded, origin, depth + 1), len(body))


def _from_event(ev: dict, origin: str) -> Iterator[Item]:
    detail_type = _s(ev.get("detail-type"))
    source = _s(ev.get("source"))
    detail = ev.get("detail")
    reg = sources.for_event(source, detail_type)
    carries = reg is not None and detail_type in reg.detail_types
    if not carries and isinstance(detail, dict):  # a finding's detail, whatever the envelope says
        by_keys = sources.for_finding(detail)
        if by_keys is not None:
            reg, carries = by_keys, True
    if reg is None:
        yield Unparsed(
            origin,
            "対応していないサービスのイベントです（Inspector 以外で、GuardDuty・IAM Access Analyzer・Security Hub でもありません。"
            f"source={source!r}, detail-type={detail_type!r}）",
            ev,
        )
        return
    if not carries:
        yield Skipped(origin, sources.get(reg.name).skip_reason(detail_type), detail_type)
        return
    if not isinstance(detail, dict):
        yield Unparsed(origin, "イベントの detail がオブジェクトではありません", ev)
        return
    meta = EventMeta(
        event_id=_s(ev.get("id")),
        detail_type=detail_type,
        source=source,
        account=_s(ev.get("account")),
        region=_s(ev.get("region")),
        time=try_parse(ev.get("time")),
    )
    for item in sources.get(reg.name).parse(detail, origin, meta):
        # a fallback issue shows the whole event, not only its detail
        yield Unparsed(item.origin, item.error, ev) if type(item) is Unparsed and item.raw is detail else item


def _element(obj: Any, origin: str, meta: EventMeta | None = None) -> Iterator[Item]:
    """The items of one finding document (a listing element, a pending record's document), read by the source that
    recognises its keys, else the default source (whose error says what is missing)."""
    reg = sources.for_finding(obj) if isinstance(obj, Mapping) else None
    yield from sources.get(reg.name if reg is not None else sources.DEFAULT).parse(obj, origin, meta)


def finding_or_unparsed(obj: Any, origin: str, meta: EventMeta | None = None) -> Finding | Unparsed:
    """One finding read by its source (:func:`_element`): the first finding or error it yields. Never raises."""
    for item in _element(obj, origin, meta):
        if isinstance(item, (Finding, Unparsed)):
            return item
    return Unparsed(origin, "検出結果がありません", obj)


def parse_finding(d: Any, *, origin: str = "", event: EventMeta | None = None) -> Finding:
    """:func:`finding_or_unparsed` for a caller that wants a :class:`Finding` or an exception."""
    item = finding_or_unparsed(d, origin, event)
    if isinstance(item, Unparsed):
        raise FindingParseError(item.error)
    return item


# ---- lenient coercions ---------------------------------------------------------------------------------------


def lenient_text(v: Any) -> str:
    """A JSON value read as text: strings as they are, numbers and booleans as text, null / objects / arrays as ""."""
    if isinstance(v, str):
        return v
    if v is None or isinstance(v, (dict, list)):
        return ""
    return str(v)


def short_error(e: BaseException, limit: int = 200) -> str:
    """An exception's message for a parse error, cut at ``limit`` characters."""
    s = str(e)
    return s if len(s) <= limit else s[:limit] + "…"


_s, _short = lenient_text, short_error
