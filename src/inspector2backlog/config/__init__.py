"""Configuration: a TOML file, then environment overrides ``I2B_<SECTION>_<KEY>``, into frozen dataclasses.

* :mod:`.model`: one dataclass per section (``[backlog]``, ``[filter]`` …) and :class:`Config` holding them;
  :mod:`.per_source`: the ``[sources.<name>]`` tables; :mod:`.vocabulary`: the words each key accepts.
* :mod:`.load`: :func:`load_config` (file + environment); :mod:`.validate` and :mod:`.checks`: the checks that name
  the file, the section and the key of a wrong value.
* The Backlog credentials (environment, SSM, Secrets Manager) are read beside the client:
  :mod:`inspector2backlog.backlog.credentials`.
"""

from __future__ import annotations

from .checks import check_space_url, is_loopback_host, url_problem
from .load import load_config
from .model import (
    SECTIONS,
    BacklogConfig,
    Config,
    ConfigError,
    DeliveryConfig,
    DigestConfig,
    FilterConfig,
    GroupingConfig,
    InputConfig,
    JvnConfig,
    RiskConfig,
    StateConfig,
    SyncConfig,
    TranslateConfig,
    TwoWayConfig,
)
from .per_source import SOURCE_NAMES, SourceConfig, SourcesConfig
from .vocabulary import (
    DEFAULT_ARCHIVED_RESOLUTION,
    DEFAULT_DUE_DAYS,
    DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_PRIORITY,
    ENGINES,
    ENV_PREFIX,
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
    "SECTIONS",
    "SEVERITIES",
    "SEVERITY_ORDER",
    "SINKS",
    "SOURCE_NAMES",
    "BacklogConfig",
    "Config",
    "ConfigError",
    "DeliveryConfig",
    "DigestConfig",
    "FilterConfig",
    "GroupingConfig",
    "InputConfig",
    "JvnConfig",
    "RiskConfig",
    "SourceConfig",
    "SourcesConfig",
    "StateConfig",
    "SyncConfig",
    "TranslateConfig",
    "TwoWayConfig",
    "check_space_url",
    "is_loopback_host",
    "load_config",
    "url_problem",
]
