"""Product-aware Security Hub issues (issue 13 item 4) and the frame's hooks (one 「概要」, a true status line).

A Security Hub finding whose product is Inspector, GuardDuty or IAM Access Analyzer is laid out by that product's
own source (``from_securityhub``, reached through the registry): Inspector's CVSS table and packages, GuardDuty's
knowledge base with 調査手順 / 対応手順, Access Analyzer's who / what / which — with Security Hub's own block kept.
Every issue, whatever its source, has exactly one 「概要」 in Japanese and a 「状態」 read from its own fields."""

from __future__ import annotations

import re

import pytest

from inspector2backlog import sources
from inspector2backlog.findings.model import Finding
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.render.issue import Issue, IssueBuilder
from inspector2backlog.sources.guardduty.knowledge import lookup
from inspector2backlog.sources.guardduty.securityhub_copy import unflatten
from inspector2backlog.sources.securityhub.identity import product_of
from inspector2backlog.translate import make_translator
from tests.conftest import EXAMPLES, shared_samples
from tests.unit.test_securityhub_source import findings_of, parse_file

JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
SAMPLES = sorted(shared_samples("securityhub").glob("*.json")) + sorted(
    shared_samples("securityhub-ocsf").glob("*.json")
)
#: what the products' fallback blocks (sources/securityhub/products.py) are headed: never in a delegated issue
FALLBACK_HEADINGS = ("## 脆弱性\n", "## GuardDuty の検出内容", "## IAM Access Analyzer の検出内容")


def _builder() -> IssueBuilder:
    return IssueBuilder(make_translator("offline"))


def _product_findings() -> list[tuple[str, str, Finding]]:
    out = []
    for path in SAMPLES:
        for f in (i for i in parse_file(path) if isinstance(i, Finding)):
            product = product_of(f.details)
            if product in ("inspector2", "guardduty", "access-analyzer") and not f.details.control_id:
                out.append((path.name, product, f))
    return out


PRODUCT_FINDINGS = _product_findings()


def _section(md: str, heading: str) -> str:
    for part in re.split(r"^## ", md, flags=re.M):
        if part.startswith(heading + "\n"):
            return part[len(heading) :]
    raise AssertionError(f"no section {heading!r} in:\n{md}")


def _plain(md: str) -> str:
    return md.replace("\\", "").replace("`", "")


def _one_overview(issue: Issue) -> str:
    md = issue.description()
    assert md.count("## 概要\n") == 1, md
    return _section(md, "概要")


def test_every_product_is_covered_by_the_samples() -> None:
    products = {p for _, p, _ in PRODUCT_FINDINGS}
    assert products == {"inspector2", "guardduty", "access-analyzer"}
    assert any(f.details.format == "ocsf" for _, p, f in PRODUCT_FINDINGS if p == "guardduty")


@pytest.mark.parametrize(("name", "product", "f"), PRODUCT_FINDINGS, ids=lambda v: v if isinstance(v, str) else "")
def test_product_findings_have_their_own_sources_sections(name: str, product: str, f: Finding) -> None:
    issue = _builder().build(f)
    md = issue.description()
    assert not issue.fallback, md
    assert JA.search(_one_overview(issue)), name
    assert "## Security Hub の情報" in md, name  # the delegation keeps Security Hub's own facts
    assert not [h for h in FALLBACK_HEADINGS if h in md], name
    assert "不明（通知に記載なし）" not in _section(md, "検出日時"), name
    if product == "inspector2":
        assert "## 深刻度とスコア" in md and "## 対象リソース" in md and "## 推奨対応" in md, name
        if f.details.vulnerabilities and f.details.vulnerabilities[0].cvss:
            assert re.search(r"\| CVSS [234]\.[01] (基本評価基準|基本評価) \|", md), name
        if f.details.vulnerabilities and f.details.vulnerabilities[0].packages:
            assert "## 影響を受けるパッケージ" in md, name
        assert issue.summary.startswith("【") and f.details.vulnerabilities[0].id in issue.summary, name
    elif product == "guardduty":
        knowledge = lookup(f.type)
        assert not knowledge.generic, (name, f.type)  # the copy's type reads back to one the knowledge base knows
        respond, investigate = _plain(_section(md, "対応手順")), _plain(_section(md, "調査手順"))
        assert _plain(knowledge.respond[0]) in respond and _plain(knowledge.investigate[0]) in investigate, name
        assert f"`{f.type}`" in _section(md, "概要"), name
    else:
        assert "## 何が起きたか" in md and "## 対応手順" in md, name
        assert JA.search(_section(md, "対応手順")), name


def test_the_external_access_copy_says_who_can_do_what_on_which_resource() -> None:
    (f,) = findings_of("securityhub-asff-accessanalyzer-s3bucket.finding.json")
    md = _builder().build(f).description()
    overview = _section(md, "概要")
    assert "arn:aws:s3:::my-bucket" in overview and "444455556666" in overview and "s3:GetObject" in overview
    assert "| アクセスできる主体 | 444455556666 |" in md and "条件は付いていません" in overview


