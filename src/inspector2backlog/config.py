"""Configuration: a TOML file, then environment overrides ``I2B_<SECTION>_<KEY>``, into frozen dataclasses.

* Unknown sections/keys and invalid values fail with the place named: ``config.toml: [filter] min_severiti: unknown
  key``. Environment overrides are checked the same way (``I2B_FILTER_MIN_SEVERITI: unknown key``).
* Overrides: ``I2B_BACKLOG_PROJECT_KEY=SEC``; lists as ``a,b`` or a JSON array; tables as a JSON object or
  ``k=v,k2=v2``; one severity of ``[backlog.priority]`` / ``[backlog.due_days]`` as ``I2B_BACKLOG_PRIORITY_HIGH=高``.
  ``I2B_*`` variables whose section is not one of ours (``I2B_CONFIG``…) are left alone.
* ``[backlog.priority]`` and ``[backlog.due_days]`` merge into the defaults; a due-days value of 0 means no due date.
* Secrets never live in the file: :func:`resolve_credentials` reads the API key from an environment variable, an SSM
  SecureString parameter or a Secrets Manager secret (plain or ``{"apiKey": …}``), or an OAuth token from an
  environment variable; remote values are cached per process. OAuth 2.0 with a refresh token (rotated and stored
  back) is :mod:`.backlog.oauth`.
"""

from __future__ import annotations

import json
import os
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .config_checks import InputConfig, problems as _check_problems
from .render.labels import DEFAULT_DUE_DAYS, DEFAULT_PRIORITY

SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNTRIAGED")
SEVERITY_ORDER = {"INFORMATIONAL": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
FINDING_TYPES = ("PACKAGE_VULNERABILITY", "NETWORK_REACHABILITY", "CODE_VULNERABILITY")
FINDING_STATUSES = ("ACTIVE", "SUPPRESSED", "CLOSED")
ENGINES = ("offline", "amazon", "deepl", "argos")
FORMALITIES = ("FORMAL", "INFORMAL", "")
SINKS = ("backlog", "sns", "stdout")
GROUP_BY = ("finding", "vulnerability", "fix")
PERIODS = ("day", "week", "standing")
PRIORITY_NAMES = ("高", "中", "低")
ENV_PREFIX = "I2B_"


class ConfigError(ValueError):
    """The configuration is wrong; the message names the file/variable, the section and the key."""


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
    source: str = ""  # the file it came from ("" = defaults + environment)


#: section name → its dataclass (each section's default_factory is the class). The ignore: typeshed types
#: default_factory as a factory Protocol that mypy will not narrow to ``type``, though a class is one.
SECTIONS: dict[str, type] = {f.name: f.default_factory for f in fields(Config) if f.name != "source"}  # type: ignore[misc]


# ---- loading ---------------------------------------------------------------------------------------------------


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (TOML; ``None`` = defaults only), apply ``I2B_*`` overrides from ``env``, validate."""
    env = os.environ if env is None else env
    where = str(path) if path is not None else "<defaults>"
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            with p.open("rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{where}: file not found / 設定ファイルがありません") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{where}: invalid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{where}: UTF-8 として読めません / not UTF-8 (byte {exc.start}: {exc.reason})") from None
    for name in raw:
        if name not in SECTIONS:
            raise ConfigError(f"{where}: [{name}]: unknown section (known: {', '.join(SECTIONS)})")
        if not isinstance(raw[name], dict):
            raise ConfigError(f"{where}: {name}: must be a table [{name}]")

    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        values = _section_from_toml(cls, name, raw.get(name, {}), where)
        sections[name] = values
    _apply_env(sections, env)
    _normalise(sections)
    built = {name: SECTIONS[name](**values) for name, values in sections.items()}
    config = Config(**built, source=str(path) if path is not None else "")
    for place, message in _check_problems(config):  # ports of every URL, [input]: config_checks.py
        raise ConfigError(f"{where}: {place}: {message}")
    _validate(config, where)
    return config


def _section_from_toml(cls: type, section: str, table: Mapping[str, Any], where: str) -> dict[str, Any]:
    specs = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        place = f"{where}: [{section}] {key}"
        if key not in specs:
            raise ConfigError(f"{where}: [{section}] {key}: unknown key (known: {', '.join(specs)})")
        values[key] = _coerce(specs[key], value, place)
    return _merge_defaults(cls, values)


def _merge_defaults(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    for f in fields(cls):
        if f.metadata.get("severity_keys") and f.name in values:
            factory = f.default_factory
            assert callable(factory)  # severity_keys fields are dicts with a default_factory
            merged = dict(factory())
            merged.update(values[f.name])
            values[f.name] = _frozen_map(merged)
    return values


def _default_of(f: Any) -> Any:
    return f.default_factory() if f.default_factory is not MISSING else f.default


def _coerce(f: Any, value: Any, place: str) -> Any:
    default = _default_of(f)
    item = f.metadata.get("item")
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{place}: expected true/false, got {value!r}")
    if isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{place}: expected a number, got {value!r}")
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{place}: expected an integer, got {value!r}")
    if isinstance(default, str):
        if isinstance(value, str):
            return value.strip()
        raise ConfigError(f"{place}: expected a string, got {value!r}")
    if isinstance(default, tuple):
        if isinstance(value, str):  # a single value is accepted as a one-element list
            value = [value] if value.strip() else []
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            raise ConfigError(f"{place}: expected a list of strings, got {value!r}")
        return tuple(str(v).strip() for v in value if str(v).strip())
    if isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{place}: expected a table, got {value!r}")
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = str(k).upper() if f.metadata.get("severity_keys") else str(k)
            if item is int and (not isinstance(v, int) or isinstance(v, bool)):
                raise ConfigError(f"{place}.{k}: expected an integer, got {v!r}")
            if (item is str and not isinstance(v, (str, int, float))) or (isinstance(v, bool) and item is str):
                raise ConfigError(f"{place}.{k}: expected a string, got {v!r}")
            out[key] = str(v) if item is str else v
        return _frozen_map(out)
    raise ConfigError(f"{place}: unsupported value {value!r}")  # pragma: no cover - every field has a default


# ---- environment overrides ------------------------------------------------------------------------------------


def _apply_env(sections: dict[str, dict[str, Any]], env: Mapping[str, str]) -> None:
    for var in sorted(env):
        if not var.startswith(ENV_PREFIX):
            continue
        rest = var[len(ENV_PREFIX) :]
        section = next((s for s in SECTIONS if rest.upper().startswith(s.upper() + "_")), None)
        if section is None:
            continue  # not ours (I2B_CONFIG, I2B_LOG_LEVEL…)
        key = rest[len(section) + 1 :].lower()
        cls = SECTIONS[section]
        specs = {f.name: f for f in fields(cls)}
        raw = env[var]
        if key in specs:
            value = _coerce(specs[key], _parse_env(specs[key], raw, var), var)
            if specs[key].metadata.get("severity_keys"):
                merged = dict(sections[section].get(key) or _default_of(specs[key]))
                merged.update(value)
                value = _frozen_map(merged)
            sections[section][key] = value
            continue
        table = next((n for n, f in specs.items() if f.metadata.get("severity_keys") and key.startswith(n + "_")), None)
        if table is not None:
            sub = key[len(table) + 1 :].upper()
            spec = specs[table]
            value = _coerce(spec, {sub: _parse_scalar(spec.metadata["item"], raw, var)}, var)
            merged = dict(sections[section].get(table) or _default_of(spec))
            merged.update(value)
            sections[section][table] = _frozen_map(merged)
            continue
        raise ConfigError(f"{var}: unknown key [{section}] {key} (known: {', '.join(specs)})")


def _parse_scalar(kind: type, raw: str, var: str) -> Any:
    text = raw.strip()
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{var}: expected true/false, got {raw!r}")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{var}: expected an integer, got {raw!r}") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{var}: expected a number, got {raw!r}") from None
    return text


def _parse_env(f: Any, raw: str, var: str) -> Any:
    default = _default_of(f)
    text = raw.strip()
    if isinstance(default, (bool, int, float, str)):
        return _parse_scalar(type(default), raw, var)
    if isinstance(default, tuple):
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise ConfigError(f"{var}: invalid JSON list") from None
        return [p.strip() for p in text.split(",") if p.strip()]
    if isinstance(default, Mapping):
        if text.startswith("{"):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise ConfigError(f"{var}: invalid JSON object") from None
        out: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            if "=" not in part:
                raise ConfigError(f"{var}: expected k=v,k2=v2 or a JSON object, got {raw!r}")
            k, v = part.split("=", 1)
            out[k.strip()] = _parse_scalar(f.metadata.get("item", str), v, var)
        return out
    return raw  # pragma: no cover


_UPPER = {
    "filter": ("min_severity", "finding_types", "statuses"),
    "digest": ("below_severity",),
    "translate": ("formality",),
}


def _normalise(sections: dict[str, dict[str, Any]]) -> None:
    """Enum-like values are case-insensitive in the file; stored upper-case."""
    for section, keys in _UPPER.items():
        for key in keys:
            v = sections[section].get(key)
            if isinstance(v, str):
                sections[section][key] = v.upper()
            elif isinstance(v, tuple):
                sections[section][key] = tuple(x.upper() for x in v)


# ---- validation -----------------------------------------------------------------------------------------------


def _validate(c: Config, where: str) -> None:
    def bad(place: str, msg: str) -> ConfigError:
        return ConfigError(f"{where}: {place}: {msg}")

    b = c.backlog
    if b.space_url:
        from .backlog.client import check_space_url  # the one rule for URLs, shared with the client

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
        from .config_checks import two_way_problems

        for place, msg in two_way_problems(c.two_way):
            raise bad(place, msg)


# ---- secrets ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credentials:
    """What authenticates us to Backlog: exactly one of the two. ``source`` says where it came from (no secret)."""

    api_key: str | None = None
    oauth_token: str | None = None
    source: str = ""
    source_ja: str = ""

    def __repr__(self) -> str:  # never show the secret
        kind = "api_key" if self.api_key else "oauth_token" if self.oauth_token else "none"
        return f"Credentials({kind} from {self.source})"


class SecretResolutionError(ConfigError):
    """The API key/token could not be obtained. The message names the source, never a secret value."""


_cache: dict[tuple[str, str], str] = {}
_cache_lock = threading.Lock()


def clear_secret_cache() -> None:
    with _cache_lock:
        _cache.clear()


def resolve_credentials(
    config: Config | BacklogConfig,
    *,
    env: Mapping[str, str] | None = None,
    ssm_client: Any = None,
    secrets_client: Any = None,
) -> Credentials:
    """The Backlog credentials ``[backlog]`` points at, in this order: Secrets Manager secret, SSM parameter,
    OAuth token environment variable, API key environment variable. Remote values are cached per process."""
    from .backlog.errors import install_log_redaction

    b = config.backlog if isinstance(config, Config) else config
    env = os.environ if env is None else env
    if b.api_key_secret_arn:
        arn = b.api_key_secret_arn
        key = _cached("secretsmanager", arn, lambda: _from_secrets_manager(arn, secrets_client))
        install_log_redaction(key)
        return Credentials(
            api_key=key,
            source=f"Secrets Manager {b.api_key_secret_arn}",
            source_ja=f"Secrets Manager のシークレット {b.api_key_secret_arn}",
        )
    if b.api_key_ssm_parameter:
        key = _cached("ssm", b.api_key_ssm_parameter, lambda: _from_ssm(b.api_key_ssm_parameter, ssm_client))
        install_log_redaction(key)
        return Credentials(
            api_key=key,
            source=f"SSM parameter {b.api_key_ssm_parameter}",
            source_ja=f"SSM パラメータ {b.api_key_ssm_parameter}",
        )
    if b.oauth_token_env:
        token = (env.get(b.oauth_token_env) or "").strip()
        if token:
            install_log_redaction(token)
            return Credentials(
                oauth_token=token,
                source=f"environment variable {b.oauth_token_env}",
                source_ja=f"環境変数 {b.oauth_token_env}（OAuth トークン）",
            )
    if b.api_key_env:
        key = (env.get(b.api_key_env) or "").strip()
        if key:
            install_log_redaction(key)
            return Credentials(
                api_key=key, source=f"environment variable {b.api_key_env}", source_ja=f"環境変数 {b.api_key_env}"
            )
    tried = [f"${n}" for n in (b.oauth_token_env, b.api_key_env) if n]
    raise SecretResolutionError(
        "Backlog の API キーが見つかりません（" + ", ".join(tried or ["設定なし"]) + " が未設定）/ "
        "no Backlog API key: set "
        + (" or ".join(tried) if tried else "[backlog] api_key_env")
        + ", or [backlog] api_key_ssm_parameter / api_key_secret_arn"
    )


def resolve_api_key(
    config: Config | BacklogConfig,
    *,
    env: Mapping[str, str] | None = None,
    ssm_client: Any = None,
    secrets_client: Any = None,
) -> str:
    """The API key (env var, SSM SecureString or Secrets Manager). Raises when only an OAuth token is configured."""
    creds = resolve_credentials(config, env=env, ssm_client=ssm_client, secrets_client=secrets_client)
    if not creds.api_key:
        raise SecretResolutionError(f"an OAuth token is configured ({creds.source}), not an API key")
    return creds.api_key


def _cached(kind: str, name: str, fetch: Any) -> str:
    with _cache_lock:
        if (kind, name) in _cache:
            return _cache[(kind, name)]
    value = fetch()
    with _cache_lock:
        _cache[(kind, name)] = value
    return value


def _region_from_arn(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] or None if arn.startswith("arn:") and len(parts) > 4 else None


def _boto_client(service: str, region: str | None) -> Any:
    import boto3  # lazy: only when a secret really lives in AWS

    return boto3.client(service, region_name=region) if region else boto3.client(service)


def _from_ssm(name: str, client: Any) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = client or _boto_client("ssm", _region_from_arn(name))
        value = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise SecretResolutionError(f"SSM parameter {name}: {code}") from None
    except BotoCoreError as exc:
        raise SecretResolutionError(f"SSM parameter {name}: {type(exc).__name__}") from None
    value = str(value).strip()
    if not value:
        raise SecretResolutionError(f"SSM parameter {name}: empty value")
    return value


def _secret_text(secret_id: str, client: Any) -> str:
    """A Secrets Manager secret's string (or binary as UTF-8), stripped; errors as :class:`SecretResolutionError`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = client or _boto_client("secretsmanager", _region_from_arn(secret_id))
        response = client.get_secret_value(SecretId=secret_id)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise SecretResolutionError(f"Secrets Manager secret {secret_id}: {code}") from None
    except BotoCoreError as exc:
        raise SecretResolutionError(f"Secrets Manager secret {secret_id}: {type(exc).__name__}") from None
    text = response.get("SecretString")
    if text is None and response.get("SecretBinary") is not None:
        text = bytes(response["SecretBinary"]).decode("utf-8", "replace")
    return (text or "").strip()


def _from_secrets_manager(secret_id: str, client: Any) -> str:
    text = _secret_text(secret_id, client)
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise SecretResolutionError(f"Secrets Manager secret {secret_id}: invalid JSON") from None
        for k in ("apiKey", "api_key", "BACKLOG_API_KEY"):
            if isinstance(data.get(k), str) and data[k].strip():
                return data[k].strip()
        raise SecretResolutionError(
            f'Secrets Manager secret {secret_id}: JSON without an "apiKey" field (fields: {", ".join(map(str, data))})'
        )
    if not text:
        raise SecretResolutionError(f"Secrets Manager secret {secret_id}: empty value")
    return text


__all__ = [
    "BacklogConfig",
    "Config",
    "ConfigError",
    "Credentials",
    "DeliveryConfig",
    "DigestConfig",
    "FilterConfig",
    "GroupingConfig",
    "InputConfig",
    "JvnConfig",
    "RiskConfig",
    "SecretResolutionError",
    "StateConfig",
    "SyncConfig",
    "TranslateConfig",
    "TwoWayConfig",
    "clear_secret_cache",
    "load_config",
    "resolve_api_key",
    "resolve_credentials",
]
