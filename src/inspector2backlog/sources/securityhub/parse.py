"""Any Security Hub document (ASFF or OCSF, event / API page / bare finding / array) → typed details."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from inspector2backlog.findings.parse import loads

from . import asff, ocsf
from .model import SecurityHubDetails, SecurityHubParseError

__all__ = ["iter_parsed", "parse_document", "parse_text", "recognise"]

#: larger text is refused before decoding (an EventBridge event is ≤ 256 KB; a GetFindings page of 100 is less)
MAX_TEXT_BYTES = 16 * 1024 * 1024
_CONTAINER_TYPES = asff.DETAIL_TYPES | ocsf.DETAIL_TYPES | asff.NOT_FINDINGS
_READERS = {"asff": (asff.iter_findings, asff.parse_asff), "ocsf": (ocsf.iter_findings, ocsf.parse_ocsf)}


def recognise(doc: Any) -> Literal["asff", "ocsf"] | None:
    """The wire format of the first finding in ``doc``, or None when it holds no Security Hub finding."""
    for _ in asff.iter_findings(doc):
        return "asff"
    for _ in ocsf.iter_findings(doc):
        return "ocsf"
    return None


def iter_parsed(doc: Any) -> Iterator[SecurityHubDetails | SecurityHubParseError]:
    """Every finding in ``doc``, parsed; a finding that cannot be read yields its error instead (the others go on)."""
    fmt = recognise(doc)
    if fmt is None:
        return
    iter_findings, parse = _READERS[fmt]
    for raw, env in iter_findings(doc):
        try:
            yield parse(raw, env)
        except SecurityHubParseError as e:
            yield e


def _is_empty_container(doc: Any) -> bool:
    if isinstance(doc, list):
        return not doc
    if not isinstance(doc, Mapping):
        return False
    if doc.get("detail-type") in _CONTAINER_TYPES and isinstance(doc.get("detail"), Mapping):
        return True
    for key in ("Findings", "findings"):
        if isinstance(doc.get(key), list) and not doc[key]:
            return True
    data = doc.get("data")
    return "status_code" in doc and _is_empty_container(data)


def parse_document(doc: Any) -> tuple[SecurityHubDetails, ...]:
    """All findings in a decoded document. Raises :class:`SecurityHubParseError` when it is not a Security Hub
    document or one of its findings is unreadable; an empty page or an Insight Results event gives ``()``."""
    out = []
    for item in iter_parsed(doc):
        if isinstance(item, SecurityHubParseError):
            raise item
        out.append(item)
    if not out and not _is_empty_container(doc):
        raise SecurityHubParseError("not a Security Hub finding document (no ASFF or OCSF finding found)")
    return tuple(out)


def parse_text(text: str | bytes) -> tuple[SecurityHubDetails, ...]:
    """:func:`parse_document` on JSON text; undecodable, oversized or too deeply nested input is a
    :class:`SecurityHubParseError`."""
    if not isinstance(text, (str, bytes)):
        raise SecurityHubParseError(f"not text ({type(text).__name__})")
    if len(text) > MAX_TEXT_BYTES:
        raise SecurityHubParseError(f"input larger than {MAX_TEXT_BYTES} bytes")
    try:
        decoded = text.decode("utf-8") if isinstance(text, bytes) else text
        doc = loads(decoded)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise SecurityHubParseError(f"not JSON: {str(e)[:120]}") from None
    return parse_document(doc)
