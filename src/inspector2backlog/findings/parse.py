"""Sources → items: EventBridge events, bare findings, ListFindings pages, JSON arrays, NDJSON, SQS records.

Every input yields items, never an exception: a :class:`Finding`, a :class:`Skipped` (an Inspector event that is
not a finding, with the reason), or an :class:`Unparsed` (kept whole, so it becomes a fallback issue).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import PARSE, Inspector2BacklogError
from .model import (
    AdjustedCvss,
    CodeVulnerability,
    CvssScore,
    EventMeta,
    Finding,
    Item,
    NetworkReachability,
    Package,
    PathStep,
    Resource,
    Skipped,
    Unparsed,
)
from .timestamps import try_parse

FINDING_DETAIL_TYPES = frozenset({"Inspector2 Finding"})
INSPECTOR_SOURCES = frozenset({"aws.inspector2", "inspector2.ami.ondemand"})
_SKIP_REASONS = {
    "Inspector2 Scan": "スキャン完了通知（検出結果ではありません）",
    "Inspector2 Coverage": "カバレッジ変更通知（検出結果ではありません）",
    "Inspector2 AutoEnable": "自動有効化の通知（検出結果ではありません）",
    "Inspector2 OnDemand Scan Complete": "オンデマンドスキャン完了通知（検出結果ではありません）",
}
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
            yield from iter_items(v, line_origin)
        return
    yield from iter_items(value, origin)


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
        yield Unparsed(origin, f"Inspector の検出結果ではありません（{type(value).__name__} 値）", value)
        return

    records = value.get("Records")
    if isinstance(records, list):  # SQS batch event (or SNS-to-Lambda)
        for i, rec in enumerate(records):
            yield from _from_record(rec, f"{origin}#Records[{i}]", depth)
        return
    if "detail-type" in value or ("detail" in value and "source" in value):
        yield from _from_event(value, origin)
        return
    if "findingArn" in value:
        yield finding_or_unparsed(value, origin, None)
        return
    findings = value.get("findings")
    if isinstance(findings, list):  # ListFindings page; {"findings": []} is a valid empty page
        for i, f in enumerate(findings):
            if isinstance(f, dict):
                yield finding_or_unparsed(f, f"{origin}#findings[{i}]", None)
            else:
                yield Unparsed(f"{origin}#findings[{i}]", "findings[] の要素がオブジェクトではありません", f)
        return
    if "body" in value and ("messageId" in value or "receiptHandle" in value):  # a single SQS record
        yield from _from_record(value, origin, depth)
        return
    if value.get("Type") == "Notification" and "Message" in value:  # SNS envelope
        yield from _from_record({"body": value.get("Message")}, origin, depth)
        return
    keys = ", ".join(sorted(map(str, value))[:8])
    yield Unparsed(origin, f"Inspector の検出結果として認識できない形式です（キー: {keys or 'なし'}）", value)


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
    yield from _dispatch(decoded, origin, depth + 1)


def _from_event(ev: dict, origin: str) -> Iterator[Item]:
    detail_type = _s(ev.get("detail-type"))
    source = _s(ev.get("source"))
    detail = ev.get("detail")
    if detail_type in FINDING_DETAIL_TYPES or (isinstance(detail, dict) and "findingArn" in detail):
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
        yield finding_or_unparsed(detail, origin, meta, envelope=ev)
        return
    if source in INSPECTOR_SOURCES or detail_type.startswith(("Inspector2", "OnDemand")):
        reason = _SKIP_REASONS.get(detail_type, f"検出結果以外の Inspector イベント（{detail_type}）")
        yield Skipped(origin, reason, _s(detail_type))
        return
    yield Unparsed(origin, f"Inspector 以外のイベントです（source={source!r}, detail-type={detail_type!r}）", ev)


def finding_or_unparsed(
    obj: Any, origin: str, meta: EventMeta | None = None, envelope: dict | None = None
) -> Finding | Unparsed:
    """``parse_finding``, except that whatever goes wrong becomes an :class:`Unparsed` (→ a fallback issue)."""
    try:
        return parse_finding(obj, origin=origin, event=meta)
    except FindingParseError as e:
        return Unparsed(origin, str(e), envelope if envelope is not None else obj)
    except Exception as e:  # noqa: BLE001 - any surprise in a malformed finding becomes a fallback, never a crash
        return Unparsed(origin, f"検出結果の解析中に予期しないエラー: {type(e).__name__}: {_short(e)}", envelope or obj)


# ---- the Finding ---------------------------------------------------------------------------------------------


def parse_finding(d: Mapping[str, Any], *, origin: str = "", event: EventMeta | None = None) -> Finding:
    """Build a :class:`Finding` from one Finding object (``detail`` / ``findings[]`` element).

    Required: a non-empty string ``findingArn``. Everything else is read leniently: a missing or wrongly typed
    optional field is treated as absent, because Inspector's shapes grow and differ by source.
    """
    if not isinstance(d, Mapping):
        raise FindingParseError("検出結果がオブジェクトではありません")
    arn = d.get("findingArn")
    if not isinstance(arn, str) or not arn.strip():
        raise FindingParseError("findingArn がありません（検出結果を識別できません）")

    pvd = _d(d.get("packageVulnerabilityDetails"))
    score_details = _d(_d(d.get("inspectorScoreDetails")).get("adjustedCvss"))
    rec = _d(_d(d.get("remediation")).get("recommendation"))
    status = (_s(d.get("status")) or "ACTIVE").upper()

    return Finding(
        arn=arn.strip(),
        account=_s(d.get("awsAccountId")) or (event.account if event else ""),
        type=_s(d.get("type")) or "UNKNOWN",
        severity=(_s(d.get("severity")) or "UNTRIAGED").upper(),
        status=status,
        state={"ACTIVE": "open", "CLOSED": "closed", "SUPPRESSED": "suppressed"}.get(status, "open"),
        title=_s(d.get("title")),
        description=_s(d.get("description")),
        recommendation=_s(rec.get("text")),
        recommendation_url=_s(rec.get("Url") or rec.get("url")),
        first_observed=try_parse(d.get("firstObservedAt")),
        last_observed=try_parse(d.get("lastObservedAt")),
        updated_at=try_parse(d.get("updatedAt")),
        inspector_score=_f(d.get("inspectorScore")),
        adjusted_cvss=_adjusted(score_details) if score_details else None,
        fix_available=_s(d.get("fixAvailable")).upper(),
        exploit_available=_s(d.get("exploitAvailable")).upper(),
        last_known_exploit=try_parse(_d(d.get("exploitabilityDetails")).get("lastKnownExploitAt")),
        epss=_f(_d(d.get("epss")).get("score")),
        vulnerability_id=_s(pvd.get("vulnerabilityId")),
        vulnerability_source=_s(pvd.get("source")),
        source_url=_s(pvd.get("sourceUrl")),
        vendor_severity=_s(pvd.get("vendorSeverity")),
        vendor_created=try_parse(pvd.get("vendorCreatedAt")),
        vendor_updated=try_parse(pvd.get("vendorUpdatedAt")),
        reference_urls=_strs(pvd.get("referenceUrls")),
        related_vulnerabilities=_strs(pvd.get("relatedVulnerabilities")),
        cvss=tuple(_cvss(c) for c in _l(pvd.get("cvss")) if isinstance(c, dict)),
        packages=tuple(_package(p) for p in _l(pvd.get("vulnerablePackages")) if isinstance(p, dict)),
        network=_network(_d(d.get("networkReachabilityDetails"))),
        code=_code(_d(d.get("codeVulnerabilityDetails"))),
        resources=tuple(_resource(r) for r in _l(d.get("resources")) if isinstance(r, dict)),
        event=event,
        origin=origin,
        raw=d if type(d) is dict else dict(d),  # read-only: kept for fallback dumps and pending records
    )


def _adjusted(a: dict) -> AdjustedCvss:
    adjustments = tuple(
        (_s(x.get("metric")), _s(x.get("reason"))) for x in _l(a.get("adjustments")) if isinstance(x, dict)
    )
    return AdjustedCvss(
        score=_f(a.get("score")),
        vector=_s(a.get("scoringVector")),
        version=_s(a.get("version")),
        score_source=_s(a.get("scoreSource")),
        cvss_source=_s(a.get("cvssSource")),
        adjustments=adjustments,
    )


def _cvss(c: dict) -> CvssScore:
    return CvssScore(
        version=_s(c.get("version")),
        vector=_s(c.get("scoringVector")),
        base_score=_f(c.get("baseScore")),
        source=_s(c.get("source")),
    )


def _package(p: dict) -> Package:
    epoch = p.get("epoch")
    return Package(
        name=_s(p.get("name")) or "(名前なし)",
        version=_s(p.get("version")),
        epoch=epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else None,
        release=_s(p.get("release")),
        arch=_s(p.get("arch")),
        fixed_in=_s(p.get("fixedInVersion")),
        remediation=_s(p.get("remediation")),
        package_manager=_s(p.get("packageManager")),
        file_path=_s(p.get("filePath")),
        source_layer_hash=_s(p.get("sourceLayerHash")),
        source_lambda_layer_arn=_s(p.get("sourceLambdaLayerArn")),
    )


def _resource(r: dict) -> Resource:
    tags = r.get("tags")
    return Resource(
        type=_s(r.get("type")) or "UNKNOWN",
        id=_s(r.get("id")),
        partition=_s(r.get("partition")),
        region=_s(r.get("region")),
        tags={str(k): _s(v) for k, v in tags.items()} if isinstance(tags, dict) else {},
        details=_d(r.get("details")),
    )


def _network(n: dict) -> NetworkReachability | None:
    if not n:
        return None
    ports = _d(n.get("openPortRange"))
    steps = tuple(
        PathStep(_s(s.get("componentId")), _s(s.get("componentType")), _s(s.get("componentArn")))
        for s in _l(_d(n.get("networkPath")).get("steps"))
        if isinstance(s, dict)
    )
    return NetworkReachability(_i(ports.get("begin")), _i(ports.get("end")), _s(n.get("protocol")), steps)


def _code(c: dict) -> CodeVulnerability | None:
    if not c:
        return None
    fp = _d(c.get("filePath"))
    return CodeVulnerability(
        cwes=_strs(c.get("cwes")),
        detector_id=_s(c.get("detectorId")),
        detector_name=_s(c.get("detectorName")),
        detector_tags=_strs(c.get("detectorTags")),
        file_name=_s(fp.get("fileName")),
        file_path=_s(fp.get("filePath")),
        start_line=_i(fp.get("startLine")),
        end_line=_i(fp.get("endLine")),
        rule_id=_s(c.get("ruleId")),
        source_lambda_layer_arn=_s(c.get("sourceLambdaLayerArn")),
        reference_urls=_strs(c.get("referenceUrls")),
    )


# ---- lenient coercions ---------------------------------------------------------------------------------------


def _s(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or isinstance(v, (dict, list)):
        return ""
    return str(v)


def _f(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if not isinstance(v, (int, float, str)):
        return None
    try:
        x = float(v)
    except (ValueError, OverflowError):  # "abc", 10**400
        return None
    return x if math.isfinite(x) else None


def _i(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        v = v.strip()
        if v.isascii() and v.isdecimal() and len(v) <= 18:  # "²".isdigit() is True, but int("²") fails
            return int(v)
    return None


def _d(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _l(v: Any) -> list:
    return v if isinstance(v, list) else []


def _strs(v: Any) -> tuple[str, ...]:
    return tuple(x for x in (_s(i) for i in _l(v)) if x)


def _short(e: BaseException, limit: int = 200) -> str:
    s = str(e)
    return s if len(s) <= limit else s[:limit] + "…"
