"""deploy/template.yaml: cfn-lint clean, least-privilege IAM, an event pattern that keeps CLOSED/SUPPRESSED, and the
wiring (SQS partial batch responses, DLQ + alarms, arm64 Python runtime, one-key on-demand table).

Every checker here is also run on a deliberately wrong snippet, so a test that passes means the checker looked.
The event pattern is exercised on a real EventBridge → SQS path (moto server on loopback), with the real
Inspector sample events when ../shared/samples is present.
"""

from __future__ import annotations

import ast
import copy
import functools
import importlib.util
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"
PACKAGE_PY = ROOT / "deploy" / "package.py"

SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
ALL_SEVERITIES = (*SEVERITIES, "UNTRIAGED")
STATUSES = ("ACTIVE", "CLOSED", "SUPPRESSED")
NO_VALUE = {"Ref": "AWS::NoValue"}

# Actions that have no resource types, so Resource "*" is the only option — but only with a Condition.
# value = a condition key that must appear (None: any condition will do).
STAR_ALLOWED: dict[str, str | None] = {
    "translate:TranslateText": None,
    "cloudwatch:PutMetricData": "cloudwatch:namespace",
    "inspector2:ListFilters": "aws:RequestedRegion",
    # sync of the other sources (SourcesSyncPolicy): the listing of detectors / analyzers has no resource type
    "guardduty:ListDetectors": "aws:RequestedRegion",
    "access-analyzer:ListAnalyzers": "aws:RequestedRegion",
}
# Actions on resources whose id AWS picks (an Inspector filter's id): "*" only as the last path segment of an ARN fixed
# to this partition, region and account, e.g. arn:${AWS::Partition}:inspector2:${AWS::Region}:${AWS::AccountId}:owner/
# ${AWS::AccountId}/filter/*.
ID_WILDCARD_ALLOWED = frozenset(
    {
        "inspector2:CreateFilter",
        "inspector2:UpdateFilter",
        "inspector2:DeleteFilter",
        # GuardDuty detector ids are AWS's (GuardDutyDetectorId empty); analyzers are every analyzer of the account
        "guardduty:ListFindings",
        "guardduty:GetFindings",
        "access-analyzer:ListFindingsV2",
        "access-analyzer:GetFindingV2",
    }
)
_ID_WILDCARD_ARN = re.compile(r"arn:\$\{AWS::Partition\}:[a-z0-9-]+:\$\{AWS::Region\}:\$\{AWS::AccountId\}:[^*]+/\*")


# ---- loading and resolving ---------------------------------------------------------------------------------------
def _plain(node: Any) -> Any:
    """cfn-lint's decoded nodes → plain dicts/lists/str (intrinsics like !Ref become {"Ref": …})."""
    return json.loads(json.dumps(node, default=str))


@functools.cache
def _template_cached() -> str:
    from cfnlint.decode import decode

    tpl, errors = decode(str(TEMPLATE))
    assert not errors, [str(e) for e in errors]
    return json.dumps(_plain(tpl))


def template() -> dict[str, Any]:
    return json.loads(_template_cached())


def resources_of(tpl: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in tpl["Resources"].items() if r["Type"] == type_}


