"""Pending changes and ordering, at the policy level (an in-memory store and a recording sink)."""

from __future__ import annotations

import copy
import json

from inspector2backlog.deliver.base import DeliveryError, IssueRef, Sink
from inspector2backlog.findings.parse import parse_finding
from inspector2backlog.policy.lifecycle import Lifecycle
from inspector2backlog.render.issue import IssueBuilder
from inspector2backlog.state.memory import MemoryStore
from inspector2backlog.translate import make_translator

from ..conftest import EXAMPLES


class RecordingSink(Sink):
    name = "recording"

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.fail_next = 0
        self.maybe_applied = False  # what the injected failure says: may the write have landed?

    def _maybe_fail(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise DeliveryError("injected", maybe_applied=self.maybe_applied)

    def find(self, finding_key, *, since=None):
        self.calls.append(("find", finding_key))
        return None

    def create(self, issue):
        self._maybe_fail()
        self.calls.append(("create", issue.summary))
        return IssueRef("SEC-1", 1)

    def update(self, ref, issue, comment):
        self._maybe_fail()
        self.calls.append(("update", ref.key))

    def close(self, ref, comment, *, suppressed=False):
        self._maybe_fail()
        self.calls.append(("close", ref.key, suppressed))

    def reopen(self, ref, issue, comment):
        self._maybe_fail()
        self.calls.append(("reopen", ref.key))


def _finding(day: int, **changes):
    d = copy.deepcopy(json.loads((EXAMPLES / "02-ec2-high-openssh.event.json").read_text())["detail"])
    d.update(changes)
    d["updatedAt"] = f"2024-10-{day:02d}T00:00:00Z"
    return parse_finding(d)


def _lifecycle(sink, **kw):
    return Lifecycle(store=MemoryStore(), sink=sink, builder=IssueBuilder(make_translator("offline")), **kw)


def test_a_failed_close_is_not_undone_by_an_older_event_arriving_later():
    sink = RecordingSink()
    lc = _lifecycle(sink)
    assert lc.handle(_finding(1)).action == "created"
    sink.fail_next = 1
    assert lc.handle(_finding(5, status="CLOSED")).failed  # the close fails: pending, with the CLOSED finding kept
    # an older ACTIVE re-send (newer than what was applied, older than the pending close) arrives next
    out = lc.handle(_finding(3))
    assert out.action == "closed"  # the newer pending change wins
    assert sink.calls[-1] == ("close", "SEC-1", False)
    rec = lc.store.get("finding:" + _finding(1).arn)
    assert rec.phase == "synced" and rec.status == "CLOSED"


def test_pending_changes_are_retried_without_a_new_event():
    sink = RecordingSink()
    lc = _lifecycle(sink)
    lc.handle(_finding(1))
    sink.fail_next = 1
    assert lc.handle(_finding(2, status="SUPPRESSED")).failed
    outs = lc.retry_pending()
    assert [o.action for o in outs] == ["closed"] and sink.calls[-1] == ("close", "SEC-1", True)
    assert lc.retry_pending() == []


def test_an_older_active_arriving_after_the_close_of_an_unknown_finding_opens_nothing():
    sink = RecordingSink()
    lc = _lifecycle(sink)
    assert lc.handle(_finding(5, status="CLOSED")).action == "skipped"  # never had an issue: nothing to close
    assert lc.handle(_finding(3)).action == "skipped"  # a late copy of an earlier ACTIVE event
    assert sink.calls == []
    rec = lc.store.get("finding:" + _finding(1).arn)
    assert rec.status == "CLOSED" and rec.issue_key is None and rec.data["tombstone"]
    assert rec.data["expires_at"] > lc.clock() + 29 * 86400  # forgotten after a while (DynamoDB TTL)
    assert lc.handle(_finding(7)).action == "created"  # newer than the close: it came back, so it gets an issue
    assert [c[0] for c in sink.calls] == ["create"]


def test_tombstones_expire_and_are_only_kept_for_findings_the_filter_accepts():
    from inspector2backlog.config import FilterConfig

    now = [1_800_000_000.0]
    sink = RecordingSink()
    lc = Lifecycle(
        store=MemoryStore(),
        sink=sink,
        builder=IssueBuilder(make_translator("offline")),
        clock=lambda: now[0],
        filters=FilterConfig(min_severity="CRITICAL"),
    )
    lc.handle(_finding(5, status="CLOSED"))  # HIGH, below the CRITICAL floor: nothing to remember
    assert list(lc.store.records("finding:")) == []
    lc.filters = FilterConfig(min_severity="LOW")
    lc.handle(_finding(5, status="CLOSED"))
    assert [r.data.get("tombstone") for r in lc.store.records("finding:")] == [True]
    now[0] += 31 * 86400  # past the tombstone's life: the pending sweep forgets it (SQLite has no TTL)
    assert lc.retry_pending() == []
    assert list(lc.store.records("finding:")) == []


def test_a_failed_create_overtaken_by_the_close_is_not_created_by_a_redelivery():
    sink = RecordingSink()
    lc = _lifecycle(sink)
    sink.fail_next = 1
    assert lc.handle(_finding(3)).failed  # the create fails: pending
    assert lc.handle(_finding(5, status="CLOSED")).action == "skipped"  # no issue was found: nothing to close
    assert lc.handle(_finding(3)).action == "skipped"  # SQS redelivers the failed ACTIVE message
    assert lc.retry_pending() == []
    assert sink.calls == []


def test_a_create_that_certainly_failed_is_retried_without_a_search():
    """Backlog's search budget is small: a create that was refused or never sent is simply sent again."""
    sink = RecordingSink()
    lc = _lifecycle(sink)
    sink.fail_next = 1
    assert lc.handle(_finding(1)).failed
    assert [o.action for o in lc.retry_pending()] == ["created"]
    assert [c[0] for c in sink.calls] == ["create"]


def test_a_create_that_may_have_landed_is_looked_for_first_even_after_a_later_clean_failure():
    sink = RecordingSink()
    lc = _lifecycle(sink, index_lag_seconds=0)  # no index window: the retry may create at once
    sink.fail_next, sink.maybe_applied = 1, True  # timed out after sending
    assert lc.handle(_finding(1)).failed
    sink.fail_next, sink.maybe_applied = 1, False  # the retry's create is refused (nothing sent)
    assert lc.retry_pending()[0].failed
    assert [o.action for o in lc.retry_pending()] == ["created"]
    assert [c[0] for c in sink.calls] == ["find", "find", "create"]  # the first create may still be out there


def test_a_group_record_over_the_store_limit_fails_loudly_and_records_nothing():
    """A backend with an item limit (DynamoDB: 400 KB) refuses the group record: the run reports a failure for the
    group, no Backlog write happens, and the findings stay unrecorded so a later delivery retries them."""
    from inspector2backlog.state.base import RecordTooLargeError

    class SmallItems(MemoryStore):
        def save(self, record):
            if len(json.dumps(record.data)) > 1500:
                raise RecordTooLargeError(f"state record {record.key!r} is too large")
            return super().save(record)

    sink = RecordingSink()
    store = SmallItems()
    lc = Lifecycle(store=store, sink=sink, builder=IssueBuilder(make_translator("offline")), group_by="vulnerability")
    with lc.batch() as flushed:
        for i in range(6):
            d = copy.deepcopy(json.loads((EXAMPLES / "02-ec2-high-openssh.event.json").read_text())["detail"])
            d["findingArn"] = d["findingArn"][:-2] + f"{i:02d}"
            d["resources"][0]["id"] = f"i-{i:017x}"
            lc.handle(parse_finding(d))
    failed = [o for o in flushed if o.failed]
    assert failed and all(o.key.startswith("group:") and "too large" in o.reason for o in failed)
    assert sink.calls == []
    assert list(store.records("finding:")) == []
    assert lc.stats.as_dict().get("delivery_failures", 0) >= 1
