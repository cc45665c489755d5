"""GuardDuty findings → typed details: every real sample, both key cases, garbage, snapshots, Japanese text."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from inspector2backlog.sources.guardduty import ja
from inspector2backlog.sources.guardduty.parse import (
    GuardDutyParseError,
    lifecycle_status,
    material_changes,
    material_snapshot,
    parse_document,
    parse_finding,
    recognise,
    severity,
)
from tests.conftest import shared_samples

_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def sample_files() -> list[Path]:
    files = sorted(shared_samples("guardduty").glob("*.json"))
    assert len(files) >= 10
    return files


def ci(d, *path):
    """d[path…] with keys matched case-insensitively (the test's own reading of the sample)."""
    for key in path:
        if isinstance(d, list):
            d = d[key] if len(d) > key else None
            continue
        if not isinstance(d, dict):
            return None
        d = next((v for k, v in d.items() if k.lower() == key.lower()), None)
    return d


def raw_findings(doc) -> list[dict]:
    if ci(doc, "detail") is not None:
        return [doc["detail"]]
    if ci(doc, "findings") is not None:
        return ci(doc, "findings")
    return [doc]


def expected_band(n: float) -> tuple[str, str]:
    if n >= 9:
        return "Critical", "CRITICAL"
    if n >= 7:
        return "High", "HIGH"
    if n >= 4:
        return "Medium", "MEDIUM"
    return "Low", "LOW"


def remote_ips(raw: dict) -> set[str]:
    action = ci(raw, "service", "action") or {}
    out = set()
    for value in action.values():
        if isinstance(value, dict):
            ip = ci(value, "remoteIpDetails", "ipAddressV4")
            if ip:
                out.add(ip)
    return out


@pytest.fixture(scope="module")
def samples() -> list[tuple[str, dict]]:
    return [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sample_files()]


def test_every_sample_parses_with_resource_actor_and_severity(samples):
    sample_count = 0
    for name, doc in samples:
        parsed = parse_document(json.dumps(doc))
        raws = raw_findings(doc)
        assert len(parsed.findings) == len(raws), name
        for raw, d in zip(raws, parsed.findings, strict=False):
            assert d.finding_id == ci(raw, "id") and d.finding_type == ci(raw, "type"), name
            assert d.arn == ci(raw, "arn"), name
            n = float(ci(raw, "severity"))
            assert d.severity.number == n and (d.severity.band, d.severity.level) == expected_band(n), name
            assert d.resource_type == ci(raw, "resource", "resourceType"), name
            assert {a.address for a in d.actors} == remote_ips(raw), name
            assert d.count == int(ci(raw, "service", "count")), name
            assert d.detector_id == ci(raw, "service", "detectorId"), name
            assert d.archived is (str(ci(raw, "service", "archived")).lower() == "true"), name
            info = ci(raw, "service", "additionalInfo") or {}
            assert d.sample is (ci(info, "sample") is True or '"sample":true' in str(ci(info, "value"))), name
            sample_count += d.sample
            assert d.first_seen is not None and d.last_seen is not None and d.created_at is not None, name
            instance_id = ci(raw, "resource", "instanceDetails", "instanceId")
            assert (d.resource.instance.instance_id if d.resource.instance else None) == instance_id, name
            key_id = ci(raw, "resource", "accessKeyDetails", "accessKeyId")
            assert (d.resource.access_key.access_key_id if d.resource.access_key else None) == key_id, name
            buckets = ci(raw, "resource", "s3BucketDetails") or []
            assert [b.name for b in d.resource.s3_buckets] == [ci(b, "name") for b in buckets], name
            country = ci(
                raw, "service", "action", "networkConnectionAction", "remoteIpDetails", "country", "countryName"
            ) or ci(raw, "service", "action", "awsApiCallAction", "remoteIpDetails", "country", "countryName")
            assert (d.actors[0].country if d.actors else None) == country, name
    assert sample_count >= 4  # the samples README marks four as GuardDuty sample findings


def test_specific_details_from_samples(samples):
    by_name = dict(samples)
    probe = parse_document(by_name["guardduty-ec2-recon-portprobe-2017-schema.sumologic.finding.json"]).findings[0]
    inst = probe.resource.instance
    assert inst.public_ips == ("54.89.171.133",) and inst.network_interfaces[0].security_groups == (
        ("sg-67e3bb1d", "nodes.k8s.travellogic.info"),
    )
    assert inst.launch_time.year == 2016 and probe.first_seen.isoformat() == "2017-11-01T21:31:05.542000+00:00"
    assert probe.action.network.local_port.port == 22 and probe.actors[0].asn == "9318"
    assert probe.actors[0].country_code == "KR" and probe.actors[0].lat == 37.7415
    s3 = parse_document(by_name["guardduty-s3bucket-unauthorizedaccess-toripcaller.stixshifter-boto3.finding.json"])
    bucket = s3.findings[0].resource.s3_buckets[0]
    assert bucket.public_access.effective_permission == "NOT_PUBLIC"
    assert bucket.public_access.bucket_block.block_public_acls is False and bucket.tags == (("foo", "bar"),)
    assert s3.findings[0].action.api_call.error_code == "AccessDenied"
    rds = parse_document(
        by_name["guardduty-rds-credentialaccess-maliciousipcaller-failedlogin.stixshifter-boto3.finding.json"]
    ).findings[0]
    assert rds.threat_intel[0].list_name == "GeneratedFindingThreatListName"
    assert rds.threat_intel[0].names == ("GeneratedFindingThreatName",)
    seq = parse_document(by_name["guardduty-attacksequence-iam-compromisedcredentials.panther.finding.json"])
    assert seq.findings[0].severity.level == "CRITICAL" and seq.findings[0].feature_name == "Correlation"


@pytest.mark.parametrize(
    "value, band, level",
    [
        (1.0, "Low", "LOW"),
        (3.9, "Low", "LOW"),
        (4.0, "Medium", "MEDIUM"),
        (6.9, "Medium", "MEDIUM"),
        (7.0, "High", "HIGH"),
        (8.9, "High", "HIGH"),
        (9.0, "Critical", "CRITICAL"),
        (10, "Critical", "CRITICAL"),
        ("5", "Medium", "MEDIUM"),
        ("8.0", "High", "HIGH"),
        (0.5, "", "INFORMATIONAL"),
        (None, "", "UNTRIAGED"),
        ("high", "", "UNTRIAGED"),
        (True, "", "UNTRIAGED"),
        (float("nan"), "", "UNTRIAGED"),
    ],
)
def test_severity_bands(value, band, level):
    s = severity(value)
    assert (s.band, s.level) == (band, level)
    assert s.number == (float(value) if band else s.number)


def _event(finding: dict, detail_type: str = "GuardDuty Finding") -> dict:
    return {
        "version": "0",
        "id": "e1",
        "detail-type": detail_type,
        "source": "aws.guardduty",
        "account": "123456789012",
        "region": "ap-northeast-1",
        "detail": finding,
    }


def test_recognisers(samples):
    finding = raw_findings(dict(samples)["guardduty-ec2-recon-portprobe-2017-schema.sumologic.finding.json"])[0]
    assert recognise(_event(finding)) == "event"
    assert recognise(finding) == "finding"
    assert recognise({"Findings": [finding]}) == "get_findings" == recognise({"findings": []})
    assert recognise([finding, finding]) == "array"
    assert recognise({"detail-type": "x"}) is None and recognise([{"a": 1}]) is None
    other = parse_document(_event(finding, "GuardDuty Malware Protection Object Scan Result"))
    assert other.findings == () and "not a finding" in other.skipped[0].reason
    both = parse_document([finding, {"id": "x"}, finding])
    assert len(both.findings) == 2 and both.skipped[0].index == 1 and "type" in both.skipped[0].reason


def test_event_envelope_fills_account_and_region(samples):
    finding = copy.deepcopy(raw_findings(dict(samples)["guardduty-ec2-sshbruteforce-sample.partial-event.json"])[0])
    d = parse_document(_event(finding)).findings[0]
    assert (d.account_id, d.region) == ("123456789012", "ap-northeast-1")


GARBAGE = [
    "",
    "   ",
    "{",
    '{"id": "a", "type": "Recon:EC2/X", "service": {',
    "not json",
    "null",
    "42",
    '"text"',
    "[]",
    "{}",
    "[1, 2]",
    '{"id": 1, "type": "Recon:EC2/X", "service": {}}',
    '{"Findings": 5}',
    '{"source": "aws.guardduty", "detail": "x"}',
    b"\xff\xfe\x00",
    "[" * 100_000,
    "x" * 100_000,
    '{"a": "' + "y" * 100_000 + '"}',
]


@pytest.mark.parametrize("bad", GARBAGE, ids=lambda b: repr(b[:20]))
def test_garbage_gives_a_typed_parse_error(bad):
    with pytest.raises(GuardDutyParseError) as e:
        parse_document(bad)
    assert e.value.reason and len(str(e.value)) < 300


def test_truncated_samples_give_a_parse_error(samples):
    for _name, doc in samples:
        text = json.dumps(doc)
        for cut in (1, len(text) // 3, len(text) // 2, len(text) - 1):
            with pytest.raises(GuardDutyParseError):
                parse_document(text[:cut])


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def test_mistyped_fields_never_raise_anything_but_a_parse_error(samples):
    """Every field of every sample replaced by every wrong type: a result or GuardDutyParseError, nothing else."""
    tried = 0
    for _name, doc in samples:
        base = raw_findings(doc)[0]
        for path in list(_paths(base)):
            for wrong in (None, 7, "zz", {}, [{"a": 1}], 10**400):
                d = copy.deepcopy(base)
                node = d
                for p in path[:-1]:
                    node = node[p]
                node[path[-1]] = wrong
                tried += 1
                try:
                    parse_finding(d)
                except GuardDutyParseError:
                    pass
    assert tried > 1500


def test_out_of_range_numbers_are_none():
    d = parse_finding(
        {
            "id": "f",
            "type": "Recon:EC2/X",
            "severity": 10**400,
            "service": {"count": 10**30, "eventFirstSeen": 10**400, "archived": 1},
        }
    )
    assert d.severity.level == "UNTRIAGED" and d.count is None and d.first_seen is None and d.archived is False


def test_absent_fields_are_none_or_empty():
    d = parse_finding({"id": "f1", "type": "Recon:EC2/PortProbeUnprotectedPort", "service": {}})
    assert d.severity.level == "UNTRIAGED" and d.count is None and d.actors == () and d.action is None
    assert d.resource.instance is None and d.resource.s3_buckets == () and d.first_seen is None
    assert lifecycle_status(d) == "active" and not d.sample
    text = parse_finding(
        {
            "id": "f2",
            "type": "Recon:EC2/X",
            "severity": "8",
            "service": {
                "count": "43",
                "archived": "false",
                "additionalInfo": {"value": '{"sample":true}', "type": "default"},
            },
        }
    )
    assert (text.count, text.archived, text.sample, text.severity.level) == (43, False, True, "HIGH")


def test_material_snapshot_ignores_count_and_last_seen(samples):
    raw = copy.deepcopy(
        raw_findings(dict(samples)["guardduty-ec2-unauthorizedaccess-rdpbruteforce.stixshifter-boto3.finding.json"])[0]
    )
    before = material_snapshot(parse_finding(raw))
    again = copy.deepcopy(raw)
    again["Service"]["Count"] = 500
    again["Service"]["EventLastSeen"] = "2024-01-01T00:00:00.000Z"
    again["UpdatedAt"] = "2024-01-01T00:00:05.000Z"
    assert material_snapshot(parse_finding(again)) == before

    new_ip = copy.deepcopy(again)
    remote = new_ip["Service"]["Action"]["NetworkConnectionAction"]["RemoteIpDetails"]
    remote["IpAddressV4"] = "203.0.113.9"
    assert material_snapshot(parse_finding(new_ip)) != before
    assert material_changes(before, material_snapshot(parse_finding(new_ip))) == ("actor_ip",)
    remote["Country"]["CountryName"] = "Japan"
    assert material_changes(before, material_snapshot(parse_finding(new_ip))) == ("actor_ip", "country")

    worse = copy.deepcopy(again)
    worse["Severity"] = 8
    assert material_changes(before, material_snapshot(parse_finding(worse))) == ("severity",)
    moved = copy.deepcopy(again)
    moved["Resource"]["InstanceDetails"]["InstanceId"] = "i-0new"
    assert material_changes(before, material_snapshot(parse_finding(moved))) == ("resource",)
    assert json.dumps(before.as_dict())  # storable


def test_lifecycle_status_follows_archived(samples):
    raw = copy.deepcopy(
        raw_findings(dict(samples)["guardduty-accesskey-recon-userpermissions.awscli-getfindings.response.json"])[0]
    )
    assert lifecycle_status(parse_finding(raw)) == "active"
    raw["Service"]["Archived"] = True
    assert lifecycle_status(parse_finding(raw)) == "archived"
    raw["Service"]["Archived"] = "TRUE"
    assert lifecycle_status(parse_finding(raw)) == "archived"


def test_japanese_text_for_every_sample(samples):
    for name, doc in samples:
        for raw, d in zip(raw_findings(doc), parse_document(doc).findings, strict=False):
            text = ja.explain(d)
            assert text.summary and all(_JA.search(s) for s in text.summary), name
            assert text.respond and text.investigate and _JA.search(text.why), name
            assert not text.generic, name  # every sample type is in the knowledge base
            values = dict(text.facts)
            assert values["検出タイプ"] == d.finding_type and _JA.search(values["重要度"]), name
            assert d.severity.band in values["重要度"], name
            shown = {v for _, v in text.facts}
            for ip in remote_ips(raw):
                assert ip in shown, name  # values shown as they are, never translated
            instance_id = ci(raw, "resource", "instanceDetails", "instanceId")
            if instance_id:
                assert values["インスタンス ID"] == instance_id, name
            if d.sample:
                assert any("サンプル" in n for n in text.notes), name
            assert all(k and v for k, v in text.facts), name


def test_japanese_for_an_unknown_type_is_still_japanese():
    d = parse_finding(
        {
            "id": "f",
            "type": "Impact:Lambda/SomethingNew",
            "severity": 5,
            "resource": {"resourceType": "Lambda", "lambdaDetails": {"functionName": "fn-1"}},
            "service": {"action": {"actionType": "DNS_REQUEST", "dnsRequestAction": {"domain": "x.test"}}},
        }
    )
    text = ja.explain(d)
    assert text.generic and all(_JA.search(s) for s in text.summary) and text.respond
    assert ("Lambda 関数", "fn-1") in text.facts and ("問い合わせたドメイン", "x.test") in text.facts
