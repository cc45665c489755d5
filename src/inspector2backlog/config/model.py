"""The configuration's model: one frozen dataclass per TOML section, and :class:`Config` holding them.

Reading a file and the environment into these is :mod:`.load`; the checks beyond a value's type are
:mod:`.validate` and :mod:`.checks`. Defaults live on the fields; the words a field accepts in :mod:`.vocabulary`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from ..errors import CONFIG, Inspector2BacklogError
from .per_source import SourceConfig, SourcesConfig
from .vocabulary import DEFAULT_DUE_DAYS, DEFAULT_MAX_INPUT_BYTES, DEFAULT_PRIORITY


class ConfigError(Inspector2BacklogError, ValueError):
    """The configuration is wrong; the message names the file/variable, the section and the key."""

    kind = CONFIG


def _frozen_map(d: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


def _item(kind: type) -> dict[str, Any]:
    return {"item": kind}


@dataclass(frozen=True, slots=True)
class BacklogConfig:
    space_url: str = ""
    api_key_env: str = "BACKLOG_API_KEY"
    api_key_ssm_parameter: str = ""
    api_key_secret_arn: str = ""
    oauth_token_env: str = ""
    # OAuth 2.0 with a refresh token (backlog/oauth.py): set one refresh token source to use it instead of an API key
    oauth_client_id: str = ""
    oauth_client_id_env: str = ""
    oauth_client_secret_env: str = ""
    oauth_client_secret_ssm_parameter: str = ""
    oauth_client_secret_secret_arn: str = ""
    oauth_refresh_token_env: str = ""
    oauth_refresh_token_file: str = ""  # rewritten (mode 0600) with each rotated refresh token
    oauth_refresh_token_secret_arn: str = ""  # PutSecretValue with each rotated refresh token
    project_key: str = ""
    issue_type: str = ""
    open_status: str = "未対応"
    closed_status: str = "完了"
    closed_resolution: str = "対応済み"  # "" = close without a resolution
    suppressed_resolution: str = "対応しない"
    assignee: str = ""
    notified_users: tuple[str, ...] = field(default=(), metadata=_item(str))
    category: str = ""
    arn_custom_field: str = ""
    timeout_seconds: float = 15.0  # read timeout of one request
    max_retries: int = 5  # per request, for 429 / 5xx / connection failures
    max_wait_seconds: float = 120.0  # longest wait for a rate-limit reset
    retry_backoff_seconds: float = 1.0  # first back-off step (doubles, with jitter, capped at 30 s)
    index_lag_seconds: float = 300.0  # a create that may have landed is filed again only after a look-up this late
    priority: Mapping[str, str] = field(
        default_factory=lambda: _frozen_map(DEFAULT_PRIORITY), metadata={"item": str, "severity_keys": True}
    )
    due_days: Mapping[str, int] = field(
        default_factory=lambda: _frozen_map(DEFAULT_DUE_DAYS), metadata={"item": int, "severity_keys": True}
    )

    @property
    def categories(self) -> tuple[str, ...]:
        return (self.category,) if self.category else ()

    def missing(self) -> list[str]:
        """Required keys still empty (needed to talk to Backlog, not to render)."""
        return [k for k in ("space_url", "project_key", "issue_type") if not getattr(self, k)]

    def priority_for(self, severity: str) -> str:
        return self.priority.get(severity.upper()) or self.priority.get("UNTRIAGED") or "中"

    def due_days_for(self, severity: str) -> int | None:
        days = self.due_days.get(severity.upper())
        return days if days else None


@dataclass(frozen=True, slots=True)
class StateConfig:
    path: str = "inspector2backlog.sqlite3"
    dynamodb_table: str = ""
    region: str = ""
    translation_ttl_days: int = 365  # DynamoDB: translation-memory entries expire (TTL) after this; 0 = never
    claim_timeout_seconds: float = 120.0  # a claim older than this belongs to a worker that died


@dataclass(frozen=True, slots=True)
class TranslateConfig:
    engine: str = "offline"
    formality: str = "FORMAL"
    terminology: tuple[str, ...] = field(default=(), metadata=_item(str))
    deepl_auth_key_env: str = "DEEPL_AUTH_KEY"
    deepl_server_url: str = ""
    deepl_glossary_id: str = ""
    argos_model_path: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class JvnConfig:
    """JVN iPedia (MyJVN API) as a source of Japanese text for CVEs, in front of the translation engine."""

    enabled: bool = False
    endpoint_url: str = "https://jvndb.jvn.jp/myjvn"
    timeout_seconds: float = 5.0  # per MyJVN call; with failure_threshold it bounds what an outage costs a run
    cache_days: int = 30  # an entry found is asked again after this many days
    miss_cache_days: int = 1  # a CVE JVN does not have (yet) is asked again after this many days
    failure_threshold: int = 3  # failed MyJVN calls before the rest of the run stops asking


@dataclass(frozen=True, slots=True)
class FilterConfig:
    min_severity: str = "MEDIUM"
    exclude_untriaged: bool = False
    finding_types: tuple[str, ...] = field(default=(), metadata=_item(str))
    statuses: tuple[str, ...] = field(default=(), metadata=_item(str))
    min_epss: float = 0.0
    exploit_available_only: bool = False
    fix_available_only: bool = False
    accounts: tuple[str, ...] = field(default=(), metadata=_item(str))
    exclude_accounts: tuple[str, ...] = field(default=(), metadata=_item(str))
    resource_tags: Mapping[str, str] = field(default_factory=_frozen_map, metadata=_item(str))
    exclude_resource_tags: Mapping[str, str] = field(default_factory=_frozen_map, metadata=_item(str))


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    sink: str = "backlog"
    sns_topic_arn: str = ""


@dataclass(frozen=True, slots=True)
class GroupingConfig:
    group_by: str = "finding"
    #: rewrite a group issue at most once per this many seconds (changes in between are recorded and written
    #: together by a later run or the pending sweep); 0 = at the end of every run / batch
    coalesce_seconds: int = 0


@dataclass(frozen=True, slots=True)
class DigestConfig:
    below_severity: str = ""
    period: str = "day"


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """Rules that raise an issue's priority (and shorten its due date) beyond what the severity gives.

    An empty priority switches its rule off (the default: no rule is on). ``raised_due_days`` > 0 caps the due date
    (in days) of an issue whose priority a rule raised; 0 keeps the severity's due days.
    """

    exploit_priority: str = ""
    epss_threshold: float = 0.0
    epss_priority: str = "高"
    internet_reachable_priority: str = ""
    raised_due_days: int = 0

    @property
    def enabled(self) -> bool:
        return bool(
            self.exploit_priority
            or (self.epss_threshold > 0 and self.epss_priority)
            or self.internet_reachable_priority
        )


@dataclass(frozen=True, slots=True)
class SyncConfig:
    regions: tuple[str, ...] = field(default=(), metadata=_item(str))
    accounts: tuple[str, ...] = field(default=(), metadata=_item(str))
    filter_criteria: Mapping[str, Any] = field(default_factory=_frozen_map, metadata=_item(object))
    #: the sources ``sync`` lists (registry names; ``sync --source`` overrides): Inspector unless configured
    sources: tuple[str, ...] = field(default=("inspector2",), metadata=_item(str))
    #: Security Hub's listing: GetFindings (``asff``), GetFindingsV2 (``ocsf``) or both
    securityhub_apis: tuple[str, ...] = field(default=("asff",), metadata=_item(str))


@dataclass(frozen=True, slots=True)
class InputConfig:
    #: the CLI refuses a file or standard input larger than this (exit 2, nothing from it sent)
    max_bytes: int = DEFAULT_MAX_INPUT_BYTES


@dataclass(frozen=True, slots=True)
class TwoWayConfig:
    """Backlog → AWS: a decision made in Backlog (resolution) becomes an action in AWS (:mod:`.twoway`)."""

    enabled: bool = False
    webhook_secret_env: str = ""  # or webhook_secret_secret_arn / webhook_secret_ssm_parameter
    webhook_secret_secret_arn: str = ""
    webhook_secret_ssm_parameter: str = ""
    webhook_url: str = ""  # our Function URL without the secret (doctor compares the registered hookUrl)
    allowed_source_ips: tuple[str, ...] = field(default=(), metadata=_item(str))  # CIDRs; empty = any
    max_body_bytes: int = 65536
    actions: Mapping[str, str] = field(
        default_factory=lambda: _frozen_map({"対応しない": "suppress", "無効": "suppress", "対応済み": "none"}),
        metadata=_item(str),
    )


@dataclass(frozen=True, slots=True)
class Config:
    backlog: BacklogConfig = field(default_factory=BacklogConfig)
    state: StateConfig = field(default_factory=StateConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    jvn: JvnConfig = field(default_factory=JvnConfig)
    filter: FilterConfig = field(default_factory=FilterConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    grouping: GroupingConfig = field(default_factory=GroupingConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    input: InputConfig = field(default_factory=InputConfig)
    two_way: TwoWayConfig = field(default_factory=TwoWayConfig)
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    source: str = ""  # the file it came from ("" = defaults + environment)

    def for_source(self, name: str) -> SourceConfig:
        """``[sources.<name>]`` of the registry's source ``name``. ``KeyError`` for a name that is not a source."""
        return self.sources.get(name)

    def backlog_for(self, name: str) -> BacklogConfig:
        """``[backlog]`` as source ``name`` uses it: its own project key, issue type and category where set."""
        return self.sources.get(name).backlog(self.backlog)


#: section name → its dataclass (each section's default_factory is the class). The ignore: typeshed types
#: default_factory as a factory Protocol that mypy will not narrow to ``type``, though a class is one.
#: ``sources`` is a table of tables (``[sources.<name>]``), read by its own rules (:mod:`.load`).
SECTIONS: dict[str, type] = {f.name: f.default_factory for f in fields(Config) if f.name not in ("source", "sources")}  # type: ignore[misc]
