from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from inspector2backlog.sources.inspector2.cvss import CvssExplanation, MetricRow, explain, severity_ja
from tests.conftest import SAMPLES

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
V40_SAMPLE = (
    "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/"
    "MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X"
)


def _table(e: CvssExplanation) -> list[tuple[str, str, str, str, str]]:
    return [(r.group, r.code, r.metric, r.value_code, r.value) for r in e.rows]


def _scored_vectors(obj):
    if isinstance(obj, dict):
        if "scoringVector" in obj:
            yield obj
        for v in obj.values():
            yield from _scored_vectors(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _scored_vectors(v)


def test_v31_base_metrics_use_ipa_terms_in_spec_order():
    e = explain(V31)
    assert (e.version, e.valid, e.error) == ("3.1", True, None)
    assert e.base_score == 7.5 and e.severity == "重要"
    assert e.vector == V31
    assert e.group_names == ("基本評価基準",)
    assert _table(e) == [
        ("基本評価基準", "AV", "攻撃元区分", "N", "ネットワーク"),
        ("基本評価基準", "AC", "攻撃条件の複雑さ", "L", "低"),
        ("基本評価基準", "PR", "必要な特権レベル", "N", "不要"),
        ("基本評価基準", "UI", "ユーザ関与レベル", "N", "不要"),
        ("基本評価基準", "S", "スコープ", "U", "変更なし"),
        ("基本評価基準", "C", "機密性への影響", "H", "高"),
        ("基本評価基準", "I", "完全性への影響", "N", "なし"),
        ("基本評価基準", "A", "可用性への影響", "N", "なし"),
    ]


def test_v30_scope_changed_and_user_interaction_required():
    e = explain("  CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H \n")
    assert e.version == "3.0" and e.valid and e.base_score == 9.6 and e.severity == "緊急"
    assert e.vector == "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H"
    values = {r.code: r.value for r in e.rows}
    assert values["UI"] == "要" and values["S"] == "変更あり"


def test_v3_temporal_and_environmental_rows_only_when_set():
    e = explain(V31 + "/E:P/RL:O/RC:X/CR:H/IR:X/MAV:L/MS:X/MC:N")
    assert e.valid
    assert e.group_names == ("基本評価基準", "現状評価基準", "環境評価基準")
    extra = [row for row in _table(e) if row[0] != "基本評価基準"]
    assert extra == [
        ("現状評価基準", "E", "攻撃される可能性", "P", "実証可能"),
        ("現状評価基準", "RL", "利用可能な対策のレベル", "O", "正式"),
        ("環境評価基準", "CR", "機密性の要求度", "H", "高"),
        ("環境評価基準", "MAV", "調整後の攻撃元区分", "L", "ローカル"),
        ("環境評価基準", "MC", "調整後の機密性への影響", "N", "なし"),
    ]
    # environmental metrics never change the base score
    assert e.base_score == 7.5


def test_v2_without_prefix_and_in_parentheses():
    plain = explain("AV:N/AC:M/Au:N/C:P/I:N/A:P", "2.0")
    wrapped = explain("(AV:N/AC:M/Au:N/C:P/I:N/A:P)")
    for e in (plain, wrapped):
        assert e.version == "2.0" and e.valid and e.base_score == 5.8 and e.severity == "警告"
        assert _table(e) == [
            ("基本評価基準", "AV", "攻撃元区分", "N", "ネットワーク"),
            ("基本評価基準", "AC", "攻撃条件の複雑さ", "M", "中"),
            ("基本評価基準", "Au", "攻撃前の認証要否", "N", "不要"),
            ("基本評価基準", "C", "機密性への影響", "P", "部分的"),
            ("基本評価基準", "I", "完全性への影響", "N", "なし"),
            ("基本評価基準", "A", "可用性への影響", "P", "部分的"),
        ]
    assert wrapped.vector == "(AV:N/AC:M/Au:N/C:P/I:N/A:P)"


def test_v2_uses_jvn_v2_severity_bands_and_temporal_terms():
    e = explain("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:ND")
    assert e.valid and e.base_score == 10.0 and e.severity == "危険"
    assert ("現状評価基準", "E", "攻撃される可能性", "POC", "実証可能") in _table(e)
    assert ("現状評価基準", "RL", "利用可能な対策のレベル", "OF", "正式") in _table(e)
    assert all(r.code != "RC" for r in e.rows)  # ND is left out


def test_v40_sample_vector_shows_only_base_metrics():
    e = explain(V40_SAMPLE, "4.0")
    assert e.version == "4.0" and e.valid and e.base_score == 8.2 and e.severity == "重要"
    assert e.group_names == ("基本評価基準",)
    assert [(r.code, r.metric, r.value) for r in e.rows] == [
        ("AV", "攻撃元区分", "ネットワーク"),
        ("AC", "攻撃条件の複雑さ", "高"),
        ("AT", "攻撃要件", "なし"),
        ("PR", "必要な特権レベル", "不要"),
        ("UI", "ユーザ関与レベル", "不要"),
        ("VC", "脆弱なシステムの機密性への影響", "高"),
        ("VI", "脆弱なシステムの完全性への影響", "なし"),
        ("VA", "脆弱なシステムの可用性への影響", "なし"),
        ("SC", "後続システムの機密性への影響", "なし"),
        ("SI", "後続システムの完全性への影響", "なし"),
        ("SA", "後続システムの可用性への影響", "なし"),
    ]


def test_v40_threat_environmental_and_supplemental_metrics():
    e = explain(
        "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/MSI:S/MAV:A/S:P/AU:Y/R:I/V:C/RE:H/U:Red"
    )
    assert e.valid, e.error
    assert e.group_names == ("基本評価基準", "脅威評価基準", "環境評価基準", "補足評価基準")
    table = _table(e)
    assert ("基本評価基準", "AT", "攻撃要件", "P", "あり") in table
    assert ("基本評価基準", "UI", "ユーザ関与レベル", "A", "能動的") in table
    assert ("脅威評価基準", "E", "攻撃される可能性", "A", "攻撃あり") in table
    assert ("環境評価基準", "MAV", "調整後の攻撃元区分", "A", "隣接") in table
    assert ("環境評価基準", "MSI", "調整後の後続システムの完全性への影響", "S", "安全性に影響") in table
    supplemental = [(r.code, r.metric, r.value) for r in e.rows if r.group == "補足評価基準"]
    assert supplemental == [
        ("S", "安全性", "影響あり"),
        ("AU", "自動化可能性", "可能"),
        ("R", "復旧", "復旧不能"),
        ("V", "価値密度", "集中"),
        ("RE", "対応の労力", "高"),
        ("U", "緊急度", "レッド"),
    ]


def test_version_from_prefix_wins_and_given_version_fills_in():
    assert explain(V31, "3.0").version == "3.1"
    bare = explain("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.1")
    assert bare.version == "3.1" and bare.valid and bare.base_score == 7.5


@pytest.mark.parametrize(
    ("vector", "needle"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:Q", "「A」の値「Q」"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N", "必須の評価基準がありません: A"),
        ("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "重複"),
        ("CVSS:3.2/AV:N", "未対応の CVSS バージョン"),
        ("", "ベクターが空です"),
        ("CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "「AV」の値「X」"),
    ],
)
def test_malformed_vectors_explain_in_japanese(vector, needle):
    e = explain(vector)
    assert not e.valid and e.base_score is None and e.severity is None
    assert e.error.startswith("ベクターを解析できませんでした（") and e.error.endswith("。原文のまま表示しています。")
    assert needle in e.error


def test_unknown_keys_and_values_stay_visible():
    e = explain(V31 + "/ZZ:1")
    assert not e.valid
    assert MetricRow("その他", "ZZ", "ZZ", "1", "1") in e.rows
    assert e.group_names == ("基本評価基準", "その他")
    bad_value = explain("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")
    assert bad_value.rows[0] == MetricRow("基本評価基準", "AV", "攻撃元区分", "Q", "Q")
    assert bad_value.rows[1].value == "低"


def test_garbage_is_reported_not_raised():
    e = explain("not a vector at all")
    assert not e.valid and e.version == "" and e.error is not None
    assert explain(None).valid is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "version", "expected"),
    [
        (10.0, "3.1", "緊急"),
        (9.0, "3.1", "緊急"),
        (8.9, "3.1", "重要"),
        (7.0, "4.0", "重要"),
        (6.9, "3.0", "警告"),
        (4.0, "3.1", "警告"),
        (3.9, "3.1", "注意"),
        (0.1, "3.1", "注意"),
        (0.0, "3.1", "なし"),
        (10.0, "2.0", "危険"),
        (7.0, "2.0", "危険"),
        (6.9, "2.0", "警告"),
        (4.0, "2.0", "警告"),
        (3.9, "2.0", "注意"),
        (0.0, "2.0", "注意"),
        (None, "3.1", None),
        (11.0, "3.1", None),
        (-1.0, "3.1", None),
        (float("nan"), "3.1", None),
    ],
)
def test_severity_ja_bands(score, version, expected):
    assert severity_ja(score, version) == expected


