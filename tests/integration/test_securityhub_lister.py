"""``sync``'s Security Hub listing through real boto3: GetFindings against moto (seeded with BatchImportFindings)
and GetFindingsV2 against the loopback OCSF server; paced, and resumable from any page's token."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inspector2backlog.findings.model import Finding
from inspector2backlog.sources.securityhub import SOURCE
from inspector2backlog.sources.securityhub.lister import SecurityHubLister
from tests.conftest import shared_samples
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint  # noqa: F401
from tests.fakes.securityhub_v2_server import SecurityHubV2Server
from tests.integration.test_securityhub_api import _many, _prune, _sh_client
from tests.unit.test_securityhub_parse import _raw_asff

SEEDED = (
    "securityhub-asff-inspector2-ec2-cve.defectdojo.getfindings.json",
    "securityhub-asff-guardduty-ec2-accesskey.defectdojo.getfindings.json",
    "securityhub-asff-control-iam5-ssm2-elbv2.1-passed.defectdojo.findings.json",
    "securityhub-imported-fsbp-ec2.8-failed-archived-new.jira-sample.event.json",
)


def _seed(endpoint: str) -> list[dict[str, Any]]:
    client = _sh_client(endpoint, validate=False)
    shape = client.meta.service_model.operation_model("BatchImportFindings").input_shape.members["Findings"].member
    findings = []
    for name in SEEDED:
        doc = json.loads((shared_samples("securityhub") / name).read_text(encoding="utf-8"))
        findings += [_prune(raw, shape) for raw in _raw_asff(doc)]
    out = client.batch_import_findings(Findings=findings)
    assert out["FailedCount"] == 0, out["FailedFindings"]
    return findings


def _findings(pages: list[Any]) -> list[Finding]:
    out = []
    for page in pages:
        for raw in page.findings:
            (f,) = SOURCE.parse(raw, "sync", None)
            assert isinstance(f, Finding), f
            out.append(f)
    return out


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_get_findings_pages_through_moto_and_resumes_from_a_token(moto_endpoint: str) -> None:
    seeded = _seed(moto_endpoint)
    clock = _Clock()
    lister = SOURCE.lister(
        {
            "page_size": 4,
            "pace_seconds": 0.5,
            "client_for": lambda region: _sh_client(moto_endpoint, region_name=region),
            "sleep": clock.sleep,
            "clock": clock,
        }
    )
    assert isinstance(lister, SecurityHubLister)
    pages = list(lister.pages(REGION))
    ids = {f["Id"] for f in seeded}
    assert len(pages) == -(-len(ids) // 4) and pages[-1].next_token is None
    assert all(p.next_token and p.next_token.startswith("asff:") for p in pages[:-1])
    assert clock.slept == [0.5] * (len(pages) - 1)  # paced: every call after the first waited
    listed = _findings(pages)
    assert {f.details.id for f in listed} == ids and len(listed) == len(ids)
    by_type = {f.type: f for f in listed}
    assert by_type["EC2.8"].state == "closed"  # archived findings are listed too, so their issues close
    assert any(f.arn.startswith("arn:aws:guardduty:") and "/finding/" in f.arn for f in listed)
    # resume after the second page: the rest, nothing twice
    again = list(lister.pages(REGION, token=pages[1].next_token))
    assert [f.details.id for f in _findings(again)] == [f.details.id for f in _findings(pages[2:])]
    with pytest.raises(ValueError):
        list(lister.pages(REGION, token="ocsf:x"))  # a token of an API this lister does not list


def test_get_findings_v2_pages_and_the_switch_from_asff_resumes(moto_endpoint: str) -> None:
    seeded = _seed(moto_endpoint)
    ocsf = _many(5)
    with SecurityHubV2Server(ocsf) as srv:

        def client_for(region: str) -> Any:
            return _Router(_sh_client(moto_endpoint, region_name=region), _sh_client(srv.url, region_name=region))

        lister = SOURCE.lister({"apis": ("asff", "ocsf"), "page_size": 100, "client_for": client_for})
        assert lister is not None
        pages = list(lister.pages(REGION))
        assert [p.next_token for p in pages] == ["ocsf:", None]  # one ASFF page, then the OCSF listing from its start
        listed = _findings(pages)
        assert len(listed) == len({f["Id"] for f in seeded}) + len(ocsf)
        assert {f.details.format for f in listed} == {"asff", "ocsf"}
        resumed = list(lister.pages(REGION, token="ocsf:"))
        assert [f.details.id for f in _findings(resumed)] == [f["finding_info"]["uid"] for f in ocsf]
        small = SOURCE.lister({"apis": "ocsf", "page_size": 2, "client_for": lambda r: _sh_client(srv.url)})
        assert small is not None
        v2_pages = list(small.pages(REGION))
        assert [len(p.findings) for p in v2_pages] == [2, 2, 1]
        assert all(c["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 ") for c in srv.calls("GetFindingsV2"))
        tail = list(small.pages(REGION, token=v2_pages[0].next_token))
        assert [len(p.findings) for p in tail] == [2, 1]


class _Router:
    """One client per API (moto has GetFindings, the loopback server GetFindingsV2), both real boto3 clients."""

    def __init__(self, asff: Any, ocsf: Any) -> None:
        self.get_findings = asff.get_findings
        self.get_findings_v2 = ocsf.get_findings_v2


def test_unknown_api_is_refused() -> None:
    with pytest.raises(ValueError):
        SOURCE.lister({"apis": ("cspm",)})
