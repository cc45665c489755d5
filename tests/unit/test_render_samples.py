"""Every shared sample renders in every format, with real content checked (not just "no exception")."""

from __future__ import annotations

import json
import re

import pytest

from inspector2backlog.findings.model import Finding
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.render.issue import FORMATS, IssueBuilder
from inspector2backlog.render.safe import has_astral
from inspector2backlog.translate import make_translator

from ..conftest import sample_files

JST_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} JST")


@pytest.fixture(scope="module")
def builder():
    return IssueBuilder(make_translator("offline"))


def _findings(path) -> list[Finding]:
    return [i for i in iter_text(path.read_bytes(), path.name) if isinstance(i, Finding)]


def _one(samples_dir, name):
    return _findings(samples_dir / name)[0]


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_every_sample_in_every_format(path, builder):
    for f in _findings(path):
        issue = builder.build(f)
        assert 0 < len(issue.summary) <= 255 and "\n" not in issue.summary
        assert issue.summary.startswith("【") and issue.priority in ("高", "中", "低")
        for fmt in FORMATS:
            text = issue.description(fmt)
            assert "概要" in text and "対象リソース" in text and "推奨対応" in text and "検出日時" in text
            assert JST_DATE.search(text), fmt
            assert f.arn in text
            assert not has_astral(text)
        j = issue.as_json()
        assert {"finding_arn", "severity", "summary", "description", "priority", "fallback"} <= set(j)
        json.dumps(j, ensure_ascii=False)


def test_cvss_31_explained_in_japanese(samples_dir, builder):
    md = builder.build(_one(samples_dir, "lambda-package-vulnerability.event.json")).description("markdown")
    for label in (
        "攻撃元区分 (AV)",
        "攻撃条件の複雑さ (AC)",
        "必要な特権レベル (PR)",
        "ユーザ関与レベル (UI)",
        "スコープ (S)",
        "機密性への影響 (C)",
        "完全性への影響 (I)",
        "可用性への影響 (A)",
    ):
        assert label in md
    assert "| 攻撃元区分 (AV) | ネットワーク |" in md
    assert "| 機密性への影響 (C) | 高 |" in md
    assert "重要 (HIGH)" in md and "7.5（CVSS 3.1、出典 NVD、環境による調整なし）" in md


def test_cvss_30_chosen_from_adjusted_and_others_listed(samples_dir, builder):
    md = builder.build(_one(samples_dir, "ecr-package-vulnerability-2021.event.json")).description("markdown")
    assert "CVSS 3.0 基本評価基準" in md and "| ユーザ関与レベル (UI) | 要 |" in md
    others = md.split("そのほかの CVSS 評価")[1]
    assert "`AV:N/AC:M/Au:N/C:P/I:N/A:P`" in others and "`CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:H`" in others


def test_cvss_20_only_finding_explained_with_v2_terms(samples_dir, builder):
    f = next(
        x
        for x in _findings(samples_dir / "ecr-ec2-mixed.listfindings-8.json")
        if x.details.vulnerability_id == "CVE-2015-8035"
    )
    issue = builder.build(f)
    md = issue.description("markdown")
    assert "CVSS 2.0 基本評価基準" in md and "攻撃前の認証要否 (Au)" in md and "| 可用性への影響 (A) | 部分的 |" in md
    assert issue.summary.startswith("【注意 2.6】")  # no inspectorScore: the best CVSS base score is shown


def test_cvss_40_only_finding_explained_with_v4_terms(samples_dir, builder):
    fs = [
        f
        for f in _findings(samples_dir / "lambda-package-and-code.listfindings-28.json")
        if f.details.cvss and all(c.version == "4.0" for c in f.details.cvss) and f.details.inspector_score is None
    ]
    assert fs, "the sample has a finding whose only CVSS is 4.0"
    md = builder.build(fs[0]).description("markdown")
    assert "CVSS 4.0 基本評価基準" in md and "攻撃要件 (AT)" in md and "脆弱なシステムの完全性への影響 (VI)" in md


