"""Cross-source identity, product detection, lifecycle mapping and material changes for Security Hub findings."""

from __future__ import annotations

import copy
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from inspector2backlog.findings.model import Finding
from inspector2backlog.findings.parse import iter_items, iter_text
from inspector2backlog.sources.securityhub.asff import parse_asff
from inspector2backlog.sources.securityhub.identity import (
    access_analyzer_key,
    identity_of,
    product_of,
    update_wins,
)
from inspector2backlog.sources.securityhub.ja import control_text
from inspector2backlog.sources.securityhub.ocsf import parse_ocsf
from inspector2backlog.sources.securityhub.parse import parse_text
from inspector2backlog.sources.securityhub.status import (
    is_material_change,
    lifecycle_of,
    material_digest,
    material_snapshot,
)
from tests.conftest import shared_file, shared_samples

INSPECTOR_ARN = re.compile(r"^arn:aws:inspector2:[a-z0-9-]+:(\d{12}|X{12}):finding/[0-9a-f]{32}$")
GUARDDUTY_ARN = re.compile(r"^arn:aws:guardduty:[a-z0-9-]+:\d{11,12}:detector/[0-9a-z]+/finding/[0-9a-z]+$")


def _sample(folder: str, name: str) -> bytes:
    return shared_file("samples", folder, name).read_bytes()


def _all(folder: str) -> list[Path]:
    return sorted(shared_samples(folder).glob("*.json"))


# --- product_of ------------------------------------------------------------------------------------------------


def test_product_of_every_sample_follows_its_product_arn() -> None:
    slug_to_product = {
        "inspector": "inspector2",
        "guardduty": "guardduty",
        "access-analyzer": "access-analyzer",
        "securityhub": "securityhub-control",
        "macie": "macie",
        "config": "config",
        "health": "health",
    }
    seen = set()
    for path in _all("securityhub"):
        for d in parse_text(path.read_bytes()):
            product = product_of(d)
            seen.add(product)
            expected = slug_to_product[d.product_arn.rsplit("/", 1)[-1]]
            if d.id.startswith("inspector/"):  # Inspector Classic: no native counterpart in this project
                expected = "other"
            assert product == expected, (path.name, d.id)
    assert seen == set(slug_to_product.values()) | {"other"}


def test_product_of_without_product_arn_uses_the_name() -> None:
    assert product_of(parse_asff({"Id": "x", "SchemaVersion": "1", "ProductName": "GuardDuty"})) == "guardduty"
    assert product_of(parse_asff({"Id": "x", "SchemaVersion": "1", "ProductName": "Partner"})) == "other"
    ocsf_gd = parse_ocsf(
        {
            "finding_info": {"uid": "u"},
            "metadata": {"product": {"uid": "arn:aws:securityhub:us-east-1::productv2/aws/guardduty"}},
        }
    )
    assert product_of(ocsf_gd) == "guardduty"
    risk = parse_ocsf(
        {
            "finding_info": {"uid": "u"},
            "metadata": {"product": {"uid": "arn:aws:securityhub:us-east-1::productv2/aws/securityhub-risk"}},
        }
    )
    assert product_of(risk) == "other"


# --- identity -------------------------------------------------------------------------------------------------


def test_inspector_asff_id_is_the_native_finding_arn() -> None:
    native = [i for i in iter_text(_sample("inspector2", "ec2-package-vulnerability.event.json"))]
    native_arn = native[0].arn
    raw = json.loads(_sample("securityhub", "securityhub-asff-inspector2-ec2-ghsa.defectdojo.getfindings.json"))
    for d in parse_text(json.dumps(raw)):
        ident = identity_of(d)
        assert ident.product == "inspector2" and ident.native and ident.key == d.id
        assert INSPECTOR_ARN.match(ident.key)
    # the same finding through Security Hub (its ASFF Id is the Inspector ARN) gets the native key
    finding = copy.deepcopy(raw["Findings"][0])
    finding["Id"] = native_arn
    assert identity_of(parse_asff(finding)).key == native_arn


def test_every_inspector_sample_keys_by_the_inspector_arn() -> None:
    count = 0
    for path in _all("securityhub"):
        for d in parse_text(path.read_bytes()):
            if product_of(d) == "inspector2":
                count += 1
                assert INSPECTOR_ARN.match(identity_of(d).key), d.id
    assert count >= 30


