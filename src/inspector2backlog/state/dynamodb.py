"""DynamoDB backend: one table, partition key ``pk`` (String), no sort key, on-demand, TTL attribute ``ttl``.

Item layout::

    pk = "rec#<key>"   phase, issue_key?, issue_id?, status?, updated_at, fingerprint, version, claimed_at,
                       data (JSON string) — or data_z (zlib-compressed JSON, Binary) when the JSON is large
    pk = "tm#<key>"    text, ttl (epoch seconds: ``translation_ttl_days`` after it was stored)
    pk = "cache#<key>" text, ttl (epoch seconds: when it expires; checked on read too, as DynamoDB deletes
                       expired items only eventually)

An item may hold 400 KB. A group record lists every active member, so its JSON is compressed above
:data:`COMPRESS_OVER` bytes (the member entries repeat their keys, ~8× smaller); a record that would still not fit
raises :class:`RecordTooLargeError` before any call, with the key and size, instead of DynamoDB's opaque
``ValidationException``.

Claims are ``PutItem`` with ``attribute_not_exists(pk)``; saves are ``PutItem`` with ``version = :expected``; a
``ConditionalCheckFailedException`` becomes :class:`ConflictError`. Reads of records are strongly consistent.

:meth:`DynamoDBStore.records` uses a paginated ``Scan`` with a ``begins_with`` filter and sorts the result by key.
That reads the whole table, which is fine for what this table holds (one item per tracked finding or group plus the
translation memory — thousands to tens of thousands of small items, a few MB); a much larger table would want a GSI.
"""

from __future__ import annotations

import json
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import STATE, Inspector2BacklogError
from .base import ConflictError, Record, RecordTooLargeError, StateStore

REC = "rec#"
TM = "tm#"
CACHE = "cache#"
TTL_ATTRIBUTE = "ttl"
BATCH_GET_MAX = 100
BATCH_WRITE_MAX = 25
BATCH_RETRIES = 8  # calls per batch to drain UnprocessedKeys/Items before giving up (≤ ~5 s of backoff in all)
BACKOFF_BASE = 0.05  # seconds; doubled per retry, capped at BACKOFF_CAP, with jitter (50–100 % of the step)
BACKOFF_CAP = 2.0
_CLIENT_LOCK = threading.Lock()
COMPRESS_OVER = 32 * 1024  # bytes of JSON above which ``data`` is stored compressed
MAX_ITEM_BYTES = 400 * 1024 - 8 * 1024  # DynamoDB's item limit, less room for the other attributes


class UnprocessedItemsError(Inspector2BacklogError, RuntimeError):
    """DynamoDB kept returning unprocessed batch items (sustained throttling) after all retries."""

    kind = STATE


def _num(value: float | int) -> str:
    return repr(value) if isinstance(value, float) else str(int(value))


def _to_item(record: Record) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": REC + record.key},
        "phase": {"S": record.phase},
        "updated_at": {"N": _num(float(record.updated_at))},
        "fingerprint": {"S": record.fingerprint},
        "version": {"N": str(int(record.version))},
        "claimed_at": {"N": _num(float(record.claimed_at))},
    }
    data = json.dumps(record.data, ensure_ascii=False, separators=(",", ":"))
    raw = data.encode("utf-8")
    if len(raw) <= COMPRESS_OVER:
        item["data"] = {"S": data}
    else:
        packed = zlib.compress(raw, 6)
        if len(packed) > MAX_ITEM_BYTES:
            raise RecordTooLargeError(
                f"state record {record.key!r} is {len(raw):,} bytes ({len(packed):,} compressed), more than a DynamoDB "
                f'item can hold ({MAX_ITEM_BYTES:,}); split the group (e.g. [grouping] group_by = "fix") or '
                f"narrow [filter]"
            )
        item["data_z"] = {"B": packed}
    expires = record.data.get("expires_at")
    if isinstance(expires, (int, float)) and expires > 0:  # a record meant to be forgotten (the table's TTL)
        item[TTL_ATTRIBUTE] = {"N": str(int(expires))}
    if record.issue_key is not None:
        item["issue_key"] = {"S": record.issue_key}
    if record.issue_id is not None:
        item["issue_id"] = {"N": str(int(record.issue_id))}
    if record.status is not None:
        item["status"] = {"S": record.status}
    return item


