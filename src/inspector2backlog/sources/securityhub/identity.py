"""Cross-source identity: the key the product's own (native) finding has, derived from its Security Hub copy.

The same Inspector / GuardDuty / Access Analyzer finding may arrive natively (its own EventBridge rule or API) and
through Security Hub; both must become one issue, so both paths use the same dedup key:

* **Inspector v2** — the ASFF ``Id`` (OCSF ``finding_info.uid``) *is* the Inspector finding ARN
  ``arn:aws:inspector2:<region>:<account>:finding/<id>``, the native ``findingArn``.
* **GuardDuty** — the detector finding ARN ``arn:<partition>:guardduty:<region>:<account>:detector/<d>/finding/<id>``
  (the native ``arn``), rebuilt from the ASFF ``Id`` (AWS's own sample misprints it ``arn:aws::guardduty:…``), or
  from ``ProductFields["aws/guardduty/service/detectorId"]`` and the finding id at the end of ``Id``.
* **Access Analyzer** — :func:`access_analyzer_key`: ``access-analyzer:finding/<finding id>``, as the native source
  keys it (``detail.id`` / ``detail.findingId``; the analyzer is left out because only events name it, not the API). The ASFF ``Id`` is ``<analyzer
  ARN>/<resource ARN>`` and holds no finding id; unused-access copies carry ``ProductFields.findingId``, external-
  access copies name the finding in ``SourceUrl`` (``…#/findings/details/<id>``). Security Hub groups external-access
  findings per resource (one copy for one external principal at a time), so without that id the ASFF ``Id`` is used.
* **Security Hub controls** — ``securityhub-control:<account>:<region>:<SecurityControlId>:<resource id>``: one key
  per control and resource whichever standard reported it (legacy CIS and standard-specific ids resolve through
  :func:`controls.control_id_of`); without a resolvable control, account or resource, the ASFF ``Id``.
* **Others** (Macie, Config, Health, Inspector Classic, partners) — the ASFF ``Id``.

**Which path wins for updates** when both are enabled: the native one. Its events are the product's own state (an
archive in GuardDuty does not reach the Security Hub copy; Inspector's CLOSED arrives natively first); a Security Hub
copy of an issue that the native path already owns is an echo and changes nothing (:func:`update_wins`). When only
the Security Hub path delivers a finding, it owns the issue and its updates apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from . import _read as r
from .model import SecurityHubDetails

__all__ = [
    "NATIVE_PRODUCTS",
    "Identity",
    "access_analyzer_key",
    "asff_identifier",
    "identity_of",
    "ocsf_identifier",
    "product_of",
    "update_wins",
]

Product = Literal[
    "inspector2", "guardduty", "access-analyzer", "securityhub-control", "macie", "config", "health", "other"
]
#: products that also arrive natively: their issues are keyed by the native finding's id
NATIVE_PRODUCTS = frozenset({"inspector2", "guardduty", "access-analyzer"})
Via = Literal["native", "securityhub"]

_PRODUCT_SLUGS: dict[str, Product] = {
    "inspector": "inspector2",
    "guardduty": "guardduty",
    "access-analyzer": "access-analyzer",
    "securityhub": "securityhub-control",
    "macie": "macie",
    "config": "config",
    "health": "health",
}
_PRODUCT_NAMES: dict[str, Product] = {
    "inspector": "inspector2",
    "amazon inspector": "inspector2",
    "guardduty": "guardduty",
    "amazon guardduty": "guardduty",
    "iam access analyzer": "access-analyzer",
    "access analyzer": "access-analyzer",
    "am access analyzer": "access-analyzer",  # as misprinted in AWS's sample ProductFields
    "security hub": "securityhub-control",
    "security hub cspm": "securityhub-control",
    "macie": "macie",
    "amazon macie": "macie",
    "config": "config",
    "aws config": "config",
    "health": "health",
    "aws health": "health",
}


@dataclass(frozen=True, slots=True)
class Identity:
    """``key`` is the dedup key; ``native`` is True when it equals the key of the product's own finding."""

    key: str
    product: Product
    native: bool
    securityhub_id: str


def _slug(product_arn: str | None) -> str | None:
    """``arn:aws:securityhub:us-east-1::product/aws/guardduty`` (or ``productv2/…``) → ``guardduty``."""
    fields = r.arn_fields(product_arn)
    if fields is None:
        return None
    parts = fields[5].split("/")
    if len(parts) == 3 and parts[0] in ("product", "productv2") and parts[1] == "aws":
        return parts[2]
    return None


def _is_inspector2_arn(value: str) -> bool:
    fields = r.arn_fields(value)
    return fields is not None and fields[2] == "inspector2" and fields[5].startswith("finding/")


