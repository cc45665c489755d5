"""The Backlog side: a thin typed client over httpx, its errors, and name → id resolution for one project."""

from __future__ import annotations

from .client import BacklogClient, encode_params
from .errors import (
    AuthenticationError,
    BacklogError,
    BacklogTimeoutError,
    BacklogTransportError,
    ConfigLookupError,
    InvalidRequestError,
    NoResourceError,
    TooManyRequestsError,
    install_log_redaction,
    redact,
)
from .models import CustomField, Named, RateLimitInfo, User
from .project import ProjectCatalog, ProjectContext

__all__ = [
    "AuthenticationError",
    "BacklogClient",
    "BacklogError",
    "BacklogTimeoutError",
    "BacklogTransportError",
    "ConfigLookupError",
    "CustomField",
    "InvalidRequestError",
    "Named",
    "NoResourceError",
    "ProjectCatalog",
    "ProjectContext",
    "RateLimitInfo",
    "TooManyRequestsError",
    "User",
    "encode_params",
    "install_log_redaction",
    "redact",
]
