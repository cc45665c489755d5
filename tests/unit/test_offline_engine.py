from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from inspector2backlog.translate.base import Engine
from inspector2backlog.translate.offline import OfflineEngine, is_command, translate_text
from tests.conftest import SAMPLES

DESCRIPTION_DOC = (
    "On the instance i-12345678901234567, the port range 22-22 is reachable from the InternetGateway "
    "igw-261bab4d from an attached ENI eni-094ad651219472857."
)


def _findings(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if "findings" in data:
        return data["findings"]
    return [data.get("detail", data)]


def _sample_findings() -> list[dict]:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared Inspector samples not found at {SAMPLES} (../shared, I2B_SHARED_DIR or I2B_SAMPLES_DIR)")
    return [f for p in sorted(SAMPLES.glob("*.json")) for f in _findings(p)]


@pytest.fixture()
def engine() -> OfflineEngine:
    return OfflineEngine()


def test_engine_identity(engine):
    assert isinstance(engine, Engine)
    assert engine.name == "offline"
    assert engine.remote is False


def test_none_provided(engine):
    assert engine.translate_batch(["None Provided", "  None Provided\n", "none  provided"]) == ["記載なし"] * 3


def test_network_description_single_port_keeps_ids(engine):
    [ja] = engine.translate_batch([DESCRIPTION_DOC])
    assert ja == (
        "インスタンス i-12345678901234567 のポート 22 は、アタッチされた ENI eni-094ad651219472857 を経由して"
        "インターネットゲートウェイ igw-261bab4d から到達可能です。"
    )


def test_network_description_range_and_other_sources():
    assert translate_text(
        "On the instance i-0a1b2c3d, the port range 1024-65535 is reachable from the VirtualPrivateGateway "
        "vgw-0f1e2d3c from an attached ENI eni-0aa11bb22."
    ) == (
        "インスタンス i-0a1b2c3d のポート範囲 1024-65535 は、アタッチされた ENI eni-0aa11bb22 を経由して"
        "仮想プライベートゲートウェイ vgw-0f1e2d3c から到達可能です。"
    )
    assert (
        translate_text(
            "On the instance i-0a1b2c3d, the port range 3306-3306 is reachable from the VpcPeeringConnection pcx-0123."
        )
        == "インスタンス i-0a1b2c3d のポート 3306 は、VPC ピアリング接続 pcx-0123 から到達可能です。"
    )
    assert "トランジットゲートウェイ tgw-0abc から到達可能です。" in translate_text(
        "On the instance i-1, the port range 443-443 is reachable from the TransitGateway tgw-0abc "
        "from an attached ENI eni-1."
    )


def test_network_description_unknown_source_type_keeps_the_type_name():
    ja = translate_text("On the instance i-1, the port range 80-80 is reachable from the FutureThing ft-9.")
    assert ja == "インスタンス i-1 のポート 80 は、FutureThing ft-9 から到達可能です。"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Port 22 is reachable from an Internet Gateway - TCP",
            "ポート 22/TCP がインターネットゲートウェイから到達可能",
        ),
        (
            "Port 31699 is reachable from an Internet Gateway - TCP",
            "ポート 31699/TCP がインターネットゲートウェイから到達可能",
        ),
        ("Port 53 is reachable from a Peered VPC - UDP", "ポート 53/UDP がピアリング接続された VPC から到達可能"),
        (
            "Port 3389 is reachable from a Virtual Private Gateway - TCP",
            "ポート 3389/TCP が仮想プライベートゲートウェイから到達可能",
        ),
        ("Port 443 is reachable from a Transit Gateway - TCP", "ポート 443/TCP がトランジットゲートウェイから到達可能"),
        (
            "Port 80 is reachable from an Elastic Load Balancer - TCP",
            "ポート 80/TCP が Elastic Load Balancer から到達可能",
        ),
        (
            "Port range 1024-65535 is reachable from an Internet Gateway - TCP",
            "ポート範囲 1024-65535/TCP がインターネットゲートウェイから到達可能",
        ),
        (
            "Port range 22-22 is reachable from an Internet Gateway - TCP",
            "ポート 22/TCP がインターネットゲートウェイから到達可能",
        ),
    ],
)
def test_network_titles(title, expected):
    assert translate_text(title) == expected


