"""The reviewer's list (issue 14, part 2): one test per item, each asserting the rendered text."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

import pytest

from inspector2backlog.findings.parse import iter_text, parse_finding
from inspector2backlog.policy import grouping
from inspector2backlog.policy.grouping import Delta, group_keys, member_entry
from inspector2backlog.render import markdown
from inspector2backlog.render.comments import close_comment, reopen_comment
from inspector2backlog.render.email import render as email_render
from inspector2backlog.render.group import build_group_issue, change_comment, lead_info
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.render.wording import percent
from inspector2backlog.sources.inspector2.grouping import fix_ids
from inspector2backlog.sources.inspector2.vendor_severity import vendor_severity_text
from inspector2backlog.state.records import Member
from inspector2backlog.translate import make_translator
from inspector2backlog.translate.base import Translation, Translator

from ..conftest import EXAMPLES

ACCOUNT = "111122223333"
FN = f"arn:aws:lambda:ap-northeast-1:{ACCOUNT}:function:billing:$LATEST"


def _finding(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "findingArn": f"arn:aws:inspector2:ap-northeast-1:{ACCOUNT}:finding/review0001",
        "awsAccountId": ACCOUNT,
        "type": "PACKAGE_VULNERABILITY",
        "severity": "HIGH",
        "status": "ACTIVE",
        "title": "CVE-2024-47081 - requests",
        "description": "Requests leaks credentials.",
        "firstObservedAt": "2024-10-02T11:20:00Z",
        "lastObservedAt": "2024-10-02T11:20:00Z",
        "updatedAt": "2024-10-02T11:20:00Z",
        "remediation": {"recommendation": {"text": "None Provided"}},
        "packageVulnerabilityDetails": {
            "vulnerabilityId": "CVE-2024-47081",
            "source": "NVD",
            "cvss": [],
            "vulnerablePackages": [
                {
                    "name": "requests",
                    "version": "2.32.0",
                    "fixedInVersion": "2.32.4",
                    "packageManager": "PYTHON",
                    "filePath": "requirements.txt",
                }
            ],
        },
        "resources": [
            {
                "type": "AWS_LAMBDA_FUNCTION",
                "id": FN,
                "region": "ap-northeast-1",
                "details": {"awsLambdaFunction": {"functionName": "billing", "runtime": "PYTHON_3_12"}},
            }
        ],
    }
    d.update(over)
    return d


def _code_finding(**over: Any) -> dict[str, Any]:
    d = _finding(
        type="CODE_VULNERABILITY",
        title="CWE-798 - Hardcoded credentials",
        severity="CRITICAL",
        codeVulnerabilityDetails={
            "cwes": ["CWE-798"],
            "detectorId": "python/hardcoded-credentials@v1.0",
            "detectorName": "Hardcoded credentials",
            "filePath": {
                "fileName": "lambda_function.py",
                "filePath": "lambda_function.py",
                "startLine": 6,
                "endLine": 6,
            },
        },
    )
    d.pop("packageVulnerabilityDetails")
    d.update(over)
    return d


def _pkgs(d: dict, pkgs: list[dict]) -> dict:
    d = copy.deepcopy(d)
    d["packageVulnerabilityDetails"]["vulnerablePackages"] = pkgs
    return d


@pytest.fixture(scope="module")
def builder() -> IssueBuilder:
    return IssueBuilder(make_translator("offline"))


def _md(builder: IssueBuilder, d: dict) -> str:
    return builder.build(parse_finding(d)).description("markdown")


class _Echo(Translator):
    """Marks every text as translated, with a Japanese prefix: exercises the translated paths."""

    def translate_many(self, texts: Sequence[str]) -> list[Translation]:
        return [Translation(t, "訳: " + t, "translated", "echo") for t in texts]


def _group(builder: IssueBuilder, ds: list[dict], kind: str = "vulnerability"):
    findings = [parse_finding(d) for d in ds]
    key = group_keys(findings[0], kind, "SEC")[0]
    members = {f.arn + str(i): member_entry(f, key).to_data() for i, f in enumerate(findings)}
    data = {"lead": lead_info(findings[0], kind, grouping.group_id(key)), "members": members}
    return build_group_issue(key, kind, data, builder)


# 1 --------------------------------------------------------------------------------------------------------------
REC = (
    "Sanitize inputs. [Learn more](https://cwe.mitre.org/data/definitions/117.html) "
    "[https://boto3.amazonaws.com/v1/documentation](https://boto3.amazonaws.com/v1/documentation) "
    "[click](javascript:alert%281%29)"
)


def test_1_markdown_links_in_quoted_recommendations(builder):
    d = _finding(remediation={"recommendation": {"text": REC}})
    issue = builder.build(parse_finding(d))
    md, bl = issue.description("markdown"), issue.description("backlog")
    assert "> Sanitize inputs. Learn more \\[1\\] https://boto3.amazonaws.com/v1/documentation \\[2\\] click" in md
    assert (
        "- \\[1\\] [https://cwe.mitre.org/data/definitions/117.html](https://cwe.mitre.org/data/definitions/117.html)"
        in md
    )
    assert "[[https://boto3.amazonaws.com/v1/documentation>https://boto3.amazonaws.com/v1/documentation]]" in bl
    assert "](https://" not in md.split("> Sanitize", 1)[1].split("\n", 1)[0]  # no raw markup in the quote
    assert "javascript" not in md and "javascript" not in bl
    # translated: real links inline
    tr = IssueBuilder(_Echo()).build(parse_finding(d)).description("markdown")
    assert "[Learn more](https://cwe.mitre.org/data/definitions/117.html)" in tr and "javascript" not in tr
    # group issues too
    g = _group(builder, [d]).description("markdown")
    assert "Learn more \\[1\\]" in g and "\\[1\\] [https://cwe.mitre.org/" in g and "javascript" not in g


# 2 --------------------------------------------------------------------------------------------------------------
V4 = (
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X"
    "/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X"
)


def _long_cell_runs(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        if line.startswith("|"):
            out += [tok for cell in line.strip("|").split(" | ") for tok in cell.split() if len(tok) > 82]
    return out


def test_2_cvss4_vector_base_metrics_only_and_no_long_cells(builder):
    d = _finding()
    d["packageVulnerabilityDetails"]["cvss"] = [
        {"baseScore": 9.3, "scoringVector": V4, "version": "4.0", "source": "NVD"}
    ]
    long_path = "python/lib/" + "/".join(f"vendored_package_{i}" for i in range(8)) + "/METADATA"
    d["packageVulnerabilityDetails"]["vulnerablePackages"][0]["filePath"] = long_path
    md = _md(builder, d)
    assert len(V4) > 170
    assert "| ベクター | `CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N` |" in md
    assert "/E:X" not in md and "MAV" not in md
    assert _long_cell_runs(md) == [], _long_cell_runs(md)
    assert "`python/lib/vendored_package_0/" in md  # the long path is still there, in breakable pieces


# 3 --------------------------------------------------------------------------------------------------------------
_BAD_SPACING = re.compile(r"[）」】] (?=[^\s|\-—])|(?<=\S) （")


def test_3_no_space_after_full_width_brackets(builder):
    md = _md(builder, _code_finding())
    assert (
        "Lambda 関数 billing のコード `lambda_function.py` の 6 行目で、ハードコードされた認証情報（CWE-798）が"
        "検出されました（深刻度: 緊急）。"
    ) in md
    assert "`lambda_function.py` の 6 行目を確認し、" in md
    assert _BAD_SPACING.search("`lambda_function.py`（6 行目） で Hardcoded credentials（CWE-798） が")


def test_3_every_template_over_the_samples(builder, samples_dir):
    bad = []
    for path in [*sorted(samples_dir.glob("*.json")), *sorted(EXAMPLES.glob("*.json"))]:
        for item in iter_text(path.read_bytes(), path.name):
            if not hasattr(item, "arn"):
                continue
            issue = builder.build(item)
            for fmt in ("markdown", "backlog", "email"):
                for line in (issue.summary + "\n" + issue.description(fmt)).splitlines():
                    if not line.startswith((">", "{quote}")) and "原文" not in line and _BAD_SPACING.search(line):
                        bad.append((path.name, fmt, line))
    assert not bad, bad[:5]


# 4 --------------------------------------------------------------------------------------------------------------
def test_4_same_package_at_two_paths_is_one_row(builder):
    layer = f"arn:aws:lambda:ap-northeast-1:{ACCOUNT}:layer:deps:12"
    d = _pkgs(
        _finding(),
        [
            {
                "name": "requests",
                "version": "2.32.0",
                "fixedInVersion": "2.32.4",
                "packageManager": "PYTHON",
                "filePath": "python/requests-2.32.0.dist-info/METADATA",
                "sourceLambdaLayerArn": layer,
            },
            {
                "name": "requests",
                "version": "2.32.0",
                "fixedInVersion": "2.32.4",
                "packageManager": "PYTHON",
                "filePath": "requirements.txt",
            },
        ],
    )
    issue = builder.build(parse_finding(d))
    md = issue.description("markdown")
    assert "他 1 件" not in issue.summary and "requests 2.32.0 — Lambda billing" in issue.summary
    assert "`requests 2.32.0`、`requests 2.32.0`" not in md
    rows = [ln for ln in md.splitlines() if ln.startswith("| `requests`")]
    assert rows == [
        "| `requests` | `2.32.0` | `2.32.4` | PYTHON | レイヤー `deps:12` の "
        "`python/requests-2.32.0.dist-info/METADATA`、`requirements.txt` |"
    ]
    assert md.count("`requests` を `2.32.4` 以降に更新してください。") == 1


# 5 --------------------------------------------------------------------------------------------------------------
def test_5_ec2_summary_names_the_resource_kind(builder):
    (f,) = list(iter_text((EXAMPLES / "04-ec2-network-rdp.event.json").read_bytes(), "04"))
    assert "— EC2 win-bastion (i-0fedcba9876543210) (111122223333 / ap-northeast-1)" in builder.build(f).summary


# 6 --------------------------------------------------------------------------------------------------------------
def _nested(line: str) -> bool:
    depth = 0
    for ch in line:
        if ch in "（(":
            depth += 1
            if depth > 1:
                return True
        elif ch in "）)":
            depth = max(0, depth - 1)
    return False


def test_6_status_label(builder):
    md = _md(builder, _finding())
    assert "状態: 未解決 (ACTIVE)、種類: パッケージの脆弱性" in md and "有効" not in md
    closed = _md(builder, _finding(status="CLOSED"))
    assert "**この検出結果の状態: クローズ (CLOSED)**" in closed and "（解消済み）" not in closed
    assert not _nested("状態: 未解決 (ACTIVE)") and _nested("深刻度（重要 (HIGH)）")


def test_6_no_brackets_in_brackets_over_the_samples(builder, samples_dir):
    bad = []
    for path in [*sorted(samples_dir.glob("*.json")), *sorted(EXAMPLES.glob("*.json"))]:
        for item in iter_text(path.read_bytes(), path.name):
            if hasattr(item, "arn"):
                issue = builder.build(item)
                for line in (issue.summary + "\n" + issue.description("email")).splitlines():
                    # quotes are Inspector's own English; URLs and ARNs are values, not prose
                    if (
                        not line.startswith(">")
                        and "http" not in line
                        and "ARN" not in line
                        and "ID:" not in line
                        and _nested(line)
                    ):
                        bad.append((path.name, line))
    assert not bad, bad[:5]


# 7 (the digest's own lifecycle test also asserts it: tests/integration/test_digest.py) ------------------------------
def test_7_digest_says_received(builder):
    f = parse_finding(_finding(severity="LOW"))
    key = "group:digest:SEC:2024-10-05"
    data = {"lead": {"period": "2024-10-05"}, "members": {f.arn: member_entry(f, key).to_data()}}
    md = build_group_issue(key, "digest", data, builder, digest_below="MEDIUM").description("markdown")
    assert "2024年10月5日に受信した、深刻度「警告」未満の検出結果のまとめです。" in md and "初めて検出" not in md


# 8 --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "d", [_finding(), _code_finding(), _finding(type="NETWORK_REACHABILITY", packageVulnerabilityDetails=None)]
)
def test_8_close_and_reopen_comments(d):
    parse_finding(d)  # the comment is the same for every finding type: it names no detail of the finding
    close = markdown.render(close_comment("2024-10-03 10:00 JST", False, [], "対応済み"))
    assert "Inspector で検出されなくなったため、課題を完了にします（完了理由: 対応済み）。" in close
    assert "解消された" not in close and "到達経路がなくなった" not in close
    reopen = markdown.render(reopen_comment("2024-10-04 10:00 JST", []))
    assert "Inspector で同じ問題が再び検出されました（2024-10-04 10:00 JST）。" in reopen
    m = Member.from_data({"r": "Lambda billing", "s": "CLOSED"})
    group_close = markdown.render(change_comment("vulnerability", Delta(resolved=[m]), transition="close"))
    assert "すべての対象が Inspector で検出されなくなったため" in group_close and "解消" not in group_close
    group_reopen = markdown.render(change_comment("vulnerability", Delta(added=[m]), transition="reopen"))
    assert "同じ問題が再び検出されたため、課題を再オープンします。" in group_reopen


# 9 --------------------------------------------------------------------------------------------------------------
def test_9_grouped_code_vulnerability_keeps_file_and_line(builder):
    md = _group(builder, [_code_finding()]).description("markdown")
    assert "| リソース | アカウント / リージョン | ファイル | 深刻度 | スコア |" in md
    assert "| Lambda billing | 111122223333 / ap-northeast-1 | `lambda_function.py`（6 行目） | 緊急 | — |" in md


# 10 -------------------------------------------------------------------------------------------------------------
def test_10_email_body(builder):
    from inspector2backlog.deliver.sns_email import END_MARKER, SUBJECT_LIMIT, SnsEmailSink

    d = _finding(
        packageVulnerabilityDetails={
            "vulnerabilityId": "CVE-2024-47081",
            "source": "NVD",
            "cvss": [
                {
                    "baseScore": 5.3,
                    "scoringVector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N",
                    "version": "3.1",
                    "source": "NVD",
                }
            ],
            "vulnerablePackages": [
                {
                    "name": "requests",
                    "version": "2.32.0",
                    "fixedInVersion": "2.32.4",
                    "packageManager": "PYTHON",
                    "filePath": "app/vendor/requests / old/METADATA",
                }
            ],
        },
        resources=[
            {
                "type": "AWS_LAMBDA_FUNCTION",
                "id": FN.replace("billing", "b" * 120),
                "region": "ap-northeast-1",
                "details": {"awsLambdaFunction": {"functionName": "b" * 120}},
            }
        ],
    )
    issue = builder.build(parse_finding(d))
    subject, body = SnsEmailSink.message(issue)
    assert "    場所: app/vendor/requests / old/METADATA" in body and "・パッケージ: requests" in body
    assert "【CVSS 3.1 基本評価基準】\n攻撃元区分 (AV): ネットワーク" in body
    assert "·" not in body
    assert len(subject) <= SUBJECT_LIMIT and subject.endswith("(111122223333 / ap-northeast-1)")
    assert subject.startswith("【重要 5.3】CVE-2024-47081 requests 2.32.0") and "…" in subject
    assert body.rstrip("\n").endswith("\n\n" + END_MARKER) and issue.finding_arn in body
    # a huge body is cut by bytes, and the ARN survives
    big = copy.deepcopy(d)
    big["packageVulnerabilityDetails"]["vulnerablePackages"] = [
        {"name": f"パッケージ{i}" * 20, "version": "1", "filePath": "ー" * 400} for i in range(150)
    ]
    _, body = SnsEmailSink.message(builder.build(parse_finding(big)))
    assert len(body.encode()) < 256 * 1024 and f"Finding ARN: {issue.finding_arn}" in body


# 11 -------------------------------------------------------------------------------------------------------------
def test_11_description_cut_by_inspector_is_marked(builder):
    desc = ("word " * 300)[:1024]
    md = _md(builder, _finding(description=desc))
    assert "word word…（Inspector 側で省略）" in md
    assert "省略" not in _md(builder, _finding(description=desc[:1000]))


# 12 -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("account,third", [(ACCOUNT, False), ("999988887777", True)])
def test_12_lambda_layer_packages(builder, account, third):
    layer = f"arn:aws:lambda:ap-northeast-1:{account}:layer:otel-collector:3"
    d = _pkgs(
        _finding(),
        [
            {
                "name": "requests",
                "version": "2.32.0",
                "fixedInVersion": "2.32.4",
                "packageManager": "PYTHON",
                "filePath": "python/requests/__init__.py",
                "sourceLambdaLayerArn": layer,
            }
        ],
    )
    md = _md(builder, d)
    where = "サードパーティのレイヤー `otel-collector:3`" if third else "レイヤー `otel-collector:3`"
    assert f"| {where} の `python/requests/__init__.py` |" in md
    assert ("サードパーティのレイヤー" in md) is third
    assert "関数のコードではなく、レイヤーの更新が必要です" in md
    assert "`requests` を `2.32.4` 以降に更新してください。" not in md  # not "update the function"
    assert layer not in md.split("## 影響を受けるパッケージ", 1)[1].split("## 参考情報", 1)[0]


# 13 -------------------------------------------------------------------------------------------------------------
def test_13_almost_empty_finding_says_what_is_missing(builder):
    issue = builder.build(parse_finding({"findingArn": f"arn:aws:inspector2:ap-northeast-1:{ACCOUNT}:finding/x"}))
    md = issue.description("markdown")
    assert issue.summary == "【未評価】内容の記載がない Inspector の検出結果 (ap-northeast-1)"
    assert "種類、タイトル、説明、深刻度、状態、対象リソースが含まれていません" in md
    assert "状態: 不明（通知に記載なし）、種類: 不明（通知に記載なし）" in md
    assert "UNKNOWN" not in md + issue.summary and "対象リソース で" not in md and "(ACTIVE)" not in md


# 14 -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "word,source,shown",
    [
        ("unimportant", "DEBIAN_CVE", "影響は軽微 (unimportant、Debian)"),
        ("not yet assigned", "DEBIAN_CVE", "未評価 (not yet assigned、Debian)"),
        ("negligible", "UBUNTU_CVE", "影響は軽微 (negligible、Ubuntu)"),
        ("medium", "UBUNTU_CVE", "警告 (medium、Ubuntu)"),
        ("Moderate", "REDHAT_CVE", "警告 (Moderate、Red Hat)"),
        ("Important", "AMAZON_CVE", "重要 (Important、Amazon Linux)"),
        ("moderate", "GITHUB", "警告 (moderate、GitHub)"),
        ("weird", "GITHUB", "weird (GitHub)"),
    ],
)
def test_14_vendor_severity_japanese_first(builder, word, source, shown):
    assert vendor_severity_text(word, source) == shown
    d = _finding()
    d["packageVulnerabilityDetails"].update(vendorSeverity=word, source=source)
    assert f"| ベンダーの深刻度 | {shown} |" in _md(builder, d)


# 15 -------------------------------------------------------------------------------------------------------------
def test_15_samples_say_other_n_and_percent_without_space(builder, samples_dir):
    for path in sorted(samples_dir.glob("*.json")):
        for item in iter_text(path.read_bytes(), path.name):
            if hasattr(item, "arn"):
                text = builder.build(item).description("markdown")
                assert "ほか " not in text.replace("そのほか", "") and " %" not in text, path.name


def test_15_consistency(builder):
    assert [percent(x) for x in (0.00075, 0.0021, 0.94407, 0.00043, 0.0)] == [
        "0.075%",
        "0.21%",
        "94.4%",
        "0.043%",
        "0%",
    ]
    d = _finding(epss={"score": 0.00075})
    md = _md(builder, d)
    assert "悪用可能性 (EPSS): 0.075%（" in md
    many = _finding(resources=[{**_finding()["resources"][0], "id": FN + str(i)} for i in range(25)])
    md = _md(builder, many)
    assert "他 5 件のリソース" in md and "ほか" not in md
    # Go standard library / Go binaries: rebuild with a fixed toolchain
    go = _pkgs(
        _finding(),
        [
            {
                "name": "stdlib",
                "version": "go1.22.1",
                "fixedInVersion": "1.22.5",
                "packageManager": "GOBINARY",
                "filePath": "usr/local/bin/app",
            },
            {
                "name": "golang.org/x/net",
                "version": "v0.1.0",
                "fixedInVersion": "0.17.0",
                "packageManager": "GOBINARY",
                "filePath": "usr/local/bin/app",
            },
        ],
    )
    md = _md(builder, go)
    assert "Go の標準ライブラリの脆弱性です。Go `1.22.5` 以降のツールチェーンでバイナリを再ビルドしてください" in md
    assert (
        "`golang.org/x/net` を `0.17.0` 以降に更新し、修正済みの Go ツールチェーンでバイナリを再ビルドしてください"
        in md
    )
    # group-by-fix never proposes a pre-release
    pre = parse_finding(
        _pkgs(_finding(), [{"name": "go/stdlib", "version": "1.24.4", "fixedInVersion": "1.26.0-rc.3"}])
    )
    both = parse_finding(
        _pkgs(_finding(), [{"name": "go/stdlib", "version": "1.24.4", "fixedInVersion": "1.25.7, 1.26.0-rc.3"}])
    )
    assert fix_ids(pre) == ["go/stdlib@1.26.0"] and fix_ids(both) == ["go/stdlib@1.25.7"]
    g = _group(
        builder,
        [_pkgs(_finding(), [{"name": "go/stdlib", "version": "1.24.4", "fixedInVersion": "1.26.0-rc.3"}])],
        kind="fix",
    )
    text = g.summary + g.description("markdown")
    assert "rc" not in text and "go/stdlib を 1.26.0 に更新" in g.summary
    # 「、」 in Japanese lists, 「他 N 件」 in group summaries
    two = _finding()
    two["packageVulnerabilityDetails"]["vulnerablePackages"] += [
        {"name": n, "version": "1", "fixedInVersion": "2"} for n in ("urllib3", "idna")
    ]
    assert "requests、urllib3 他 1 件" in _group(builder, [two]).summary
    assert "タグ: secrets、security" in _md(
        builder,
        _code_finding(
            codeVulnerabilityDetails={
                **_code_finding()["codeVulnerabilityDetails"],
                "detectorTags": ["secrets", "security"],
            }
        ),
    )


def test_email_renders_every_sample_without_the_old_separators(builder, samples_dir):
    for path in sorted(samples_dir.glob("*.json")):
        for item in iter_text(path.read_bytes(), path.name):
            if hasattr(item, "arn"):
                body = email_render(builder.build(item).blocks)
                assert "·" not in body and "\nパッケージ / " not in body, path.name


def test_11_group_description_cut_by_inspector_is_marked(builder):
    desc = ("word " * 300)[:1024]
    md = _group(builder, [_finding(description=desc)]).description("markdown")
    assert "word word…（Inspector 側で省略）" in md
