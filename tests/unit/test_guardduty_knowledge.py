"""The GuardDuty Japanese knowledge base: every known type covered, in Japanese; unknown types still explained."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources

import pytest

from inspector2backlog.sources.guardduty import knowledge
from inspector2backlog.sources.guardduty.knowledge import Knowledge, lookup, parse_type
from inspector2backlog.sources.guardduty.labels import (
    ACTION_JA,
    RESOURCE_JA,
    RESOURCE_TYPE_JA,
    RESOURCE_TYPE_TO_RESOURCE,
    THREAT_PURPOSE_JA,
)
from tests.conftest import REPO, shared_file, shared_samples

#: purposes GuardDuty documents; the generic text must name each in Japanese
PURPOSES = (
    "AttackSequence Backdoor Behavior CredentialAccess CryptoCurrency DefenseEvasion Discovery Execution "
    "Exfiltration Impact InitialAccess Object PenTest Persistence Policy PrivilegeEscalation Recon Stealth Trojan "
    "UnauthorizedAccess"
).split()
ACTIONS = "AWS_API_CALL NETWORK_CONNECTION PORT_PROBE DNS_REQUEST KUBERNETES_API_CALL RDS_LOGIN_ATTEMPT".split()
RESOURCE_TYPES = (
    "Instance AccessKey S3Bucket S3Object EKSCluster KubernetesCluster ECSCluster Container Lambda RDSDBInstance "
    "RDSLimitlessDB EbsVolume"
).split()

_CODE = re.compile(r"`[^`\n]*`")
_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
#: more than MAX_EN_WORDS Latin words in a row, outside backticks, is an untranslated English sentence
MAX_EN_WORDS = 6
_EN_RUN = re.compile(r"[A-Za-z][\w'&.-]*(?:[ ,]+[A-Za-z][\w'&.-]*){" + str(MAX_EN_WORDS) + ",}")


TYPE_KEYS = {"summary", "why", "investigate_extra", "respond_first", "respond_extra", "false_positive", "family"}


def tsv_types() -> list[str]:
    lines = shared_file("docs", "guardduty-finding-types.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t", 1)[0].strip() for line in lines if line.strip()]


def sample_types() -> list[str]:
    folder = shared_samples("guardduty")
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("type", "Type") and isinstance(value, str) and ":" in value and "/" in value:
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(folder.glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return sorted(set(found))


def assert_japanese(text: str, what: str, *, min_share: float = 0.6) -> None:
    """Mostly kana/kanji outside backticks (a Latin word counts as one unit: product names stay in English)."""
    assert text.strip(), f"{what}: empty"
    prose = _CODE.sub("", text)
    ja, latin = len(_JA.findall(prose)), len(_LATIN_WORD.findall(prose))
    share = ja / (ja + latin) if ja else 0.0
    assert share >= min_share, f"{what}: too little Japanese ({ja} kana/kanji, {latin} Latin words): {text}"
    run = _EN_RUN.search(prose)
    assert run is None, f"{what}: English run of more than {MAX_EN_WORDS} words: {run.group(0)!r}"


def assert_entry(entry: Knowledge, name: str) -> None:
    assert_japanese(entry.summary, f"{name} summary")
    assert_japanese(entry.why, f"{name} why")
    assert entry.investigate and entry.respond, f"{name}: empty 調査手順 or 対応手順"
    for i, step in enumerate(entry.investigate + entry.respond):
        assert_japanese(step, f"{name} step {i}")
    if entry.false_positive:
        assert_japanese(entry.false_positive, f"{name} false_positive")
    assert len(set(entry.investigate)) == len(entry.investigate), f"{name}: a repeated 調査手順"
    assert len(set(entry.respond)) == len(entry.respond), f"{name}: a repeated 対応手順"


def data() -> dict:
    return tomllib.loads(resources.files(knowledge.__package__).joinpath(knowledge.DATA_FILE).read_text("utf-8"))


def test_every_tsv_type_has_a_japanese_entry():
    types = tsv_types()
    assert len(types) >= 180, f"the table shrank: {len(types)} types"
    missing = [t for t in types if t not in knowledge.known_types()]
    assert not missing, f"types without an entry: {missing}"
    for t in types:
        entry = lookup(t)
        assert not entry.generic, t
        assert entry.type == t
        assert_entry(entry, t)


def test_every_family_of_the_tsv_exists_with_steps():
    families = data()["families"]
    for t in tsv_types():
        key = parse_type(t).family_key
        assert key in families, f"{t}: family {key} missing"
        assert families[key]["investigate"] and families[key]["respond"], key


def test_types_seen_in_the_samples_are_covered():
    types = sample_types()
    assert "AttackSequence:IAM/CompromisedCredentials" in types  # the sample walk really finds types
    for t in types:
        entry = lookup(t)
        assert not entry.generic, f"sample type {t} has no entry"
        assert_entry(entry, t)


def test_every_entry_in_the_file_is_japanese_and_references_an_existing_family():
    d = data()
    for t, raw in d["types"].items():
        family = raw.get("family", parse_type(t).family_key)
        assert family in d["families"], f"{t}: family {family} missing"
        assert set(raw) <= TYPE_KEYS, f"{t}: unknown keys {set(raw) - TYPE_KEYS}"
        assert_entry(lookup(t), t)
    for key, fam in d["families"].items():
        for step in fam["investigate"] + fam["respond"]:
            assert_japanese(step, f"family {key}")


def test_no_two_entries_share_a_summary_or_a_why():
    d = data()["types"]
    for field in ("summary", "why"):
        seen: dict[str, str] = {}
        for t, raw in d.items():
            text = re.sub(r"\s+", "", raw[field])
            assert text not in seen, f"{t} copies the {field} of {seen.get(text)}"
            seen[text] = t


@pytest.mark.parametrize(
    "finding_type",
    ["UnauthorizedAccess:EC2/SSHBruteForce", "Stealth:IAMUser/CloudTrailLoggingDisabled", "Recon:EC2/Portscan"],
)
def test_known_type_steps_are_the_family_then_the_type_extras(finding_type):
    d = data()
    raw = d["types"][finding_type]
    entry = lookup(finding_type)
    fam = d["families"][raw.get("family", parse_type(finding_type).family_key)]
    assert entry.investigate == tuple(fam["investigate"]) + tuple(raw.get("investigate_extra", ()))
    first, extra = tuple(raw.get("respond_first", ())), tuple(raw.get("respond_extra", ()))
    assert first or extra or "family" in raw  # each case exercises a part of the composition
    assert entry.respond == first + tuple(fam["respond"]) + extra


def test_runtime_types_gain_the_steps_for_where_the_process_ran():
    plain = lookup("Execution:Runtime/ReverseShell")
    on_eks = lookup("Execution:Runtime/ReverseShell", resource_type="EKSCluster")
    assert on_eks.investigate[: len(plain.investigate)] == plain.investigate
    assert any("kubectl" in s for s in on_eks.respond) and not any("kubectl" in s for s in plain.respond)
    assert on_eks.respond[0] == plain.respond[0] and "kubectl" in on_eks.respond[1]  # right after containment
    assert lookup("Execution:Runtime/ReverseShell", resource_type="NoSuchType") == plain


@pytest.mark.parametrize("finding_type", ["Foo:EC2/New.A!DNS", "Weird", "", "::://!!..", "X" * 100_000])
def test_unknown_types_get_a_generic_japanese_entry(finding_type):
    entry = lookup(finding_type)
    assert entry.generic
    assert entry.type == finding_type
    assert_entry(entry, repr(finding_type[:40]))
    assert len(entry.summary) < 400, "nothing of a long input is quoted into the text"


def test_generic_entry_uses_the_parts_resource_type_and_action():
    entry = lookup("Discovery:EC2/BrandNewThing.Custom!DNS", action_type="DNS_REQUEST")
    assert "EC2 インスタンス" in entry.summary and "環境情報の探索" in entry.summary
    assert "DNS クエリ" in entry.summary and "`BrandNewThing`" in entry.summary
    assert any("Route 53 Resolver" in s for s in entry.investigate)
    # the type names no known resource: the finding's resource type decides the steps
    by_resource = lookup("Impact:Quantum/Thing", resource_type="AccessKey")
    assert "IAM" in by_resource.summary and any("update-access-key" in s for s in by_resource.respond)
    # a known family with an unknown name: the family's own steps
    fam = data()["families"]["Recon:EC2"]
    assert lookup("Recon:EC2/SomethingNew").respond == tuple(fam["respond"])


def test_generic_text_names_every_purpose_resource_and_action_in_japanese():
    for purpose in PURPOSES:
        assert purpose in THREAT_PURPOSE_JA
        assert THREAT_PURPOSE_JA[purpose] in lookup(f"{purpose}:EC2/Zz").summary
        assert lookup(f"{purpose}:EC2/Zz").why != lookup("Weird").why, f"{purpose}: no purpose-specific why"
    for resource in ("EC2", "IAMUser", "S3", "Kubernetes", "ECS", "Container", "Lambda", "RDS", "Runtime"):
        assert RESOURCE_JA[resource] in lookup(f"Impact:{resource}/Zz").summary
    assert RESOURCE_JA["EC2/Malware"] in lookup("Impact:EC2/Malware/Zz").summary
    for rt in RESOURCE_TYPES:
        assert rt in RESOURCE_TYPE_JA and rt in RESOURCE_TYPE_TO_RESOURCE
    for action in ACTIONS:
        entry = lookup("Impact:EC2/Zz", action_type=action)
        assert ACTION_JA[action] in entry.summary
        assert len(entry.investigate) > len(lookup("Impact:EC2/Zz").investigate), f"{action}: no action step"


def test_parse_type_handles_missing_parts():
    p = parse_type("Backdoor:EC2/C&CActivity.B!DNS")
    assert (p.purpose, p.resource, p.family, p.mechanism, p.artifact) == ("Backdoor", "EC2", "C&CActivity", "B", "DNS")
    p = parse_type("PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!PrivilegedContainer")
    assert (p.family, p.mechanism, p.artifact) == ("AnomalousBehavior", "WorkloadDeployed", "PrivilegedContainer")
    assert parse_type("Weird") == knowledge.TypeParts(purpose="Weird")
    assert parse_type("") == knowledge.TypeParts()
    assert parse_type("EC2/Foo").resource == "EC2" and parse_type("EC2/Foo").family == "Foo"
    assert parse_type("Recon:EC2").resource == "EC2"
    assert parse_type("Execution:EC2/Malware/Foo.B").resource == "EC2/Malware"


def test_the_file_is_read_once():
    knowledge._load.cache_clear()
    knowledge._lookup.cache_clear()
    lookup("Recon:EC2/Portscan")
    lookup("Weird")
    knowledge.known_types()
    assert knowledge._load.cache_info().misses == 1
    assert lookup("Recon:EC2/Portscan") is lookup("Recon:EC2/Portscan")
    lookup("X" * 100_000)  # garbage is answered, not cached
    assert knowledge._lookup.cache_info().currsize == 2


def test_the_file_ships_as_package_data():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = pyproject["tool"]["setuptools"]["package-data"]
    patterns = package_data.get("inspector2backlog.sources.guardduty", []) + [
        p.removeprefix("sources/guardduty/").removeprefix("sources/*/")
        for p in package_data.get("inspector2backlog", [])
        if p.startswith(("sources/guardduty/", "sources/*/"))
    ]
    assert "*.toml" in patterns
