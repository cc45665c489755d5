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

    [sources.securityhub]               # Security Hub only: which of its findings become new issues
    products = ["Inspector", "GuardDuty", "Security Hub"]  # the reporting product (name patterns, any case)
    severities = ["CRITICAL", "HIGH"]   # Severity.Label
    controls = ["S3.*", "IAM.*"]        # SecurityControlId patterns   ┐ these three apply to the findings that
    standards = ["cis-aws-foundations-benchmark/*"]  # standard ids  │ have a control / standards / compliance
    compliance = ["FAILED", "WARNING"]  # Compliance.Status             ┘ status; the others pass them

Like every filter, these decide only whether a *new* issue is filed: a finding that has an issue is always followed.
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

#: the sources a filter field applies to (``metadata["sources"]``); a field without it applies to every source
SECURITYHUB_ONLY = {"item": str, "sources": ("securityhub",)}
#: ``[sources.securityhub] compliance``: ASFF's spelling (OCSF Pass / Warning / Fail are read as these)
COMPLIANCE_STATUSES = ("PASSED", "WARNING", "FAILED", "NOT_AVAILABLE")

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
    # Security Hub only (``[sources.securityhub]``): read through ``Source.filter_values`` (policy/filters.py)
    products: tuple[str, ...] = field(default=(), metadata=SECURITYHUB_ONLY)
    severities: tuple[str, ...] = field(default=(), metadata=SECURITYHUB_ONLY)
    controls: tuple[str, ...] = field(default=(), metadata=SECURITYHUB_ONLY)
    standards: tuple[str, ...] = field(default=(), metadata=SECURITYHUB_ONLY)
    compliance: tuple[str, ...] = field(default=(), metadata=SECURITYHUB_ONLY)

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
#: the keys every ``[sources.<name>]`` table may hold
SOURCE_KEYS = tuple(f.name for f in fields(SourceConfig) if "sources" not in f.metadata)


def source_keys(name: str) -> tuple[str, ...]:
    """The keys ``[sources.<name>]`` may hold: :data:`SOURCE_KEYS` and the filters of that source alone."""
    return tuple(f.name for f in fields(SourceConfig) if name in f.metadata.get("sources", (name,)))


__all__ = ["COMPLIANCE_STATUSES", "SOURCE_KEYS", "SOURCE_NAMES", "SourceConfig", "SourcesConfig", "source_keys"]
