"""Priority from risk: the rules, their reasons, the [risk] config section, and the finding issue they change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector2backlog.config import ConfigError, RiskConfig, load_config
from inspector2backlog.deliver.stdout import StdoutSink
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.policy.lifecycle import Lifecycle
from inspector2backlog.policy.risk import RiskFacts, decide, facts_for, public_ip, remember_reachability
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.translate import make_translator

from ..conftest import EXAMPLES


def finding(name: str, **changes):
    raw = json.loads((EXAMPLES / f"{name}.event.json").read_text())
    raw["detail"].update(changes)
    (f,) = list(iter_text(json.dumps(raw), name))
    return f


ALL_ON = RiskConfig(
    exploit_priority="高", epss_threshold=0.1, epss_priority="高", internet_reachable_priority="高", raised_due_days=7
)


def test_rules_are_off_by_default():
    assert not RiskConfig().enabled
    d = decide(RiskFacts(exploit=True, epss=0.9, reachable="x"), "低", 90, RiskConfig())
    assert (d.priority, d.due_days, d.reasons) == ("低", 90, ())


def test_each_rule_raises_with_a_reason():
    d = decide(RiskFacts(exploit=True), "中", 30, ALL_ON)
    assert d.priority == "高" and d.due_days == 7
    assert "既知の悪用があります" in d.reasons[0] and "7 日に短縮" in d.reasons[-1]
    d = decide(RiskFacts(epss=0.38274), "低", 90, ALL_ON)
    assert d.priority == "高" and "38.3%" in d.reasons[0] and "10.0%" in d.reasons[0]
    assert decide(RiskFacts(epss=0.05), "低", 90, ALL_ON).reasons == ()
    d = decide(RiskFacts(reachable="インターネットゲートウェイからポート 22 に到達可能です"), "中", None, ALL_ON)
    assert d.priority == "高" and d.due_days == 7 and d.reasons[0].startswith("インターネットゲートウェイから")


def test_rules_never_lower():
    cfg = RiskConfig(exploit_priority="中")
    assert decide(RiskFacts(exploit=True), "高", 14, cfg).priority == "高"
    assert decide(RiskFacts(exploit=True), "高", 14, cfg).reasons == ()


def test_public_ip_and_reachability_facts():
    ssh = finding("02-ec2-high-openssh")  # 10.20.1.15 + 198.51.100.24
    assert public_ip(ssh.resources[0]) == "198.51.100.24"
    from dataclasses import replace

    private = replace(ssh.resources[0].details, ipv4_addresses=("10.0.0.5", "100.64.1.1", "172.20.0.1"))

    assert public_ip(replace(ssh.resources[0], details=private)) == ""
    assert "198.51.100.24" in facts_for(ssh).reachable

    # a network finding from an Internet Gateway marks its instance; a package finding there inherits it
    net = finding("04-ec2-network-rdp")
    store = MemoryStore()
    remember_reachability(net, store)
    assert store.get("reach:" + net.resources[0].id).data["ports"] == ["3389/TCP"]
    pkg = finding("03-lambda-medium-requests")
    pkg = replace(pkg, resources=(replace(pkg.resources[0], id=net.resources[0].id),))
    assert "3389/TCP" in facts_for(pkg, store).reachable
    closed = replace(net, status="CLOSED")
    remember_reachability(closed, store)
    assert facts_for(pkg, store).reachable == ""


def test_finding_issue_shows_why_priority_was_raised():
    store = MemoryStore()
    out = []

    class Capture(StdoutSink):
        def create(self, issue):
            out.append(issue)
            return super().create(issue)

    import io

    lc = Lifecycle(
        store=store, sink=Capture(io.StringIO()), builder=IssueBuilder(make_translator("offline")), risk=ALL_ON
    )
    f = finding("03-lambda-medium-requests", exploitAvailable="YES", epss={"score": 0.2})
    assert lc.handle(f).action == "created"
    issue = out[0]
    assert issue.priority == "高" and issue.due_days == 7  # MEDIUM alone: 中, 30 days
    md = issue.description("markdown")
    assert "## 優先度を上げた理由" in md and "既知の悪用があります" in md
    assert md.index("## 優先度を上げた理由") < md.index("## 深刻度とスコア")
    # without rules the same finding keeps the severity's priority
    lc2 = Lifecycle(store=MemoryStore(), sink=Capture(io.StringIO()), builder=IssueBuilder(make_translator("offline")))
    lc2.handle(f)
    assert out[1].priority == "中" and "優先度を上げた理由" not in out[1].description("markdown")


def test_risk_config_section(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text('[risk]\nexploit_priority = "高"\nepss_threshold = 0.2\nraised_due_days = 5\n', encoding="utf-8")
    c = load_config(p, env={"I2B_RISK_INTERNET_REACHABLE_PRIORITY": "中"})
    assert c.risk == RiskConfig(
        exploit_priority="高", epss_threshold=0.2, internet_reachable_priority="中", raised_due_days=5
    )
    assert c.risk.enabled
    for bad, where in (
        ('exploit_priority = "最高"', "[risk] exploit_priority"),
        ("epss_threshold = 1.5", "[risk] epss_threshold"),
        ("raised_due_days = -1", "[risk] raised_due_days"),
        ("epss = 0.1", "[risk] epss"),
    ):
        p.write_text(f"[risk]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"c\.toml: " + where.replace("[", r"\[").replace("]", r"\]")):
            load_config(p, env={})