def _from_item(item: dict[str, Any]) -> Record:
    return Record(
        key=item["pk"]["S"][len(REC) :],
        phase=item["phase"]["S"],
        issue_key=item["issue_key"]["S"] if "issue_key" in item else None,
        issue_id=int(item["issue_id"]["N"]) if "issue_id" in item else None,
        status=item["status"]["S"] if "status" in item else None,
        updated_at=float(item["updated_at"]["N"]),
        fingerprint=item["fingerprint"]["S"],
        data=json.loads(zlib.decompress(item["data_z"]["B"]) if "data_z" in item else item["data"]["S"]),
        version=int(item["version"]["N"]),
        claimed_at=float(item["claimed_at"]["N"]),
    )


class DynamoDBStore(StateStore):
    """State in one DynamoDB table (see the module docstring for the layout)."""

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        translation_ttl_days: int = 365,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.translation_ttl_days = translation_ttl_days
        self._clock = clock
        if client is None:
            # lazy: boto3 loads with the first call
            import boto3
            from botocore.config import Config

            with _CLIENT_LOCK:  # boto3's default session is not safe to build clients from in several threads
                client = boto3.client(
                    "dynamodb",
                    region_name=region,
                    endpoint_url=endpoint_url,
                    config=Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 5, "mode": "standard"}),
                )
        self.client = client
        self._sleep = sleep

    # ---- table management ----------------------------------------------------------------------------------
    def create_table(self, *, wait: bool = True, enable_ttl: bool = True) -> bool:
        """Create the table (on-demand, ``pk`` HASH) if missing; returns True if it was created here."""
        try:
            self.client.create_table(
                TableName=self.table_name,
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
        except self.client.exceptions.ResourceInUseException:
            return False
        if wait:
            self.client.get_waiter("table_exists").wait(
                TableName=self.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
            )
            if enable_ttl:
                self.client.update_time_to_live(
                    TableName=self.table_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
                )
        return True

    # ---- records -------------------------------------------------------------------------------------------
    def _get_record(self, key: str) -> Record | None:
        resp = self.client.get_item(TableName=self.table_name, Key={"pk": {"S": REC + key}}, ConsistentRead=True)
        item = resp.get("Item")
        return _from_item(item) if item else None

    def _put_new(self, record: Record) -> None:
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=_to_item(record),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise ConflictError(f"record already exists: {record.key}") from exc

    def _put_if_version(self, record: Record, expected_version: int) -> None:
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=_to_item(record),
                ConditionExpression="#v = :expected",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":expected": {"N": str(int(expected_version))}},
            )
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise ConflictError(f"version conflict on {record.key} (expected {expected_version})") from exc

    def _delete_record(self, key: str) -> None:
        self.client.delete_item(TableName=self.table_name, Key={"pk": {"S": REC + key}})

    def _scan(self, prefix: str) -> Iterator[Record]:
        records: list[Record] = []
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table_name,
            FilterExpression="begins_with(pk, :p)",
            ExpressionAttributeValues={":p": {"S": REC + prefix}},
            ConsistentRead=True,
        ):
            records.extend(_from_item(item) for item in page.get("Items", ()))
        records.sort(key=lambda r: r.key)
        return iter(records)

    # ---- translation memory --------------------------------------------------------------------------------
    def _backoff(self, attempt: int) -> None:
        delay = min(BACKOFF_CAP, BACKOFF_BASE * (2**attempt))
        self._sleep(delay * (0.5 + random.random() / 2))

    def _tm_get_many(self, keys: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(keys), BATCH_GET_MAX):
            request: dict[str, Any] = {
                self.table_name: {
                    "Keys": [{"pk": {"S": TM + k}} for k in keys[i : i + BATCH_GET_MAX]],
                    "ProjectionExpression": "pk, #t",
                    "ExpressionAttributeNames": {"#t": "text"},
                }
            }
            for attempt in range(BATCH_RETRIES):
                if attempt:
                    self._backoff(attempt - 1)
                resp = self.client.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self.table_name, ()):
                    out[item["pk"]["S"][len(TM) :]] = item["text"]["S"]
                request = resp.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                left = len(request.get(self.table_name, {}).get("Keys", ()))
                raise UnprocessedItemsError(
                    f"BatchGetItem on {self.table_name}: {left} keys still unprocessed after {BATCH_RETRIES} attempts"
                )
        return out

    def _tm_put_many(self, items: dict[str, str]) -> None:
        pairs = list(items.items())
        extra: dict[str, Any] = {}
        if self.translation_ttl_days > 0:  # unused texts leave the table; a text seen again is translated again
            extra[TTL_ATTRIBUTE] = {"N": str(int(self._clock() + self.translation_ttl_days * 86400))}
        for i in range(0, len(pairs), BATCH_WRITE_MAX):
            request: dict[str, Any] = {
                self.table_name: [
                    {"PutRequest": {"Item": {"pk": {"S": TM + k}, "text": {"S": v}, **extra}}}
                    for k, v in pairs[i : i + BATCH_WRITE_MAX]
                ]
            }
            for attempt in range(BATCH_RETRIES):
                if attempt:
                    self._backoff(attempt - 1)
                resp = self.client.batch_write_item(RequestItems=request)
                request = resp.get("UnprocessedItems") or {}
                if not request:
                    break
            else:
                left = len(request.get(self.table_name, ()))
                raise UnprocessedItemsError(
                    f"BatchWriteItem on {self.table_name}: {left} items still unprocessed"
                    f" after {BATCH_RETRIES} attempts"
                )

    # ---- cache --------------------------------------------------------------------------------------------------
    def _cache_get_many(self, keys: list[str], now: float) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(keys), BATCH_GET_MAX):
            request: dict[str, Any] = {
                self.table_name: {
                    "Keys": [{"pk": {"S": CACHE + k}} for k in keys[i : i + BATCH_GET_MAX]],
                    "ProjectionExpression": "pk, #t, #x",
                    "ExpressionAttributeNames": {"#t": "text", "#x": TTL_ATTRIBUTE},
                }
            }
            for attempt in range(BATCH_RETRIES):
                if attempt:
                    self._backoff(attempt - 1)
                resp = self.client.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self.table_name, ()):
                    if float(item.get(TTL_ATTRIBUTE, {}).get("N", "0")) > now:
                        out[item["pk"]["S"][len(CACHE) :]] = item["text"]["S"]
                request = resp.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise UnprocessedItemsError(f"BatchGetItem on {self.table_name}: cache keys still unprocessed")
        return out

    def _cache_put_many(self, items: dict[str, str], expires_at: float, now: float) -> None:
        pairs = list(items.items())
        ttl = {"N": str(int(expires_at))}
        for i in range(0, len(pairs), BATCH_WRITE_MAX):
            request: dict[str, Any] = {
                self.table_name: [
                    {"PutRequest": {"Item": {"pk": {"S": CACHE + k}, "text": {"S": v}, TTL_ATTRIBUTE: ttl}}}
                    for k, v in pairs[i : i + BATCH_WRITE_MAX]
                ]
            }
            for attempt in range(BATCH_RETRIES):
                if attempt:
                    self._backoff(attempt - 1)
                request = self.client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                if not request:
                    break
            else:
                raise UnprocessedItemsError(f"BatchWriteItem on {self.table_name}: cache items still unprocessed")

    def __repr__(self) -> str:
        return f"DynamoDBStore({self.table_name!r})"