def product_of(details: SecurityHubDetails) -> Product:
    """Which product reported the finding: from ``ProductArn`` / ``metadata.product.uid``, else the product name.
    Inspector Classic (``Id`` not an inspector2 ARN, ``aws/inspector/ProductVersion`` not 2) is ``other``; a
    Security Hub finding that is no control check (e.g. exposure analysis) is ``other``."""
    slug = _slug(details.product_arn)
    product = _PRODUCT_SLUGS.get(slug) if slug else None
    if product is None and slug is None:
        product = _PRODUCT_NAMES.get((details.product_name or "").strip().lower())
    if product == "inspector2":
        v2 = (
            _is_inspector2_arn(details.id)
            or details.product_field("aws/inspector/ProductVersion") == "2"
            or details.generator_id == "AWSInspector"
        )
        return "inspector2" if v2 else "other"
    if product == "securityhub-control":
        is_control = details.control_id is not None or details.compliance is not None
        return "securityhub-control" if is_control else "other"
    return product or "other"


def access_analyzer_key(analyzer_arn: str, finding_id: str) -> str:
    """The dedup key of an Access Analyzer finding, the one the native source gives it
    (``sources.access_analyzer``: the finding id alone; ``analyzer_arn`` is accepted but not part of the key)."""
    return f"access-analyzer:finding/{finding_id}"


def _guardduty(d: SecurityHubDetails) -> str | None:
    fields = r.arn_fields(d.id)
    detector: str | None = None
    finding: str | None = None
    region: str | None
    account: str | None
    if fields is not None and fields[2] == "guardduty":
        parts = fields[5].split("/")
        if len(parts) == 4 and parts[0] == "detector" and parts[2] == "finding":
            detector, finding = parts[1], parts[3]
        partition, region, account = fields[1], fields[3], fields[4]
    else:
        partition, region, account = d.partition or "aws", d.region, d.aws_account_id
    detector = detector or d.product_field("aws/guardduty/service/detectorId") or d.generator_id
    if finding is None:
        finding = _tail(d.id)
    if not (detector and finding and region and account) or "/" in detector or "/" in finding:
        return None
    return f"arn:{partition or 'aws'}:guardduty:{region}:{account}:detector/{detector}/finding/{finding}"


def _tail(value: str) -> str | None:
    tail = value.rsplit("/", 1)[-1]
    return tail if tail and tail.isalnum() else None


def _access_analyzer(d: SecurityHubDetails) -> str | None:
    fields = r.arn_fields(d.id)
    if fields is None or fields[2] != "access-analyzer" or not fields[5].startswith("analyzer/"):
        return None
    name = fields[5][len("analyzer/") :].split("/", 1)[0]
    if not name:
        return None
    analyzer = f"arn:{fields[1]}:access-analyzer:{fields[3]}:{fields[4]}:analyzer/{name}"
    finding = d.product_field("findingId") or _source_url_finding(d.source_url)
    return access_analyzer_key(analyzer, finding) if finding else None


def _source_url_finding(url: str | None) -> str | None:
    """``https://…/access-analyzer/home?region=…#/findings/details/<id>`` → ``<id>``."""
    if not url or len(url) > 2048 or "#/findings/details/" not in url:
        return None
    tail = url.split("#/findings/details/", 1)[1].split("?", 1)[0].split("/", 1)[0]
    return tail or None


def _control(d: SecurityHubDetails) -> str | None:
    res = d.primary_resource
    if not (d.control_id and res and d.aws_account_id and d.region):
        return None
    return f"securityhub-control:{d.aws_account_id}:{d.region}:{d.control_id}:{res.id}"


def identity_of(details: SecurityHubDetails) -> Identity:
    """The dedup identity of a Security Hub finding (see the module docstring for each product)."""
    product = product_of(details)
    key: str | None = None
    if product == "inspector2" and _is_inspector2_arn(details.id):
        key = details.id
    elif product == "guardduty":
        key = _guardduty(details)
    elif product == "access-analyzer":
        key = _access_analyzer(details)
    elif product == "securityhub-control":
        key = _control(details)
    if key is None:
        return Identity(details.id, product, False, details.id)
    return Identity(key, product, product in NATIVE_PRODUCTS, details.id)


def update_wins(incoming: Via, owner: Via | None) -> bool:
    """Whether an update arriving ``incoming`` may change an issue whose key was last written ``owner``: the native
    path always may; a Security Hub copy may unless the native path owns the issue (then it is an echo)."""
    return incoming == "native" or owner != "native"


def asff_identifier(details: SecurityHubDetails) -> dict[str, str] | None:
    """``{Id, ProductArn}`` as BatchUpdateFindings wants it; None for an OCSF finding or without a ProductArn."""
    if details.format != "asff" or not details.product_arn:
        return None
    return {"Id": details.id, "ProductArn": details.product_arn}


def ocsf_identifier(details: SecurityHubDetails) -> dict[str, str] | None:
    """``{CloudAccountUid, FindingInfoUid, MetadataProductUid}`` as BatchUpdateFindingsV2 wants it; None for an
    ASFF finding or when a part is missing."""
    if details.format != "ocsf" or not (details.aws_account_id and details.product_arn):
        return None
    return {
        "CloudAccountUid": details.aws_account_id,
        "FindingInfoUid": details.id,
        "MetadataProductUid": details.product_arn,
    }