def test_package_table(samples_dir, builder):
    md = builder.build(_one(samples_dir, "ecr-package-vulnerability.event.json")).description("markdown")
    assert "| パッケージ | 現在のバージョン | 修正バージョン | 種別 | 場所 |" in md
    assert "| `openssl` | `0:3.0.13-0ubuntu3.2`" not in md  # epoch 0 is not shown
    assert "| `openssl` | `3.0.13-0ubuntu3.2` | `0:3.0.13-0ubuntu3.4` | OS |" in md
    assert "`apt-get update && apt-get upgrade`" in md
    bl = builder.build(_one(samples_dir, "ecr-package-vulnerability.event.json")).description("backlog")
    assert "|パッケージ|現在のバージョン|修正バージョン|種別|場所|h" in bl


def test_agentless_go_binary_paths(samples_dir, builder):
    md = builder.build(_one(samples_dir, "ec2-gobinary-exploit-available.finding.json")).description("markdown")
    assert "`vol-0e47545061282cd35:/p1:opt/cni/bin/aws-cni`" in md and "GOBINARY" in md
    assert "既知の悪用: **あり**" in md and "94.4%" in md


def test_network_reachability(samples_dir, builder):
    issue = builder.build(_one(samples_dir, "ec2-network-reachability.event.json"))
    md = issue.description("markdown")
    assert "## ネットワーク到達性" in md and "開放ポート: `22`" in md and "プロトコル: TCP" in md
    assert "インターネットゲートウェイ `igw-261bab4d` → ネットワーク ACL `acl-171b527d` → セキュリティグループ" in md
    assert "ポート 22/TCP" in issue.summary and "インターネットゲートウェイ" in issue.summary
    # the stereotyped description and remediation are translated offline
    assert "インスタンス i-12345678901234567" in md and "【未翻訳" not in md


def test_network_path_with_arns_and_epoch_dates(samples_dir, builder):
    md = builder.build(_one(samples_dir, "ec2-network-reachability.finding.json")).description("markdown")
    assert "`31699`" in md and "情報 (INFORMATIONAL)" in md and "2025-05-30" in md


def test_code_vulnerability(samples_dir, builder):
    f = next(
        x
        for x in _findings(samples_dir / "lambda-package-and-code.listfindings-28.json")
        if x.type == "CODE_VULNERABILITY"
    )
    md = builder.build(f).description("markdown")
    assert "## コードの脆弱性" in md
    assert "[CWE-117](https://cwe.mitre.org/data/definitions/117.html)" in md and "CWE-93" in md
    assert "`python/log-injection@v1.0`" in md and "`src/project_api/service/api_client.py`（268 行目）" in md
    bl = builder.build(f).description("backlog")
    assert "[[CWE-117>https://cwe.mitre.org/data/definitions/117.html]]" in bl


def test_untranslated_free_text_is_marked(samples_dir, builder):
    md = builder.build(_one(samples_dir, "ec2-package-vulnerability.event.json")).description("markdown")
    assert "【未翻訳・原文】In snapd versions prior to 2.62" in md
    assert "（Inspector の推奨: 記載なし）" in md  # "None Provided" is named, not translated into nothing


def test_closed_status_is_stated(samples_dir, builder):
    md = builder.build(_one(samples_dir, "ec2-package-vulnerability.event.json")).description("markdown")
    assert "クローズ (CLOSED)" in md


def test_email_rendering_carries_what_the_seed_carried(samples_dir, builder):
    subject, body = builder.build(_one(samples_dir, "lambda-package-vulnerability.event.json")).email()
    assert subject.startswith("【重要 7.5】CVE-2023-30861 flask 2.0.0")
    for needle in (
        "■ 深刻度とスコア",
        "攻撃元区分 (AV): ネットワーク",
        "flask",
        "2.3.2",
        "EPSS",
        "https://nvd.nist.gov/vuln/detail/CVE-2023-30861",
        "Flask is a lightweight WSGI web application framework",
    ):
        assert needle in body
    assert "**" not in body and "|---|" not in body  # plain text, no markup
