"""AWS Lambda entry points: a thin shell over the same pipeline the CLI runs.

* :func:`sqs_handler` — EventBridge → SQS → Lambda (the template's default), with ``ReportBatchItemFailures``: each
  SQS record succeeds or fails on its own, so one bad record never blocks or loses the others. A finding held by
  another worker's live claim, or waiting for an earlier create to be verified, fails its record too: SQS delivers
  it again, nothing is deleted before it has an issue.
* :func:`eventbridge_handler` — EventBridge → Lambda directly (async invoke; a failure raises, so Lambda retries
  and then sends the event to the function's on-failure destination / DLQ).

Configuration comes from ``I2B_<SECTION>_<KEY>`` environment variables (``I2B_CONFIG_FILE`` may point at a TOML
file in the artifact); the Backlog API key from Secrets Manager or SSM, never from plain environment variables.
Logs are one JSON object per line with the finding ARN and issue key; every fallback and delivery failure also
emits a CloudWatch Embedded Metric Format line (namespace ``inspector2backlog``), so an alarm needs no API call.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import DELIVERY, Inspector2BacklogError
from .findings.model import Unparsed
from .findings.parse import iter_items, repair_surrogates
from .logs import setup_logging

if TYPE_CHECKING:
    from .pipeline import Pipeline

METRIC_NAMESPACE = "inspector2backlog"
PENDING_RETRY_INTERVAL = 300.0  # scan for pending records at most every 5 minutes per container

log = logging.getLogger("inspector2backlog")
_ctx: Pipeline | None = None  # the pipeline, built on the first invocation and kept for the container's life
_last_pending_retry = 0.0
_webhook: Any = None  # the two-way webhook app (built on the first webhook request)


# ---- logging ---------------------------------------------------------------------------------------------------


def _setup_logging() -> None:
    setup_logging(json_lines=True)


def emit_metric(name: str, value: int = 1, **dimensions: str) -> None:
    """CloudWatch Embedded Metric Format on stdout (Lambda ships it to CloudWatch Logs → Metrics)."""
    doc: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRIC_NAMESPACE,
                    "Dimensions": [sorted(dimensions)],
                    "Metrics": [{"Name": name, "Unit": "Count"}],
                }
            ],
        },
        name: value,
        **dimensions,
    }
    print(json.dumps(doc), flush=True)


# ---- wiring (once per container) ------------------------------------------------------------------------------


def _context() -> Pipeline:
    global _ctx
    if _ctx is None:
        _setup_logging()
        # lazy: the pipeline's parts (the Backlog client and httpx, the state backends, the translator) load on the
        # first invocation, so importing this module — the init phase every cold start pays — stays light
        from .config import load_config
        from .pipeline import Pipeline

        _ctx = Pipeline.from_config(load_config(os.environ.get("I2B_CONFIG_FILE") or None))
    return _ctx


def reset() -> None:
    """Forget the cached pipeline (tests; or after a configuration change)."""
    global _ctx, _last_pending_retry, _webhook
    if _ctx is not None:
        _ctx.close()
    if _webhook is not None:
        _webhook.close()
    _ctx = _webhook = None
    _last_pending_retry = 0.0


def _maybe_retry_pending(p: Pipeline) -> None:
    global _last_pending_retry
    now = time.time()
    if now - _last_pending_retry < PENDING_RETRY_INTERVAL:
        return
    _last_pending_retry = now
    for out in p.retry_pending():
        if out.failed:
            emit_metric("DeliveryFailures")


def _process(p: Pipeline, items: Iterable[Any], groups: set[str] | None = None) -> list[str]:
    """Run one input's items through the pipeline; returns the problems (empty = success). ``groups`` collects the
    group records its findings joined (written at the end of the batch)."""
    problems = []
    for item in items:
        out = p.handle(item)
        if groups is not None:
            groups.update(out.groups)
        if isinstance(item, Unparsed):
            emit_metric("Fallbacks")
            problems.append(f"unparseable input ({item.error})")
        if out.failed:
            emit_metric("DeliveryFailures")
            problems.append(out.reason)
        elif out.unfinished:  # another worker's live claim, or an earlier create not yet verifiable: SQS retries
            emit_metric("Unfinished")
            problems.append(out.reason)
    return problems


# ---- handlers --------------------------------------------------------------------------------------------------


def sqs_handler(event: dict, context: Any = None) -> dict:
    """SQS batch. A record fails (and is retried by SQS, then lands in the DLQ) when its delivery failed, or when it
    could not be parsed — then a fallback issue is filed *and* the raw message is kept in the DLQ for inspection."""
    p = _context()
    _maybe_retry_pending(p)
    parsed: list[tuple[str, list[Any] | Exception]] = []  # each record read once: the JVN lookahead sees them all
    for record in event.get("Records") or []:
        mid = record.get("messageId") or ""
        try:
            parsed.append((mid, list(iter_items(record, f"sqs:{mid}"))))
        except Exception as e:  # noqa: BLE001 - handled (and logged) with its record below
            parsed.append((mid, e))
    p.prefetch(i for _, items in parsed if isinstance(items, list) for i in items)  # [jvn]: the batch's CVEs at once
    failures = []
    joined: dict[str, set[str]] = {}  # message id → the groups its findings joined
    # Grouped findings: one Backlog write per changed group per batch. A group write that fails at the end is kept
    # pending in the state store (its members are recorded) and retried by the pending sweep, not by SQS; a group
    # whose record could not be stored at all fails the messages that fed it, so SQS delivers them again.
    with p.batch() as flushed:
        for mid, items in parsed:
            try:
                if isinstance(items, Exception):
                    raise items
                problems = _process(p, items, joined.setdefault(mid, set()))
            except Exception:  # noqa: BLE001 - one record's bug must not fail the batch
                log.exception("record failed", extra={"message_id": mid})
                emit_metric("DeliveryFailures")
                problems = ["exception"]
            if problems:
                log.error("record not delivered", extra={"message_id": mid, "problems": problems})
                failures.append({"itemIdentifier": mid})
    lost = set()
    for out in flushed:
        if out.failed:
            emit_metric("DeliveryFailures")
            log.error("group write failed", extra={"key": out.key, "reason": out.reason})
            if out.redeliver:
                lost.add(out.key)
    failed_ids = {f["itemIdentifier"] for f in failures}
    for mid, groups in joined.items():
        if groups & lost and mid not in failed_ids:
            failures.append({"itemIdentifier": mid})
    log.info(
        "batch done",
        extra={"records": len(event.get("Records") or []), "failures": len(failures), "stats": p.stats.as_dict()},
    )
    return {"batchItemFailures": failures}


def eventbridge_handler(event: dict, context: Any = None) -> dict:
    """One EventBridge event. Raises on failure so Lambda's retries and on-failure destination take over."""
    p = _context()
    _maybe_retry_pending(p)
    with p.batch() as flushed:
        problems = _process(p, iter_items(repair_surrogates(event), f"eventbridge:{event.get('id', '')}"))
    problems += [o.reason for o in flushed if o.failed]
    if problems:
        raise RuntimeError("; ".join(problems))
    return {"ok": True}


