"""Two-way building blocks: ``[two_way]`` configuration, the webhook's hints, the resolution map, the ARN marker."""

from __future__ import annotations

import base64
import json

import pytest

from inspector2backlog.backlog.models import CustomField, Named
from inspector2backlog.backlog.project import ProjectContext
from inspector2backlog.config import ConfigError, load_config
from inspector2backlog.doctor_two_way import split_hook_url
from inspector2backlog.twoway.decision import issue_arn
from inspector2backlog.twoway.settings import action_for, networks
from inspector2backlog.twoway.webhook import check, hints

ARN = "arn:aws:inspector2:ap-northeast-1:111122223333:finding/abc"


def test_defaults_and_file(tmp_path):
    c = load_config(None, env={})
    assert c.two_way.enabled is False and dict(c.two_way.actions)["対応しない"] == "suppress"
    assert c.two_way.max_body_bytes == 65536
    p = tmp_path / "c.toml"
    p.write_text(
        '[two_way]\nenabled = true\nallowed_source_ips = ["52.199.190.133/32"]\n'
        '[two_way.actions]\n"重複" = "suppress"\n',
        encoding="utf-8",
    )
    c = load_config(p, env={"I2B_TWO_WAY_MAX_BODY_BYTES": "1000"})
    assert dict(c.two_way.actions) == {"重複": "suppress"} and c.two_way.max_body_bytes == 1000


@pytest.mark.parametrize(
    "body,where",
    [
        ('[two_way]\nenabled = true\n[two_way.actions]\n"無効" = "archive"\n', "[two_way.actions] 無効"),
        ('[two_way]\nenabled = true\nallowed_source_ips = ["not-an-ip"]\n', "allowed_source_ips"),
        ("[two_way]\nenabled = true\nmax_body_bytes = 0\n", "max_body_bytes"),
        ("[two_way]\nenabld = true\n", "enabld"),
    ],
)
def test_invalid_values_are_named(tmp_path, body, where):
    p = tmp_path / "c.toml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=r".*" + __import__("re").escape(where)):
        load_config(p, env={})


def test_resolution_by_name_and_by_default_id():
    actions = {"対応しない": "suppress", "対応済み": "none"}
    assert action_for({"id": 1, "name": "対応しない"}, actions) == ("suppress", "対応しない")
    assert action_for({"id": 1, "name": "Won't Fix"}, actions) == ("suppress", "対応しない")  # English space
    assert action_for({"id": 0, "name": "Fixed"}, actions) == ("none", "対応済み")
    assert action_for({"id": 3, "name": "重複"}, actions) == ("", "")
    assert action_for(None, actions) == ("", "")


def _event(body: str, *, path="/hook/" + "s" * 20, ip="127.0.0.1", b64=False) -> dict:
    return {
        "rawPath": path,
        "rawQueryString": "",
        "body": body,
        "isBase64Encoded": b64,
        "requestContext": {"http": {"method": "POST", "sourceIp": ip}},
    }


def test_check_order_and_limits():
    nets = networks(type("T", (), {"allowed_source_ips": ("10.0.0.0/8", "2001:db8::/32")})())
    ok = json.dumps({"type": 2, "project": {"projectKey": "SEC"}, "content": {"id": 7}})
    kw = {"secret": "s" * 20, "nets": nets, "max_body_bytes": 200, "project_key": "SEC"}
    assert check(_event(ok, ip="10.1.2.3"), **kw).hints == (7,)
    assert check(_event(ok, ip="2001:db8::1"), **kw).accepted
    assert check(_event(ok, ip="127.0.0.1"), **kw).reason == "source_ip"
    assert check(_event(ok, ip="garbage"), **kw).reason == "source_ip"
    assert check(_event(ok, ip="10.0.0.1", path="/hook/" + "t" * 20), **kw).reason == "bad_secret"
    assert check(_event(ok, ip="10.0.0.1", path="/"), **kw).reason == "no_secret"
    assert check(_event("x" * 201, ip="10.0.0.1"), **kw).status == 413
    big = base64.b64encode(b"x" * 300).decode()
    assert check(_event(big, ip="10.0.0.1", b64=True), **kw).status == 413
    assert check(_event("[1]", ip="10.0.0.1"), **kw).status == 400
    enc = base64.b64encode(ok.encode()).decode()
    assert check(_event(enc, ip="10.0.0.1", b64=True), **kw).hints == (7,)


def test_hints_only_updates_of_our_project_bounded():
    assert hints({"type": 3, "project": {"projectKey": "SEC"}, "content": {"id": 1}}, "SEC") == ()
    assert hints({"type": 2, "project": {"projectKey": "OPS"}, "content": {"id": 1}}, "SEC") == ()
    bulk = {
        "type": 14,
        "project": {"projectKey": "SEC"},
        "content": {"tx_id": 1, "link": [{"id": i, "key_id": i} for i in range(1, 500)] + [{"id": "9"}]},
    }
    assert hints(bulk, "SEC") == tuple(range(1, 101))
    assert hints({"type": 2, "project": {"projectKey": "SEC"}, "content": {"id": True}}, "SEC") == ()


def _project(with_field: bool) -> ProjectContext:
    t = Named(1, "脆弱性")
    return ProjectContext(
        project_id=1,
        project_key="SEC",
        project_name="s",
        text_formatting_rule="markdown",
        issue_type=t,
        open_status=Named(1, "未対応"),
        closed_status=Named(4, "完了"),
        suppressed_resolution=Named(1, "対応しない"),
        statuses=(),
        arn_custom_field=CustomField(9, "Finding ARN", 1) if with_field else None,
    )


def test_issue_arn_field_first_then_last_marker():
    desc = f"本文 Finding ARN: `{ARN}-early`\n\n…\n\nFinding ARN: `{ARN}`"
    assert issue_arn({"description": desc}, _project(False)) == ARN
    issue = {"description": desc, "customFields": [{"id": 9, "value": ARN + "x"}]}
    assert issue_arn(issue, _project(True)) == ARN + "x"
    assert issue_arn({"description": desc, "customFields": [{"id": 9, "value": None}]}, _project(True)) == ARN
    assert issue_arn({"description": "Finding ARN: none"}, _project(False)) == ""
    # a long description costs one bounded search
    assert issue_arn({"description": "Finding ARN: " + "a" * 200_000}, _project(False)) == ""


def test_split_hook_url():
    assert split_hook_url("https://x.on.aws/hook/abc") == ("https://x.on.aws", "abc")
    assert split_hook_url("https://x.on.aws/?token=abc&x=1") == ("https://x.on.aws?x=1", "abc")
    assert split_hook_url("https://x.on.aws/") == ("https://x.on.aws", "")
