"""Security Hub as a source on the seam: every published sample → core Findings with the cross-source identity,
the lifecycle state, Japanese control text and product-specific sections; snapshot / describe; grouping."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from inspector2backlog import sources
from inspector2backlog.findings.model import EventMeta, Finding, Item, Skipped, Unparsed
from inspector2backlog.render.markdown import render
from inspector2backlog.sources.base import Source
from inspector2backlog.sources.securityhub import SOURCE
from inspector2backlog.sources.securityhub.controls import lookup
from inspector2backlog.sources.securityhub.convert import _guardduty_type
from inspector2backlog.sources.securityhub.model import SecurityHubDetails
from tests.conftest import SHARED, shared_samples

ASFF = sorted((SHARED / "samples" / "securityhub").glob("*.json"))
OCSF = sorted((SHARED / "samples" / "securityhub-ocsf").glob("*.json"))


def _values(doc: Any) -> Iterator[tuple[Any, EventMeta | None]]:
    """What the generic envelope reader hands the source: an event's detail with its meta, else the value."""
    for d in doc if isinstance(doc, list) else [doc]:
        if isinstance(d, dict) and "detail-type" in d:
            meta = EventMeta(d.get("id", ""), d["detail-type"], d.get("source", ""), d.get("account", ""), "", None)
            yield d["detail"], meta
        else:
            yield d, None


def parse_file(path: Path) -> list[Item]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [item for value, meta in _values(doc) for item in SOURCE.parse(value, path.name, meta)]


def findings_of(name: str, folder: str = "securityhub") -> list[Finding]:
    items = parse_file(shared_samples(folder) / name)
    assert all(isinstance(i, Finding) for i in items), items
    return [i for i in items if isinstance(i, Finding)]


def _md(f: Finding, tr: dict[str, Any] | None = None) -> str:
    return render(SOURCE.sections(f, tr or {}))


def test_the_source_satisfies_the_protocol_and_is_registered_first() -> None:
    assert isinstance(SOURCE, Source)
    assert sources.REGISTERED[0].name == "securityhub" and sources.get("securityhub") is SOURCE
    reg = sources.for_event("aws.securityhub", "Security Hub Findings - Imported")
    assert reg is not None and reg.name == "securityhub"
    for dt in ("Security Hub Findings - Custom Action", "Findings Imported V2", "Security Hub Insight Results"):
        assert (r := sources.for_event("aws.securityhub", dt)) is not None and r.name == "securityhub"
    # a bare ASFF finding of an Inspector finding is Security Hub's, an Inspector finding is not
    asff = json.loads(
        (shared_samples("securityhub") / "securityhub-asff-inspector-classic-docs.finding.json").read_text()
    )
    assert (r := sources.for_finding(asff)) is not None and r.name == "securityhub"
    ocsf = json.loads(OCSF[-1].read_text())
    assert (r := sources.for_finding(ocsf)) is not None and r.name == "securityhub"
    assert sources.for_finding({"findingArn": "arn:aws:inspector2:x"}) is not None
    assert sources.for_finding({"findingArn": "arn:aws:inspector2:x"}).name != "securityhub"  # type: ignore[union-attr]
    # GuardDuty's boto3 GetFindings output is PascalCase with SchemaVersion and Id but no ProductArn
    gd_boto3 = {"SchemaVersion": "2.0", "Id": "abc", "Arn": "arn:aws:guardduty:x", "Type": "Recon:EC2/Portscan"}
    assert (sources.for_finding(gd_boto3) or sources.REGISTERED[-1]).name != "securityhub"


@pytest.mark.parametrize("path", ASFF + OCSF, ids=lambda p: p.name)
def test_every_sample_parses_to_non_fallback_findings(path: Path) -> None:
    items = parse_file(path)
    assert items and all(isinstance(i, Finding) for i in items), [i for i in items if not isinstance(i, Finding)]
    for f in items:
        assert isinstance(f, Finding) and isinstance(f.details, SecurityHubDetails)
        assert f.source == "securityhub" and f.state in ("open", "closed", "suppressed")
        assert f.severity in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL") and f.arn and f.title
        text = _md(f)
        assert "Security Hub の情報" in text
        summary = SOURCE.summary(f, {})
        assert summary.startswith("【") and "\n" not in summary
        assert all(isinstance(t, str) and t.strip() for t in SOURCE.texts(f))
        json.dumps(SOURCE.snapshot(f))  # serialisable


