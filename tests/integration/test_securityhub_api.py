"""Security Hub over the wire: ASFF through moto's BatchImportFindings/GetFindings, OCSF through the loopback
GetFindingsV2/BatchUpdateFindingsV2 server, both with the real boto3 client and its paginators."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from dataclasses import replace
from typing import Any

import pytest

from inspector2backlog.sources.securityhub.identity import (
    asff_identifier,
    identity_of,
    ocsf_identifier,
    product_of,
)
from inspector2backlog.sources.securityhub.parse import parse_document, parse_text
from inspector2backlog.sources.securityhub.status import is_material_change, lifecycle_of
from tests.conftest import SHARED, shared_file, shared_samples
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint  # noqa: F401
from tests.fakes.securityhub_v2_server import SecurityHubV2Server
from tests.unit.test_securityhub_parse import _raw_asff

ASFF_DIR = SHARED / "samples" / "securityhub"
OCSF_DIR = SHARED / "samples" / "securityhub-ocsf"
ASFF_NAMES = [p.name for p in sorted(ASFF_DIR.glob("*.json"))] or ["(none)"]


def _prune(value: Any, shape: Any) -> Any:
    """Drop what botocore's model does not know (a published sample may carry stray keys); keep the rest as is."""
    if getattr(shape, "is_document_type", False):
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _prune(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_prune(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _prune(v, shape.value) for k, v in value.items()}
    return value


def _sh_client(endpoint: str, *, validate: bool = True, **kwargs: Any) -> Any:
    """boto3 with its own parameter validation (off only to seed published samples exactly as they are)."""
    from botocore.config import Config

    config = kwargs.pop(
        "config",
        Config(
            connect_timeout=5,
            read_timeout=30,
            parameter_validation=validate,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )
    return aws_client("securityhub", endpoint, config=config, **kwargs)


# --- ASFF through moto -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ASFF_NAMES)
def test_asff_sample_round_trips_through_moto_get_findings(name: str, moto_endpoint: str) -> None:
    path = shared_file("samples", "securityhub", name)
    direct = parse_text(path.read_bytes())
    raws = list(_raw_asff(json.loads(path.read_text(encoding="utf-8"))))
    client = _sh_client(moto_endpoint, validate=False)  # published samples send "Normalized": "40" etc.
    shape = client.meta.service_model.operation_model("BatchImportFindings").input_shape.members["Findings"].member
    findings = [_prune(raw, shape) for raw in raws]
    assert all(asff_identifier(d) == {"Id": d.id, "ProductArn": d.product_arn} for d in direct)
    for start in range(0, len(findings), 100):  # BatchImportFindings takes at most 100
        out = client.batch_import_findings(Findings=findings[start : start + 100])
        assert out["FailedCount"] == 0, out["FailedFindings"]
    pages = list(client.get_paginator("get_findings").paginate(PaginationConfig={"PageSize": 3}))
    assert len(pages) == -(-len({f["Id"] for f in findings}) // 3)
    parsed = [d for page in pages for d in parse_document({"Findings": page["Findings"]})]
    by_id = {d.id: d for d in parsed}
    assert len(by_id) == len(parsed)
    for d in direct:  # PascalCase from the API reads exactly like the sample file (last copy of a repeated Id)
        want = next(x for x in reversed(direct) if x.id == d.id)
        assert by_id[d.id] == replace(want, detail_type=None, action_name=None), d.id  # no envelope in the API


# --- OCSF through the loopback GetFindingsV2 server ------------------------------------------------------------


def _ocsf_findings() -> list[dict[str, Any]]:
    files = sorted(shared_samples("securityhub-ocsf").glob("*.json"))
    out = []
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        out.extend(doc["detail"]["findings"] if "detail" in doc else [doc])
    return out


def _many(n: int) -> list[dict[str, Any]]:
    """The published findings plus copies under other uids, so that there is more than one page."""
    base = _ocsf_findings()
    out = list(base)
    for k in range(n - len(base)):
        item = copy.deepcopy(base[k % len(base)])
        item["finding_info"]["uid"] = f"{item['finding_info']['uid']}-copy{k}"
        if "metadata" in item and "uid" in item["metadata"]:
            item["metadata"]["uid"] = f"{item['metadata']['uid']}-copy{k}"
        out.append(item)
    return out


def _identifier(d: Any) -> dict[str, str]:
    ident = ocsf_identifier(d)
    assert ident is not None and asff_identifier(d) is None
    return ident


def test_get_findings_v2_pages_through_boto3() -> None:
    findings = _many(7)
    with SecurityHubV2Server(findings) as srv:
        client = _sh_client(srv.url)
        pages = list(client.get_paginator("get_findings_v2").paginate(PaginationConfig={"PageSize": 3}))
        assert [len(p["Findings"]) for p in pages] == [3, 3, 1]
        calls = srv.calls("GetFindingsV2")
        assert len(calls) == 3 and calls[0]["body"]["MaxResults"] == 3 and "NextToken" in calls[1]["body"]
        assert all(c["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 ") for c in calls)
    parsed = [d for p in pages for d in parse_document(p)]
    assert [d.id for d in parsed] == [f["finding_info"]["uid"] for f in findings]
    direct = {d.id: d for d in parse_document(_ocsf_findings())}
    for d in parsed:
        if d.id in direct:
            assert d == direct[d.id]  # the API page reads exactly like the published finding


def test_get_findings_v2_filters_and_sorting() -> None:
    with SecurityHubV2Server(_many(6)) as srv:
        client = _sh_client(srv.url)
        gd = client.get_findings_v2(
            Filters={
                "CompositeFilters": [
                    {
                        "StringFilters": [
                            {
                                "FieldName": "metadata.product.name",
                                "Filter": {"Value": "GuardDuty", "Comparison": "EQUALS"},
                            }
                        ]
                    }
                ]
            }
        )
        assert gd["Findings"] and all(product_of(d) == "guardduty" for d in parse_document(gd))
        critical = client.get_findings_v2(
            Filters={"CompositeFilters": [{"NumberFilters": [{"FieldName": "severity_id", "Filter": {"Gte": 5}}]}]}
        )
        assert {d.severity.label for d in parse_document(critical)} == {"CRITICAL"}
        ordered = client.get_findings_v2(SortCriteria=[{"Field": "finding_info.uid", "SortOrder": "desc"}])
        uids = [f["finding_info"]["uid"] for f in ordered["Findings"]]
        assert uids == sorted(uids, reverse=True)
        with pytest.raises(client.exceptions.ValidationException):
            client.get_findings_v2(NextToken="not-a-token")


def test_batch_update_findings_v2_changes_status_and_comment() -> None:
    with SecurityHubV2Server(_many(3)) as srv:
        client = _sh_client(srv.url)
        before = parse_document(client.get_findings_v2())
        target = next(d for d in before if lifecycle_of(d).is_open)
        missing = {**_identifier(target), "FindingInfoUid": "arn:aws:securityhub:::nope"}
        out = client.batch_update_findings_v2(
            FindingIdentifiers=[_identifier(target), missing], StatusId=4, Comment="Backlog SEC-12 で対応済み"
        )
        assert out["ProcessedFindings"] == [{"FindingIdentifier": _identifier(target)}]
        assert out["UnprocessedFindings"][0]["ErrorCode"] == "ResourceNotFoundException"
        after = {d.id: d for d in parse_document(client.get_findings_v2())}
        changed = after[target.id]
        assert lifecycle_of(changed).state == "closed" and lifecycle_of(changed).resolution == "fixed"
        assert changed.note is not None and changed.note.text == "Backlog SEC-12 で対応済み"
        assert identity_of(changed).key == identity_of(target).key
        # a comment-only echo is not material
        out = client.batch_update_findings_v2(FindingIdentifiers=[_identifier(changed)], Comment="echo")
        echoed = {d.id: d for d in parse_document(client.get_findings_v2())}[target.id]
        assert echoed.note.text == "echo" and not is_material_change(changed, echoed)
        with pytest.raises(client.exceptions.ValidationException):
            client.batch_update_findings_v2(FindingIdentifiers=[_identifier(changed)], StatusId=42)
        with pytest.raises(client.exceptions.ValidationException):
            client.batch_update_findings_v2(FindingIdentifiers=[_identifier(changed)], MetadataUids=["x"], StatusId=3)


def test_throttling_is_retried_by_boto3_and_surfaces_when_retries_are_exhausted() -> None:
    from botocore.config import Config
    from botocore.exceptions import ClientError

    with SecurityHubV2Server(_many(2)) as srv:
        srv.fail(1)
        assert len(_sh_client(srv.url).get_findings_v2()["Findings"]) == 2
        assert len(srv.calls("GetFindingsV2")) == 2
        srv.fail(None, (429, "ThrottlingException"))
        once = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10)
        with pytest.raises(ClientError) as info:
            _sh_client(srv.url, config=once).get_findings_v2()
        assert info.value.response["Error"]["Code"] == "ThrottlingException"
        srv.heal()


def test_unsigned_requests_are_refused() -> None:
    with SecurityHubV2Server(_many(2)) as srv:
        req = urllib.request.Request(f"{srv.url}/findingsv2", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=5)
        assert info.value.code == 403 and info.value.headers["x-amzn-ErrorType"] == "AccessDeniedException"
