"""Security Hub ASFF / OCSF parsing over every shared sample, with expectations read from the sample itself."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from inspector2backlog.sources.securityhub import controls
from inspector2backlog.sources.securityhub.asff import MAX_PRODUCT_FIELDS, parse_asff
from inspector2backlog.sources.securityhub.model import SecurityHubParseError, label_from_normalized
from inspector2backlog.sources.securityhub.ocsf import parse_ocsf
from inspector2backlog.sources.securityhub.parse import parse_document, parse_text, recognise
from tests.conftest import SHARED, shared_file, shared_samples

ASFF_DIR = SHARED / "samples" / "securityhub"
OCSF_DIR = SHARED / "samples" / "securityhub-ocsf"
SLUG_TO_PRODUCT = {"inspector": "Inspector", "guardduty": "GuardDuty", "access-analyzer": "IAM Access Analyzer"}


def _files(folder: str) -> list[Path]:
    return sorted(shared_samples(folder).glob("*.json"))


def _raw_asff(doc: Any) -> Iterator[Mapping[str, Any]]:
    """The sample's findings, found independently of the parser under test."""
    if isinstance(doc, list):
        for item in doc:
            yield from _raw_asff(item)
    elif "status_code" in doc:
        yield from _raw_asff(doc["data"])
    elif "detail" in doc:
        yield from doc["detail"]["findings"]
    elif "Findings" in doc or "findings" in doc:
        yield from doc.get("Findings", doc.get("findings"))
    else:
        yield doc


def test_samples_exist_in_both_formats() -> None:
    assert len(_files("securityhub")) >= 40
    assert len(_files("securityhub-ocsf")) >= 2


@pytest.mark.parametrize("name", [p.name for p in sorted(ASFF_DIR.glob("*.json"))] or ["(none)"])
def test_every_asff_sample_parses_into_typed_details(name: str) -> None:
    path = shared_file("samples", "securityhub", name)
    doc = json.loads(path.read_text(encoding="utf-8"))
    raws = list(_raw_asff(doc))
    parsed = parse_text(path.read_bytes())
    assert recognise(doc) == "asff"
    assert len(parsed) == len(raws) >= 1
    for raw, d in zip(raws, parsed, strict=True):
        assert d.format == "asff" and d.id == raw["Id"]
        assert d.product_arn == raw["ProductArn"]
        slug = raw["ProductArn"].rsplit("/", 1)[-1]
        assert d.product_arn.endswith("/" + slug)
        fields = raw.get("ProductFields", {})
        assert d.product_name == raw.get("ProductName", fields.get("aws/securityhub/ProductName"))
        sev = raw["Severity"]
        want = sev.get("Label") or label_from_normalized(int(sev["Normalized"]))
        assert d.severity.label == want and d.severity.declared == ("Label" in sev)
        assert [(x.type, x.id) for x in d.resources] == [(x["Type"], x["Id"]) for x in raw["Resources"]]
        compliance = raw.get("Compliance")
        assert (d.compliance.status if d.compliance else None) == (compliance or {}).get("Status")
        declared = (compliance or {}).get("SecurityControlId")
        assert d.control_id == (declared or controls.control_id_of(raw))
        if slug == "securityhub" and compliance:
            assert d.control_id, f"{name}: a control finding without a resolvable control id"
        assert d.record_state == raw.get("RecordState")
        assert d.workflow_status == (raw.get("Workflow") or {}).get("Status", d.workflow_status)
        assert d.title == raw.get("Title") and d.types == tuple(raw.get("Types", ()))
        assert d.aws_account_id == raw["AwsAccountId"]
        assert d.updated_at is not None and d.created_at is not None
        assert len(d.vulnerabilities) == len(raw.get("Vulnerabilities", ()))
        for v_raw, v in zip(raw.get("Vulnerabilities", ()), d.vulnerabilities, strict=True):
            assert v.id == v_raw["Id"] and len(v.packages) == len(v_raw.get("VulnerablePackages", ()))
            assert v.fix_available == v_raw.get("FixAvailable")
        if "detail-type" in doc:
            assert d.detail_type == doc["detail-type"]
            assert d.action_name == doc["detail"].get("actionName")


