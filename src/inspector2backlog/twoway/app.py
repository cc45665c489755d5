"""Wiring for the two ways in: the webhook (Function URL) and ``pull``, over the same Backlog client, project and
state store the pipeline uses. The webhook request is checked before anything is built or called."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..runtime import _backlog_sink, open_state
from ..stats import Stats
from .decision import Context, Result, pending_issues
from .poller import pull, reread
from .settings import networks, webhook_secret
from .webhook import check

if TYPE_CHECKING:
    from ..config import Config

log = logging.getLogger("inspector2backlog.twoway")

Metric = Callable[..., None]


def _no_metric(name: str, value: int = 1, **dimensions: str) -> None:
    pass


def build_context(
    config: Config,
    *,
    transport: Any = None,
    store: Any = None,
    dry_run: bool = False,
    clock: Callable[[], float] | None = None,
    metric: Metric = _no_metric,
    ssm_client: Any = None,
    secrets_client: Any = None,
) -> tuple[Context, list]:
    """``(context, closers)``; raises :class:`~..config.ConfigError` or a
    :class:`~..deliver.backlog.ProjectSetupError` when the project cannot be looked up."""
    closers: list = []
    sink, _ = _backlog_sink(config, Stats(), transport, ssm_client, secrets_client)
    closers.append(sink.shutdown)
    project = sink.project
    if store is None:
        store = open_state(config)
        closers.append(store.close)
    ctx = Context(
        client=sink.client,
        project=project,
        store=store,
        settings=config.two_way,
        clock=clock or time.time,
        dry_run=dry_run,
        metric=lambda name: metric(name),
    )
    return ctx, closers


def run_pull(
    config: Config, *, dry_run: bool = False, transport: Any = None, store: Any = None, metric: Metric = _no_metric
) -> list[Result]:
    ctx, closers = build_context(config, transport=transport, store=store, dry_run=dry_run, metric=metric)
    try:
        return pull(ctx)
    finally:
        for c in reversed(closers):
            c()


def retry_pending(
    config: Config, *, transport: Any = None, store: Any = None, metric: Metric = _no_metric
) -> list[Result]:
    """Only the decisions left pending by a failure (for a periodic sweep; no issue listing)."""
    ctx, closers = build_context(config, transport=transport, store=store, metric=metric)
    try:
        return [reread(ctx, key) for key in pending_issues(ctx.store)]
    finally:
        for c in reversed(closers):
            c()


class WebhookApp:
    """One per Lambda container: the secret and the Backlog context are built once, on first need."""

    def __init__(
        self,
        config: Config,
        *,
        metric: Metric = _no_metric,
        transport: Any = None,
        env: Any = None,
        ssm_client: Any = None,
        secrets_client: Any = None,
    ) -> None:
        self.config = config
        self.metric = metric
        self._kw = {"transport": transport, "ssm_client": ssm_client, "secrets_client": secrets_client}
        self._env = env
        self._nets = networks(config.two_way)
        self._secret: str | None = None
        self._ctx: Context | None = None
        self._closers: list = []

    def close(self) -> None:
        for c in reversed(self._closers):
            c()
        self._closers, self._ctx = [], None

    def handle(self, event: dict) -> dict:
        t = self.config.two_way
        if not t.enabled:
            return _reply(404, "two-way is disabled")
        if self._secret is None:
            try:
                self._secret = webhook_secret(
                    t, env=self._env, ssm_client=self._kw["ssm_client"], secrets_client=self._kw["secrets_client"]
                )
            except Exception as e:  # noqa: BLE001 - a configuration problem: refuse, loudly
                log.error("webhook secret unavailable", extra={"error": str(e)})
                self.metric("WebhookRejected", reason="no_configured_secret")
                return _reply(503, "not configured")
        v = check(
            event if isinstance(event, dict) else {},
            secret=self._secret,
            nets=self._nets,
            max_body_bytes=t.max_body_bytes,
            project_key=self.config.backlog.project_key,
        )
        if not v.accepted:
            log.warning(
                "webhook request rejected", extra={"reason": v.reason, "source_ip": v.source_ip, "status": v.status}
            )
            self.metric("WebhookRejected", reason=v.reason)
            return _reply(
                v.status,
                {403: "forbidden", 413: "payload too large", 405: "method not allowed"}.get(v.status, "bad request"),
            )
        if not v.hints:
            return _reply(200, "ok", checked=0)
        try:
            if self._ctx is None:
                self._ctx, self._closers = build_context(self.config, metric=self.metric, **self._kw)
            results = [reread(self._ctx, h) for h in v.hints]
        except Exception as e:  # noqa: BLE001 - Backlog or the store unusable: nothing decided, pull catches up
            log.error("webhook could not be processed", extra={"error": str(e)})
            self.metric("TwoWayActionFailures")
            self.close()
            return _reply(503, "unavailable")
        failed = [r for r in results if r.failed]
        for r in results:
            log.info("webhook decision", extra={"issue_key": r.issue_key, "action": r.action, "reason": r.reason})
        return _reply(200, "ok", checked=len(results), failed=len(failed))


def _reply(status: int, message: str, **extra: Any) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": message, **extra}),
    }
