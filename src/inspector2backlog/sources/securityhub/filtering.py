"""What ``[sources.securityhub]`` filters compare (``Source.filter_values``): the reporting product, the severity
label, the control id, the standards and the compliance status of one Security Hub finding.

* ``product`` — the names a ``products`` pattern may match: our name for the product (``Inspector``,
  ``GuardDuty``, ``IAM Access Analyzer``, ``Security Hub`` for its own control checks, ``Macie``, ``Config``,
  ``Health``) and the ``ProductName`` / ``metadata.product.name`` as sent (a partner's name).
* ``standards`` — each associated standard as sent (``standards/cis-aws-foundations-benchmark/v/1.4.0``) and without
  its ``standards/`` / ``ruleset/`` prefix; a standard-specific finding without ``AssociatedStandards`` names its
  standard in its ``GeneratorId`` (``cis-aws-foundations-benchmark/v/1.4.0/3.7``).
"""

from __future__ import annotations

from typing import Any

from .controls import _resource_part
from .identity import product_of
from .model import SecurityHubDetails

__all__ = ["filter_values"]

_PRODUCT_NAMES = {
    "inspector2": "Inspector",
    "guardduty": "GuardDuty",
    "access-analyzer": "IAM Access Analyzer",
    "securityhub-control": "Security Hub",
    "macie": "Macie",
    "config": "Config",
    "health": "Health",
}


def _standards(d: SecurityHubDetails) -> tuple[str, ...]:
    listed = d.compliance.associated_standards if d.compliance else ()
    if not listed and d.generator_id and "/v/" in d.generator_id:  # standard-specific: <standard>/v/<ver>/<id>
        head, _, rest = _resource_part(d.generator_id).partition("/v/")
        version = rest.split("/", 1)[0]
        listed = (f"{head}/v/{version}",) if head and version else ()
    out: list[str] = []
    for s in listed:
        out += [s, _resource_part(s)]
    return tuple(dict.fromkeys(x for x in out if x))


def filter_values(d: SecurityHubDetails) -> dict[str, Any]:
    """``product`` (names), ``severity`` (the label), ``control`` (id or ""), ``standards`` and ``compliance``
    (``Compliance.Status`` or "")."""
    product = product_of(d)
    names = tuple(dict.fromkeys(n for n in (_PRODUCT_NAMES.get(product), d.product_name) if n))
    return {
        "product": names,
        "severity": d.severity.label,
        "control": d.control_id or "",
        "standards": _standards(d),
        "compliance": (d.compliance.status or "") if d.compliance else "",
    }