def one(tpl: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    found = resources_of(tpl, type_)
    assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
    return next(iter(found.items()))


def resolve(node: Any, tpl: dict[str, Any], params: dict[str, str]) -> Any:
    """Resolve the intrinsics a parameter choice decides (Ref to a parameter, Fn::FindInMap, Fn::If on a condition
    that compares parameters). Anything else (GetAtt, Ref to a resource) is left as it is."""
    if isinstance(node, list):
        return [resolve(x, tpl, params) for x in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in params:
        return params[node["Ref"]]
    if set(node) == {"Fn::FindInMap"}:
        m, k1, k2 = (resolve(x, tpl, params) for x in node["Fn::FindInMap"])
        return copy.deepcopy(tpl["Mappings"][m][k1][k2])
    if set(node) == {"Fn::If"}:
        cond, yes, no = node["Fn::If"]
        return resolve(yes if condition(cond, tpl, params) else no, tpl, params)
    return {k: resolve(v, tpl, params) for k, v in node.items()}


def condition(name_or_expr: Any, tpl: dict[str, Any], params: dict[str, str]) -> bool:
    expr = tpl["Conditions"][name_or_expr] if isinstance(name_or_expr, str) else name_or_expr
    ((fn, args),) = expr.items()
    if fn == "Condition":
        return condition(args, tpl, params)
    if fn == "Fn::Equals":
        a, b = (resolve(x, tpl, params) for x in args)
        return a == b
    if fn == "Fn::Not":
        return not condition(args[0], tpl, params)
    if fn == "Fn::And":
        return all(condition(x, tpl, params) for x in args)
    if fn == "Fn::Or":
        return any(condition(x, tpl, params) for x in args)
    raise AssertionError(f"unsupported condition function {fn}")


def defaults(tpl: dict[str, Any], **overrides: str) -> dict[str, str]:
    params = {k: str(v.get("Default", "")) for k, v in tpl["Parameters"].items()}
    params.update(overrides)
    return params


# ---- cfn-lint ------------------------------------------------------------------------------------------------------
def cfn_lint(path: Path) -> tuple[int, list[str]]:
    """Run the venv's cfn-lint (errors + warnings, the default rule set) on ``path``."""
    exe = Path(sys.executable).with_name("cfn-lint")
    cmd = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "import sys, cfnlint.runner; sys.exit(cfnlint.runner.main())"]
    )
    proc = subprocess.run(
        [*cmd, "--format", "parseable", "--", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    return proc.returncode, [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]


def test_cfn_lint_is_clean() -> None:
    rc, lines = cfn_lint(TEMPLATE)
    assert (rc, lines) == (0, [])


def test_cfn_lint_check_catches_a_broken_copy(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = TEMPLATE.read_text(encoding="utf-8")
    assert "Runtime: python3.1" in text
    bad.write_text(re.sub(r"Runtime: python3\.1\d", "Runtime: python2.7", text), encoding="utf-8")
    rc, lines = cfn_lint(bad)
    assert rc != 0
    assert any("E2533" in ln for ln in lines), lines


# ---- IAM: every statement scoped -----------------------------------------------------------------------------------
def _branches(node: Any) -> Iterator[Any]:
    """Both sides of every Fn::If (AWS::NoValue dropped)."""
    if isinstance(node, dict) and set(node) == {"Fn::If"}:
        _, yes, no = node["Fn::If"]
        yield from _branches(yes)
        yield from _branches(no)
    elif node != NO_VALUE:
        yield node


def _as_list(node: Any) -> list[Any]:
    out: list[Any] = []
    for b in _branches(node):
        if isinstance(b, list):
            for item in b:
                out.extend(_branches(item))
        else:
            out.append(b)
    return out


def _statements(doc: Any) -> Iterator[dict[str, Any]]:
    for d in _branches(doc):
        if isinstance(d, dict):
            yield from (s for s in _as_list(d.get("Statement", [])) if isinstance(s, dict))


def iam_problems(tpl: dict[str, Any]) -> list[str]:
    """Every identity-policy statement that is not scoped to named resources, and every role we cannot see into."""
    problems: list[str] = []
    located: list[tuple[str, dict[str, Any]]] = []
    for name, res in tpl["Resources"].items():
        props = res.get("Properties", {})
        kind = res["Type"]
        if kind == "AWS::IAM::Role":
            if props.get("ManagedPolicyArns"):
                problems.append(f"{name}: managed policies cannot be checked here: {props['ManagedPolicyArns']}")
            for pol in _as_list(props.get("Policies", [])):
                located += [(f"{name}/{pol.get('PolicyName')}", s) for s in _statements(pol.get("PolicyDocument"))]
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            located += [(name, s) for s in _statements(props.get("PolicyDocument"))]
        elif kind == "AWS::Serverless::Function":
            if "Role" not in props:
                problems.append(f"{name}: SAM-generated role (AWSLambdaBasicExecutionRole grants logs on Resource '*')")
            for pol in _as_list(props.get("Policies", [])):
                if isinstance(pol, str) or (isinstance(pol, dict) and "Statement" not in pol):
                    problems.append(f"{name}: managed/template policy cannot be checked here: {pol}")
                else:
                    located += [(name, s) for s in _statements(pol)]
    for where, st in located:
        if st.get("Effect") != "Allow":
            continue
        if "NotResource" in st or "NotAction" in st:
            problems.append(f"{where} {st.get('Sid')}: NotResource/NotAction")
            continue
        actions = {a for a in _as_list(st.get("Action", [])) if isinstance(a, str)}
        if any("*" in a for a in actions):
            problems.append(f"{where} {st.get('Sid')}: wildcard action {sorted(actions)}")
        resources = _as_list(st.get("Resource", []))
        if not resources:
            problems.append(f"{where} {st.get('Sid')}: no Resource")
        wild = [r for r in resources if _has_wildcard(r) and not _id_wildcard_ok(r, actions)]
        if not wild:
            continue
        allowed = len(actions) == 1 and next(iter(actions)) in STAR_ALLOWED
        cond = st.get("Condition") or {}
        need = STAR_ALLOWED.get(next(iter(actions))) if allowed else None
        cond_keys = {k.lower() for op in cond.values() if isinstance(op, dict) for k in op}
        if not allowed or not cond or (need is not None and need.lower() not in cond_keys):
            problems.append(f"{where} {st.get('Sid')}: Resource {wild} for {sorted(actions)}")
    return problems


def _id_wildcard_ok(resource: Any, actions: set[str]) -> bool:
    sub = resource.get("Fn::Sub") if isinstance(resource, dict) else None
    return (
        bool(actions)
        and actions <= ID_WILDCARD_ALLOWED
        and isinstance(sub, str)
        and bool(_ID_WILDCARD_ARN.fullmatch(sub))
    )


def _has_wildcard(resource: Any) -> bool:
    if isinstance(resource, str):
        return "*" in resource
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return "*" in (sub if isinstance(sub, str) else sub[0])
    return False


def granted_actions(tpl: dict[str, Any]) -> dict[str, list[Any]]:
    """action → resources it is granted on (both Fn::If branches)."""
    out: dict[str, list[Any]] = {}
    _, role = one(tpl, "AWS::IAM::Role")
    for pol in _as_list(role["Properties"]["Policies"]):
        for st in _statements(pol["PolicyDocument"]):
            for a in _as_list(st["Action"]):
                out.setdefault(a, []).extend(_as_list(st["Resource"]))
    return out


def test_every_iam_statement_is_scoped() -> None:
    tpl = template()
    assert iam_problems(tpl) == []
    grants = granted_actions(tpl)
    # the statements the function needs are there, on the right resources
    assert grants["dynamodb:PutItem"] == [{"Fn::GetAtt": ["StateTable", "Arn"]}]
    assert grants["secretsmanager:GetSecretValue"] == [
        {"Ref": n} for n in ("BacklogApiKeySecretArn", "BacklogOAuthSecretArn", "WebhookSecretArn")
    ]
    assert grants["secretsmanager:PutSecretValue"] == [{"Ref": "BacklogOAuthSecretArn"}]
    assert grants["sns:Publish"] == [{"Ref": "MailToIssueTopic"}]
    assert grants["sqs:ReceiveMessage"] == [{"Fn::GetAtt": ["FindingsQueue", "Arn"]}]
    assert grants["logs:PutLogEvents"] == [
        {"Fn::GetAtt": ["FunctionLogGroup", "Arn"]},
        {"Fn::GetAtt": ["WebhookLogGroup", "Arn"]},
    ]
    assert grants["translate:TranslateText"] == ["*"]
    assert not any(
        a.startswith(("dynamodb:Create", "dynamodb:Delete", "iam:")) and a != "dynamodb:DeleteItem" for a in grants
    )


def test_optional_statements_are_conditional() -> None:
    """translate / secrets / sns statements exist only when the matching parameter asks for them."""
    tpl = template()
    _, role = one(tpl, "AWS::IAM::Role")
    conds = {}
    for st in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        if isinstance(st, dict) and "Fn::If" in st:
            cond, yes, no = st["Fn::If"]
            assert no == NO_VALUE
            conds[yes["Sid"]] = tpl["Conditions"][cond]
    assert conds["AmazonTranslate"] == {"Fn::Equals": [{"Ref": "TranslatorEngine"}, "amazon"]}
    assert conds["PublishMailToIssue"] == {"Fn::Equals": [{"Ref": "EnableMailToIssue"}, "true"]}
    assert conds["ReadBacklogApiKey"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "BacklogApiKeySecretArn"}, ""]}]}


