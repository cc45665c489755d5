"""Security Hub controls knowledge base: reference data, our Japanese, legacy/GeneratorId resolution."""

from __future__ import annotations

import csv
import fnmatch
import importlib.util
import json
import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from inspector2backlog.sources.securityhub import controls as sh
from tests.conftest import REPO, SHARED, shared_file, shared_samples

DOCS = SHARED / "docs"
PACKAGE = "inspector2backlog.sources.securityhub"
EXPECTED_OWN_JAPANESE = 152
RETIRED = {"IAM.20", "S3.4"}  # legacy CIS targets no longer in the control catalog


def _shared_rows(name: str) -> list[dict[str, str]]:
    with shared_file("docs", name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _needs_own_japanese(row: dict[str, str]) -> bool:
    standards = [s.strip() for s in row["standards"].split(",")]
    return row["severity"] in ("CRITICAL", "HIGH") or any(s.startswith("CIS") for s in standards)


def _is_japanese(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or ch == "々"


def _outside_backticks(text: str) -> str:
    return "".join(part for i, part in enumerate(text.split("`")) if i % 2 == 0)


def _longest_english_run(text: str) -> int:
    """Most consecutive ASCII words (letters only) between non-ASCII characters, outside backticks."""
    longest = run = 0
    word = ""
    for ch in _outside_backticks(text) + "。":
        if ch.isascii() and ch.isalpha():
            word += ch
            continue
        if word:
            run += 1
            word = ""
        if ch == " " or (ch.isascii() and ch in "-/.,()'\":"):
            continue
        longest = max(longest, run)
        run = 0
    return longest


def _japanese_share(text: str) -> tuple[int, float]:
    chars = [c for c in _outside_backticks(text) if not c.isspace()]
    jp = sum(1 for c in chars if _is_japanese(c))
    return jp, jp / max(1, len(chars))


# --- the 152 controls with our own Japanese ------------------------------------------------------------------


def test_the_own_japanese_set_is_the_152_critical_high_or_cis_controls() -> None:
    selected = [r for r in _shared_rows("securityhub-controls.tsv") if _needs_own_japanese(r)]
    assert len(selected) == EXPECTED_OWN_JAPANESE


@pytest.mark.parametrize(("field", "min_chars", "min_share"), [("title", 6, 0.2), ("why", 25, 0.35), ("fix", 70, 0.3)])
def test_every_critical_high_or_cis_control_has_japanese(field: str, min_chars: int, min_share: float) -> None:
    missing, weak = [], []
    for row in _shared_rows("securityhub-controls.tsv"):
        if not _needs_own_japanese(row):
            continue
        control = sh.lookup(row["control_id"])
        assert control is not None, row["control_id"]
        text = {"title": control.title_ja, "why": control.why_ja, "fix": control.fix_ja}[field]
        if not text:
            missing.append(control.id)
            continue
        jp, share = _japanese_share(text)
        if jp < min_chars or share < min_share or _longest_english_run(text) >= 7:
            weak.append((control.id, jp, round(share, 2), _longest_english_run(text)))
    assert not missing, f"no Japanese {field} for {len(missing)} controls: {missing}"
    assert not weak, f"Japanese {field} too thin or with English sentences: {weak}"


def test_the_japanese_checks_catch_english_and_thin_text() -> None:
    english = "Enable block public access on the bucket using the console or the CLI."
    assert _longest_english_run(english) >= 7
    assert _longest_english_run("`aws s3api put-public-access-block --bucket my-bucket` を実行する") == 0
    assert _japanese_share("Enable S3 Block Public Access")[0] == 0
    assert _japanese_share("S3 のブロックパブリックアクセスを有効にする")[1] > 0.5


def test_no_two_controls_share_a_fix_or_a_why() -> None:
    seen: dict[str, str] = {}
    for control in sh.all_controls():
        for text in (control.fix_ja, control.why_ja):
            if text:
                assert text not in seen, f"{control.id} repeats the text of {seen[text]}"
                seen[text] = control.id
    assert len(seen) == 2 * EXPECTED_OWN_JAPANESE


def test_japanese_file_names_only_known_controls_with_title_why_fix() -> None:
    raw = tomllib.loads(resources.files(PACKAGE).joinpath("controls_ja.toml").read_text(encoding="utf-8"))
    assert len(raw["controls"]) == EXPECTED_OWN_JAPANESE
    unknown = [cid for cid in raw["controls"] if sh.lookup(cid) is None or sh.lookup(cid).id != cid]  # type: ignore[union-attr]
    assert not unknown
    odd = {cid: sorted(e) for cid, e in raw["controls"].items() if sorted(e) != ["fix", "title", "why"]}
    assert not odd


# --- facts for all 593 ---------------------------------------------------------------------------------------


def test_all_controls_resolve_with_standards_and_remediation_url() -> None:
    rows = _shared_rows("securityhub-controls.tsv")
    assert len(rows) == 593
    for row in rows:
        control = sh.lookup(row["control_id"])
        assert control is not None and control.id == row["control_id"]
        assert control.title_en == row["title"]
        assert control.severity == row["severity"]
        assert control.resource_type == row["resource_type"]
        assert control.standards == tuple(s.strip() for s in row["standards"].split(", ") if s.strip())
        assert control.remediation_url == row["remediation_url"]
        assert control.remediation_url.startswith("https://docs.aws.amazon.com/securityhub/")
    with_standards = sum(1 for c in sh.all_controls() if c.standards)
    assert with_standards >= 591  # two controls (EC2.22, RDS.18) are in no current standard
    assert len(sh.all_controls()) == 593


def test_lookup_is_case_insensitive_only_as_a_fallback() -> None:
    assert sh.lookup("s3.1").id == "S3.1"  # type: ignore[union-attr]
    assert sh.lookup("Autoscaling.5").id == "Autoscaling.5"  # type: ignore[union-attr]
    assert sh.lookup("AutoScaling.3").id == "AutoScaling.3"  # type: ignore[union-attr]


def test_controls_tsv_matches_the_generator() -> None:
    _shared_rows("securityhub-controls.tsv")
    spec = importlib.util.spec_from_file_location("i2b_gen_controls", REPO / "tools" / "gen_controls.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for name, text in gen.generate(DOCS).items():
        assert resources.files(PACKAGE).joinpath(name).read_text(encoding="utf-8") == text, f"{name} is stale"


def test_reference_data_is_declared_package_data() -> None:
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["inspector2backlog"]
    for name in ("controls.tsv", "cis_legacy.tsv", "controls_ja.toml"):
        rel = f"sources/securityhub/{name}"
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), f"{rel} is not package data"


# --- legacy ids and GeneratorIds -----------------------------------------------------------------------------


def test_every_legacy_cis_id_resolves() -> None:
    rows = _shared_rows("cis-legacy-ids.tsv")
    assert len(rows) >= 80
    for row in rows:
        expected = row["security_control_id"]
        assert expected in sh.legacy_controls(row["standard"], row["legacy_control_id"])
        first = sh.from_legacy(row["standard"], row["legacy_control_id"])
        assert first is not None and first in sh.legacy_controls(row["standard"], row["legacy_control_id"])
        assert sh.from_legacy(row["legacy_generator_id"]) == first
        if expected not in RETIRED:
            assert sh.lookup(expected) is not None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.22",), "IAM.1"),
        (("cis-aws-foundations-benchmark/v/1.4.0/3.7",), "CloudTrail.2"),
        (("arn:aws:securityhub:eu-west-1:123456789012:control/cis-aws-foundations-benchmark/v/1.2.0/1.22",), "IAM.1"),
        (("aws-foundational-security-best-practices/v/1.0.0/S3.1",), "S3.1"),
        (("security-control/S3.1",), "S3.1"),
        (("service-managed-aws-control-tower/v/1.0.0/CloudTrail.2",), "CloudTrail.2"),
        (("nist-800-53/v/5.0.0/CloudTrail.2",), "CloudTrail.2"),
        (("arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0", "1.3"), "IAM.8"),
        (("arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0", "3.7"), "CloudTrail.2"),
        (("CIS v1.2.0", "1.1"), "CloudWatch.1"),
        (("arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0", "EC2.8"), "EC2.8"),
        (("S3.8",), "S3.8"),
        (("pci-dss/v/3.2.1/PCI.CloudTrail.1",), None),  # PCI v3.2.1 ids are not in the shared mapping
        (("cis-aws-foundations-benchmark/v/1.2.0/rule/9.99",), None),
        (("security-control/",), None),
    ],
)
def test_from_legacy_shapes(args: tuple[str, ...], expected: str | None) -> None:
    assert sh.from_legacy(*args) == expected


