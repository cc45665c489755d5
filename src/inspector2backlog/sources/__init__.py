"""The source registry: which AWS service an input comes from, and that service's :class:`~.base.Source`.

Recognition reads a few keys of a decoded value and imports nothing; a source package is imported only when an
input needs it (:func:`get`), so the Lambda's import time does not grow with the number of sources. Adding a source
is one package under ``sources/`` plus its line in :data:`REGISTERED`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Registration:
    """How the registry knows a source without importing it."""

    name: str
    module: str  # the package under sources/, imported on first use
    event_sources: frozenset[str]  # EventBridge ``source`` values
    detail_types: frozenset[str]  # EventBridge ``detail-type`` values that carry findings
    finding_keys: tuple[tuple[str, ...], ...]  # a bare finding has every key of one of these tuples
    detail_type_prefixes: tuple[str, ...] = ()  # a ``detail-type`` starting so is this source's (not a finding)
    label: str = ""  # the service's name where the source itself is not loaded (a fallback issue's title)


#: every source, in recognition order (Security Hub first: an ASFF finding of an Inspector finding is Security Hub's)
REGISTERED: tuple[Registration, ...] = (
    Registration(
        "securityhub",
        "securityhub",
        frozenset({"aws.securityhub"}),
        frozenset(
            {"Security Hub Findings - Imported", "Security Hub Findings - Custom Action", "Findings Imported V2"}
        ),
        (("SchemaVersion", "ProductArn", "Id"), ("finding_info", "metadata")),  # ASFF (boto3: PascalCase), OCSF
        label="Security Hub",
    ),
    Registration(
        "inspector2",
        "inspector2",
        frozenset({"aws.inspector2", "inspector2.ami.ondemand"}),
        frozenset({"Inspector2 Finding"}),
        (("findingArn",),),
        ("Inspector2", "OnDemand"),
        label="Inspector",
    ),
    # GuardDuty: a finding has id + type + severity + service (camelCase of events and the CLI, PascalCase of
    # boto3). Neither Inspector's findingArn nor ASFF's SchemaVersion + ProductArn (ASFF has Types / Resources, not
    # Type / Service): a Security Hub copy of a GuardDuty finding stays Security Hub's when its line comes first.
    Registration(
        "guardduty",
        "guardduty",
        frozenset({"aws.guardduty"}),
        frozenset({"GuardDuty Finding"}),
        (("id", "type", "severity", "service"), ("Id", "Type", "Severity", "Service")),
        label="GuardDuty",
    ),
    # IAM Access Analyzer: a finding has an id (findingId in unused-access events) + a top-level resourceType +
    # status (GuardDuty nests resourceType under resource; ASFF and OCSF name resources otherwise)
    Registration(
        "access_analyzer",
        "access_analyzer",
        frozenset({"aws.access-analyzer"}),
        frozenset({"Access Analyzer Finding", "Unused Access Finding for IAM entities", "Internal Access Finding"}),
        (
            ("id", "resourceType", "status"),
            ("findingId", "resourceType", "status"),
            ("Id", "ResourceType", "Status"),
        ),
        label="IAM Access Analyzer",
    ),
)
#: the source that reads an element of a ``{"findings": [...]}`` page nobody recognises (its error says what is
#: missing): ListFindings pages are Inspector's
DEFAULT = "inspector2"

_BY_NAME = {r.name: r for r in REGISTERED}
# the values are ``sources.base.Source`` objects; typed Any because the registry must not import the Protocol
# module: the core and render call the registry, and sources.base imports them (an import cycle, issue 11 item 4)
_LOADED: dict[str, Any] = {}


def label_of(value: Any) -> str:
    """The service a raw input names (its EventBridge ``source`` / ``detail-type``, or its finding keys), without
    importing any source; the default source's label when it names none."""
    reg = None
    if isinstance(value, Mapping):
        if isinstance(value.get("source"), str) or isinstance(value.get("detail-type"), str):
            reg = for_event(str(value.get("source") or ""), str(value.get("detail-type") or ""))
        if reg is None:
            detail = value.get("detail")
            reg = for_finding(detail if isinstance(detail, Mapping) else value)
    return (reg or _BY_NAME[DEFAULT]).label


def names() -> tuple[str, ...]:
    return tuple(r.name for r in REGISTERED)


def get(name: str) -> Any:
    """The :class:`~.base.Source` called ``name`` (imported now if it was not yet). ``KeyError`` for an unknown
    name. A caller above the core may annotate the result as ``sources.base.Source``."""
    src = _LOADED.get(name)
    if src is None:
        reg = _BY_NAME[name]
        # lazy import: a source's parser and knowledge base load only when an input of that source arrives
        module = importlib.import_module(f"{__name__}.{reg.module}")
        src = _LOADED[name] = module.SOURCE
    return src


def for_event(event_source: str, detail_type: str) -> Registration | None:
    """The source of an EventBridge event: by ``detail-type`` first, then by ``source``."""
    for r in REGISTERED:
        if detail_type in r.detail_types:
            return r
    for r in REGISTERED:
        if event_source in r.event_sources:
            return r
    for r in REGISTERED:
        if r.detail_type_prefixes and detail_type.startswith(r.detail_type_prefixes):
            return r
    return None


def for_finding(value: Mapping[str, Any]) -> Registration | None:
    """The source of a bare finding, by the keys it has (cheap: no parsing)."""
    for r in REGISTERED:
        for keys in r.finding_keys:
            if all(k in value for k in keys):
                return r
    return None
