"""``doctor`` against the fake Backlog over real HTTP: the configuration and the space checked together."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector2backlog.backlog import BacklogClient
from inspector2backlog.config import load_config
from inspector2backlog.doctor import run_doctor
from tests.fakes.backlog_server import FakeBacklog, fake_backlog  # noqa: F401


def config_for(tmp_path: Path, fake: FakeBacklog, **backlog: str):
    values = {
        "space_url": fake.url,
        "project_key": "SEC",
        "issue_type": "脆弱性",
        "arn_custom_field": "Finding ARN",
        "assignee": "yamada",
        "category": "AWS",
        **backlog,
    }
    body = "[backlog]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items())
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(path, env={})


def doctor(tmp_path: Path, fake: FakeBacklog, env: dict | None = None, **backlog: str):
    env = {"BACKLOG_API_KEY": fake.api_key} if env is None else env
    return run_doctor(config_for(tmp_path, fake, **backlog), env=env)


def line_of(report, name_en: str) -> str:
    return next(line for line in report.lines if f"({name_en})" in line)


def test_all_good(tmp_path: Path, fake_backlog: FakeBacklog) -> None:
    report = doctor(tmp_path, fake_backlog)
    text = report.text()
    assert report.ok and report.exit_code == 0, text
    assert "[OK]   認証 (Authentication): inspector2backlog (i2b-bot) として接続しました" in text
    assert '課題種別 (Issue type): "脆弱性"' in line_of(report, "Issue type")
    assert "Markdown（markdown）で課題を書きます" in line_of(report, "Text formatting rule")
    assert "read 5" in line_of(report, "Rate limit") and "update 150/150" in line_of(report, "Rate limit")
    assert "Finding ARN" in line_of(report, "ARN custom field") and "山田 太郎" in line_of(report, "Assignee")
    assert report.lines[-1] == "結果: 問題はありません / Result: all checks passed"
    assert fake_backlog.api_key not in text
    assert fake_backlog.counts["create_issue"] == 0 and fake_backlog.counts["update_issue"] == 0  # read-only


def test_backlog_notation_project_is_reported(tmp_path: Path) -> None:
    with FakeBacklog(text_formatting_rule="backlog") as fake:
        report = doctor(tmp_path, fake)
        assert report.ok and "Backlog 記法（backlog）" in line_of(report, "Text formatting rule")


@pytest.mark.parametrize(
    ("override", "name_en", "expected"),
    [
        (
            {"issue_type": "セキュリティ"},
            "Issue type",
            '[NG]   課題種別 (Issue type): 課題種別 "セキュリティ" がプロジェクト SEC にありません（存在するもの: バグ, タスク, 脆弱性）',
        ),
        (
            {"closed_status": "Closed"},
            "Closed status",
            '状態 "Closed" がプロジェクト SEC にありません（存在するもの: 未対応, 処理中, 処理済み, 完了）',
        ),
        (
            {"arn_custom_field": "ARN"},
            "ARN custom field",
            'カスタム属性 "ARN" がプロジェクト SEC にありません（存在するもの: Finding ARN, 影響度）',
        ),
        ({"arn_custom_field": "影響度"}, "ARN custom field", "SingleList"),
        ({"assignee": "tanaka"}, "Assignee", 'ユーザー "tanaka"'),
        ({"suppressed_resolution": "却下"}, "Resolution for suppressed", '完了理由 "却下"'),
        ({"closed_resolution": "解決"}, "Resolution for closed", '完了理由 "解決"'),
        ({"category": "GCP"}, "Category", "existing: AWS, アプリ"),
    ],
)
def test_missing_names_are_not_ok_with_a_clear_line(tmp_path, fake_backlog, override, name_en, expected) -> None:
    report = doctor(tmp_path, fake_backlog, **override)
    assert not report.ok and report.exit_code == 1
    line = line_of(report, name_en)
    assert line.startswith("[NG]") and expected in line
    assert report.lines[-1].startswith("結果: 問題が 1 件あります")
    assert line_of(report, "Authentication").startswith("[OK]")  # the rest still checked


def test_unknown_priority_in_mapping(tmp_path: Path, fake_backlog: FakeBacklog) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        f'[backlog]\nspace_url = "{fake_backlog.url}"\nproject_key = "SEC"\nissue_type = "脆弱性"\n'
        '[backlog.priority]\nCRITICAL = "緊急"\n',
        encoding="utf-8",
    )
    report = run_doctor(load_config(path, env={}), env={"BACKLOG_API_KEY": fake_backlog.api_key})
    assert not report.ok and '優先度 "緊急" がスペースにありません（存在するもの: 高, 中, 低）' in line_of(
        report, "Priority"
    )


def test_required_custom_field_we_do_not_fill(tmp_path: Path) -> None:
    fields = [
        {"name": "Finding ARN", "typeId": 1},
        {"name": "対応期限理由", "typeId": 2, "required": True, "applicableIssueTypes": ["脆弱性"]},
    ]
    with FakeBacklog(custom_fields=fields) as fake:
        report = doctor(tmp_path, fake)
        assert not report.ok
        assert '必須のカスタム属性 "対応期限理由"' in line_of(report, "Required custom fields")
        assert doctor(tmp_path, fake, issue_type="バグ").ok  # not applicable to that issue type


def test_wrong_api_key_fails_authentication_and_stops(tmp_path: Path, fake_backlog: FakeBacklog) -> None:
    report = doctor(tmp_path, fake_backlog, env={"BACKLOG_API_KEY": "not-the-right-key-777"})
    assert not report.ok
    assert "認証に失敗しました" in line_of(report, "Authentication")
    assert not any("(Project)" in line for line in report.lines)
    assert "not-the-right-key-777" not in report.text()


def test_no_api_key_configured(tmp_path: Path, fake_backlog: FakeBacklog) -> None:
    report = doctor(tmp_path, fake_backlog, env={})
    assert not report.ok and "BACKLOG_API_KEY" in line_of(report, "Credentials")
    assert fake_backlog.requests == []


def test_unknown_project(tmp_path: Path, fake_backlog: FakeBacklog) -> None:
    report = doctor(tmp_path, fake_backlog, project_key="NOPE")
    assert not report.ok and 'プロジェクト "NOPE" が見つかりません' in line_of(report, "Project")


def test_missing_settings(tmp_path: Path) -> None:
    report = run_doctor(load_config(None, env={}), env={})
    assert not report.ok and "space_url, project_key, issue_type" in line_of(report, "Settings")


def test_low_rate_limit_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    with FakeBacklog(rate_limits={"search": 100}) as fake:
        client = BacklogClient(fake.url, api_key=fake.api_key)
        for _ in range(95):
            client.count_issues()
        report = run_doctor(config_for(tmp_path, fake), client=client)  # an injected client
        assert report.ok and report.exit_code == 0
        line = line_of(report, "Rate limit")
        assert line.startswith("[WARN]") and "search 5/100" in line and "秒後に回復" in line
        assert "注意 1 件" in report.lines[-1]


def test_unreachable_backlog(tmp_path: Path) -> None:
    fake = FakeBacklog().start()
    config = config_for(tmp_path, fake)
    fake.stop()
    client = BacklogClient(config.backlog.space_url, api_key="some-key-12345", max_retries=0)
    report = run_doctor(config, client=client)
    assert not report.ok and "Backlog に接続できません" in line_of(report, "Authentication")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_language_and_how_each_name_resolved(tmp_path: Path, language: str) -> None:
    with FakeBacklog(language=language) as fake:
        report = doctor(tmp_path, fake)
        assert report.ok, report.text()
        lang = line_of(report, "Language")
        status = line_of(report, "Closed status")
        if language == "en":
            assert "英語（en、users/myself の lang）" in lang and "by their default id" in lang
            assert '"完了" → "Closed" (id 4, 既定の id で照合)' in status
            assert '"対応済み" → "Fixed" (id 0, by default id)' in line_of(report, "Resolution for closed")
            assert '"高" → "High" (id 2, 既定の id で照合)' in line_of(report, "Priority")
        else:
            assert "日本語（ja、users/myself の lang）" in lang
            assert '"完了" (id 4, 名前で照合)' in status
