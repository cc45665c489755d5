import json

import pytest

from inspector2backlog.findings.model import Finding, Skipped, Unparsed
from inspector2backlog.findings.parse import iter_items, iter_text, parse_finding

FINDING = {
    "findingArn": "arn:aws:inspector2:ap-northeast-1:111122223333:finding/abc",
    "awsAccountId": "111122223333",
    "type": "PACKAGE_VULNERABILITY",
    "severity": "HIGH",
    "status": "ACTIVE",
    "title": "CVE-2024-0001 - openssl",
    "description": "A bug.",
    "firstObservedAt": "Wed Sep 04 16:59:44.356 UTC 2024",
    "lastObservedAt": 1749165997.322,
    "updatedAt": "2025-12-26 14:21:44.742000+01:00",
    "packageVulnerabilityDetails": {
        "vulnerabilityId": "CVE-2024-0001",
        "source": "NVD",
        "cvss": [
            {
                "baseScore": 9.8,
                "scoringVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "version": "3.1",
                "source": "NVD",
            }
        ],
        "vulnerablePackages": [
            {"name": "openssl", "version": "3.0.2", "fixedInVersion": "NotAvailable", "packageManager": "OS"}
        ],
    },
    "remediation": {"recommendation": {"text": "None Provided", "Url": "https://example.com/fix"}},
    "resources": [{"type": "AWS_EC2_INSTANCE", "id": "i-0123", "tags": {"Name": "web"}}],
}
EVENT = {
    "version": "0",
    "id": "e1",
    "detail-type": "Inspector2 Finding",
    "source": "aws.inspector2",
    "account": "111122223333",
    "time": "2024-09-04T16:50:37Z",
    "region": "ap-northeast-1",
    "detail": FINDING,
}


def _only(items):
    items = list(items)
    assert len(items) == 1, items
    return items[0]


def test_bare_finding_fields():
    f = parse_finding(FINDING)
    assert f.arn.endswith("/abc") and f.severity == "HIGH" and f.region == "ap-northeast-1"
    assert f.recommendation == "None Provided" and f.recommendation_url == "https://example.com/fix"
    assert f.details.packages[0].fixed_in == "NotAvailable" and not f.details.packages[0].fix_known
    assert f.details.cvss[0].base_score == 9.8
    assert f.first_observed.year == 2024 and f.last_observed.year == 2025 and f.updated_at.month == 12
    assert f.primary_resource.name_tag == "web"


@pytest.mark.parametrize(
    "doc, n",
    [
        (EVENT, 1),
        (FINDING, 1),
        ({"findings": [FINDING, FINDING], "nextToken": "x"}, 2),
        ([EVENT, FINDING], 2),
        ({"findings": []}, 0),
        (
            {
                "Records": [
                    {"messageId": "m1", "body": json.dumps(EVENT)},
                    {"messageId": "m2", "body": json.dumps(EVENT)},
                ]
            },
            2,
        ),
        ({"messageId": "m1", "receiptHandle": "r", "body": json.dumps(EVENT)}, 1),
        ({"Type": "Notification", "Message": json.dumps(EVENT)}, 1),
    ],
)
def test_every_envelope(doc, n):
    items = list(iter_items(doc, "t"))
    assert len(items) == n and all(isinstance(i, Finding) for i in items)


def test_event_meta_is_kept():
    f = _only(iter_items(EVENT))
    assert f.event.event_id == "e1" and f.event.region == "ap-northeast-1"


def test_ndjson_keeps_good_lines_and_reports_bad_ones():
    text = json.dumps(FINDING) + "\n{not json\n" + json.dumps(EVENT) + "\n"
    items = list(iter_text(text, "f.ndjson"))
    assert [type(i).__name__ for i in items] == ["Finding", "Unparsed", "Finding"]
    assert items[1].origin == "f.ndjson:2" and "2 行目" in items[1].error


