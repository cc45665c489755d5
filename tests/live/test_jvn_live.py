"""Opt-in checks against the real MyJVN API (https://jvndb.jvn.jp/myjvn).

Skipped unless ``I2B_JVN_LIVE=1``: CI never reaches the network. A handful of requests, paced 1 s apart (MyJVN
asks for moderate use). ``I2B_JVN_ENDPOINT`` may point at another endpoint.
"""

from __future__ import annotations

import os
import time

import pytest

from inspector2backlog.jvn.client import DEFAULT_ENDPOINT, MyJvnClient
from inspector2backlog.jvn.parse import JVNDB_ID

pytestmark = pytest.mark.skipif(
    os.environ.get("I2B_JVN_LIVE") != "1", reason="set I2B_JVN_LIVE=1 to ask the real MyJVN API"
)


@pytest.fixture(scope="module")
def client():
    c = MyJvnClient(os.environ.get("I2B_JVN_ENDPOINT") or DEFAULT_ENDPOINT, timeout=20.0)
    yield c
    c.close()


def test_a_well_known_cve_has_a_japanese_entry(client: MyJvnClient) -> None:
    ids = client.find("CVE-2024-3094")
    assert ids and all(JVNDB_ID.fullmatch(i) for i in ids)
    time.sleep(1)
    entries = client.details(ids[:10])
    assert entries, "getVulnDetailInfo answered no entry for the ids getVulnOverviewList gave"
    e = next((x for x in entries if "CVE-2024-3094" in x.cves), entries[0])
    assert e.overview and any("\u3040" <= ch <= "\u30ff" for ch in e.overview)  # kana: Japanese text
    assert "CVE-2024-3094" in e.cves


def test_an_unknown_cve_is_an_empty_answer_not_an_error(client: MyJvnClient) -> None:
    time.sleep(1)
    assert client.find("CVE-1999-99999") == []