def _role_with(*statements: dict[str, Any]) -> dict[str, Any]:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return {
        "Resources": {
            "R": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": doc}]}}
        }
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"},
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": {"Fn::GetAtt": ["T", "Arn"]}},
        {"Effect": "Allow", "Action": "translate:TranslateText", "Resource": "*"},  # no Condition
        {
            "Effect": "Allow",
            "Action": ["translate:TranslateText", "s3:GetObject"],
            "Resource": "*",
            "Condition": {"a": {"b": "c"}},
        },
        {
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "x"}},
        },
        {
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": {"Fn::Sub": "arn:aws:logs:*:${AWS::AccountId}:*"},
        },
        {"Fn::If": ["C", {"Effect": "Allow", "Action": "sns:Publish", "Resource": ["arn:x", "*"]}, NO_VALUE]},
        {"Effect": "Allow", "Action": "sns:Publish", "NotResource": "arn:x"},
        {"Effect": "Allow", "Action": "inspector2:ListFilters", "Resource": "*"},  # no Condition
        {
            "Effect": "Allow",
            "Action": "inspector2:DeleteFilter",
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:inspector2:*:${AWS::AccountId}:owner/${AWS::AccountId}/filter/*"
            },
        },
        {
            "Effect": "Allow",
            "Action": "inspector2:DeleteFilter",
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:inspector2:${AWS::Region}:${AWS::AccountId}:*"},
        },
        {
            "Effect": "Allow",
            "Action": ["inspector2:CreateFilter", "inspector2:BatchGetFindingDetails"],
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:inspector2:${AWS::Region}:${AWS::AccountId}:owner/${AWS::AccountId}/filter/*"
            },
        },
    ],
)
def test_iam_checker_flags_unscoped_statements(bad: dict[str, Any]) -> None:
    assert iam_problems(_role_with(bad))


def test_iam_checker_accepts_the_allowed_exceptions_and_flags_opaque_roles() -> None:
    ok = _role_with(
        {
            "Effect": "Allow",
            "Action": "translate:TranslateText",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "r"}},
        },
        {
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "I2B"}},
        },
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
    )
    assert iam_problems(ok) == []
    sam = {
        "Resources": {
            "F": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["AmazonDynamoDBFullAccess"]}}
        }
    }
    assert len(iam_problems(sam)) == 2  # generated role + opaque managed policy


def test_state_store_calls_are_granted() -> None:
    """The DynamoDB calls the state store makes at run time (create_table aside: the template owns the table) are
    all in the role — a new call (query, transact_write_items…) must come with a new grant."""
    src = ROOT / "src" / "inspector2backlog" / "state" / "dynamodb.py"
    if not src.exists():
        pytest.skip("state/dynamodb.py not written yet")
    calls = store_client_calls(src.read_text(encoding="utf-8"))
    assert {"GetItem", "PutItem"} <= calls
    grants = granted_actions(template())
    assert sorted(f"dynamodb:{c}" for c in calls if f"dynamodb:{c}" not in grants) == []


def store_client_calls(source: str, skip_functions: tuple[str, ...] = ("create_table",)) -> set[str]:
    """``client.<op>(…)`` and ``client.get_paginator("<op>")`` calls outside ``skip_functions``, as API names."""
    calls: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
            if node.name not in skip_functions:
                self.generic_visit(node)

        def visit_Call(self, node: ast.Call) -> None:
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute) and f.value.attr == "client":
                op = f.attr
                if op == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                    op = node.args[0].value
                if op not in ("exceptions", "get_waiter"):
                    calls.add("".join(part.title() for part in op.split("_")))
            self.generic_visit(node)

    Visitor().visit(ast.parse(source))
    return calls


def test_store_call_scanner_sees_new_calls() -> None:
    src = (
        "class S:\n    def q(self):\n        self.client.query(); self.client.get_paginator('scan')\n"
        "    def create_table(self):\n        self.client.create_table()\n"
    )
    assert store_client_calls(src) == {"Query", "Scan"}


# ---- the event pattern -------------------------------------------------------------------------------------------
def rule_pattern(tpl: dict[str, Any], min_severity: str) -> dict[str, Any]:
    rule = tpl["Resources"]["FindingsRule"]
    return resolve(rule["Properties"]["EventPattern"], tpl, defaults(tpl, MinimumSeverity=min_severity))


def expected_through(min_severity: str, severity: str, status: str) -> bool:
    if status in ("CLOSED", "SUPPRESSED") or severity == "UNTRIAGED":
        return True
    return SEVERITIES.index(severity) >= SEVERITIES.index(min_severity)


def _finding(severity: str, status: str, tag: str = "") -> dict[str, Any]:
    return {
        "findingArn": f"arn:aws:inspector2:{REGION}:123456789012:finding/{severity}-{status}{tag}",
        "severity": severity,
        "status": status,
        "type": "PACKAGE_VULNERABILITY",
    }


class EventBus:
    """EventBridge rules with SQS targets on a moto server: what a pattern lets through, observed end to end."""

    def __init__(self, endpoint: str) -> None:
        self.events = aws_client("events", endpoint)
        self.sqs = aws_client("sqs", endpoint)
        self.queues: dict[str, str] = {}

    def add_rule(self, name: str, pattern: dict[str, Any]) -> None:
        url = self.sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
        self.events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
        self.queues[name] = url

    def put(
        self, detail: dict[str, Any], *, source: str = "aws.inspector2", detail_type: str = "Inspector2 Finding"
    ) -> None:
        resp = self.events.put_events(
            Entries=[{"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}]
        )
        assert resp["FailedEntryCount"] == 0

    def received(self, name: str) -> set[str]:
        arns: set[str] = set()
        while True:
            msgs = self.sqs.receive_message(QueueUrl=self.queues[name], MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
                "Messages", []
            )
            if not msgs:
                return arns
            for m in msgs:
                body = json.loads(m["Body"])
                arns.add(body["detail"]["findingArn"])
                self.sqs.delete_message(QueueUrl=self.queues[name], ReceiptHandle=m["ReceiptHandle"])


def test_event_pattern_shape() -> None:
    pattern = rule_pattern(template(), "HIGH")
    assert pattern["source"] == ["aws.inspector2"]
    assert pattern["detail-type"] == ["Inspector2 Finding"]
    closing = [b for b in pattern["$or"] if b.get("detail", {}).get("status")]
    assert closing and set(closing[0]["detail"]["status"]) == {"CLOSED", "SUPPRESSED"}
    assert "severity" not in closing[0]["detail"]  # closes pass whatever the severity
    assert "detail" not in pattern  # nothing outside $or narrows the closing branch


def test_event_pattern_lets_through_what_it_should(moto_endpoint: str) -> None:
    tpl = template()
    bus = EventBus(moto_endpoint)
    for level in SEVERITIES:
        bus.add_rule(f"min-{level.lower()}", rule_pattern(tpl, level))
    for sev in ALL_SEVERITIES:
        for status in STATUSES:
            bus.put(_finding(sev, status))
    # other Inspector events and other sources never reach the queue
    bus.put(_finding("CRITICAL", "ACTIVE", "-coverage"), detail_type="Inspector2 Coverage")
    bus.put(_finding("CRITICAL", "ACTIVE", "-hub"), source="aws.securityhub")
    for level in SEVERITIES:
        want = {
            _finding(sev, status)["findingArn"]
            for sev in ALL_SEVERITIES
            for status in STATUSES
            if expected_through(level, sev, status)
        }
        assert bus.received(f"min-{level.lower()}") == want, level


def test_event_pattern_checker_catches_a_pattern_that_drops_closes(moto_endpoint: str) -> None:
    """The seed's mistake: filtering on status ACTIVE (or on severity alone) loses the CLOSED events."""
    bus = EventBus(moto_endpoint)
    base = {"source": ["aws.inspector2"], "detail-type": ["Inspector2 Finding"]}
    bus.add_rule("active-only", {**base, "detail": {"status": ["ACTIVE"], "severity": ["HIGH", "CRITICAL"]}})
    bus.add_rule("severity-only", {**base, "detail": {"severity": ["HIGH", "CRITICAL"]}})
    closed_low = _finding("LOW", "CLOSED")
    bus.put(closed_low)
    bus.put(_finding("HIGH", "ACTIVE"))
    for name in ("active-only", "severity-only"):
        got = bus.received(name)
        assert _finding("HIGH", "ACTIVE")["findingArn"] in got
        assert closed_low["findingArn"] not in got  # what test_event_pattern_lets_through_what_it_should forbids


def test_real_sample_events_are_routed_as_expected(moto_endpoint: str) -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"Inspector samples not present at {SAMPLES}")
    events = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.event.json"))]
    if not events:
        pytest.skip(f"no *.event.json under {SAMPLES}")
    bus = EventBus(moto_endpoint)
    bus.add_rule("min-high", rule_pattern(template(), "HIGH"))
    seen: set[str] = set()
    for i, ev in enumerate(events):
        detail = {**ev["detail"], "findingArn": f"{ev['detail']['findingArn']}#{i}"}  # samples reuse placeholder ARNs
        bus.put(detail, source=ev["source"], detail_type=ev["detail-type"])
        if expected_through("HIGH", detail["severity"], detail["status"]):
            seen.add(detail["findingArn"])
    assert bus.received("min-high") == seen
    assert seen  # at least one sample (a CLOSED one) must pass


# ---- wiring ------------------------------------------------------------------------------------------------------
def test_function_runtime_and_handler() -> None:
    tpl = template()
    fn = tpl["Resources"]["Function"]
    p = fn["Properties"]
    assert re.fullmatch(r"python3\.1\d", p["Runtime"])
    assert p["Architectures"] == ["arm64"]
    assert p["Handler"] == "inspector2backlog.aws_lambda.dispatch_handler"
    assert (p["MemorySize"], p["Timeout"], p["ReservedConcurrentExecutions"]) == (512, 60, 1)
    assert p["CodeUri"] == "../build/lambda"
    env = p["Environment"]["Variables"]
    assert {
        "I2B_BACKLOG_SPACE_URL", "I2B_BACKLOG_PROJECT_KEY", "I2B_BACKLOG_ISSUE_TYPE", "I2B_BACKLOG_API_KEY_SECRET_ARN",
        "I2B_TRANSLATE_ENGINE", "I2B_FILTER_MIN_SEVERITY", "I2B_STATE_DYNAMODB_TABLE", "I2B_DELIVERY_SINK",
        "I2B_DELIVERY_SNS_TOPIC_ARN", "I2B_GROUPING_GROUP_BY", "LOG_LEVEL",
    } <= set(env)  # fmt: skip
    # the API key only ever travels as a Secrets Manager ARN
    assert not [k for k in env if re.search(r"API_?KEY(?!_SECRET_ARN)", k)]
    assert not [k for k in tpl["Parameters"] if re.search(r"ApiKey(?!SecretArn)", k)]


@pytest.mark.parametrize("mail_to_issue", ["false", "true"])
def test_function_environment_is_valid_configuration(mail_to_issue: str) -> None:
    """The I2B_* variables the template sets are keys the config loader knows (it rejects unknown ones), and they
    land where the function will read them."""
    try:
        from inspector2backlog.config import load_config
    except ImportError as exc:  # pragma: no cover - the lead's module
        pytest.skip(f"inspector2backlog.config not importable: {exc}")
    tpl = template()
    params = defaults(
        tpl,
        BacklogSpaceUrl="https://example.backlog.jp",
        BacklogProjectKey="SEC",
        BacklogApiKeySecretArn=""
        if mail_to_issue == "true"
        else f"arn:aws:secretsmanager:{REGION}:123456789012:secret:k",
        EnableMailToIssue=mail_to_issue,
        MailToIssueAddress="sec@example.backlog.jp" if mail_to_issue == "true" else "",
        MinimumSeverity="HIGH",
        GroupBy="fix",
    )
    fn = tpl["Resources"]["Function"]
    placeholders = {"StateTable": "i2b-state-TABLE", "MailToIssueTopic": f"arn:aws:sns:{REGION}:123456789012:mail"}
    env = {}
    for k, v in _drop_no_value(resolve(fn["Properties"]["Environment"]["Variables"], tpl, params)).items():
        env[k] = placeholders[v["Ref"]] if isinstance(v, dict) else v
    assert all(isinstance(v, str) for v in env.values()), env
    cfg = load_config(None, env=env)
    assert cfg.backlog.space_url == "https://example.backlog.jp"
    assert cfg.backlog.issue_type == tpl["Parameters"]["BacklogIssueType"]["Default"]
    assert cfg.backlog.api_key_secret_arn == params["BacklogApiKeySecretArn"]
    assert cfg.state.dynamodb_table == "i2b-state-TABLE"
    assert (cfg.filter.min_severity, cfg.grouping.group_by, cfg.translate.engine) == ("HIGH", "fix", "offline")
    if mail_to_issue == "true":
        assert (cfg.delivery.sink, cfg.delivery.sns_topic_arn) == ("sns", placeholders["MailToIssueTopic"])
    else:
        assert (cfg.delivery.sink, cfg.delivery.sns_topic_arn) == ("backlog", "")


def test_package_script_targets_the_template_runtime() -> None:
    spec = importlib.util.spec_from_file_location("i2b_deploy_package", PACKAGE_PY)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is being built
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.modules.pop(spec.name, None)
    fn = template()["Resources"]["Function"]
    assert fn["Properties"]["Runtime"] == f"python{mod.PYTHON_VERSION}"
    assert mod.PLATFORM_TAG.endswith("aarch64") and fn["Properties"]["Architectures"] == ["arm64"]
    reqs, dropped = mod.runtime_requirements()
    names = {r.name for r in reqs}
    assert "boto3" not in names and "httpx" in names
    assert any(d.startswith("boto3") for d in dropped)


def test_sqs_event_source_reports_batch_item_failures() -> None:
    tpl = template()
    fn = tpl["Resources"]["Function"]
    sources = [e for e in fn["Properties"]["Events"].values() if e["Type"] == "SQS"]
    assert len(sources) == 1
    props = sources[0]["Properties"]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["Queue"] == {"Fn::GetAtt": ["FindingsQueue", "Arn"]}
    assert (props["BatchSize"], props["MaximumBatchingWindowInSeconds"]) == (10, 5)
    queue = tpl["Resources"]["FindingsQueue"]["Properties"]
    # Lambda's SQS guide: visibility timeout >= 6 x function timeout (+ batching window)
    assert queue["VisibilityTimeout"] >= 6 * fn["Properties"]["Timeout"] + props["MaximumBatchingWindowInSeconds"]


def test_dead_letter_queue_and_alarms() -> None:
    tpl = template()
    queue = tpl["Resources"]["FindingsQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    dlq = tpl["Resources"]["DeadLetterQueue"]["Properties"]
    assert dlq["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]
    alarms = resources_of(tpl, "AWS::CloudWatch::Alarm")

    def watching(metric: str, dim_value: Any) -> list[dict[str, Any]]:
        return [
            a["Properties"]
            for a in alarms.values()
            if a["Properties"]["MetricName"] == metric
            and any(d["Value"] == dim_value for d in a["Properties"]["Dimensions"])
        ]

    dlq_alarm = watching("ApproximateNumberOfMessagesVisible", {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]})
    assert len(dlq_alarm) == 1
    assert (dlq_alarm[0]["Threshold"], dlq_alarm[0]["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    errors_alarm = watching("Errors", {"Ref": "Function"})
    assert len(errors_alarm) == 1 and errors_alarm[0]["Namespace"] == "AWS/Lambda"
    for a in alarms.values():  # notifications go to the alarm topic when an address is given
        assert a["Properties"]["AlarmActions"] == {"Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], NO_VALUE]}


def test_queue_policies_admit_only_the_rule() -> None:
    tpl = template()
    policies = resources_of(tpl, "AWS::SQS::QueuePolicy")
    targets = {q["Ref"] for p in policies.values() for q in p["Properties"]["Queues"]}
    assert targets == {"FindingsQueue", "DeadLetterQueue"}
    rules = {
        "FindingsRule": None,
        "GuardDutyRule": "GuardDutyEnabled",
        "AccessAnalyzerRule": "AccessAnalyzerEnabled",
        "SecurityHubFindingsRule": "SecurityHubEnabled",
    }
    for p in policies.values():
        for st in p["Properties"]["PolicyDocument"]["Statement"]:
            assert st["Principal"] == {"Service": "events.amazonaws.com"}
            assert st["Action"] == "sqs:SendMessage"
            assert set(st["Condition"]) == {"ArnEquals"} and set(st["Condition"]["ArnEquals"]) == {"aws:SourceArn"}
            arns = st["Condition"]["ArnEquals"]["aws:SourceArn"]
            want = [
                {"Fn::GetAtt": [r, "Arn"]} if c is None else {"Fn::If": [c, {"Fn::GetAtt": [r, "Arn"]}, NO_VALUE]}
                for r, c in rules.items()
            ]
            assert arns == want  # each source's rule, and only while that source is enabled
    for name, cond in rules.items():
        assert tpl["Resources"][name].get("Condition") == cond
        assert tpl["Resources"][name]["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["FindingsQueue", "Arn"]}
    assert tpl["Resources"]["GuardDutyRule"]["Properties"]["EventPattern"] == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
    }
    assert tpl["Resources"]["AccessAnalyzerRule"]["Properties"]["EventPattern"]["detail-type"] == [
        "Access Analyzer Finding",
        "Internal Access Finding",
        "Unused Access Finding for IAM entities",
    ]
    rule = tpl["Resources"]["FindingsRule"]
    target = rule["Properties"]["Targets"][0]
    assert target["Arn"] == {"Fn::GetAtt": ["FindingsQueue", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}


def test_state_table_is_one_key_on_demand_with_ttl_sse_pitr() -> None:
    _, table = one(template(), "AWS::DynamoDB::Table")
    p = table["Properties"]
    assert p["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert p["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert p["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert p["SSESpecification"]["SSEEnabled"] is True
    assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert "GlobalSecondaryIndexes" not in p and "TableName" not in p
    assert table["DeletionPolicy"] == "Retain"


def test_state_store_works_on_the_table_the_template_defines(moto_endpoint: str) -> None:
    try:
        from inspector2backlog.state.dynamodb import DynamoDBStore
    except ImportError as exc:  # pragma: no cover - the lead's module
        pytest.skip(f"state.dynamodb not importable: {exc}")
    _, table = one(template(), "AWS::DynamoDB::Table")
    p = table["Properties"]
    client = aws_client("dynamodb", moto_endpoint)
    client.create_table(
        TableName="from-template",
        AttributeDefinitions=p["AttributeDefinitions"],
        KeySchema=p["KeySchema"],
        BillingMode=p["BillingMode"],
    )
    client.update_time_to_live(TableName="from-template", TimeToLiveSpecification=p["TimeToLiveSpecification"])
    store = DynamoDBStore("from-template", region=REGION, endpoint_url=moto_endpoint)
    rec = store.claim("finding:arn:aws:inspector2:ap-northeast-1:123456789012:finding/abc", now=1.0)
    got = store.get(rec.key)
    assert got is not None and (got.phase, got.version) == ("claimed", 1)


def test_sam_transform_yields_the_expected_cloudformation() -> None:
    """With aws-sam-translator installed, run the real SAM transform: the event source mapping keeps
    ReportBatchItemFailures and no role other than ours appears (so no Resource "*" slips in through SAM)."""
    try:
        from samtranslator.translator.transform import transform
    except ImportError:
        pytest.skip("aws-sam-translator not installed (pip install aws-sam-translator)")
    import os

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    tpl = template()
    for fn_props in (r["Properties"] for r in resources_of(tpl, "AWS::Serverless::Function").values()):
        fn_props["CodeUri"] = "s3://artifact-bucket/inspector2backlog.zip"
    params = defaults(
        tpl,
        BacklogSpaceUrl="https://example.backlog.jp",
        BacklogProjectKey="SEC",
        BacklogApiKeySecretArn=f"arn:aws:secretsmanager:{REGION}:123456789012:secret:i2b-AbCdEf",
    )
    old = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    try:
        out = transform(tpl, params, NoManagedPolicies())
    finally:
        if old is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = old
    esm = [r["Properties"] for r in out["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(esm) == 1 and esm[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    roles = [n for n, r in out["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    assert roles == ["FunctionRole"]
    assert iam_problems(out) == []
    fn = [
        r["Properties"]
        for r in out["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and "Condition" not in r
    ]
    assert (
        len(fn) == 1
        and fn[0]["Architectures"] == ["arm64"]
        and fn[0]["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    )


# ---- optional customer managed KMS key -----------------------------------------------------------------------------
KMS_ARN = f"arn:aws:kms:{REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
#: resource type → the property (path) that must carry the key when KmsKeyArn is set
KMS_WIRING: dict[str, tuple[str, ...]] = {
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::Serverless::Function": ("KmsKeyArn",),
}


def _drop_no_value(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _drop_no_value(v) for k, v in node.items() if v != NO_VALUE}
    if isinstance(node, list):
        return [_drop_no_value(x) for x in node if x != NO_VALUE]
    return node


def resolved_properties(tpl: dict[str, Any], params: dict[str, str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """name → (type, its properties as CloudFormation would see them with ``params``)."""
    return {
        name: (r["Type"], _drop_no_value(resolve(r.get("Properties", {}), tpl, params)))
        for name, r in tpl["Resources"].items()
    }


def kms_problems(tpl: dict[str, Any]) -> list[str]:
    """Every encryptable resource that does not take the key when KmsKeyArn is set, or keeps it when it is empty."""
    problems = []
    with_key = resolved_properties(tpl, defaults(tpl, KmsKeyArn=KMS_ARN))
    without = resolved_properties(tpl, defaults(tpl))
    for name, (kind, props) in with_key.items():
        path = KMS_WIRING.get(kind)
        if path is None:
            continue
        value: Any = props
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value != KMS_ARN:
            problems.append(f"{name}: {'.'.join(path)} is {value!r} with KmsKeyArn set")
        value = without[name][1]
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            problems.append(f"{name}: {'.'.join(path)} is {value!r} with KmsKeyArn empty")
    return problems


def test_kms_key_parameter_is_optional_and_a_key_arn() -> None:
    tpl = template()
    p = tpl["Parameters"]["KmsKeyArn"]
    assert (p["Type"], p["Default"]) == ("String", "")
    pattern = re.compile(p["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch(KMS_ARN)
    assert not pattern.fullmatch(f"arn:aws:kms:{REGION}:123456789012:alias/i2b")  # log groups and Lambda need a key ARN
    assert tpl["Conditions"]["HasKmsKey"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "KmsKeyArn"}, ""]}]}
    assert any(
        "KmsKeyArn" in g["Parameters"] for g in tpl["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    )


def test_kms_key_is_wired_into_every_encryptable_resource() -> None:
    tpl = template()
    assert kms_problems(tpl) == []
    kinds = {r["Type"] for r in tpl["Resources"].values()}
    assert set(KMS_WIRING) <= kinds  # table, queues, topics, log group, function: each one present and checked
    assert len(resources_of(tpl, "AWS::SQS::Queue")) == 2 and len(resources_of(tpl, "AWS::SNS::Topic")) == 2


def test_kms_key_switches_sse_modes_cleanly() -> None:
    """With a key: DynamoDB SSE type KMS, SQS without its managed SSE (the two exclude each other); without: as
    before (AWS managed keys)."""
    tpl = template()
    with_key = resolved_properties(tpl, defaults(tpl, KmsKeyArn=KMS_ARN))
    without = resolved_properties(tpl, defaults(tpl))
    assert with_key["StateTable"][1]["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": KMS_ARN,
    }
    assert without["StateTable"][1]["SSESpecification"] == {"SSEEnabled": True}
    for queue in ("FindingsQueue", "DeadLetterQueue"):
        assert "SqsManagedSseEnabled" not in with_key[queue][1]
        assert without[queue][1]["SqsManagedSseEnabled"] is True and "KmsMasterKeyId" not in without[queue][1]


def test_kms_permissions_only_when_a_key_is_set_and_only_on_it() -> None:
    tpl = template()
    _, role = one(tpl, "AWS::IAM::Role")
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    kms = [
        st for st in statements if isinstance(st, dict) and "Fn::If" in st and st["Fn::If"][1].get("Sid") == "UseKmsKey"
    ]
    assert len(kms) == 1
    cond, yes, no = kms[0]["Fn::If"]
    assert cond == "HasKmsKey" and no == NO_VALUE
    assert (sorted(yes["Action"]), yes["Resource"]) == (["kms:Decrypt", "kms:GenerateDataKey"], {"Ref": "KmsKeyArn"})
    # no other statement grants kms:*
    others = [
        a
        for st in _statements(role["Properties"]["Policies"][0]["PolicyDocument"])
        if st is not yes
        for a in _as_list(st.get("Action", []))
        if str(a).startswith("kms:")
    ]
    assert others == []


def test_kms_checker_catches_a_resource_left_out() -> None:
    tpl = template()
    broken = copy.deepcopy(tpl)
    del broken["Resources"]["DeadLetterQueue"]["Properties"]["KmsMasterKeyId"]
    broken["Resources"]["FunctionLogGroup"]["Properties"]["KmsKeyId"] = {"Ref": "KmsKeyArn"}  # kept when empty
    problems = kms_problems(broken)
    assert any(p.startswith("DeadLetterQueue: KmsMasterKeyId is None with KmsKeyArn set") for p in problems), problems
    assert any(p.startswith("FunctionLogGroup: KmsKeyId is '' with KmsKeyArn empty") for p in problems), problems


# ---- scheduled pending sweep, two-way, OAuth -------------------------------------------------------------------
ACCOUNT = "123456789012"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:i2b/backlog-AbCdEf"
OAUTH_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:i2b/backlog-oauth-AbCdEf"
WEBHOOK_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:i2b/webhook-AbCdEf"
BASE = {"BacklogSpaceUrl": "https://example.backlog.jp", "BacklogProjectKey": "SEC", "BacklogApiKeySecretArn": SECRET}
#: parameter choices → what they switch on
OFF: dict[str, str] = {}
POLL_ONLY = {"EnableTwoWay": "true"}
WEBHOOK = {"EnableTwoWay": "true", "WebhookSecretArn": WEBHOOK_SECRET}
OAUTH = {"BacklogApiKeySecretArn": "", "BacklogOAuthSecretArn": OAUTH_SECRET, "BacklogOAuthClientId": "i2b-client"}
TWO_WAY_RESOURCES = {"PullRule", "PullPermission"}
WEBHOOK_RESOURCES = {
    "WebhookLogGroup",
    "WebhookFunction",
    "WebhookFunctionUrl",
    "WebhookUrlPermission",
    "WebhookInvokePermission",
    "WebhookErrorsAlarm",
}


def params_for(tpl: dict[str, Any], *choices: dict[str, str]) -> dict[str, str]:
    merged: dict[str, str] = dict(BASE)
    for c in choices:
        merged.update(c)
    return defaults(tpl, **merged)


def active(tpl: dict[str, Any], params: dict[str, str]) -> set[str]:
    """The resources CloudFormation creates with ``params`` (a resource's Condition decides)."""
    return {n for n, r in tpl["Resources"].items() if "Condition" not in r or condition(r["Condition"], tpl, params)}


def statements_for(tpl: dict[str, Any], params: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Sid → the role's statement as CloudFormation sees it with ``params``."""
    doc = _drop_no_value(
        resolve(tpl["Resources"]["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"], tpl, params)
    )
    return {st["Sid"]: st for st in doc["Statement"]}


def failed_rules(tpl: dict[str, Any], params: dict[str, str]) -> list[str]:
    """AssertDescriptions of the template Rules that refuse ``params`` (CloudFormation would not deploy)."""
    out = []
    for rule in tpl["Rules"].values():
        if "RuleCondition" in rule and not condition(rule["RuleCondition"], tpl, params):
            continue
        out += [a["AssertDescription"] for a in rule["Assertions"] if not condition(a["Assert"], tpl, params)]
    return out


def handler_names(tpl: dict[str, Any]) -> dict[str, str]:
    """Every function the template makes Lambda call: ``Handler:`` of each function, and the handler each scheduled
    rule's Input names through :data:`aws_lambda.SCHEDULED_TASKS`. name → where it is named."""
    from inspector2backlog import aws_lambda

    names: dict[str, str] = {}
    for res_name, res in tpl["Resources"].items():
        if res["Type"] == "AWS::Serverless::Function":
            module, _, fn = res["Properties"]["Handler"].rpartition(".")
            assert module == "inspector2backlog.aws_lambda", res["Properties"]["Handler"]
            names[fn] = f"{res_name}.Handler"
        if res["Type"] == "AWS::Events::Rule" and "ScheduleExpression" in res["Properties"]:
            for target in res["Properties"]["Targets"]:
                task = json.loads(target["Input"])["inspector2backlog"]
                names[aws_lambda.SCHEDULED_TASKS[task]] = f"{res_name} Input {task!r}"
    return names


def missing_handlers(tpl: dict[str, Any]) -> set[str]:
    from inspector2backlog import aws_lambda

    return {n for n in handler_names(tpl) if not callable(getattr(aws_lambda, n, None))}


def test_every_handler_the_template_names_exists() -> None:
    tpl = template()
    names = handler_names(tpl)
    assert {"dispatch_handler", "sweep_handler", "webhook_handler", "pull_handler"} <= set(names)  # all were looked at
    assert missing_handlers(tpl) == set()


def test_handler_check_catches_a_misspelt_handler() -> None:
    broken = template()
    broken["Resources"]["Function"]["Properties"]["Handler"] = "inspector2backlog.aws_lambda.dispatch_handlr"
    broken["Resources"]["SweepRule"]["Properties"]["Targets"][0]["Input"] = '{"inspector2backlog": "pull"}'
    assert "dispatch_handlr" in missing_handlers(broken)
    assert "sweep_handler" not in handler_names(broken)  # a schedule that no longer runs the sweep is visible


def test_schedule_parameters() -> None:
    tpl = template()
    for name in ("SweepSchedule", "PullSchedule"):
        p = tpl["Parameters"][name]
        assert p["Default"] == "rate(5 minutes)"
        pattern = re.compile(p["AllowedPattern"])
        for ok in ("rate(5 minutes)", "rate(1 minute)", "rate(2 hours)", "cron(0/10 * * * ? *)"):
            assert pattern.fullmatch(ok), (name, ok)
        for bad in ("", "5 minutes", "rate(0 minutes)", "rate(5 fortnights)", "rate(5 minutes) "):
            assert not pattern.fullmatch(bad), (name, bad)
    groups = {p for g in tpl["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"] for p in g["Parameters"]}
    assert {
        "SweepSchedule",
        "PullSchedule",
        "EnableTwoWay",
        "WebhookSecretArn",
        "WebhookAllowedSourceIps",
        "BacklogOAuthSecretArn",
        "BacklogOAuthClientId",
    } <= groups
    assert set(tpl["Parameters"]) <= groups  # every parameter has its place in the console


def test_sweep_runs_on_the_one_writer_function_every_schedule() -> None:
    """The sweep (and the poller) are scheduled invocations of the SQS function itself, so they share its single
    execution slot (ReservedConcurrentExecutions 1): never two Backlog writers from the main path at once."""
    tpl = template()
    rule = tpl["Resources"]["SweepRule"]
    assert "Condition" not in rule  # always on
    p = rule["Properties"]
    assert (p["ScheduleExpression"], p["State"]) == ({"Ref": "SweepSchedule"}, "ENABLED")
    (target,) = p["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["Function", "Arn"]}
    assert json.loads(target["Input"]) == {"inspector2backlog": "sweep"}
    perm = tpl["Resources"]["SweepPermission"]["Properties"]
    assert perm == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": "Function"},
        "Principal": "events.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": ["SweepRule", "Arn"]},
    }
    fn = tpl["Resources"]["Function"]["Properties"]
    assert fn["ReservedConcurrentExecutions"] == 1
    assert fn["EventInvokeConfig"]["MaximumRetryAttempts"] == 0  # the next schedule is the retry
    scheduled = [r for r in resources_of(tpl, "AWS::Events::Rule").values() if "ScheduleExpression" in r["Properties"]]
    assert len(scheduled) == 2  # sweep + pull, both on the one writer
    assert all(t["Arn"] == {"Fn::GetAtt": ["Function", "Arn"]} for r in scheduled for t in r["Properties"]["Targets"])


def test_the_errors_alarm_fires_on_a_failed_sweep() -> None:
    """sweep_handler raises when a record is still undelivered: the function's Errors alarm is the sweep's alarm."""
    from inspector2backlog import aws_lambda

    assert issubclass(aws_lambda.SweepFailed, Exception)
    assert aws_lambda.SCHEDULED_TASKS["sweep"] == "sweep_handler"
    alarm = template()["Resources"]["FunctionErrorsAlarm"]["Properties"]
    assert (alarm["MetricName"], alarm["Dimensions"]) == (
        "Errors",
        [{"Name": "FunctionName", "Value": {"Ref": "Function"}}],
    )
    assert "sweep" in alarm["AlarmDescription"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (OFF, set()),
        (POLL_ONLY, TWO_WAY_RESOURCES),
        (WEBHOOK, TWO_WAY_RESOURCES | WEBHOOK_RESOURCES),
        ({"WebhookSecretArn": WEBHOOK_SECRET}, set()),
    ],  # a webhook secret alone switches nothing on (and a Rule refuses it)
    ids=["off", "poll-only", "webhook", "secret-without-two-way"],
)
def test_two_way_resources_follow_the_parameters(choice: dict[str, str], expected: set[str]) -> None:
    tpl = template()
    conditional = {n for n, r in tpl["Resources"].items() if r.get("Condition") in ("TwoWayEnabled", "TwoWayWebhook")}
    assert conditional == TWO_WAY_RESOURCES | WEBHOOK_RESOURCES
    assert active(tpl, params_for(tpl, choice)) & conditional == expected
    assert tpl["Parameters"]["EnableTwoWay"]["Default"] == "false"


@pytest.mark.parametrize("choice", [OFF, POLL_ONLY, WEBHOOK], ids=["off", "poll-only", "webhook"])
def test_two_way_iam_only_when_enabled_and_only_on_its_resources(choice: dict[str, str]) -> None:
    tpl = template()
    sts = statements_for(tpl, params_for(tpl, choice))
    two_way = choice.get("EnableTwoWay") == "true"
    assert ("InspectorSuppressionFilters" in sts, "InspectorListFilters" in sts) == (two_way, two_way)
    assert ("ReadWebhookSecret" in sts) == ("WebhookSecretArn" in choice)
    granted = [a for st in sts.values() for a in _as_list(st["Action"])]
    if two_way:
        filters = sts["InspectorSuppressionFilters"]
        assert sorted(filters["Action"]) == [
            "inspector2:CreateFilter",
            "inspector2:DeleteFilter",
            "inspector2:UpdateFilter",
        ]
        assert filters["Resource"] == {
            "Fn::Sub": "arn:${AWS::Partition}:inspector2:${AWS::Region}:${AWS::AccountId}"
            ":owner/${AWS::AccountId}/filter/*"
        }
        listing = sts["InspectorListFilters"]
        assert (listing["Action"], listing["Resource"]) == ("inspector2:ListFilters", "*")
        assert listing["Condition"] == {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}}
        assert sorted(a for a in granted if a.startswith("inspector2:")) == sorted(
            ["inspector2:CreateFilter", "inspector2:UpdateFilter", "inspector2:DeleteFilter", "inspector2:ListFilters"]
        )
    else:
        assert not [a for a in granted if a.startswith("inspector2:")]
    if "WebhookSecretArn" in choice:
        st = sts["ReadWebhookSecret"]
        assert (st["Action"], st["Resource"]) == ("secretsmanager:GetSecretValue", WEBHOOK_SECRET)
    logs = sts["WriteOwnLogs"]["Resource"]
    assert logs == [{"Fn::GetAtt": ["FunctionLogGroup", "Arn"]}] + (
        [{"Fn::GetAtt": ["WebhookLogGroup", "Arn"]}] if "WebhookSecretArn" in choice else []
    )


def test_webhook_function_url_is_public_but_guarded_by_the_secret() -> None:
    tpl = template()
    url = tpl["Resources"]["WebhookFunctionUrl"]["Properties"]
    assert url == {
        "TargetFunctionArn": {"Fn::GetAtt": ["WebhookFunction", "Arn"]},
        "AuthType": "NONE",
        "InvokeMode": "BUFFERED",
    }
    url_perm = tpl["Resources"]["WebhookUrlPermission"]["Properties"]
    assert (url_perm["Action"], url_perm["Principal"], url_perm["FunctionUrlAuthType"]) == (
        "lambda:InvokeFunctionUrl",
        "*",
        "NONE",
    )
    invoke = tpl["Resources"]["WebhookInvokePermission"]["Properties"]
    # lambda:InvokeFunction for everyone, but only through the URL (never a direct Invoke API call)
    assert (invoke["Action"], invoke["Principal"], invoke["InvokedViaFunctionUrl"]) == (
        "lambda:InvokeFunction",
        "*",
        True,
    )
    for perm in (url_perm, invoke):
        assert perm["FunctionName"] == {"Ref": "WebhookFunction"}
    # nothing else in the stack is public
    public = [n for n, r in resources_of(tpl, "AWS::Lambda::Permission").items() if r["Properties"]["Principal"] == "*"]
    assert sorted(public) == ["WebhookInvokePermission", "WebhookUrlPermission"]
    out = tpl["Outputs"]["WebhookFunctionUrl"]
    assert (out["Condition"], out["Value"]) == ("TwoWayWebhook", {"Fn::GetAtt": ["WebhookFunctionUrl", "FunctionUrl"]})
    note = json.dumps(tpl["Outputs"]["WebhookRegistration"], ensure_ascii=False)
    assert "インテグレーション" in note and "hook/<" in note and "Webhook" in note
    assert tpl["Outputs"]["WebhookRegistration"]["Condition"] == "TwoWayWebhook"


def test_webhook_function_shares_code_role_and_configuration() -> None:
    tpl = template()
    main, hook = (tpl["Resources"][n]["Properties"] for n in ("Function", "WebhookFunction"))
    assert hook["Handler"] == "inspector2backlog.aws_lambda.webhook_handler"
    for key in ("CodeUri", "Runtime", "Architectures", "Role", "KmsKeyArn"):
        assert hook[key] == main[key], key
    assert hook["ReservedConcurrentExecutions"] == 1
    assert hook["LoggingConfig"]["LogGroup"] == {"Ref": "WebhookLogGroup"}
    assert "Events" not in hook  # reached only through its URL
    main_env, hook_env = main["Environment"]["Variables"], hook["Environment"]["Variables"]
    shared = {k: v for k, v in main_env.items() if k != "I2B_TWO_WAY_ENABLED"}
    assert {k: hook_env.get(k) for k in shared} == shared  # same Backlog, state, translation, OAuth settings
    assert hook_env["I2B_TWO_WAY_ENABLED"] == "true"
    assert main_env["I2B_TWO_WAY_ENABLED"] == {"Fn::If": ["TwoWayEnabled", "true", "false"]}
    assert hook_env["I2B_TWO_WAY_WEBHOOK_SECRET_SECRET_ARN"] == {"Ref": "WebhookSecretArn"}
    assert "I2B_TWO_WAY_WEBHOOK_SECRET_SECRET_ARN" not in main_env  # the poller never needs the webhook secret
    for allowlist, want in (("", None), ("203.0.113.0/24,198.51.100.7", "203.0.113.0/24,198.51.100.7")):
        env = _drop_no_value(resolve(hook_env, tpl, params_for(tpl, WEBHOOK, {"WebhookAllowedSourceIps": allowlist})))
        assert env.get("I2B_TWO_WAY_ALLOWED_SOURCE_IPS") == want
    pattern = re.compile(tpl["Parameters"]["WebhookAllowedSourceIps"]["AllowedPattern"])
    assert pattern.fullmatch("203.0.113.0/24, 2001:db8::/32") and not pattern.fullmatch("0.0.0.0/0;rm")


@pytest.mark.parametrize("oauth", [False, True], ids=["api-key", "oauth"])
def test_oauth_secret_wiring_and_permissions(oauth: bool) -> None:
    try:
        from inspector2backlog.backlog.oauth import oauth_configured
        from inspector2backlog.config import load_config
    except ImportError as exc:  # pragma: no cover - h2's module
        pytest.skip(f"OAuth support not importable: {exc}")
    tpl = template()
    params = params_for(tpl, OAUTH if oauth else OFF)
    env = _drop_no_value(resolve(tpl["Resources"]["Function"]["Properties"]["Environment"]["Variables"], tpl, params))
    env = {k: ("i2b-state-TABLE" if isinstance(v, dict) else v) for k, v in env.items()}
    cfg = load_config(None, env=env)
    assert oauth_configured(cfg.backlog) is oauth
    sts = statements_for(tpl, params)
    if oauth:
        b = cfg.backlog
        assert (b.oauth_client_id, b.oauth_client_secret_secret_arn, b.oauth_refresh_token_secret_arn) == (
            "i2b-client",
            OAUTH_SECRET,
            OAUTH_SECRET,
        )
        st = sts["BacklogOAuthSecret"]
        assert sorted(st["Action"]) == ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
        assert st["Resource"] == OAUTH_SECRET
        assert "ReadBacklogApiKey" not in sts
    else:
        assert not [k for k in env if "OAUTH" in k] and "BacklogOAuthSecret" not in sts
    put = [st["Sid"] for st in sts.values() if "secretsmanager:PutSecretValue" in _as_list(st["Action"])]
    assert put == (["BacklogOAuthSecret"] if oauth else [])  # no other secret is ever written


@pytest.mark.parametrize(
    ("choice", "refused"),
    [
        ({}, []),
        ({"BacklogApiKeySecretArn": ""}, ["BacklogApiKeySecretArn (or BacklogOAuthSecretArn) is required"]),
        (OAUTH, []),
        ({**OAUTH, "BacklogOAuthClientId": ""}, ["BacklogOAuthClientId is required"]),
        (WEBHOOK, []),
        (POLL_ONLY, []),
        ({"WebhookSecretArn": WEBHOOK_SECRET}, ["WebhookSecretArn is used only with EnableTwoWay"]),
    ],
    ids=[
        "api-key",
        "no-credentials",
        "oauth",
        "oauth-without-client-id",
        "webhook",
        "poll-only",
        "webhook-without-two-way",
    ],
)
def test_rules_refuse_incomplete_parameter_sets(choice: dict[str, str], refused: list[str]) -> None:
    tpl = template()
    got = failed_rules(tpl, params_for(tpl, choice))
    assert len(got) == len(refused) and all(g.startswith(r) for g, r in zip(got, refused, strict=False)), got


def test_sources_sync_policy_only_for_enabled_sources_and_scoped() -> None:
    """GuardDuty / Access Analyzer sync: read-only listing calls, each statement only while its source is enabled,
    GuardDuty's findings scoped to the detector when its id is given."""
    tpl = template()
    pol = tpl["Resources"]["SourcesSyncPolicy"]
    assert pol["Condition"] == "OtherSourcesEnabled"
    assert tpl["Conditions"]["OtherSourcesEnabled"] == {
        "Fn::Or": [{"Condition": "GuardDutyEnabled"}, {"Condition": "AccessAnalyzerEnabled"}]
    }
    by_sid = {}
    for st in pol["Properties"]["PolicyDocument"]["Statement"]:
        cond, yes, no = st["Fn::If"]
        assert no == NO_VALUE
        by_sid[yes["Sid"]] = (cond, yes)
    assert {s: c for s, (c, _) in by_sid.items()} == {
        "GuardDutyListDetectors": "GuardDutyEnabled",
        "GuardDutyReadFindings": "GuardDutyEnabled",
        "AccessAnalyzerListAnalyzers": "AccessAnalyzerEnabled",
        "AccessAnalyzerReadFindings": "AccessAnalyzerEnabled",
    }
    actions = {a for _, st in by_sid.values() for a in _as_list(st["Action"])}
    assert all(a.split(":")[1].startswith(("List", "Get")) for a in actions)
    scoped, anyone = by_sid["GuardDutyReadFindings"][1]["Resource"]["Fn::If"][1:]
    assert scoped["Fn::Sub"].endswith(":detector/${GuardDutyDetectorId}") and anyone["Fn::Sub"].endswith(":detector/*")
    # the function itself gains nothing: it never lists GuardDuty or Access Analyzer
    assert not any(a.startswith(("guardduty:", "access-analyzer:")) for a in granted_actions(tpl))