@pytest.mark.parametrize(
    "garbage",
    ["", "S3.999", "x" * 100_000, "arn:" * 25_000, "/v/" * 30_000, "security-control/" + "S" * 100_000, " ", "::::::"],
)
def test_unknown_ids_give_none(garbage: str) -> None:
    assert sh.lookup(garbage) is None
    assert sh.from_legacy(garbage) is None
    assert sh.from_legacy("CIS v1.2.0", garbage) is None
    assert sh.from_legacy(garbage, "1.22") is None
    assert sh.control_id_of({"GeneratorId": garbage, "Compliance": {"SecurityControlId": garbage}}) is None


def test_non_strings_give_none() -> None:
    for value in (None, 3, ["S3.1"], {"S3.1": 1}):
        assert sh.lookup(value) is None
        assert sh.from_legacy(value) is None
        assert sh.legacy_controls(value, "1.22") == () and sh.legacy_controls("CIS v1.2.0", value) == ()  # type: ignore[arg-type]
        assert sh.severity_label_ja(value) == ""  # type: ignore[arg-type]
    assert sh.control_id_of({"Compliance": "S3.1", "ProductFields": ["x"], "GeneratorId": 7}) is None


def _asff(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _asff(item)
    elif isinstance(node, dict):
        if "SchemaVersion" in node and "GeneratorId" in node:
            yield node
        else:
            for value in node.values():
                yield from _asff(value)


def _expected_control(finding: dict[str, Any], legacy: dict[tuple[str, str], list[str]]) -> str:
    declared = (finding.get("Compliance") or {}).get("SecurityControlId")
    if declared:
        return declared
    fields = finding["ProductFields"]
    if "RuleId" in fields:  # CIS v1.2.0, StandardsGuideArn …/v/1.2.0
        version = fields["StandardsGuideArn"].rsplit("/", 1)[1]
        return legacy[(f"CIS v{version}", fields["RuleId"])][0]
    assert "aws-foundational-security-best-practices" in fields["StandardsArn"]
    return {"ELBv2.1": "ELB.1"}.get(fields["ControlId"], fields["ControlId"])  # renamed at consolidation


def test_every_sample_control_finding_resolves_to_its_control() -> None:
    folder = shared_samples("securityhub")
    legacy: dict[tuple[str, str], list[str]] = {}
    for row in _shared_rows("cis-legacy-ids.tsv"):
        legacy.setdefault((row["standard"], row["legacy_control_id"]), []).append(row["security_control_id"])
    checked = 0
    seen: set[str] = set()
    for path in sorted(folder.glob("*.json")):
        for finding in _asff(json.loads(path.read_text(encoding="utf-8"))):
            if not str(finding.get("ProductArn", "")).endswith("product/aws/securityhub"):
                continue
            expected = _expected_control(finding, legacy)
            assert sh.control_id_of(finding) == expected, path.name
            by_generator = sh.from_legacy(finding["GeneratorId"])
            pci = finding["GeneratorId"].startswith("pci-dss/")
            assert by_generator == (None if pci else expected), (path.name, finding["GeneratorId"])
            seen.add(expected)
            control = sh.lookup(expected)
            assert control is not None and control.remediation_url
            checked += 1
    assert checked >= 18
    assert {"IAM.1", "IAM.8", "CloudTrail.2", "CloudTrail.4", "ELB.1", "S3.1", "EC2.8"} <= seen


# --- labels --------------------------------------------------------------------------------------------------


def test_standard_labels() -> None:
    assert sh.standard_label_ja("AWS FSBP v1.0.0") == "AWS 基礎セキュリティのベストプラクティス v1.0.0"
    assert sh.standard_label_ja("CIS v1.2.0 (2.1)") == "CIS AWS Foundations Benchmark v1.2.0 (2.1)"
    assert sh.standard_label_ja("arn:aws:securityhub:::standards/nist-800-53/v/5.0.0") == "NIST SP 800-53 Rev. 5"
    assert (
        sh.standard_label_ja("ruleset/cis-aws-foundations-benchmark/v/1.2.0") == "CIS AWS Foundations Benchmark v1.2.0"
    )
    assert sh.standard_label_ja("standards/pci-dss/v/3.2.1") == "PCI DSS v3.2.1"
    assert sh.standard_label_ja("Some Partner Standard") == "Some Partner Standard"
    labels = {sh.standard_label_ja(s) for c in sh.all_controls() for s in c.standards}
    assert all(labels) and not any(label.startswith("AWS FSBP") for label in labels)
    assert sh.lookup("S3.1").standards_ja[0].startswith("AWS 基礎セキュリティ")  # type: ignore[union-attr]


def test_severity_labels() -> None:
    assert [sh.severity_label_ja(s) for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW")] == ["緊急", "重要", "警告", "注意"]
    assert sh.severity_label_ja("high") == "重要"
    assert sh.severity_label_ja("WEIRD") == "WEIRD"
    assert sh.severity_label_ja(None) == ""
