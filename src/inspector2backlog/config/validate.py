"""Validation of a loaded configuration: every value in its vocabulary (:mod:`.vocabulary`) and range.

:func:`validate` raises the first :class:`~.model.ConfigError`, naming the file or variable, the section and the key.
"""

from __future__ import annotations

from .checks import check_space_url, two_way_problems
from .model import Config, ConfigError
from .vocabulary import (
    ENGINES,
    FINDING_STATUSES,
    FINDING_TYPES,
    FORMALITIES,
    GROUP_BY,
    PERIODS,
    PRIORITY_NAMES,
    SEVERITIES,
    SEVERITY_ORDER,
    SINKS,
)


def validate(c: Config, where: str) -> None:
    """Raise :class:`ConfigError` for the first value outside its vocabulary or range, naming ``where`` and the key."""

    def bad(place: str, msg: str) -> ConfigError:
        return ConfigError(f"{where}: {place}: {msg}")

    b = c.backlog
    if b.space_url:
        try:
            check_space_url(b.space_url)
        except ValueError as exc:
            raise bad("[backlog] space_url", str(exc)) from None
    for table in ("priority", "due_days"):
        for sev, value in getattr(b, table).items():
            if sev not in SEVERITIES:
                raise bad(f"[backlog.{table}] {sev}", f"unknown severity (known: {', '.join(SEVERITIES)})")
            if table == "priority" and not str(value).strip():
                raise bad(f"[backlog.{table}] {sev}", "empty priority name")
            if table == "due_days" and value < 0:
                raise bad(f"[backlog.{table}] {sev}", "must be 0 (no due date) or a positive number of days")
    if c.translate.engine not in ENGINES:
        raise bad("[translate] engine", f"{c.translate.engine!r} is not one of {', '.join(ENGINES)}")
    if c.translate.formality.upper() not in FORMALITIES:
        raise bad("[translate] formality", f"{c.translate.formality!r}: use FORMAL or INFORMAL")
    j = c.jvn
    if j.enabled and not j.endpoint_url.startswith(("https://", "http://")):
        raise bad("[jvn] endpoint_url", f"{j.endpoint_url!r}: must be an http(s) URL")
    if j.timeout_seconds <= 0 or j.cache_days < 1 or j.miss_cache_days < 1 or j.failure_threshold < 1:
        raise bad("[jvn]", "timeout_seconds must be > 0; cache_days, miss_cache_days and failure_threshold >= 1")
    f = c.filter
    if f.min_severity.upper() not in SEVERITY_ORDER:
        raise bad("[filter] min_severity", f"{f.min_severity!r}: use one of {', '.join(SEVERITY_ORDER)}")
    for t in f.finding_types:
        if t not in FINDING_TYPES:
            raise bad("[filter] finding_types", f"{t!r}: use {', '.join(FINDING_TYPES)}")
    for s in f.statuses:
        if s not in FINDING_STATUSES:
            raise bad("[filter] statuses", f"{s!r}: use {', '.join(FINDING_STATUSES)}")
    if not 0.0 <= f.min_epss <= 1.0:
        raise bad("[filter] min_epss", f"{f.min_epss}: must be between 0 and 1")
    if c.delivery.sink not in SINKS:
        raise bad("[delivery] sink", f"{c.delivery.sink!r} is not one of {', '.join(SINKS)}")
    if c.delivery.sink == "sns" and not c.delivery.sns_topic_arn:
        raise bad("[delivery] sns_topic_arn", 'required when sink = "sns"')
    if c.grouping.group_by not in GROUP_BY:
        raise bad("[grouping] group_by", f"{c.grouping.group_by!r} is not one of {', '.join(GROUP_BY)}")
    if b.index_lag_seconds < 0:
        raise bad("[backlog] index_lag_seconds", "must be 0 or a number of seconds")
    if c.state.claim_timeout_seconds <= 0:
        raise bad("[state] claim_timeout_seconds", "must be a positive number of seconds")
    if c.grouping.coalesce_seconds < 0:
        raise bad("[grouping] coalesce_seconds", "must be 0 (write at the end of every run) or a number of seconds")
    if c.digest.below_severity and c.digest.below_severity.upper() not in SEVERITY_ORDER:
        raise bad("[digest] below_severity", f"{c.digest.below_severity!r}: use one of {', '.join(SEVERITY_ORDER)}")
    if c.digest.period not in PERIODS:
        raise bad("[digest] period", f"{c.digest.period!r} is not one of {', '.join(PERIODS)}")
    r = c.risk
    for key in ("exploit_priority", "epss_priority", "internet_reachable_priority"):
        value = getattr(r, key)
        if value and value not in PRIORITY_NAMES:
            raise bad(
                f"[risk] {key}", f'{value!r}: use one of {", ".join(PRIORITY_NAMES)} (or "" to switch the rule off)'
            )
    if not 0.0 <= r.epss_threshold <= 1.0:
        raise bad("[risk] epss_threshold", f"{r.epss_threshold}: must be between 0 and 1 (0 switches the rule off)")
    if r.raised_due_days < 0:
        raise bad("[risk] raised_due_days", "must be 0 (keep the severity's due days) or a positive number of days")
    if c.two_way.enabled:  # checked only when used: the two-way code stays off the send path
        for place, msg in two_way_problems(c.two_way):
            raise bad(place, msg)