def test_guardduty_asff_keys_by_the_detector_finding_arn() -> None:
    native_arns = set()
    for path in _all("guardduty"):
        native_arns.update(re.findall(r'"[Aa]rn": *"(arn:aws:guardduty:[^"]+)"', path.read_text(encoding="utf-8")))
    assert native_arns and all(GUARDDUTY_ARN.match(a) for a in native_arns)  # the shape the native source keys by
    count = 0
    for path in _all("securityhub") + _all("securityhub-ocsf"):
        for d in parse_text(path.read_bytes()):
            if product_of(d) != "guardduty":
                continue
            count += 1
            ident = identity_of(d)
            assert ident.native and GUARDDUTY_ARN.match(ident.key), (path.name, ident.key)
            assert ident.key.rsplit("/", 1)[-1] == d.id.rsplit("/", 1)[-1]
    assert count >= 12


def test_guardduty_docs_misprinted_arn_is_normalised() -> None:
    (d,) = parse_text(_sample("securityhub", "securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json"))
    assert d.id.startswith("arn:aws::guardduty:")
    assert identity_of(d).key == (
        "arn:aws:guardduty:us-east-1:193043430472:detector/"
        "d4b040365221be2b54a6264dc9a4bc64/finding/46ba0ac2845071e23ccdeb2ae03bfdea"
    )


def test_guardduty_key_from_product_fields_when_id_is_not_an_arn() -> None:
    d = parse_asff(
        {
            "Id": "46ba0ac2",
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
            "AwsAccountId": "111122223333",
            "Region": "eu-west-1",
            "ProductFields": {"aws/guardduty/service/detectorId": "d4b0"},
        }
    )
    assert identity_of(d).key == "arn:aws:guardduty:eu-west-1:111122223333:detector/d4b0/finding/46ba0ac2"


def test_access_analyzer_keys_like_the_native_event() -> None:
    native = json.loads(_sample("access-analyzer", "accessanalyzer-unused-permission-iamrole-active.event.json"))
    native_key = access_analyzer_key(native["resources"][0], native["detail"]["findingId"])
    # the key the native source files the same event under: the two paths meet in one state record
    (parsed,) = [i for i in iter_items(native) if isinstance(i, Finding)]
    assert parsed.source == "access_analyzer" and parsed.arn == native_key
    (unused,) = parse_text(
        _sample(
            "securityhub", "securityhub-asff-accessanalyzer-unused-permission-iamrole-archived-docs.getfindings.json"
        )
    )
    ident = identity_of(unused)
    assert ident.native and ident.key == access_analyzer_key(
        "arn:aws:access-analyzer:us-west-2:111122223333:analyzer/integTestAnalyzer-DO-NOT-DELETE",
        "DEMO24d8d-0d3f-4d3d-99f4-299fc8a62ee7",
    )
    (external,) = parse_text(_sample("securityhub", "securityhub-asff-accessanalyzer-s3bucket.finding.json"))
    assert identity_of(external).key == access_analyzer_key(
        "arn:aws:access-analyzer:us-west-2:111122223333:analyzer/my-analyzer", "dad90d5d-63b4-6575-b0fa-ef9c556ge798"
    )
    # the same external finding without SourceUrl: no finding id → the ASFF Id, not a native key
    raw = json.loads(_sample("securityhub", "securityhub-asff-accessanalyzer-s3bucket.finding.json"))
    del raw["SourceUrl"]
    ident = identity_of(parse_asff(raw))
    assert not ident.native and ident.key == raw["Id"]


def test_control_identity_is_per_control_and_resource_across_standards() -> None:
    names = [
        "securityhub-asff-control-fsbp-cloudtrail2.finding.json",
        "securityhub-asff-control-consolidated-securitycontrol-cloudtrail2.finding.json",
        "securityhub-asff-control-cis120-2.7.finding.json",
        "securityhub-asff-control-pcidss-pci-cloudtrail1.finding.json",
    ]
    keys = {identity_of(parse_text(_sample("securityhub", n))[0]).key for n in names}
    assert len(keys) == 1  # one trail, one control (CloudTrail.2), four ways of reporting it
    (key,) = keys
    assert key.startswith("securityhub-control:123456789012:us-east-2:CloudTrail.2:arn:aws:cloudtrail:")
    iam6, rds4 = parse_text(
        _sample("securityhub", "securityhub-customaction-fsbp-iam.6-and-rds.4-failed.asr-test.event.json")
    )
    assert identity_of(iam6).key != identity_of(rds4).key
    no_control = parse_asff(
        {
            "Id": "sh-1",
            "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
            "Compliance": {"Status": "FAILED"},
            "GeneratorId": "custom/thing",
        }
    )
    assert identity_of(no_control).key == "sh-1" and not identity_of(no_control).native