def test_typed_resource_details_are_read() -> None:
    path = shared_file("samples", "securityhub", "securityhub-asff-inspector2-ec2-ghsa.defectdojo.getfindings.json")
    (d,) = parse_text(path.read_bytes())
    ec2 = d.resources[0].details
    assert type(ec2).__name__ == "Ec2InstanceDetails"
    assert ec2.instance_type == "c4.4xlarge" and ec2.ipv4_addresses == ("123.123.123.123",)
    assert d.resources[0].name_tag == "eks01-testers"
    (v,) = d.vulnerabilities
    assert v.vendor.name == "BOTTLEROCKET" and v.packages[0].fixed_in_version == "0:1.14.2-0"
    assert v.related == ("GHSA-p98r-538v-jgw5", "CVE-2023-34256") and v.exploit_available == "NO"
    ecr = parse_text(
        (ASFF_DIR / "securityhub-asff-inspector-ecr-archived.custodian-placebo-getfindings.json").read_bytes()
    )[0]
    image = ecr.resources[0].details
    assert image.repository_name == "jenkins" and image.image_tags == ("saasmon",)
    assert [c.base_score for c in ecr.vulnerabilities[0].cvss] == [5.0, 7.5, 7.5]
    aa = parse_text((ASFF_DIR / "securityhub-asff-accessanalyzer-s3bucket.finding.json").read_bytes())[0]
    assert aa.resources[0].details is None  # only "Other" details: kept as key/value pairs
    assert ("External Principal", "444455556666") in aa.resources[0].other
    account = parse_text(
        (ASFF_DIR / "securityhub-asff-control-fsbp-s3.1-failed-account.asr-simdata.finding.json").read_bytes()
    )[0]
    assert account.resources[0].details.account_id == "111111111111"


@pytest.mark.parametrize("name", [p.name for p in sorted(OCSF_DIR.glob("*.json"))] or ["(none)"])
def test_every_ocsf_sample_parses_into_typed_details(name: str) -> None:
    path = shared_file("samples", "securityhub-ocsf", name)
    doc = json.loads(path.read_text(encoding="utf-8"))
    raws = doc["detail"]["findings"] if "detail" in doc else [doc]
    parsed = parse_text(path.read_bytes())
    assert recognise(doc) == "ocsf" and len(parsed) == len(raws)
    for raw, d in zip(raws, parsed, strict=True):
        info = raw["finding_info"]
        assert d.format == "ocsf" and d.id == info["uid"] and d.title == info["title"]
        assert d.description == info["desc"] and d.types == tuple(info["types"])
        assert d.product_name == raw["metadata"]["product"]["name"]
        assert d.product_arn == raw["metadata"]["product"]["uid"]
        assert d.ocsf_version == raw["metadata"]["version"]
        assert d.severity.label == raw["severity"].upper()
        assert d.status == raw["status"] and d.status_id == raw["status_id"]
        assert d.activity_name == raw["activity_name"]
        assert d.aws_account_id == raw["cloud"]["account"]["uid"] and d.region == raw["cloud"]["region"]
        assert [(x.type, x.id) for x in d.resources] == [(x["type"], x["uid"]) for x in raw["resources"]]
        assert d.created_at is not None and d.updated_at is not None
        if "remediation" in raw:
            assert d.remediation.text == raw["remediation"]["desc"]
            assert d.remediation.references == tuple(raw["remediation"]["references"])


def test_ocsf_common_kinds_map_to_the_asff_kind() -> None:
    path = shared_file(
        "samples",
        "securityhub-ocsf",
        "securityhub-v2-findings-imported-guardduty-stealth-cloudtraildisabled-suppressed.sumologic.event.json",
    )
    (d,) = parse_text(path.read_bytes())
    key = d.resources[0]
    assert key.type == "AWS::IAM::AccessKey" and key.kind == "AwsIamAccessKey"
    assert key.details.access_key_id == "ASIA4U76YS3TB3MEOA3O" and key.details.principal_type == "AssumedRole"
    assert d.note is not None and d.note.text == "John's testing"


