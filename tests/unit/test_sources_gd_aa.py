"""GuardDuty and IAM Access Analyzer on the seam, through their ``SOURCE`` objects (issue 12): every real sample is
a non-fallback Finding whose 概要 and 対応手順 are Japanese, with the resource, actor and severity band right; states;
material changes; what is translated; group keys; recognition by the registry."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from inspector2backlog import sources
from inspector2backlog.findings.model import EventMeta, Finding, Skipped, Unparsed
from inspector2backlog.render import markdown
from inspector2backlog.render.doc import Heading
from inspector2backlog.sources.access_analyzer import SOURCE as AA
from inspector2backlog.sources.base import Source
from inspector2backlog.sources.guardduty import SOURCE as GD
from tests.conftest import EXAMPLES, SHARED, shared_samples

JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
AA_FINDING_EVENTS = {"Access Analyzer Finding", "Internal Access Finding", "Unused Access Finding for IAM entities"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def findings_of(src, doc: dict, origin: str = "t") -> list[Finding]:
    items = list(src.parse(doc, origin, None))
    assert not [i for i in items if isinstance(i, Unparsed)], items
    return [i for i in items if isinstance(i, Finding)]


def gd_samples() -> list[tuple[str, Finding]]:
    out = []
    for p in sorted(shared_samples("guardduty").glob("*.json")):
        fs = findings_of(GD, load(p), p.name)
        assert fs, p.name
        out += [(p.name, f) for f in fs]
    return out


def aa_samples() -> list[tuple[str, Finding]]:
    out = []
    for p in sorted(shared_samples("access-analyzer").glob("*.json")):
        doc = load(p)
        items = list(AA.parse(doc, p.name, None))
        assert items and not [i for i in items if isinstance(i, Unparsed)], p.name
        fs = [i for i in items if isinstance(i, Finding)]
        if "preview" in p.name:  # access previews are recognised and skipped, never filed
            assert not fs and all(isinstance(i, Skipped) for i in items), p.name
        else:
            assert fs, p.name
        out += [(p.name, f) for f in fs]
    return out


def section_text(blocks, heading: str) -> str:
    """The rendered text of the section under ``heading`` (up to the next heading)."""
    text = markdown.render(blocks)
    parts = re.split(r"^## ", text, flags=re.M)
    for part in parts:
        if part.startswith(heading + "\n"):
            return part[len(heading) :]
    raise AssertionError(f"no section {heading!r} in:\n{text}")


HEADINGS = ["概要", "何が起きたか", "なぜ重要か", "調査手順", "対応手順"]


def body(src, f: Finding, tr=None) -> list:
    """What the source puts in the issue: its own 「概要」 (the frame's ``overview`` hook), then its sections."""
    tr = tr or {}
    return [*(src.overview(f, tr) or []), *src.sections(f, tr)]


def test_both_sources_implement_the_protocol_and_are_registered():
    for src, name in ((GD, "guardduty"), (AA, "access_analyzer")):
        assert isinstance(src, Source) and src.name == name
        assert sources.get(name) is src
    assert GD.label == "Amazon GuardDuty" and AA.label == "IAM Access Analyzer"


def test_every_guardduty_sample_renders_japanese_sections():
    for name, f in gd_samples():
        assert f.source == "guardduty" and f.details is not None, name
        blocks = body(GD, f)
        assert [b.text for b in _headings(blocks)] == HEADINGS, name
        for h in ("概要", "対応手順", "なぜ重要か", "調査手順"):
            assert JA.search(section_text(blocks, h)), (name, h)
        assert f.severity_source and f.severity in ("LOW", "MEDIUM", "HIGH", "CRITICAL"), name
        assert GD.summary(f, {}).startswith(f"【{_sev(f.severity)} {f.severity_source}】"), name


def _headings(blocks):
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(b)
        elif hasattr(b, "blocks"):
            out += _headings(b.blocks)
    return out


def _sev(level: str) -> str:
    return {"CRITICAL": "緊急", "HIGH": "重要", "MEDIUM": "警告", "LOW": "注意"}[level]


def test_every_access_analyzer_sample_renders_japanese_sections():
    found = aa_samples()
    assert len({f.arn for _, f in found}) >= 10
    for name, f in found:
        assert f.source == "access_analyzer" and f.arn.startswith("access-analyzer:finding/"), name
        blocks = body(AA, f)
        assert [b.text for b in _headings(blocks)] == HEADINGS, name
        for h in ("概要", "対応手順"):
            assert JA.search(section_text(blocks, h)), (name, h)
        assert "IAM Access Analyzer" in AA.summary(f, {})


def test_guardduty_resource_actor_and_band_from_the_samples():
    by = {n.split(".")[0]: f for n, f in gd_samples()}
    rdp = by["guardduty-ec2-unauthorizedaccess-rdpbruteforce"]
    assert rdp.primary_resource.type == "AWS::EC2::Instance" and rdp.primary_resource.id == "i-0bc12345678910"
    text = markdown.render(GD.sections(rdp, {}))
    assert "| 重要度 | 注意（Low, 2.0） |" in text
    actor = rdp.details.actors[0].address
    assert actor and f"| 送信元 IP アドレス | {actor} |" in text
    tor = by["guardduty-s3bucket-unauthorizedaccess-toripcaller"]
    assert tor.severity == "HIGH" and tor.severity_source == "8.0" and tor.primary_resource.type == "AWS::S3::Bucket"
    assert "【サンプル】" in GD.summary(tor, {}) and "【サンプル】" in section_text(body(GD, tor), "概要")
    assert "【サンプル】" not in GD.summary(rdp, {})
    keys = by["guardduty-accesskey-recon-userpermissions"]
    assert keys.primary_resource.type == "AWS::IAM::AccessKey" and keys.severity == "MEDIUM"
    crit = by["guardduty-attacksequence-iam-compromisedcredentials"]
    assert crit.severity == "CRITICAL" and "緊急（Critical, 9.0）" in markdown.render(GD.sections(crit, {}))


def test_guardduty_state_and_status_follow_archived():
    _, f = gd_samples()[0]
    raw = copy.deepcopy(f.raw)
    svc = raw.get("service") or raw["Service"]
    svc["archived" if "service" in raw else "Archived"] = True
    (g,) = findings_of(GD, raw)
    assert (f.state, f.status) == ("open", "ACTIVE") and (g.state, g.status) == ("archived", "ARCHIVED")
    assert g.arn == f.arn


def _gd_event_finding() -> dict:
    doc = load(shared_samples("guardduty") / "guardduty-ec2-recon-portprobe-2017-schema.sumologic.finding.json")
    return doc


def test_count_and_last_seen_alone_are_not_material_but_severity_ip_and_resource_are():
    base = _gd_event_finding()
    (f,) = findings_of(GD, base)
    again = copy.deepcopy(base)
    again["service"]["count"] += 10
    again["service"]["eventLastSeen"] = "2030-01-01T00:00:00Z"
    again["updatedAt"] = "2030-01-01T00:00:00Z"
    (g,) = findings_of(GD, again)
    assert GD.snapshot(f) == GD.snapshot(g) and GD.describe(GD.snapshot(f), GD.snapshot(g)) == []
    raised = copy.deepcopy(again)
    raised["severity"] = 8
    (h,) = findings_of(GD, raised)
    assert GD.describe(GD.snapshot(g), GD.snapshot(h)) == ["重要度: 注意 2.0 → 重要 8.0"]
    moved = copy.deepcopy(base)
    remote = moved["service"]["action"]["networkConnectionAction"]["remoteIpDetails"]
    remote["ipAddressV4"] = "198.51.100.77"
    remote["country"] = {"countryName": "Atlantis"}
    moved["resource"]["instanceDetails"]["instanceId"] = "i-0new"
    (k,) = findings_of(GD, moved)
    lines = GD.describe(GD.snapshot(f), GD.snapshot(k))
    assert any(x.startswith("新しい送信元 IP アドレス: ") and "198.51.100.77" in x for x in lines), lines
    assert "新しい送信元の国: Atlantis" in lines and "影響を受けるリソースが追加: i-0new" in lines
    json.dumps(GD.snapshot(k))  # JSON-serialisable (the state store keeps it)


def test_guardduty_translates_only_what_the_knowledge_base_lacks():
    found = gd_samples()
    descriptions = {f.description for _, f in found if f.description}
    translated = {t for _, f in found for t in GD.texts(f)}
    assert sum(map(len, translated)) <= 0.2 * sum(map(len, descriptions))
    _, f = found[0]
    raw = copy.deepcopy(f.raw)
    raw["Type" if "Type" in raw else "type"] = "Impact:EC2/SomethingNew2031"
    (g,) = findings_of(GD, raw)
    assert GD.texts(g) == [g.description] and g.description
    from inspector2backlog.translate.base import Translation

    tr = {g.description: Translation(g.description, "新しい種類の検出の説明", "translated", "test")}
    text = markdown.render(GD.sections(g, tr))
    assert "新しい種類の検出の説明" in text and JA.search(section_text(GD.sections(g, tr), "対応手順"))


def test_group_keys():
    by = {n.split(".")[0]: f for n, f in gd_samples()}
    rdp = by["guardduty-ec2-unauthorizedaccess-rdpbruteforce"]
    assert GD.group_key(rdp, "type") == "guardduty:UnauthorizedAccess:EC2/RDPBruteForce:i-0bc12345678910"
    assert GD.group_key(rdp, "vulnerability") is None and GD.group_key(rdp, "fix") is None
    _, a = aa_samples()[-1]
    assert AA.group_key(a, "type") == f"access_analyzer:{a.type}:{a.details.resource}"
    assert AA.group_key(a, "control") is None


def _aa_event() -> dict:
    return load(shared_samples("access-analyzer") / "accessanalyzer-external-s3bucket-active.event.json")


@pytest.mark.parametrize(
    ("status", "deleted", "state"),
    [
        ("ACTIVE", False, "open"),
        ("RESOLVED", False, "closed"),
        ("ARCHIVED", False, "archived"),
        ("ACTIVE", True, "closed"),
        ("SOMETHING_NEW", False, "open"),
    ],
)
def test_access_analyzer_states(status, deleted, state):
    ev = _aa_event()
    ev["detail"]["status"] = status
    ev["detail"]["isDeleted"] = deleted
    (f,) = findings_of(AA, ev)
    assert (f.state, f.status) == (state, status)
    meta = EventMeta("e", ev["detail-type"], ev["source"], ev["account"], ev["region"], None)
    (g,) = findings_of(AA, ev["detail"])  # the bare detail (as the generic envelope reader passes it)
    (h,) = [i for i in AA.parse(ev["detail"], "t", meta) if isinstance(i, Finding)]
    assert f.arn == g.arn == h.arn and h.state == state and h.region == "us-west-2"


def test_access_analyzer_material_changes_in_japanese():
    ev = _aa_event()
    (f,) = findings_of(AA, ev)
    later = copy.deepcopy(ev)
    later["detail"]["analyzedAt"] = later["detail"]["updatedAt"] = "2030-01-01T00:00:00Z"
    (g,) = findings_of(AA, later)
    assert AA.describe(AA.snapshot(f), AA.snapshot(g)) == []
    wider = copy.deepcopy(ev)
    wider["detail"]["principal"] = {"AWS": "*"}
    wider["detail"]["isPublic"] = True
    wider["detail"]["action"] = [*wider["detail"]["action"], "s3:PutObject"]
    (h,) = findings_of(AA, wider)
    lines = AA.describe(AA.snapshot(f), AA.snapshot(h))
    assert "アクセスできる主体が追加: AWS: *" in lines and "許可されている操作が追加: s3:PutObject" in lines
    assert "公開: いいえ → はい（誰でもアクセスできます）" in lines
    assert h.severity == "HIGH" and f.severity == "MEDIUM" and AA.texts(h) == []
    json.dumps(AA.snapshot(h))


def test_registry_recognises_both_without_claiming_others():
    for p in sorted(shared_samples("guardduty").glob("*.json")):
        doc = load(p)
        finding = doc.get("detail") or (doc.get("Findings") or [doc])[0]
        assert sources.for_finding(finding).name == "guardduty", p.name
    assert sources.for_event("aws.guardduty", "GuardDuty Finding").name == "guardduty"
    for p in sorted(shared_samples("access-analyzer").glob("*.json")):
        doc = load(p)
        if doc.get("detail-type") in AA_FINDING_EVENTS:
            assert sources.for_event(doc["source"], doc["detail-type"]).name == "access_analyzer"
            assert sources.for_finding(doc["detail"]).name == "access_analyzer", p.name
    assert sources.for_event("aws.access-analyzer", "Access Preview State Change").name == "access_analyzer"
    listed = load(
        shared_samples("access-analyzer") / "accessanalyzer-external-iamroles.awscli-listfindingsv2.response.json"
    )
    assert {sources.for_finding(x).name for x in listed["findings"]} == {"access_analyzer"}
    for p in sorted(EXAMPLES.glob("*.json")):  # Inspector's examples stay Inspector's
        if "broken" in p.name:
            continue
        doc = load(p)
        if doc.get("detail-type") == "Inspector2 Finding" and "findingArn" in doc.get("detail", {}):
            assert sources.for_finding(doc["detail"]).name == "inspector2", p.name
    checked = 0
    for folder in ("securityhub", "securityhub-ocsf"):  # ASFF / OCSF are never taken for GuardDuty or AA
        base = SHARED / "samples" / folder
        for p in sorted(base.glob("*.json")) if base.is_dir() else ():
            for x in _objects(load(p)):
                if "ProductArn" in x or "finding_info" in x:
                    r = sources.for_finding(x)
                    assert r is None or r.name not in ("guardduty", "access_analyzer"), p.name
                    checked += 1
    assert checked or not (SHARED / "samples" / "securityhub").is_dir()


def _objects(v, depth: int = 0):
    if isinstance(v, dict):
        yield v
        children = v.values()
    elif isinstance(v, list):
        children = v
    else:
        return
    if depth < 4:
        for c in children:
            yield from _objects(c, depth + 1)


def test_garbage_is_unparsed_never_an_exception():
    for bad in (
        {},
        {"id": 3, "type": None, "severity": "x", "service": []},
        {"Id": "x", "Type": "A:B/C", "Service": 5},
    ):
        items = list(GD.parse(bad, "t", None))
        assert items and all(isinstance(i, (Unparsed, Finding)) for i in items)
    for bad in ({}, {"id": "x", "resourceType": 7, "status": {}}, {"findingId": None}):
        items = list(AA.parse(bad, "t", None))
        assert items and all(isinstance(i, (Unparsed, Finding)) for i in items)
