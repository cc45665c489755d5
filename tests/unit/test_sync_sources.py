"""Which sources ``sync`` lists (``[sync] sources``, ``--source``, ``[sources.<name>] enabled``), the per-source
checkpoint keys, and the multi-source plan text."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector2backlog.config import ConfigError, load_config
from inspector2backlog.policy.sync import RegionResult, SyncError, SyncReport, plan_text, sources_to_list
from inspector2backlog.sources import names
from inspector2backlog.state import keys


def _config(tmp_path: Path, text: str):
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return load_config(p)


def test_inspector_is_listed_by_default_and_sync_sources_or_the_option_choose_others(tmp_path: Path) -> None:
    assert sources_to_list(_config(tmp_path, "")) == ("inspector2",)
    cfg = _config(tmp_path, '[sync]\nsources = ["guardduty", "securityhub", "guardduty"]\n')
    assert sources_to_list(cfg) == ("guardduty", "securityhub")
    assert sources_to_list(cfg, ("access_analyzer",)) == ("access_analyzer",)


def test_a_disabled_source_is_left_out_when_configured_and_refused_when_named(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '[sync]\nsources = ["inspector2", "guardduty"]\n[sources.guardduty]\nenabled = false\n')
    assert sources_to_list(cfg) == ("inspector2",)
    with pytest.raises(SyncError, match="enabled = false"):
        sources_to_list(cfg, ("guardduty",))
    with pytest.raises(SyncError, match="macie"):
        sources_to_list(cfg, ("macie",))


@pytest.mark.parametrize(
    ("text", "message"),
    [('[sync]\nsources = ["macie"]\n', "macie"), ('[sync]\nsecurityhub_apis = ["cspm"]\n', "cspm")],
)
def test_unknown_sync_sources_and_apis_are_configuration_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, text)


def test_checkpoint_keys_keep_inspectors_names_and_name_the_other_sources() -> None:
    assert keys.sync_checkpoint("ap-northeast-1") == "sync:checkpoint:ap-northeast-1"  # resumable across upgrades
    assert keys.sync_checkpoint("ap-northeast-1", "guardduty") == "sync:checkpoint:guardduty:ap-northeast-1"
    assert keys.sync_seen("us-east-1", 3) == "sync:seen:us-east-1:000003"
    for source in names():
        for key in (keys.sync_checkpoint("us-east-1", source), keys.sync_seen("us-east-1", 1, source)):
            assert keys.sync_source_of(key, names()) == source
    assert keys.sync_source_of("finding:x", names()) is None


def test_plan_text_reports_each_source_when_more_than_inspector_is_listed() -> None:
    gd = RegionResult("us-east-1", pages=2, listed=5, complete=True, source="guardduty")
    gd.counts.update({"created": 2, "closed": 1, "skipped": 2})
    aa = RegionResult("us-east-1", pages=1, listed=1, source="access_analyzer", error="AccessDeniedException: no")
    text = plan_text(SyncReport(regions=[gd, aa]), dry_run=False)
    assert "Amazon GuardDuty（guardduty）:" in text and "    リージョン us-east-1: 2 ページ" in text
    assert "plan.guardduty: created=2 updated=0 closed=1" in text and "writes=3 complete=yes" in text
    assert "plan.access_analyzer: created=0" in text and "complete=no" in text.split("plan.access_analyzer")[1]
    assert "検出結果の状態で完了にします" in text
    inspector_only = plan_text(SyncReport(regions=[RegionResult("us-east-1", complete=True)]), dry_run=False)
    assert "plan." not in inspector_only and "  リージョン us-east-1: 0 ページ" in inspector_only
