"""Per-source settings: one ``[sources.<name>]`` table for each source (``inspector2``, ``guardduty``,
``access_analyzer``, ``securityhub``), all optional.

.. code-block:: toml

    [sources.guardduty]
    project_key = "SOC"                 # this source's issues go to another project …
    issue_type = "インシデント"          # … with another issue type and category ("" = the [backlog] one)
    category = "GuardDuty"
    archived_resolution = "対応しない"  # the resolution an archived finding closes with ("" = none)
    types = ["UnauthorizedAccess:*", "CryptoCurrency:*"]  # fnmatch patterns on the finding type ([] = every type)
    exclude_types = ["*:EC2/PortProbe*"]

    [sources.access_analyzer]
    enabled = false                     # its findings are skipped (recognised, not filed)

A source without a table gets the defaults: enabled, the ``[backlog]`` project, issue type and category, archived
findings closed as 対応しない, every type. Environment overrides: ``I2B_SOURCES_GUARDDUTY_PROJECT_KEY=SOC``,
``I2B_SOURCES_ACCESS_ANALYZER_ENABLED=false``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from .vocabulary import DEFAULT_ARCHIVED_RESOLUTION

if TYPE_CHECKING:
    from .model import BacklogConfig


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One source's ``[sources.<name>]`` table. Empty strings mean "as in ``[backlog]``"."""

    enabled: bool = True
    project_key: str = ""
    issue_type: str = ""
    category: str = ""
    archived_resolution: str = DEFAULT_ARCHIVED_RESOLUTION
    types: tuple[str, ...] = field(default=(), metadata={"item": str})
    exclude_types: tuple[str, ...] = field(default=(), metadata={"item": str})

    def wants_type(self, finding_type: str) -> bool:
        """Whether a finding of ``finding_type`` passes ``types`` / ``exclude_types`` (case-sensitive fnmatch:
        ``*`` any run of characters, ``?`` one, ``[…]`` a set). An empty ``types`` lets every type in."""
        if self.types and not any(fnmatchcase(finding_type, p) for p in self.types):
            return False
        return not any(fnmatchcase(finding_type, p) for p in self.exclude_types)

    def backlog(self, base: BacklogConfig) -> BacklogConfig:
        """``[backlog]`` with this source's project key, issue type and category where they are set."""
        changes = {k: getattr(self, k) for k in ("project_key", "issue_type", "category") if getattr(self, k)}
        return replace(base, **changes) if changes else base


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """Every source's settings: one field per source, named as in the registry (:mod:`inspector2backlog.sources`).
    A new source adds its line here; :data:`SOURCE_NAMES` follows."""

    inspector2: SourceConfig = field(default_factory=SourceConfig)
    guardduty: SourceConfig = field(default_factory=SourceConfig)
    access_analyzer: SourceConfig = field(default_factory=SourceConfig)
    securityhub: SourceConfig = field(default_factory=SourceConfig)

    def get(self, name: str) -> SourceConfig:
        """The settings of source ``name`` (the registry's name). ``KeyError`` for a name that is not a source."""
        if name not in SOURCE_NAMES:
            raise KeyError(name)
        value: SourceConfig = getattr(self, name)
        return value

    def items(self) -> Iterator[tuple[str, SourceConfig]]:
        for f in fields(self):
            yield f.name, getattr(self, f.name)

    def enabled(self, name: str) -> bool:
        return self.get(name).enabled


#: the sources a ``[sources.<name>]`` table may name (the registry's names)
SOURCE_NAMES = tuple(f.name for f in fields(SourcesConfig))
#: the keys a ``[sources.<name>]`` table may hold
SOURCE_KEYS = tuple(f.name for f in fields(SourceConfig))

__all__ = ["SOURCE_KEYS", "SOURCE_NAMES", "SourceConfig", "SourcesConfig"]