@pytest.mark.parametrize(
    "dt", ["Inspector2 Scan", "Inspector2 Coverage", "Inspector2 AutoEnable", "Inspector2 OnDemand Scan Complete"]
)
def test_other_inspector_detail_types_are_skipped_with_a_reason(dt):
    item = _only(iter_items({"detail-type": dt, "source": "aws.inspector2", "detail": {"scan-status": "x"}}))
    assert isinstance(item, Skipped) and item.detail_type == dt and "検出結果ではありません" in item.reason


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("not json at all", "JSON として解析できません"),
        ("", "空"),
        ("42", "int"),
        ('{"foo": 1}', "認識できない"),
        ('{"detail-type": "Inspector2 Finding", "source": "aws.inspector2", "detail": {"title": "x"}}', "findingArn"),
        ('{"detail-type": "Inspector2 Finding", "source": "aws.inspector2", "detail": "oops"}', "detail"),
        ('{"detail-type": "EC2 State", "source": "aws.ec2", "detail": {}}', "Inspector 以外"),
        ('{"Records": [{"messageId": "m", "body": "{broken"}]}', "SQS"),
    ],
)
def test_bad_input_becomes_unparsed_with_a_clear_error(text, fragment):
    item = _only(iter_text(text, "in"))
    assert isinstance(item, Unparsed) and fragment in item.error
    assert item.raw is not None


def test_sqs_batch_with_one_poisoned_record_keeps_the_others():
    doc = {
        "Records": [
            {"messageId": "ok", "body": json.dumps(EVENT)},
            {"messageId": "bad", "body": "{"},
            {"messageId": "ok2", "body": json.dumps(FINDING)},
        ]
    }
    items = list(iter_items(doc, "batch"))
    assert [type(i).__name__ for i in items] == ["Finding", "Unparsed", "Finding"]
    assert "messageId=bad" in items[1].origin


def test_wrongly_typed_optional_fields_are_ignored_not_fatal():
    f = dict(FINDING, epss={"score": "high"}, inspectorScore="n/a", resources="nope", packageVulnerabilityDetails=[1])
    item = parse_finding(f)
    assert (
        item.details.epss is None
        and item.details.inspector_score is None
        and item.resources == ()
        and item.details.packages == ()
    )


@pytest.mark.parametrize(
    "score, port, line",
    [
        (10**400, "²", "¹²"),  # float(10**400) overflows; "²".isdigit() is True, int("²") raises
        ("1e999", "٣", "३"),  # an infinite score; non-ASCII decimal digits
        (float("nan"), " 22x", "-5"),
    ],
    ids=["overflow-superscript", "infinite-non-ascii", "nan-junk"],
)
def test_odd_numbers_are_absent_values_not_crashes(score, port, line):
    f = dict(
        FINDING,
        inspectorScore=score,
        type="NETWORK_REACHABILITY",
        networkReachabilityDetails={"openPortRange": {"begin": port, "end": port}, "protocol": "TCP"},
        codeVulnerabilityDetails={"filePath": {"filePath": "a.py", "startLine": line, "endLine": line}},
    )
    item = _only(iter_text(json.dumps(dict(EVENT, detail=f)), "odd"))  # an event carrying them, as JSON text
    assert isinstance(item, Finding), item
    assert item.details.inspector_score is None
    assert item.details.network.port_begin is None and item.details.code.start_line is None


def test_numbers_given_as_text_are_read():
    f = parse_finding(
        dict(
            FINDING,
            inspectorScore=" 7.5",
            type="NETWORK_REACHABILITY",
            networkReachabilityDetails={"openPortRange": {"begin": " 22", "end": "22"}},
        )
    )
    assert f.details.inspector_score == 7.5 and (f.details.network.port_begin, f.details.network.port_end) == (22, 22)


def test_open_enums_flow_through():
    f = parse_finding(dict(FINDING, severity="SEVERE", type="SECRET_EXPOSURE", status="ARCHIVED"))
    assert (f.severity, f.type, f.status) == ("SEVERE", "SECRET_EXPOSURE", "ARCHIVED")
    assert f.severity_rank == 2


def test_every_shared_sample_parses(samples_dir):
    counts = {}
    for p in sorted(samples_dir.glob("*.json")):
        items = list(iter_text(p.read_bytes(), p.name))
        assert not [i for i in items if isinstance(i, Unparsed)], p.name
        counts[p.name] = len(items)
    assert counts["lambda-package-and-code.listfindings-28.json"] == 28
    assert counts["ecr-ec2-mixed.listfindings-8.json"] == 8
    assert counts["empty.listfindings.json"] == 0