def test_ocsf_compliance_and_vulnerabilities() -> None:
    finding = {
        "finding_info": {
            "uid": "arn:aws:securityhub:us-east-1:111122223333:security-control/S3.1/finding/x",
            "title": "S3 general purpose buckets should have block public access settings enabled",
        },
        "metadata": {
            "product": {"name": "Security Hub", "uid": "arn:aws:securityhub:us-east-1::productv2/aws/securityhub"}
        },
        "compliance": {
            "control": "S3.1",
            "status": "Fail",
            "status_id": 3,
            "standards": ["standards/aws-foundational-security-best-practices/v/1.0.0"],
        },
        "vulnerabilities": [
            {
                "cve": {"uid": "CVE-2024-1", "cvss": [{"version": "3.1", "base_score": 9.8}]},
                "is_fix_available": True,
                "affected_packages": [{"name": "openssl", "fixed_in_version": "3.0.8"}],
            }
        ],
        "severity_id": 6,
        "status_id": 1,
        "cloud": {"account": {"uid": "111122223333"}, "region": "us-east-1"},
    }
    d = parse_ocsf(finding)
    assert d.compliance.status == "FAILED" and d.control_id == "S3.1" and d.severity.label == "CRITICAL"
    v = d.vulnerabilities[0]
    assert v.id == "CVE-2024-1" and v.fix_available == "YES" and v.cvss[0].base_score == 9.8
    assert v.packages[0].fixed_in_version == "3.0.8"


# --- robustness ---------------------------------------------------------------------------------------------