def test_one_event_with_several_findings_gives_each() -> None:
    fs = findings_of("securityhub-customaction-fsbp-iam.6-and-rds.4-failed.asr-test.event.json")
    assert [f.type for f in fs] == ["IAM.6", "RDS.4"] and len({f.arn for f in fs}) == 2
    assert [f.origin.rsplit("#", 1)[1] for f in fs] == ["findings[0]", "findings[1]"]
    assert all(f.details.action_name for f in fs)  # the Custom Action's name is kept


def test_product_specific_identity() -> None:
    (ins,) = findings_of("securityhub-asff-inspector-ec2.defectdojo.array.json")
    assert (
        ins.arn == ins.details.id and ins.arn.startswith("arn:aws:inspector2:") and ins.type == "PACKAGE_VULNERABILITY"
    )
    (gd,) = findings_of("securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json")
    assert gd.arn.startswith("arn:aws:guardduty:us-east-1:193043430472:detector/") and "/finding/" in gd.arn
    assert gd.type == "UnauthorizedAccess:EC2/SSHBruteForce" and gd.severity_source
    (aa,) = findings_of("securityhub-asff-accessanalyzer-unused-permission-iamrole-archived-docs.getfindings.json")
    assert aa.arn == "access-analyzer:finding/DEMO24d8d-0d3f-4d3d-99f4-299fc8a62ee7" and aa.type == "UnusedPermission"
    assert aa.state == "closed" and aa.status == "ARCHIVED"
    (ocsf_gd,) = findings_of(OCSF[0].name, "securityhub-ocsf")
    assert ocsf_gd.arn.startswith("arn:aws:guardduty:") and ocsf_gd.type == "Stealth:IAMUser/CloudTrailLoggingDisabled"
    assert ocsf_gd.state == "suppressed"
    (macie,) = findings_of("securityhub-asff-macie-policy-s3blockpublicaccessdisabled-docs.finding.json")
    assert macie.arn == macie.details.id


@pytest.mark.parametrize(
    ("asff_type", "native"),
    [
        ("TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce", "UnauthorizedAccess:EC2/SSHBruteForce"),
        ("TTPs/Discovery/IAMUser-AnomalousBehavior", "Discovery:IAMUser/AnomalousBehavior"),
        ("Software and Configuration Checks/Backdoor:EC2.C&CActivity.B", "Backdoor:EC2/C&CActivity.B"),
        ("Effects/Resource Consumption/CryptoCurrency:EC2-BitcoinTool.B!DNS", "CryptoCurrency:EC2/BitcoinTool.B!DNS"),
        ("Stealth:IAMUser/CloudTrailLoggingDisabled", "Stealth:IAMUser/CloudTrailLoggingDisabled"),
        ("", ""),
    ],
)
def test_guardduty_types_read_back_to_guardduty_spelling(asff_type: str, native: str) -> None:
    assert _guardduty_type(asff_type) == native


@pytest.mark.parametrize(
    ("name", "state", "status"),
    [
        ("securityhub-imported-fsbp-ec2.8-failed-active-new.jira-sample.event.json", "open", "FAILED"),
        ("securityhub-imported-fsbp-ec2.8-failed-archived-new.jira-sample.event.json", "closed", "ARCHIVED"),
        ("securityhub-asff-control-fsbp-s3.2-s3bucket-passed.asr-simdata.finding.json", "closed", "RESOLVED"),
        ("securityhub-customaction-cis2.2-cloudtrail-passed.event.json", "closed", "PASSED"),
        ("securityhub-imported-cis120-1.3-warning.asr-test.event.json", "open", "WARNING"),
    ],
)
def test_state_follows_issue_13_item_6(name: str, state: str, status: str) -> None:
    (f,) = findings_of(name)
    assert (f.state, f.status) == (state, status)


def test_suppressed_workflow_is_suppressed() -> None:
    path = shared_samples("securityhub") / "securityhub-imported-fsbp-ec2.8-failed-active-new.jira-sample.event.json"
    ev = json.loads(path.read_text())
    ev["detail"]["findings"][0]["Workflow"] = {"Status": "SUPPRESSED"}
    meta = EventMeta("x", ev["detail-type"], "aws.securityhub", "", "", None)
    (f,) = SOURCE.parse(ev["detail"], "t", meta)
    assert isinstance(f, Finding) and (f.state, f.status) == ("suppressed", "SUPPRESSED")