def test_the_inspector_copy_explains_cvss_with_ipa_terms_and_names_the_fix() -> None:
    fs = findings_of("securityhub-asff-inspector2-ec2-cve.defectdojo.getfindings.json")
    md = _builder().build(fs[0]).description()
    assert "| 攻撃元区分 (AV) | ネットワーク |" in md and "| 機密性への影響 (C) | 高 |" in md
    assert "`kernel` を `0:5.10.162-141.675.amzn2` 以降に更新してください。" in md
    assert "| Inspector スコア | 10.0（CVSS 3.1、出典 NVD） |" in md
    assert "EC2 インスタンス `i-11111111111111111`" in md


def test_the_guardduty_copy_keeps_the_actor_and_the_sample_mark() -> None:
    (f,) = findings_of("securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json")
    issue = _builder().build(f)
    md = issue.description()
    assert "| 送信元 IP アドレス | 199.241.229.197 |" in md and "| ローカルポート | 22 (SSH) |" in md
    assert issue.summary.startswith("【注意 2.0】不正アクセス UnauthorizedAccess:EC2/SSHBruteForce")
    (sample,) = findings_of("securityhub-asff-guardduty-ec2-ccactivity.event.json")
    assert "【サンプル】" in _builder().build(sample).summary


def test_the_ocsf_guardduty_copy_is_suppressed_and_says_so() -> None:
    (f,) = findings_of(
        "securityhub-v2-findings-imported-guardduty-stealth-cloudtraildisabled-suppressed.sumologic.event.json",
        "securityhub-ocsf",
    )
    md = _builder().build(f).description()
    assert "この検出結果は抑制されています。" in _section(md, "概要")
    assert "状態: 抑制済み（ステータス: Suppressed、アクティビティ: 更新）" in md
    assert "| API | DeleteTrail |" in md and "| 検出回数 | 264 |" in md


def test_product_fields_unflatten_to_guardduty_service() -> None:
    service = unflatten(
        (
            ("aws/guardduty/service/action/actionType", "NETWORK_CONNECTION"),
            ("aws/guardduty/service/evidence/threatIntelligenceDetails.0_/threatNames.0_", "Evil"),
            ("additionalInfo", '{"sample": true}'),
            ("aws/securityhub/ProductName", "GuardDuty"),
            ("count", "3"),
        )
    )
    assert service == {
        "action": {"actionType": "NETWORK_CONNECTION"},
        "evidence": {"threatIntelligenceDetails": [{"threatNames": ["Evil"]}]},
        "additionalInfo": {"sample": True},
        "count": "3",
    }


class _Unreadable:
    """A product source that cannot read a Security Hub copy (no ``from_securityhub``)."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_without_the_products_reading_the_securityhub_blocks_stand_in() -> None:
    before = {n: sources._LOADED.get(n) for n in ("inspector2", "guardduty", "access_analyzer")}
    for n in before:
        sources._LOADED[n] = _Unreadable(n)
    try:
        (gd,) = findings_of("securityhub-asff-guardduty-ec2-sshbruteforce-docs.finding.json")
        issue = _builder().build(gd)
        md = issue.description()
        assert not issue.fallback and "## GuardDuty の検出内容" in md and md.count("## 概要\n") == 1
        (aa,) = findings_of("securityhub-asff-accessanalyzer-s3bucket.finding.json")
        assert "## IAM Access Analyzer の検出内容" in _builder().build(aa).description()
    finally:
        for n, src in before.items():
            if src is None:
                sources._LOADED.pop(n, None)
            else:
                sources._LOADED[n] = src


@pytest.mark.parametrize("name", ["09-", "10-", "11-", "12-"])
def test_our_examples_have_one_japanese_overview_and_a_real_status(name: str) -> None:
    (path,) = [p for p in sorted(EXAMPLES.glob("*.json")) if p.name.startswith(name)]
    (f,) = [i for i in iter_text(path.read_bytes(), path.name) if isinstance(i, Finding)]
    issue = _builder().build(f)
    overview = _one_overview(issue)
    assert JA.search(overview.split("\n\n")[1]), overview  # its first paragraph is Japanese
    if not name.startswith("12-"):  # Inspector's own layout quotes the CVE's English description
        assert "未翻訳" not in overview, overview
    status = next(line for line in issue.description().splitlines() if line.startswith("- 状態: "))
    assert "不明" not in status, status


def test_guardduty_description_is_kept_in_english_when_nothing_else_shows_it() -> None:
    path = EXAMPLES / "09-guardduty-credential-exfiltration.event.json"
    (f,) = [i for i in iter_text(path.read_bytes(), path.name) if isinstance(i, Finding)]
    md = _builder().build(f).description()
    assert f.description in _section(md, "原文 (English)")
    assert f.description not in _section(md, "概要")


def test_security_hub_non_product_findings_show_the_description_once() -> None:
    (macie,) = findings_of("securityhub-asff-macie-sensitivedata-s3object-personal-docs.finding.json")
    issue = _builder().build(macie)
    overview = _one_overview(issue)
    assert overview.lstrip().startswith("Macie の検出結果が AWS Security Hub から届きました"), overview
    assert issue.description().count(macie.description[:60]) == 1