def test_absent_fields_are_none_or_empty() -> None:
    d = parse_asff({"Id": "x", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/macie"})
    assert d.title is None and d.resources == () and d.compliance is None and d.vulnerabilities == ()
    assert d.severity.label == "INFORMATIONAL" and not d.severity.declared and d.region == "us-east-1"
    d = parse_asff(
        {
            "Id": "x",
            "SchemaVersion": 1,
            "Severity": [],
            "Resources": {"a": 1},
            "Compliance": "x",
            "Types": 5,
            "Remediation": {"Recommendation": 3},
            "Vulnerabilities": [None, 1, {"Id": 7}],
            "ProductFields": [],
            "Note": "n",
            "UpdatedAt": {"__class__": "datetime", "year": "x"},
            "Workflow": None,
            "RecordState": 9,
            "Title": {"a": 1},
        }
    )
    assert d.title is None and d.resources == () and d.compliance is None and d.updated_at is None
    assert [v.id for v in d.vulnerabilities] == ["7"] and d.record_state == "9"
    d = parse_ocsf({"finding_info": {"uid": "u"}, "metadata": None, "resources": "x", "severity_id": "no"})
    assert d.product_name is None and d.resources == () and d.severity.label == "INFORMATIONAL"


def test_placebo_datetime_objects_are_read() -> None:
    d = parse_asff(
        {
            "Id": "x",
            "ProductArn": "p",
            "UpdatedAt": {
                "__class__": "datetime",
                "year": 2022,
                "month": 1,
                "day": 14,
                "hour": 22,
                "minute": 16,
                "second": 10,
                "microsecond": 0,
            },
        }
    )
    assert d.updated_at is not None and d.updated_at.isoformat() == "2022-01-14T22:16:10+00:00"


GARBAGE: list[Any] = [
    "",
    "not json",
    "[1, 2",
    "null",
    "42",
    '"text"',
    "{}",
    "[]x",
    '{"Findings": 5}',
    '{"detail-type": 1}',
    '{"Id": 5, "ProductArn": "p"}',
    '{"finding_info": {"uid": 5}, "metadata": {}}',
    '[{"a": 1}]',
    "\ud800",
    b"\xff\xfe\x00",
    '{"Findings": [{"Id": "", "ProductArn": "p"}]}',
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_is_a_typed_parse_error(text: Any) -> None:
    with pytest.raises(SecurityHubParseError):
        parse_text(text)


def test_empty_pages_and_non_finding_events_are_empty_not_errors() -> None:
    assert parse_document({"Findings": []}) == ()
    assert parse_document({"detail-type": "Security Hub Insight Results", "detail": {"insightName": "x"}}) == ()
    assert parse_document({"detail-type": "Findings Imported V2", "detail": {"findings": []}}) == ()


@pytest.mark.parametrize("kind", ["text", "nested", "id", "title", "fields", "resources"])
def test_100_kb_inputs_are_parsed_or_refused_with_a_typed_error(kind: str) -> None:
    big = "A" * 100_000
    if kind == "text":
        with pytest.raises(SecurityHubParseError):
            parse_text(big)
    elif kind == "nested":
        with pytest.raises(SecurityHubParseError):
            parse_text("[" * 50_000 + "]" * 50_000)
    elif kind == "id":
        with pytest.raises(SecurityHubParseError):
            parse_text(json.dumps({"Id": big, "ProductArn": "p"}))
    elif kind == "title":
        (d,) = parse_text(json.dumps({"Id": "x", "ProductArn": "p", "Title": big, "Description": big}))
        assert d.title == big
    elif kind == "fields":
        fields = {f"k{i}": "v" * 20 for i in range(5000)}
        (d,) = parse_text(json.dumps({"Id": "x", "ProductArn": "p", "ProductFields": fields}))
        assert len(d.product_fields) == MAX_PRODUCT_FIELDS and d.product_field("k0") == "v" * 20
    else:
        res = [{"Type": "AwsS3Bucket", "Id": f"arn:aws:s3:::b{i}"} for i in range(4000)]
        (d,) = parse_text(json.dumps({"Id": "x", "ProductArn": "p", "Resources": res}))
        assert len(d.resources) == 100


def test_a_number_beyond_a_float_reads_as_absent() -> None:
    huge = "1" + "0" * 400
    (d,) = parse_text(
        f'{{"Id": "x", "SchemaVersion": "2018-10-08", "Severity": {{"Normalized": {huge}, "Product": {huge}}}}}'
    )
    assert d.severity.normalized is None and d.severity.product is None and d.severity.label == "INFORMATIONAL"


WRONG_VALUES: list[Any] = [None, 0, -1, 1e308, True, "", "x", [], [None], [1, "a"], {}, {"a": None}, {"Id": 5}]


def _mutations(doc: Any, depth: int = 0) -> Iterator[Any]:
    """``doc`` with one value (up to three levels down) replaced by a wrongly typed one, each in turn."""
    if depth > 2:
        return
    if isinstance(doc, dict):
        for key, value in doc.items():
            for wrong in WRONG_VALUES:
                yield {**doc, key: wrong}
            for inner in _mutations(value, depth + 1):
                yield {**doc, key: inner}
    elif isinstance(doc, list) and doc:
        for inner in _mutations(doc[0], depth + 1):
            yield [inner, *doc[1:]]


@pytest.mark.parametrize(
    "folder,name",
    [
        ("securityhub", "securityhub-customaction-fsbp-iam.6-and-rds.4-failed.asr-test.event.json"),
        ("securityhub", "securityhub-asff-inspector2-ec2-ghsa.defectdojo.getfindings.json"),
        ("securityhub", "securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json"),
        (
            "securityhub-ocsf",
            "securityhub-v2-findings-imported-guardduty-stealth-cloudtraildisabled-suppressed.sumologic.event.json",
        ),
        ("securityhub-ocsf", "securityhub-v2-ocsf-exposure-finding-lambda-critical-docs.finding.json"),
    ],
)
def test_wrongly_typed_values_anywhere_give_details_or_a_typed_error(folder: str, name: str) -> None:
    from inspector2backlog.sources.securityhub.identity import identity_of
    from inspector2backlog.sources.securityhub.ja import control_text
    from inspector2backlog.sources.securityhub.status import lifecycle_of, material_digest

    path = shared_file("samples", folder, name)
    doc = json.loads(path.read_text(encoding="utf-8"))
    inner = doc["detail"]["findings"][0] if "detail" in doc else doc["Findings"][0] if "Findings" in doc else doc
    tried = parsed = 0
    for mutated in _mutations(inner):
        tried += 1
        try:
            found = parse_document(mutated)
        except SecurityHubParseError:
            continue
        for d in found:
            parsed += 1
            identity_of(d), lifecycle_of(d), material_digest(d), control_text(d)
    assert tried > 500 and parsed > tried // 2