def test_unknown_title_source_is_not_guessed():
    assert translate_text("Port 22 is reachable from a Quantum Tunnel - TCP") is None


def test_remediation_phrases(engine):
    out = engine.translate_batch(
        [
            "You can restrict access to your instance by modifying the Security Groups or ACLs in the network path.",
            "Update all packages in the vulnerable packages section to their latest versions.",
            "Upgrade your installed software packages to the proposed fixed in version and release.",
        ]
    )
    assert out == [
        "ネットワーク経路上のセキュリティグループまたはネットワーク ACL を変更することで、インスタンスへのアクセスを制限できます。",
        "「影響を受けるパッケージ」のすべてのパッケージを最新バージョンに更新してください。",
        "インストールされているソフトウェアパッケージを、提示された修正バージョン（リリース）に更新してください。",
    ]


def test_remediation_with_commands_keeps_commands_and_layout():
    text = (
        "Upgrade your installed software packages to the proposed fixed in version and release.\n\n"
        "yum update kernel\n\nyum update kernel-tools"
    )
    assert translate_text(text) == (
        "インストールされているソフトウェアパッケージを、提示された修正バージョン（リリース）に更新してください。\n\n"
        "yum update kernel\n\nyum update kernel-tools"
    )
    assert translate_text("Run 'yum update tomcat7' to update your system.") == (
        "「yum update tomcat7」を実行してシステムを更新してください。"
    )


@pytest.mark.parametrize(
    "command",
    [
        "apt-get update && apt-get upgrade",
        "yum update libxml2",
        "yum update libxml2-python",
        "sudo apt-get install --only-upgrade openssl",
        "pip install --upgrade flask==2.3.2",
        "python3 -m pip install -U requests",
        "dnf update --releasever=2023.6.20241111 kernel",
        "npm update lodash; npm audit fix",
        "go get golang.org/x/net@v0.17.0",
    ],
)
def test_commands_are_returned_unchanged(engine, command):
    assert is_command(command)
    assert is_command(f"  {command}\n")
    assert engine.translate_batch([command]) == [command]


@pytest.mark.parametrize(
    "text",
    [
        "Update all packages in the vulnerable packages section to their latest versions.",
        "Flask is a lightweight WSGI web application framework.",
        "apt-get is a tool",
        "Run yum later",
        "",
        "NotAvailable",
    ],
)
def test_prose_is_not_a_command(text):
    assert not is_command(text)


def test_free_prose_is_untranslated(engine):
    texts = [
        "Flask is a lightweight WSGI web application framework. When all of the following conditions are met, "
        "a response containing data intended for one client may be cached and subsequently sent by the proxy.",
        "You have a log statement that might use unsanitized input originating from HTTP requests.",
        "None Provided by the vendor yet",
        "Port 22 is open",
    ]
    assert engine.translate_batch(texts) == [None] * len(texts)


def test_japanese_is_returned_unchanged(engine):
    texts = [
        "Flask（軽量な WSGI Web アプリケーションフレームワーク）で、レスポンスがキャッシュされる可能性があります。",
        "インスタンス i-0cc555cfcdf60a48f のポート 22 は到達可能です。",
    ]
    assert engine.translate_batch(texts) == texts
    # one Japanese word inside English prose does not make it Japanese
    assert translate_text("The package 日本 is affected by a heap overflow in the parser of untrusted input.") is None


