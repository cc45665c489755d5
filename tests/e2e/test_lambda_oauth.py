"""OAuth 2.0 in Lambda shape: a warm container (one pipeline for many invocations) with 2-second access tokens, the
client secret and the refresh token in one Secrets Manager secret (moto server); each rotated refresh token is
written back with PutSecretValue, the secret's other fields kept."""

from __future__ import annotations

import copy
import json
import time

from inspector2backlog import aws_lambda
from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.moto_server import aws_client, moto_endpoint  # noqa: F401

from ..conftest import EXAMPLES

CLIENT = ("i2b-lambda-client", "lambda-client-secret-5e4d3c2b")
FIRST_REFRESH = "lambda-first-refresh-token-0a9b8c"


def test_warm_container_renews_tokens_and_stores_the_rotated_refresh_token(
    moto_endpoint,
    monkeypatch,
    tmp_path,
    capsys,
):
    sm = aws_client("secretsmanager", moto_endpoint)
    arn = sm.create_secret(
        Name="inspector2backlog/backlog-oauth",
        SecretString=json.dumps({"clientSecret": CLIENT[1], "refreshToken": FIRST_REFRESH, "note": "kept"}),
    )["ARN"]
    detail = json.loads((EXAMPLES / "01-ecr-critical-xz.event.json").read_text())
    with FakeBacklog(
        oauth_client=CLIENT, oauth_refresh_token=FIRST_REFRESH, oauth_token_seconds=2, latency=0.1
    ) as fake:
        for k, v in {
            "AWS_ENDPOINT_URL": moto_endpoint,
            "I2B_BACKLOG_SPACE_URL": fake.url,
            "I2B_BACKLOG_PROJECT_KEY": "SEC",
            "I2B_BACKLOG_ISSUE_TYPE": "脆弱性",
            "I2B_BACKLOG_OAUTH_CLIENT_ID": CLIENT[0],
            "I2B_BACKLOG_OAUTH_CLIENT_SECRET_SECRET_ARN": arn,
            "I2B_BACKLOG_OAUTH_REFRESH_TOKEN_SECRET_ARN": arn,
            "I2B_STATE_PATH": str(tmp_path / "state.sqlite3"),
            "I2B_FILTER_MIN_SEVERITY": "LOW",
        }.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("BACKLOG_API_KEY", raising=False)
        aws_lambda.reset()
        try:
            n, deadline = 0, time.monotonic() + 5
            while time.monotonic() < deadline:
                ev = copy.deepcopy(detail)
                ev["id"] = f"ev-{n}"
                ev["detail"]["findingArn"] += f"-{n}"
                assert aws_lambda.eventbridge_handler(ev) == {"ok": True}
                n += 1
        finally:
            aws_lambda.reset()
        assert n >= 2 and len(fake.issues) == n
        assert fake.counts["oauth_token"] >= 2 and fake.counts["oauth_invalid_grant"] == 0
        for i, r in enumerate(fake.requests):  # renewed before expiry; a late 401 (a slow machine) is recovered
            assert r.status in (200, 201) or (
                r.status == 401
                and any(
                    (x.method, x.path, x.status) in ((r.method, r.path, 200), (r.method, r.path, 201))
                    for x in fake.requests[i + 1 :]
                )
            ), r
        stored = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
        assert stored == {"clientSecret": CLIENT[1], "refreshToken": fake.refresh_token, "note": "kept"}
        assert fake.refresh_token != FIRST_REFRESH
        out = capsys.readouterr()
        assert all(t not in out.out + out.err for t in (*fake.issued_tokens, FIRST_REFRESH, CLIENT[1]))