def test_control_findings_have_our_japanese_title_and_fix() -> None:
    for path in ASFF:
        for f in (i for i in parse_file(path) if isinstance(i, Finding) and i.details.control_id):
            control = lookup(f.details.control_id)
            text = _md(f).replace("\\", "")  # Markdown escapes removed
            assert f.details.control_id in text and "セキュリティ標準" in text, path.name
            assert "docs.aws.amazon.com/securityhub" in text, path.name  # AWS's remediation URL
            if control is not None and control.title_ja:
                assert control.title_ja in SOURCE.summary(f, {}) and control.title_ja in text
                assert "なぜ重要か" in text and "対応方法" in text
                assert control.fix_ja is not None and control.fix_ja[:20] in text
                assert f.details.title not in SOURCE.texts(f)  # our own title: nothing to translate
    (ec2,) = findings_of("securityhub-imported-fsbp-ec2.8-failed-active-new.jira-sample.event.json")
    assert "IMDSv2" in SOURCE.summary(ec2, {}) and "【重要】EC2.8" in SOURCE.summary(ec2, {})


@dataclass
class _Tr:
    text: str
    translated: bool = True


def test_controls_without_own_japanese_use_the_translation() -> None:
    fs = findings_of("securityhub-customaction-fsbp-iam.6-and-rds.4-failed.asr-test.event.json")
    rds = fs[1]
    assert lookup("RDS.4") is not None and lookup("RDS.4").title_ja is None  # type: ignore[union-attr]
    texts = SOURCE.texts(rds)
    assert rds.details.title in texts
    tr = {t: _Tr(f"訳:{t[:10]}") for t in texts}
    text = _md(rds, tr)
    assert f"訳:{rds.details.title[:10]}" in text and "RDS.4" in text
    assert SOURCE.summary(rds, tr).startswith(f"【警告】RDS.4 訳:{rds.details.title[:10]}")
    untranslated = _md(rds)
    assert "未翻訳・原文" in untranslated


@contextlib.contextmanager
def _products_cannot_read_copies() -> Iterator[None]:
    """The registry's product sources replaced by ones without ``from_securityhub``: Security Hub's own blocks."""
    names = ("inspector2", "guardduty", "access_analyzer")
    before = {n: sources._LOADED.get(n) for n in names}
    for n in names:
        sources._LOADED[n] = object()
    try:
        yield
    finally:
        for n, src in before.items():
            if src is None:
                sources._LOADED.pop(n, None)
            else:
                sources._LOADED[n] = src


def test_product_specific_sections_from_the_asff_fields() -> None:
    """Security Hub's own product blocks, for a product whose source cannot read the copy (when it can, its own
    sections are used: tests/unit/test_securityhub_products.py)."""
    with _products_cannot_read_copies():
        _product_specific_sections_from_the_asff_fields()


def _product_specific_sections_from_the_asff_fields() -> None:
    (ins,) = findings_of("securityhub-asff-inspector-ec2.defectdojo.array.json")
    text = _md(ins)
    assert "脆弱性" in text and "CVE-2017-9735" in text and "影響を受けるパッケージ" in text and "CVSS" in text
    (gd,) = findings_of("securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json")
    text = _md(gd)
    assert "GuardDuty の検出内容" in text and "199.241.229.197" in text and "NETWORK\\_CONNECTION" in text
    (aa,) = findings_of("securityhub-asff-accessanalyzer-s3bucket.finding.json")
    text = _md(aa)
    assert "IAM Access Analyzer の検出内容" in text and "444455556666" in text and "外部のプリンシパル" in text
    fs = findings_of("securityhub-asff-inspector2-ecr-image.defectdojo.getfindings.json")
    assert "ECR コンテナイメージ" in _md(fs[0])


class _Delegate:
    """A product source that reads a Security Hub copy itself (the proposed ``from_securityhub``)."""

    name = "guardduty"
    label = "Amazon GuardDuty"

    def from_securityhub(self, f: Finding) -> Finding:
        return copy.copy(f)

    def texts(self, f: Finding) -> list[str]:
        return ["knowledge base text"]

    def sections(self, f: Finding, tr: Any) -> list[Any]:
        from inspector2backlog.render.doc import Heading

        return [Heading("GuardDuty ナレッジベース")]


def test_product_sections_delegate_through_the_registry_when_the_product_source_can_read_the_copy() -> None:
    (gd,) = findings_of("securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json")
    before = sources._LOADED.get("guardduty")
    sources._LOADED["guardduty"] = _Delegate()  # type: ignore[assignment]
    try:
        text = _md(gd)
        assert "GuardDuty ナレッジベース" in text and "Security Hub の情報" in text
        assert "GuardDuty の検出内容" not in text and "knowledge base text" in SOURCE.texts(gd)
    finally:
        if before is None:
            sources._LOADED.pop("guardduty", None)
        else:
            sources._LOADED["guardduty"] = before