def test_others_key_by_the_asff_id() -> None:
    for name in (
        "securityhub-asff-macie-policy-s3blockpublicaccessdisabled-docs.finding.json",
        "securityhub-asff-health-ses.finding.json",
        "securityhub-asff-config-rule.finding.json",
        "securityhub-asff-inspector-classic-docs.finding.json",
    ):
        (d,) = parse_text(_sample("securityhub", name))
        ident = identity_of(d)
        assert ident.key == d.id and not ident.native


def test_native_path_wins_for_updates() -> None:
    assert update_wins("native", None) and update_wins("native", "securityhub") and update_wins("native", "native")
    assert update_wins("securityhub", None) and update_wins("securityhub", "securityhub")
    assert not update_wins("securityhub", "native")


# --- lifecycle ------------------------------------------------------------------------------------------------

RECORD_STATES = [None, "ACTIVE", "ARCHIVED"]
WORKFLOWS = [None, "NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"]
COMPLIANCE = [None, "FAILED", "WARNING", "PASSED", "NOT_AVAILABLE"]


def _expected(record: str | None, workflow: str | None, compliance: str | None) -> tuple[str, str | None]:
    if workflow == "SUPPRESSED":
        return "closed", "suppressed"
    if record == "ARCHIVED" or workflow == "RESOLVED" or compliance == "PASSED":
        return "closed", "fixed"
    return "open", None


@pytest.mark.parametrize("record,workflow,compliance", list(itertools.product(RECORD_STATES, WORKFLOWS, COMPLIANCE)))
def test_asff_lifecycle_for_every_state_combination(
    record: str | None, workflow: str | None, compliance: str | None
) -> None:
    raw: dict[str, Any] = {
        "Id": "x",
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "GeneratorId": "security-control/S3.1",
    }
    if record:
        raw["RecordState"] = record
    if workflow:
        raw["Workflow"] = {"Status": workflow}
    if compliance:
        raw["Compliance"] = {"Status": compliance, "SecurityControlId": "S3.1"}
    life = lifecycle_of(parse_asff(raw))
    assert (life.state, life.resolution) == _expected(record, workflow, compliance)
    assert life.is_open == (life.state == "open") and life.reason


@pytest.mark.parametrize(
    "inspector_status,want",
    [("ACTIVE", ("open", None)), ("CLOSED", ("closed", "fixed")), ("SUPPRESSED", ("closed", "suppressed"))],
)
def test_inspector_finding_status_in_product_fields(inspector_status: str, want: tuple[str, str | None]) -> None:
    raw = {
        "Id": "arn:aws:inspector2:us-east-1:111122223333:finding/abc",
        "ProductArn": "p",
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
        "ProductFields": {"aws/inspector/FindingStatus": inspector_status},
    }
    life = lifecycle_of(parse_asff(raw))
    assert (life.state, life.resolution) == want


def test_deprecated_workflow_state_is_read_when_workflow_is_absent() -> None:
    d = parse_asff({"Id": "x", "ProductArn": "p", "WorkflowState": "DEFERRED"})
    assert d.workflow_status == "SUPPRESSED" and lifecycle_of(d).resolution == "suppressed"


@pytest.mark.parametrize(
    "status_id,activity,compliance",
    list(itertools.product([None, 1, 2, 3, 4, 5, 99], [None, "Create", "Update", "Close"], [None, "Fail", "Pass"])),
)
def test_ocsf_lifecycle_for_every_state_combination(
    status_id: int | None, activity: str | None, compliance: str | None
) -> None:
    raw: dict[str, Any] = {"finding_info": {"uid": "u"}, "metadata": {}}
    if status_id is not None:
        raw["status_id"] = status_id
    if activity:
        raw["activity_name"] = activity
    if compliance:
        raw["compliance"] = {"status": compliance, "control": "S3.1"}
    life = lifecycle_of(parse_ocsf(raw))
    if status_id == 3:
        want: tuple[str, str | None] = ("closed", "suppressed")
    elif activity == "Close" or status_id in (4, 5) or compliance == "Pass":
        want = ("closed", "fixed")
    else:
        want = ("open", None)
    assert (life.state, life.resolution) == want