# ---- scheduled runs: the pending sweep, and the one entry point the template uses ----------------------------


class SweepFailed(Inspector2BacklogError, RuntimeError):
    """Raised by :func:`sweep_handler` when records are still undelivered (so Lambda's Errors alarm fires)."""

    kind = DELIVERY

    def __init__(self, result: dict) -> None:
        super().__init__(f"pending sweep: {result['failures']} of {result['retried']} still not delivered")
        self.result = result


def sweep_handler(event: Any = None, context: Any = None) -> dict:
    """Scheduled pending sweep: retries every pending finding and group write, with no new event. Returns
    ``{"retried", "failures", "actions"}`` and emits ``SweepRetried`` / ``SweepFailures``; when anything is still
    undelivered it logs each record at ERROR and raises :class:`SweepFailed` (the result on ``.result``)."""
    global _last_pending_retry
    p = _context()
    _last_pending_retry = time.time()  # the SQS path need not scan the table again right away
    try:
        outcomes = p.retry_pending()
    except Exception:
        log.exception("pending sweep failed")
        emit_metric("SweepFailures")
        raise
    actions: dict[str, int] = {}
    for out in outcomes:
        actions[out.action] = actions.get(out.action, 0) + 1
        if out.failed:
            log.error("pending sweep: still not delivered", extra={"key": out.key, "reason": out.reason})
            emit_metric("DeliveryFailures")
    retried, failures = len(outcomes), actions.get("failed", 0)
    result = {"retried": retried, "failures": failures, "actions": actions}
    emit_metric("SweepRetried", retried)
    emit_metric("SweepFailures", failures)
    log.info("pending sweep done", extra={**result, "stats": p.stats.as_dict()})
    if result["failures"]:
        raise SweepFailed(result)
    return result


#: scheduled event ``{"inspector2backlog": TASK}`` → the handler that runs it (looked up when called)
SCHEDULED_TASKS = {"sweep": "sweep_handler", "pull": "pull_handler"}


def dispatch_handler(event: Any, context: Any = None) -> Any:
    """The template's entry point: an SQS batch goes to :func:`sqs_handler`, a scheduled
    ``{"inspector2backlog": "sweep" | "pull"}`` to :func:`sweep_handler` / ``pull_handler``. One function with
    reserved concurrency 1 is one Backlog writer at a time. Anything else raises (never dropped silently)."""
    if isinstance(event, dict) and "Records" in event:
        return sqs_handler(event, context)
    task = event.get("inspector2backlog") if isinstance(event, dict) else None
    handler = globals().get(SCHEDULED_TASKS.get(task, "")) if isinstance(task, str) else None
    if handler is None:
        emit_metric("UnknownEvents")
        raise ValueError(f"inspector2backlog: no handler for this event (task {task!r})")
    return handler(event, context)


# ---- two-way (Backlog → AWS): imported only when these handlers run -------------------------------------------


def webhook_handler(event: dict, context: Any = None) -> dict:
    """Backlog webhook → Lambda Function URL (payload format 2.0). The request is checked (secret, source IP, size)
    before any call; an accepted one only names issues to re-read through the Backlog API (:mod:`.twoway`)."""
    global _webhook
    if _webhook is None:
        _setup_logging()
        from .config import load_config  # lazy, as in _context(): the configuration loads on the first invocation
        from .twoway.app import WebhookApp  # lazy: two-way is off by default

        _webhook = WebhookApp(load_config(os.environ.get("I2B_CONFIG_FILE") or None), metric=emit_metric)
    return _webhook.handle(event)


def pull_handler(event: dict, context: Any = None) -> dict:
    """Scheduled pull: the issues updated since the last checkpoint, decided; failures stay pending (next run)."""
    _setup_logging()
    from .config import load_config  # lazy, as in _context(): the configuration loads on the first invocation
    from .twoway.app import run_pull  # lazy: two-way is off by default

    config = load_config(os.environ.get("I2B_CONFIG_FILE") or None)
    if not config.two_way.enabled:
        return {"ok": True, "checked": 0, "failed": [], "disabled": True}
    results = run_pull(config, metric=emit_metric)
    failed = [r.issue_key for r in results if r.failed]
    log.info("pull done", extra={"checked": len(results), "failed": failed})
    return {"ok": not failed, "checked": len(results), "failed": failed}
