"""The words the configuration accepts, each list defined once; the code that acts on them imports it from here.

Severities are the core's (:mod:`inspector2backlog.findings.model`); the rest are
configuration words: engines (:mod:`.translate` builds them), sinks, group modes (:mod:`.policy.grouping`), digest
periods, Backlog priority names and the severity → priority / due-day defaults (:mod:`.render` reads them), the
two-way actions. The sources a ``[sources.<name>]`` table may name are the fields of
:class:`~.per_source.SourcesConfig`.
"""

from __future__ import annotations

from ..findings.model import SEVERITY_ORDER as SEVERITY_SCALE

#: every severity a ``[backlog.priority]`` / ``[backlog.due_days]`` key may name (UNTRIAGED is outside the order)
SEVERITIES = (*SEVERITY_SCALE, "UNTRIAGED")
#: severity → rank, for ``[filter] min_severity`` and ``[digest] below_severity``
SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITY_SCALE)}
#: Inspector's finding types (``[filter] finding_types``) and statuses (``[filter] statuses``)
FINDING_TYPES = ("PACKAGE_VULNERABILITY", "NETWORK_REACHABILITY", "CODE_VULNERABILITY")
FINDING_STATUSES = ("ACTIVE", "SUPPRESSED", "CLOSED")
ENGINES = ("offline", "amazon", "deepl", "argos")
FORMALITIES = ("FORMAL", "INFORMAL", "")
SINKS = ("backlog", "sns", "stdout")
#: ``[grouping] group_by``
GROUP_BY = ("finding", "vulnerability", "fix", "type", "control")
#: ``[digest] period``
PERIODS = ("day", "week", "standing")
#: Backlog's default priority names (a Japanese space; an English one is matched by the default ids)
PRIORITY_NAMES = ("高", "中", "低")
#: severity → Backlog priority, merged under ``[backlog.priority]``
DEFAULT_PRIORITY = {
    "CRITICAL": "高",
    "HIGH": "高",
    "MEDIUM": "中",
    "LOW": "低",
    "INFORMATIONAL": "低",
    "UNTRIAGED": "中",
}
#: severity → days until the due date, merged under ``[backlog.due_days]`` (absent or 0: no due date)
DEFAULT_DUE_DAYS = {"CRITICAL": 7, "HIGH": 14, "MEDIUM": 30, "LOW": 90}
#: what a ``[two_way.actions]`` resolution may map to
TWO_WAY_ACTIONS = ("suppress", "none")
#: the resolution an archived finding closes with, unless ``[sources.<name>] archived_resolution`` says otherwise
DEFAULT_ARCHIVED_RESOLUTION = "対応しない"
DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024
ENV_PREFIX = "I2B_"

__all__ = [
    "DEFAULT_ARCHIVED_RESOLUTION",
    "DEFAULT_DUE_DAYS",
    "DEFAULT_MAX_INPUT_BYTES",
    "DEFAULT_PRIORITY",
    "ENGINES",
    "ENV_PREFIX",
    "FINDING_STATUSES",
    "FINDING_TYPES",
    "FORMALITIES",
    "GROUP_BY",
    "PERIODS",
    "PRIORITY_NAMES",
    "SEVERITIES",
    "SEVERITY_ORDER",
    "SEVERITY_SCALE",
    "SINKS",
    "TWO_WAY_ACTIONS",
]