def test_sample_lifecycles() -> None:
    expected = {
        "securityhub-imported-fsbp-ec2.8-failed-active-new.jira-sample.event.json": ("open", None),
        "securityhub-imported-fsbp-ec2.8-failed-archived-new.jira-sample.event.json": ("closed", "fixed"),
        "securityhub-asff-control-fsbp-s3.2-s3bucket-passed.asr-simdata.finding.json": ("closed", "fixed"),
        "securityhub-imported-cis120-1.3-warning.asr-test.event.json": ("open", None),
    }
    for name, want in expected.items():
        (d,) = parse_text(_sample("securityhub", name))
        assert (lifecycle_of(d).state, lifecycle_of(d).resolution) == want, name
    (gd,) = parse_text(
        _sample(
            "securityhub-ocsf",
            "securityhub-v2-findings-imported-guardduty-stealth-cloudtraildisabled-suppressed.sumologic.event.json",
        )
    )
    assert lifecycle_of(gd).resolution == "suppressed"


# --- material changes -----------------------------------------------------------------------------------------


def _jira(name: str) -> dict[str, Any]:
    return json.loads(_sample("securityhub", name))["detail"]["findings"][0]


def test_updated_at_only_and_notified_echo_are_not_material() -> None:
    new = _jira("securityhub-imported-fsbp-ec2.8-failed-active-new.jira-sample.event.json")
    base = parse_asff(new)
    later = copy.deepcopy(new)
    later["UpdatedAt"] = "2030-01-01T00:00:00Z"
    later["LastObservedAt"] = "2030-01-01T00:00:00Z"
    assert not is_material_change(base, parse_asff(later))
    echo = copy.deepcopy(later)
    echo["Workflow"] = {"Status": "NOTIFIED"}
    echo["Note"] = {"Text": "Backlog PROJ-1", "UpdatedBy": "inspector2backlog", "UpdatedAt": "2030-01-01T00:00:00Z"}
    assert material_snapshot(base) == material_snapshot(parse_asff(echo))
    assert material_digest(base) == material_digest(parse_asff(echo))
    # the published NOTIFIED sample is the same finding after such an echo
    notified = parse_text(
        _sample("securityhub", "securityhub-customaction-fsbp-ec2.8-failed-active-notified.jira-sample.event.json")
    )[0]
    assert not is_material_change(base, notified)


def test_material_changes_are_seen() -> None:
    new = _jira("securityhub-imported-fsbp-ec2.8-failed-active-new.jira-sample.event.json")
    base = parse_asff(new)
    archived = parse_text(
        _sample("securityhub", "securityhub-imported-fsbp-ec2.8-failed-archived-new.jira-sample.event.json")
    )[0]
    assert is_material_change(base, archived) and material_digest(base) != material_digest(archived)
    for change in (
        {"Severity": {"Label": "CRITICAL"}},
        {"Compliance": {"Status": "PASSED"}},
        {"Workflow": {"Status": "SUPPRESSED"}},
        {"Title": "other"},
    ):
        assert is_material_change(base, parse_asff({**new, **change})), change
    assert is_material_change(None, base)


def test_control_text_in_japanese() -> None:
    (cis,) = parse_text(
        _sample("securityhub", "securityhub-imported-cis1.22-iampolicy-failed-active-new.jira-sample.event.json")
    )
    text = control_text(cis)
    assert text is not None and text.control_id == "IAM.1" and text.title_is_japanese
    assert "IAM.1" in text.headline and "不合格" in text.headline and "AdminAccessCustom" in text.headline
    assert text.why and text.fix and text.remediation_url.endswith("#iam-1")
    assert any("CIS AWS Foundations Benchmark v1.2.0" in s for s in text.standards)
    assert ("準拠状況", "不合格") in text.rows and ("重要度", "重要") in text.rows
    _iam6, rds4 = parse_text(
        _sample("securityhub", "securityhub-customaction-fsbp-iam.6-and-rds.4-failed.asr-test.event.json")
    )
    english = control_text(rds4)
    assert english is not None and not english.title_is_japanese and english.title.endswith("（英語）")
    assert not english.title.startswith("RDS.4")
    (passed,) = parse_text(
        _sample("securityhub", "securityhub-asff-control-fsbp-s3.2-s3bucket-passed.asr-simdata.finding.json")
    )
    assert "合格しました" in control_text(passed).headline
    (gd,) = parse_text(_sample("securityhub", "securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json"))
    assert control_text(gd) is None