def test_every_stereotyped_sample_text_is_translated_with_ids_intact():
    findings = _sample_findings()
    checked = 0
    for f in findings:
        rec = (f.get("remediation") or {}).get("recommendation") or {}
        text = rec.get("text")
        if text in ("None Provided",) or (text or "").startswith(("You can restrict", "Update all packages")):
            assert translate_text(text) not in (None, text)
            checked += 1
        for pkg in (f.get("packageVulnerabilityDetails") or {}).get("vulnerablePackages") or []:
            if pkg.get("remediation") and pkg["remediation"] != "NotAvailable":
                assert translate_text(pkg["remediation"]) == pkg["remediation"]  # commands stay commands
                checked += 1
        if f.get("type") == "NETWORK_REACHABILITY":
            nrd = f["networkReachabilityDetails"]
            begin = str(nrd["openPortRange"]["begin"])
            desc = translate_text(f["description"])
            title = translate_text(f["title"])
            assert desc is not None and title is not None, f["description"]
            for step in nrd["networkPath"]["steps"]:
                if step["componentType"] in (
                    "AWS::EC2::InternetGateway",
                    "AWS::EC2::NetworkInterface",
                    "AWS::EC2::Instance",
                ):
                    assert step["componentId"] in desc
            assert f"ポート {begin} は" in desc and desc.endswith("から到達可能です。")
            assert title == f"ポート {begin}/{nrd['protocol']} がインターネットゲートウェイから到達可能"
            checked += 1
    assert checked >= 50


def test_package_descriptions_in_samples_stay_untranslated():
    findings = [f for f in _sample_findings() if f.get("type") == "PACKAGE_VULNERABILITY"]
    assert findings
    out = OfflineEngine().translate_batch([f["description"] for f in findings])
    assert out == [None] * len(findings)


def test_repeated_batches_give_the_same_answer():
    """The hot path is deterministic across calls (its cost per text is printed by ``bench/micro.py``)."""
    texts = [
        DESCRIPTION_DOC,
        "None Provided",
        "Port 22 is reachable from an Internet Gateway - TCP",
        "apt-get update && apt-get upgrade",
        "A heap overflow in libfoo allows remote attackers to run code. " * 3,
    ]
    engine = OfflineEngine()
    first = engine.translate_batch(texts)
    assert all(engine.translate_batch(texts) == first for _ in range(50))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises(text):
    out = translate_text(text)
    assert out is None or isinstance(out, str)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"i-[0-9a-f]{8,17}", fullmatch=True),
    st.integers(0, 65535),
    st.integers(0, 65535),
    st.from_regex(r"igw-[0-9a-f]{8,17}", fullmatch=True),
    st.from_regex(r"eni-[0-9a-f]{8,17}", fullmatch=True),
)
def test_description_ids_are_copied_byte_identically(inst, a, b, igw, eni):
    begin, end = min(a, b), max(a, b)
    text = (
        f"On the instance {inst}, the port range {begin}-{end} is reachable from the InternetGateway {igw} "
        f"from an attached ENI {eni}."
    )
    ja = translate_text(text)
    ports = str(begin) if begin == end else f"{begin}-{end}"
    label = "ポート" if begin == end else "ポート範囲"
    assert ja == (
        f"インスタンス {inst} の{label} {ports} は、アタッチされた ENI {eni} を経由して"
        f"インターネットゲートウェイ {igw} から到達可能です。"
    )


def test_latin_source_names_are_spaced_from_kana():
    assert (
        translate_text(
            "On the instance i-1, the port range 80-80 is reachable from the LoadBalancer lb-1 from an attached ENI eni-2."
        )
        == "インスタンス i-1 のポート 80 は、アタッチされた ENI eni-2 を経由してロードバランサー lb-1 から到達可能です。"
    )
    assert (
        translate_text(
            "On the instance i-1, the port range 80-80 is reachable from the FutureThing ft-1 from an attached ENI eni-2."
        )
        == "インスタンス i-1 のポート 80 は、アタッチされた ENI eni-2 を経由して FutureThing ft-1 から到達可能です。"
    )
