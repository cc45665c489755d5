"""Typed IAM Access Analyzer finding details (frozen, slotted). Absent fields are None or (); enums stay strings.

One class for the three kinds (``external``, ``internal``, ``unused``): what differs lives in ``accesses`` (who can
do what, for external and internal access) and in the ``unused_*`` fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

Pairs = tuple[tuple[str, str], ...]

#: findingType → kind
KINDS = {
    "ExternalAccess": "external",
    "InternalAccess": "internal",
    "UnusedIAMRole": "unused",
    "UnusedIAMUserAccessKey": "unused",
    "UnusedIAMUserPassword": "unused",
    "UnusedPermission": "unused",
}


@dataclass(frozen=True, slots=True)
class AccessSource:
    """How the access is granted (``POLICY``, ``BUCKET_ACL``, ``S3_ACCESS_POINT``, …)."""

    source_type: str | None = None
    access_point_arn: str | None = None
    access_point_account: str | None = None


@dataclass(frozen=True, slots=True)
class Access:
    """One access path: the principal, the actions, the conditions, public or not."""

    principal: Pairs = ()  # (("AWS", "999988887777"), ("Federated", "cognito-identity.amazonaws.com"))
    actions: tuple[str, ...] = ()
    condition: Pairs = ()  # sorted (key, value)
    is_public: bool | None = None
    sources: tuple[AccessSource, ...] = ()
    principal_owner_account: str | None = None
    principal_type: str | None = None
    access_type: str | None = None  # INTRA_ACCOUNT | INTRA_ORG (internal access)
    rcp_restriction: str | None = None
    scp_restriction: str | None = None


@dataclass(frozen=True, slots=True)
class UnusedAction:
    action: str
    last_accessed: datetime | None = None


@dataclass(frozen=True, slots=True)
class UnusedPermission:
    service_namespace: str | None = None
    last_accessed: datetime | None = None
    actions: tuple[UnusedAction, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessAnalyzerDetails:
    finding_id: str
    kind: str  # external | internal | unused
    finding_type: str  # ExternalAccess | InternalAccess | UnusedIAMRole | UnusedIAMUserAccessKey | …
    status: str | None = None  # ACTIVE | ARCHIVED | RESOLVED
    resource: str | None = None
    resource_type: str | None = None
    resource_owner_account: str | None = None
    account_id: str | None = None
    region: str | None = None
    analyzer_arn: str | None = None
    is_deleted: bool = False
    error: str | None = None
    previous_status: str | None = None
    created_at: datetime | None = None
    analyzed_at: datetime | None = None
    updated_at: datetime | None = None
    accesses: tuple[Access, ...] = ()
    unused_permissions: tuple[UnusedPermission, ...] = ()
    unused_access_key_id: str | None = None
    unused_last_accessed: datetime | None = None  # role / key / password last used (None: never, or unknown)
    unused_services: int | None = None
    unused_actions: int | None = None
    summary_only: bool = False  # a ListFindingsV2 summary: the access details need GetFindingV2

    @property
    def principals(self) -> Pairs:
        seen: dict[tuple[str, str], None] = {}
        for a in self.accesses:
            seen.update(dict.fromkeys(a.principal))
        return tuple(seen)

    @property
    def actions(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a in self.accesses:
            seen.update(dict.fromkeys(a.actions))
        return tuple(seen)

    @property
    def is_public(self) -> bool:
        return any(a.is_public for a in self.accesses)
