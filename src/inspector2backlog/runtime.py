"""Wiring: build the pipeline's parts (state store, translator, issue builder, planner, sink, lifecycle) from
configuration — in one place. :class:`~.pipeline.Pipeline` is the API over them (``Pipeline.from_config``,
``Pipeline.for_render``); the CLI and the Lambda handlers use only that.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .backlog.client import BacklogClient
from .backlog.credentials import resolve_credentials
from .backlog.oauth import session_from_config
from .backlog.project import ProjectContext, context_kwargs
from .config import BacklogConfig, ConfigError
from .deliver.backlog import BacklogSink
from .deliver.base import Sink
from .deliver.paced import PacedSink
from .deliver.sns_email import SnsEmailSink
from .deliver.stdout import StdoutSink
from .policy.lifecycle import Lifecycle
from .policy.plan import Planner
from .render.issue import IssueBuilder
from .state import StateOpenError, open_store
from .state.base import StateStore
from .state.overlay import OverlayStore
from .stats import Stats
from .translate import make_translator


@dataclass
class Parts:
    """What one pipeline is made of. ``lifecycle`` is None for a preview (``render``: no sink, no state writes)."""

    builder: IssueBuilder
    planner: Planner
    stats: Stats
    store: StateStore | None = None
    lifecycle: Lifecycle | None = None
    secrets: tuple[str, ...] = ()  # the credentials in use: kept out of fallback issues
    closers: list[Callable[[], None]] = field(default_factory=list)  # in the order opened


def open_state(config: Any) -> Any:
    """The state store ``[state]`` names: DynamoDB when a table is set, else SQLite. A store that cannot be opened
    is a :class:`~inspector2backlog.config.ConfigError` naming the file, the key and the path."""
    s = config.state
    try:
        return open_store(
            path=s.path,
            dynamodb_table=s.dynamodb_table or None,
            region=s.region or None,
            translation_ttl_days=s.translation_ttl_days,
        )
    except StateOpenError as exc:
        key = "dynamodb_table" if s.dynamodb_table else "path"
        raise ConfigError(f"{getattr(config, 'source', '') or '<defaults>'}: [state] {key}: {exc}") from exc


def render_parts(config: Any = None, *, translator: str | None = None) -> Parts:
    """The parts of a preview: translator (and its memory, when the engine keeps one or ``[jvn]`` is on) and builder;
    the plan from the severity tables only, as ``render`` always showed it."""
    stats = Stats()
    store = None
    opts: dict[str, Any] = {}
    engine = translator or "offline"
    planner = Planner()
    if config is not None:
        engine = translator or config.translate.engine
        opts = translate_options(config, engine)
        planner = Planner(config.backlog.priority, config.backlog.due_days)
        if engine != "offline" or config.jvn.enabled:
            store = open_state(config)
    tr = make_translator(engine, store=store, stats=stats, **opts)
    jvn = jvn_source(config, store, stats)
    parts = Parts(IssueBuilder(tr, jvn=jvn), planner, stats, store)
    if store is not None:
        parts.closers.append(store.close)
    if jvn is not None:
        parts.closers.append(jvn.close)
    return parts


def jvn_source(config: Any, store: Any, stats: Stats) -> Any:
    """The JVN iPedia source when ``[jvn] enabled``, else None."""
    if config is None or not config.jvn.enabled:
        return None
    from .jvn import make_source  # lazy: [jvn] is optional; its code stays off the import path unless enabled

    return make_source(config.jvn, store, stats)


def translate_options(config: Any, engine: str | None = None) -> dict[str, Any]:
    """Engine options from the ``[translate]`` section (only what the chosen engine understands)."""
    t = config.translate
    engine = engine or t.engine
    if engine == "amazon":
        opts: dict[str, Any] = {"formality": t.formality.upper() or None}
        if t.terminology:
            opts["terminology"] = list(t.terminology)
        if t.region:
            opts["region"] = t.region
        return opts
    if engine == "deepl":
        deepl_formality = {"FORMAL": "prefer_more", "INFORMAL": "prefer_less"}.get(
            t.formality.upper(), t.formality or None
        )
        opts = {
            "auth_key": os.environ.get(t.deepl_auth_key_env or "DEEPL_AUTH_KEY") or None,
            "formality": deepl_formality,
        }
        if t.deepl_server_url:
            opts["server_url"] = t.deepl_server_url
        if t.deepl_glossary_id:
            opts["glossary"] = t.deepl_glossary_id
        return opts
    if engine == "argos":
        return {"model_path": t.argos_model_path}
    return {}


def build_parts(
    config: Any,
    *,
    dry_run: bool = False,
    translator: str | None = None,
    stats: Stats | None = None,
    backlog_transport: Any = None,
    clock: Any = None,
    out: Any = None,
    ssm_client: Any = None,
    secrets_client: Any = None,
    sns_client: Any = None,
    store: Any = None,
) -> Parts:
    """Wire store → translator → builder → planner → sink → lifecycle from a loaded :class:`Config`. ``dry_run``:
    state changes stay in memory and issues go to ``out`` (stdout)."""
    stats = stats or Stats()
    closers: list[Callable[[], None]] = []
    if store is None:
        store = open_state(config)
        closers.append(store.close)
    if dry_run:
        store = OverlayStore(store)
    engine = translator or config.translate.engine
    tr = make_translator(engine, store=store, stats=stats, **translate_options(config, engine))
    jvn = jvn_source(config, store, stats)
    if jvn is not None:
        closers.append(jvn.close)
    builder = IssueBuilder(tr, jvn=jvn)
    secrets: tuple[str, ...] = ()
    sink_name = "stdout" if dry_run else config.delivery.sink
    if sink_name == "stdout":
        sink: Sink = StdoutSink(out)
    elif sink_name == "sns":
        sink = SnsEmailSink(config.delivery.sns_topic_arn, client=sns_client)
    else:
        sink, secrets = _backlog_sink(config, stats, backlog_transport, ssm_client, secrets_client)
        closers.append(sink.shutdown)
    lifecycle = Lifecycle(
        store=store,
        sink=PacedSink(sink),  # pacing lives here, once for every driver (a pass-through until `sync` paces it)
        builder=builder,
        stats=stats,
        filters=config.filter,
        clock=clock or time.time,
        group_by=config.grouping.group_by,
        project=config.backlog.project_key,
        digest=config.digest,
        risk=config.risk,
        coalesce_seconds=config.grouping.coalesce_seconds,
        closed_resolution=config.backlog.closed_resolution,
        suppressed_resolution=config.backlog.suppressed_resolution,
        index_lag_seconds=config.backlog.index_lag_seconds,
        claim_timeout_seconds=config.state.claim_timeout_seconds,
        priorities=config.backlog.priority,
        due_days=config.backlog.due_days,
        sources=config.sources,
    )
    return Parts(builder, lifecycle.planner, stats, store, lifecycle, secrets, closers)


def _backlog_sink(
    config: Any, stats: Stats, transport: Any, ssm_client: Any, secrets_client: Any
) -> tuple[BacklogSink, tuple[str, ...]]:
    missing = config.backlog.missing()
    if missing:
        raise ConfigError("[backlog] の設定が足りません / missing: " + ", ".join(missing))
    b = config.backlog
    timeout = httpx.Timeout(b.timeout_seconds, connect=min(5.0, b.timeout_seconds))
    oauth = session_from_config(
        b, ssm_client=ssm_client, secrets_client=secrets_client, transport=transport, timeout=timeout
    )
    creds = resolve_credentials(config, ssm_client=ssm_client, secrets_client=secrets_client) if oauth is None else None

    def count(method: str, path: str, status: int) -> None:
        stats.add("backlog_requests")
        stats.add(f"backlog_{method.lower()}")

    client = BacklogClient.from_config(
        b,
        api_key=creds.api_key if creds else None,
        oauth_token=creds.oauth_token if creds else None,
        oauth=oauth,
        transport=transport,
        on_request=count,
        timeout=timeout,
        max_retries=b.max_retries,
        max_rate_limit_wait=b.max_wait_seconds,
        backoff_base=b.retry_backoff_seconds,
    )
    # OAuth tokens rotate: they reach the redaction module as they are issued (register_secret), not through here
    secrets = tuple(s for s in (creds.api_key, creds.oauth_token) if s) if creds else ()
    # looked up on the first write: a run of re-deliveries makes no Backlog call
    default, routes = project_loaders(client, config)
    return BacklogSink(client, default, routes=routes), secrets


def project_routes(config: Any) -> tuple[list[str], dict[tuple[str, str, str], tuple[BacklogConfig, list[str]]]]:
    """The enabled sources that file into ``[backlog]``'s project, and each other project setting (project key, issue type,
    category) with its ``[backlog]`` as those sources use it and the sources that use it."""
    base = config.backlog
    default: list[str] = []
    routes: dict[tuple[str, str, str], tuple[BacklogConfig, list[str]]] = {}
    for name, s in config.sources.items():
        if not s.enabled:  # its findings are skipped: no project to look up
            continue
        b = config.backlog_for(name)
        key = (b.project_key, b.issue_type, b.category)
        if key == (base.project_key, base.issue_type, base.category):
            default.append(name)
        else:
            routes.setdefault(key, (b, []))[1].append(name)
    return default, routes


def project_loaders(client: BacklogClient, config: Any) -> tuple[Callable[[], ProjectContext], dict[str, Any]]:
    """The ``[backlog]`` project's loader and, per source filing elsewhere, (project key, loader) — one loader per
    distinct setting. Each also resolves the ``archived_resolution`` of the sources it serves."""
    default, routes = project_routes(config)

    def loader(b: BacklogConfig, names: list[str]) -> Callable[[], ProjectContext]:
        archived = [config.for_source(n).archived_resolution for n in names]
        return lambda: ProjectContext.load(client, b.project_key, **context_kwargs(b), resolution_names=archived)

    out: dict[str, Any] = {}
    for b, names in routes.values():
        shared = (b.project_key, loader(b, names))
        out.update({n: shared for n in names})
    return loader(config.backlog, default), out
