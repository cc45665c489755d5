"""``[two_way]`` helpers: validation, the webhook secret, the source-IP allowlist and the resolution → action map."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..backlog.models import DEFAULT_RESOLUTIONS, Named
from ..backlog.project import match_named

if TYPE_CHECKING:
    from ..config import TwoWayConfig

from ..backlog.credentials import SecretResolutionError, cached, read_api_key_secret, read_ssm_parameter
from ..backlog.errors import install_log_redaction
from ..config.checks import two_way_problems as problems  # noqa: F401 - re-exported
from ..config.vocabulary import TWO_WAY_ACTIONS as ACTIONS  # noqa: F401 - re-exported

#: Nulab's published webhook source addresses (2018, may change): an example for ``allowed_source_ips``
NULAB_WEBHOOK_IPS = ("52.199.190.133/32", "54.238.59.48/32", "54.65.8.249/32", "52.192.161.184/32", "52.68.222.36/32")
MIN_SECRET_LENGTH = 16


def networks(t: TwoWayConfig) -> tuple[Any, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in t.allowed_source_ips)


def ip_allowed(ip: str, nets: tuple[Any, ...]) -> bool:
    """True when ``nets`` is empty (no allowlist) or ``ip`` is in one of them; an unparsable address never is."""
    if not nets:
        return True
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return False
    return any(addr.version == n.version and addr in n for n in nets)


def webhook_secret(
    t: TwoWayConfig, *, env: Mapping[str, str] | None = None, ssm_client: Any = None, secrets_client: Any = None
) -> str:
    """The webhook secret from Secrets Manager, SSM or an environment variable (cached per process like the API
    key). Raises :class:`~inspector2backlog.backlog.credentials.SecretResolutionError` (naming the source, never the value)."""
    env = os.environ if env is None else env
    if t.webhook_secret_secret_arn:
        arn = t.webhook_secret_secret_arn
        value = cached("secretsmanager", arn, lambda: read_api_key_secret(arn, secrets_client))
    elif t.webhook_secret_ssm_parameter:
        name = t.webhook_secret_ssm_parameter
        value = cached("ssm", name, lambda: read_ssm_parameter(name, ssm_client))
    elif t.webhook_secret_env:
        value = (env.get(t.webhook_secret_env) or "").strip()
    else:
        value = ""
    if len(value) < MIN_SECRET_LENGTH:
        raise SecretResolutionError(
            "[two_way] Webhook の秘密値がない、または短すぎます（16 文字以上）/ no webhook secret, or shorter than "
            f"{MIN_SECRET_LENGTH} characters: set webhook_secret_secret_arn, webhook_secret_ssm_parameter or "
            "webhook_secret_env"
        )
    install_log_redaction(value)
    return value


def action_for(resolution: Mapping[str, Any] | None, actions: Mapping[str, str]) -> tuple[str, str]:
    """``(action, configured name)`` for an issue's resolution (``{"id", "name"}``), matched by name, by id or —
    for Backlog's Japanese default names — by the default id (an English space's "Won't Fix" is 「対応しない」).
    ``("", "")`` when the resolution is not in the map."""
    if not resolution or resolution.get("id") is None:
        return "", ""
    try:
        item = Named(int(resolution["id"]), str(resolution.get("name") or ""))
    except (TypeError, ValueError):
        return "", ""
    for name, action in actions.items():
        found, _ = match_named([item], name, DEFAULT_RESOLUTIONS)
        if found is not None:
            return action, name
    return "", ""