def test_every_sample_vector_is_valid_and_scores_like_inspector():
    if not SAMPLES.is_dir():
        pytest.skip(f"shared Inspector samples not found at {SAMPLES} (../shared, I2B_SHARED_DIR or I2B_SAMPLES_DIR)")
    seen = 0
    for path in sorted(SAMPLES.glob("*.json")):
        for cvss in _scored_vectors(json.loads(path.read_text(encoding="utf-8"))):
            expected = cvss.get("baseScore", cvss.get("score"))
            e = explain(cvss["scoringVector"], cvss.get("version"))
            assert e.valid, (path.name, cvss, e.error)
            assert e.version == cvss["version"], (path.name, cvss)
            assert e.base_score == expected, (path.name, cvss)
            assert all(r.metric != r.code and r.value != r.value_code for r in e.rows), e.rows
            seen += 1
    assert seen >= 40


def test_explain_is_cached():
    """The same vector is explained once (its cost per call is printed by ``bench/micro.py``)."""
    first = explain(V31)
    assert explain(V31) is first


_FRAGMENTS = st.sampled_from(
    [
        "CVSS:3.1/",
        "CVSS:4.0/",
        "CVSS:3.0/",
        "CVSS:2.0/",
        "(",
        ")",
        "/",
        ":",
        "AV",
        "AC",
        "Au",
        "PR",
        "UI",
        "S",
        "C",
        "I",
        "A",
        "E",
        "MAV",
        "MSI",
        "U",
        "X",
        "ND",
        "N",
        "L",
        "H",
        "P",
        "Red",
        "AV:N",
        "AC:L",
        "AT:N",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_explain_never_raises_on_any_text(text):
    e = explain(text)
    assert isinstance(e, CvssExplanation)
    assert e.valid == (e.error is None)
    assert (e.base_score is None) == (not e.valid)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=30).map("".join), st.sampled_from([None, "2.0", "3.0", "3.1", "4.0", "9", ""]))
def test_explain_never_raises_on_vector_like_text(vector, version):
    e = explain(vector, version)
    assert e.vector == vector.strip()
    if e.valid:
        assert 0.0 <= e.base_score <= 10.0 and e.severity is not None
        assert e.rows and e.rows[0].group == "基本評価基準"
    assert e.group_names == tuple(dict.fromkeys(r.group for r in e.rows))
