"""Sections shared between findings are built once per builder — but only when they really are the same."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from inspector2backlog.findings.model import Finding
from inspector2backlog.findings.parse import iter_text
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.translate import make_translator

EXAMPLES = Path(__file__).parents[2] / "examples"


def _finding(event: dict) -> Finding:
    (f,) = [i for i in iter_text(json.dumps(event).encode(), "test") if isinstance(i, Finding)]
    return f


def _remediation_text(md: str) -> str:
    return md.split("推奨対応", 1)[1].split("参考情報", 1)[0]


def test_network_remediation_follows_each_findings_own_port_and_path():
    rdp = json.loads((EXAMPLES / "04-ec2-network-rdp.event.json").read_text())
    ssh = copy.deepcopy(rdp)
    d = ssh["detail"]
    d["findingArn"] = d["findingArn"][:-4] + "ffff"
    d["networkReachabilityDetails"]["openPortRange"] = {"begin": 22, "end": 22}
    for step in d["networkReachabilityDetails"]["networkPath"]["steps"]:
        if step["componentType"] == "AWS::EC2::SecurityGroup":
            step["componentId"] = "sg-0ssh0000000000000"
    builder = IssueBuilder(make_translator("offline"))  # one builder: its section cache is shared
    first = _remediation_text(builder.build(_finding(rdp)).description("markdown"))
    second = _remediation_text(builder.build(_finding(ssh)).description("markdown"))
    assert "RDP" in first and "sg-0c1d2e3f4a5b6c7d8" in first
    assert "SSH" in second and "RDP" not in second
    assert "sg-0ssh0000000000000" in second and "sg-0c1d2e3f4a5b6c7d8" not in second


def test_code_remediation_follows_each_findings_own_file():
    code = json.loads((EXAMPLES / "05-lambda-code-hardcoded-credentials.event.json").read_text())
    other = copy.deepcopy(code)
    d = other["detail"]
    d["findingArn"] = d["findingArn"][:-4] + "eeee"
    d["codeVulnerabilityDetails"]["filePath"]["filePath"] = "src/other_module.py"
    builder = IssueBuilder(make_translator("offline"))
    first = _remediation_text(builder.build(_finding(code)).description("markdown"))
    second = _remediation_text(builder.build(_finding(other)).description("markdown"))
    assert "src/other_module.py" in second and "src/other_module.py" not in first