def test_snapshot_ignores_updated_at_and_our_workflow_echo_and_describe_says_what_changed() -> None:
    path = shared_samples("securityhub") / "securityhub-imported-fsbp-ec2.8-failed-active-new.jira-sample.event.json"
    ev = json.loads(path.read_text())
    meta = EventMeta("x", ev["detail-type"], "aws.securityhub", "", "", None)

    def parsed(change: Any) -> Finding:
        detail = copy.deepcopy(ev["detail"])
        change(detail["findings"][0])
        (f,) = SOURCE.parse(detail, "t", meta)
        assert isinstance(f, Finding)
        return f

    base = SOURCE.snapshot(parsed(lambda x: None))
    echo = parsed(lambda x: x.update(UpdatedAt="2030-01-01T00:00:00Z", Workflow={"Status": "NOTIFIED"}))
    assert SOURCE.snapshot(echo) == base and SOURCE.describe(base, SOURCE.snapshot(echo)) == []
    worse = SOURCE.snapshot(parsed(lambda x: x["Severity"].update(Label="CRITICAL")))
    assert SOURCE.describe(base, worse) == ["重要度: 重要 → 緊急"]
    passed = SOURCE.snapshot(parsed(lambda x: x["Compliance"].update(Status="PASSED")))
    assert SOURCE.describe(base, passed) == ["準拠状況: 不合格 → 合格"]
    more = parsed(lambda x: x["Resources"].append({"Type": "AwsEc2Instance", "Id": "i-new"}))
    assert SOURCE.describe(base, SOURCE.snapshot(more)) == ["対象リソース: 追加 i-new"]


def test_group_by_control() -> None:
    fs = findings_of("securityhub-asff-control-iam5-ssm2-elbv2.1-passed.defectdojo.findings.json")
    assert sorted(SOURCE.group_key(f, "control") or "" for f in fs) == [
        "securityhub-control:ELB.1",
        "securityhub-control:IAM.5",
        "securityhub-control:SSM.2",
    ]
    (gd,) = findings_of("securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json")
    assert SOURCE.group_key(gd, "control") is None and SOURCE.group_key(fs[0], "vulnerability") is None


def test_bad_input_is_unparsed_and_non_findings_are_skipped() -> None:
    meta = EventMeta("x", "Security Hub Insight Results", "aws.securityhub", "", "", None)
    (skipped,) = SOURCE.parse({"insightName": "x"}, "t", meta)
    assert isinstance(skipped, Skipped)
    imported = EventMeta("x", "Security Hub Findings - Imported", "aws.securityhub", "", "", None)
    items = list(SOURCE.parse({"findings": [{"SchemaVersion": "2018-10-08"}, 42, {"nothing": 1}]}, "t", imported))
    assert len(items) == 3 and all(isinstance(i, Unparsed) for i in items)
    assert list(SOURCE.parse({"findings": []}, "t", imported)) == []
    assert all(isinstance(i, Unparsed) for i in SOURCE.parse({"what": "ever"}, "t", None))
    assert all(isinstance(i, Unparsed) for i in SOURCE.parse([1, 2], "t", None))  # type: ignore[arg-type]
    no_id = {"SchemaVersion": "2018-10-08", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/x", "Id": ""}
    assert all(isinstance(i, Unparsed) for i in SOURCE.parse(no_id, "t", None))


OWN_EVENTS = Path(__file__).resolve().parents[2] / "examples"


def test_our_own_example_events() -> None:
    (control,) = parse_file(OWN_EVENTS / "11-securityhub-asff-control-s3.8-failed.event.json")
    assert isinstance(control, Finding) and control.type == "S3.8" and control.state == "open"
    assert (
        SOURCE.summary(control, {})
        == "【重要】S3.8 S3 の汎用バケットでパブリックアクセスをブロックする（バケット単位）（shop-uploads）"
    )
    text = _md(control).replace("\\", "")
    assert "CIS AWS Foundations Benchmark v3.0.0" in text and "s3-controls.html#s3-8" in text and "S3 バケット" in text
    (ocsf,) = parse_file(OWN_EVENTS / "12-securityhub-ocsf-inspector-cve-lambda.event.json")
    assert isinstance(ocsf, Finding) and ocsf.details.format == "ocsf"
    assert ocsf.arn == "arn:aws:inspector2:ap-northeast-1:111122223333:finding/4c1e2d3b5a6f7e8d9c0b1a2f3e4d5c6b"
    assert ocsf.type == "PACKAGE_VULNERABILITY" and ocsf.severity == "MEDIUM" and ocsf.severity_source == "Medium"
    text = _md(ocsf).replace("\\", "")
    assert "CVE-2024-35195" in text and "2.32.0" in text and "Lambda 関数" in text and "python3.11" in text
