"""DynamoDB-specific behaviour on a real moto server: table shape, item layout, paging, throttled batches, rate."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

import pytest

from inspector2backlog.state import ConflictError, Record, open_store
from inspector2backlog.state.dynamodb import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    BATCH_RETRIES,
    MAX_ITEM_BYTES,
    DynamoDBStore,
    RecordTooLargeError,
    UnprocessedItemsError,
)
from tests.fakes.moto_server import REGION, aws_client, moto_endpoint  # noqa: F401

TABLE = "inspector2backlog-state"


@pytest.fixture
def store(moto_endpoint: str) -> DynamoDBStore:
    s = DynamoDBStore(TABLE, region=REGION, endpoint_url=moto_endpoint)
    assert s.create_table() is True
    return s


def test_create_table_matches_the_sam_template_and_is_idempotent(store: DynamoDBStore, moto_endpoint: str) -> None:
    client = aws_client("dynamodb", moto_endpoint)
    table = client.describe_table(TableName=TABLE)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")
    assert store.create_table() is False  # already there: no error


def test_item_layout(store: DynamoDBStore, moto_endpoint: str) -> None:
    rec = store.claim("finding:arn:x", now=1718000000.25)
    store.save(Record(**{**asdict(rec), "phase": "synced", "issue_key": "SEC-7", "issue_id": 77, "data": {"題": 1.5}}))
    store.tm_put_many({"deepl:abc": "脆弱性"})
    client = aws_client("dynamodb", moto_endpoint)
    item = client.get_item(TableName=TABLE, Key={"pk": {"S": "rec#finding:arn:x"}})["Item"]
    assert item["phase"] == {"S": "synced"}
    assert item["version"] == {"N": "2"}
    assert item["issue_id"] == {"N": "77"}
    assert float(item["claimed_at"]["N"]) == 1718000000.25
    assert json.loads(item["data"]["S"]) == {"題": 1.5}
    assert "status" not in item  # None attributes are omitted
    tm = client.get_item(TableName=TABLE, Key={"pk": {"S": "tm#deepl:abc"}})["Item"]
    assert {k: tm[k] for k in ("pk", "text")} == {"pk": {"S": "tm#deepl:abc"}, "text": {"S": "脆弱性"}}
    assert abs(int(tm["ttl"]["N"]) - (time.time() + 365 * 86400)) < 120  # the table's TTL attribute: a year on


def test_a_record_with_expires_at_gets_the_ttl_attribute(store: DynamoDBStore, moto_endpoint: str) -> None:
    rec = store.claim("finding:arn:gone")
    store.save(Record(**{**asdict(rec), "status": "CLOSED", "data": {"tombstone": True, "expires_at": 1900000000}}))
    item = aws_client("dynamodb", moto_endpoint).get_item(TableName=TABLE, Key={"pk": {"S": "rec#finding:arn:gone"}})
    assert item["Item"]["ttl"] == {"N": "1900000000"}
    assert "ttl" not in aws_client("dynamodb", moto_endpoint).get_item(
        TableName=TABLE, Key={"pk": {"S": "rec#finding:arn:x"}}
    ).get("Item", {})


def test_translation_ttl_can_be_switched_off(moto_endpoint: str) -> None:
    s = DynamoDBStore(TABLE, region=REGION, endpoint_url=moto_endpoint, translation_ttl_days=0)
    s.create_table()
    s.tm_put_many({"amazon:x": "訳"})
    item = aws_client("dynamodb", moto_endpoint).get_item(TableName=TABLE, Key={"pk": {"S": "tm#amazon:x"}})["Item"]
    assert "ttl" not in item and s.tm_get_many(["amazon:x"]) == {"amazon:x": "訳"}


def _member(i: int) -> dict[str, Any]:  # the shape policy.grouping.member_entry writes
    return {
        "s": "ACTIVE",
        "v": "HIGH",
        "sc": 8.1,
        "x": "NO",
        "fx": "YES",
        "ep": 0.00043,
        "id": "CVE-2024-6387",
        "r": f"i-0{i:016x} (web-{i})",
        "k": f"{i * 2654435761 % 16**10:010x}",
        "rt": "EC2",
        "a": f"{111122220000 + i % 50}",
        "g": "ap-northeast-1",
        "u": 1718000000.0 + i,
        "p": [["openssh-server", "0:8.7p1-8.amzn2023.0.10", "0:8.7p1-8.amzn2023.0.11"]],
        "ws": "ACTIVE",
        "wf": f"{i:08x}",
    }


def test_a_group_with_thousands_of_members_fits_compressed(store: DynamoDBStore, moto_endpoint: str) -> None:
    members = {f"arn:aws:inspector2:ap-northeast-1:111122223333:finding/{i:032x}": _member(i) for i in range(4000)}
    data = {"kind": "vulnerability", "members": members}
    assert len(json.dumps(data)) > 400 * 1024  # raw, it would not fit in one item
    rec = store.claim("group:vulnerability:CVE-2024-6387")
    store.save(Record(**{**asdict(rec), "phase": "synced", "data": data}))
    assert store.get("group:vulnerability:CVE-2024-6387").data == data
    item = aws_client("dynamodb", moto_endpoint).get_item(
        TableName=TABLE, Key={"pk": {"S": "rec#group:vulnerability:CVE-2024-6387"}}
    )["Item"]
    assert "data" not in item and len(item["data_z"]["B"]) < MAX_ITEM_BYTES


def test_a_record_that_cannot_fit_is_a_clear_error(store: DynamoDBStore) -> None:
    import os

    rec = store.claim("group:vulnerability:CVE-2024-0001")
    noise = os.urandom(450 * 1024).hex()  # compresses to ~50 %: still over the limit
    with pytest.raises(RecordTooLargeError, match=r"group:vulnerability:CVE-2024-0001.*group_by"):
        store.save(Record(**{**asdict(rec), "data": {"blob": noise}}))
    assert store.get("group:vulnerability:CVE-2024-0001").version == rec.version  # nothing was written


def test_scan_follows_pages(store: DynamoDBStore) -> None:
    blob = "x" * 20_000  # ~60 × 20 KB > moto's (and DynamoDB's) 1 MB page
    for i in range(60):
        rec = store.claim(f"finding:{i:03d}", now=0.0)
        store.save(Record(**{**asdict(rec), "data": {"blob": blob}}))
    store.tm_put_many({f"finding:{i:03d}": "tm, not a record" for i in range(30)})
    keys = [r.key for r in store.records("finding:")]
    assert keys == [f"finding:{i:03d}" for i in range(60)]
    pages = list(store.client.get_paginator("scan").paginate(TableName=TABLE))
    assert len(pages) > 1  # the test really exercised pagination


def test_missing_table_is_an_error_not_a_conflict(moto_endpoint: str) -> None:
    store = DynamoDBStore("no-such-table", region=REGION, endpoint_url=moto_endpoint)
    with pytest.raises(Exception) as info:
        store.claim("finding:x")
    assert not isinstance(info.value, ConflictError)
    assert "ResourceNotFoundException" in repr(info.value) or "not found" in str(info.value).lower()


def test_open_store_picks_dynamodb_when_a_table_is_given(store: DynamoDBStore, moto_endpoint: str) -> None:
    store.claim("finding:shared", now=3.0)
    other = open_store(path="ignored.sqlite3", dynamodb_table=TABLE, region=REGION, endpoint_url=moto_endpoint)
    assert isinstance(other, DynamoDBStore)
    assert other.get("finding:shared").claimed_at == 3.0
    with pytest.raises(ConflictError):
        other.claim("finding:shared")


class ThrottlingClient:
    """The real moto client, except that the first ``throttle`` batch calls leave half their items unprocessed."""

    def __init__(self, real: Any, throttle: int) -> None:
        self._real = real
        self.throttle = throttle
        self.batch_calls: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def _split(self, entries: list) -> tuple[list, list]:
        if self.throttle <= 0:
            return entries, []
        self.throttle -= 1
        keep = max(1, len(entries) // 2) if len(entries) > 1 else 0
        return entries[:keep], entries[keep:]

    def batch_write_item(self, RequestItems: dict) -> dict:  # noqa: N803 - boto3 spelling
        ((table, entries),) = RequestItems.items()
        self.batch_calls.append(len(entries))
        send, left = self._split(entries)
        if send:
            assert not self._real.batch_write_item(RequestItems={table: send}).get("UnprocessedItems")
        return {"UnprocessedItems": {table: left} if left else {}}

    def batch_get_item(self, RequestItems: dict) -> dict:  # noqa: N803
        ((table, spec),) = RequestItems.items()
        self.batch_calls.append(len(spec["Keys"]))
        send, left = self._split(spec["Keys"])
        resp = {"Responses": {table: []}}
        if send:
            resp = self._real.batch_get_item(RequestItems={table: {**spec, "Keys": send}})
        resp["UnprocessedKeys"] = {table: {**spec, "Keys": left}} if left else {}
        return resp


def test_batches_respect_limits_and_retry_unprocessed_items(store: DynamoDBStore) -> None:
    sleeps: list[float] = []
    client = ThrottlingClient(store.client, throttle=5)
    throttled = DynamoDBStore(TABLE, client=client, sleep=sleeps.append)
    items = {f"k{i:03d}": f"訳{i}" for i in range(130)}
    throttled.tm_put_many(items)
    assert max(client.batch_calls) <= 25
    assert len(sleeps) == 5 and all(0 < s <= BACKOFF_CAP for s in sleeps)
    assert store.tm_get_many(items) == items  # everything landed despite the throttling

    client.batch_calls.clear()
    client.throttle = 3
    assert throttled.tm_get_many(list(items)) == items
    assert max(client.batch_calls) <= 100
    assert len(sleeps) == 8


def test_sustained_throttling_gives_up_with_a_clear_error(store: DynamoDBStore) -> None:
    sleeps: list[float] = []
    throttled = DynamoDBStore(TABLE, client=ThrottlingClient(store.client, throttle=10_000), sleep=sleeps.append)
    with pytest.raises(UnprocessedItemsError, match="still unprocessed"):
        throttled.tm_put_many({f"k{i}": "v" for i in range(25)})
    assert len(sleeps) == BATCH_RETRIES - 1  # no pointless sleep after the last attempt
    for k, slept in enumerate(sleeps):  # exponential, capped, jittered to 50–100 % of the step
        step = min(BACKOFF_CAP, BACKOFF_BASE * 2**k)
        assert step / 2 <= slept <= step
    assert sum(sleeps) <= (BATCH_RETRIES - 1) * BACKOFF_CAP  # bounded


def test_claim_plus_save_many(store: DynamoDBStore) -> None:
    """Every claimed + saved record is there afterwards (the rate is printed by ``bench/micro.py``, not timed here)."""
    n = 40
    for i in range(n):
        assert store.get(f"finding:{i}") is None
        rec = store.claim(f"finding:{i}")
        store.save(Record(**{**asdict(rec), "phase": "synced", "issue_key": f"SEC-{i}", "data": {"t": "題名"}}))
    assert len(list(store.records("finding:"))) == n
    assert store.get("finding:7").issue_key == "SEC-7"
