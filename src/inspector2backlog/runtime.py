"""Wiring: build the pipeline's parts (translator, state store, issue builder) from configuration.

Shared by the CLI and the Lambda handler so both run the same pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .render.issue import IssueBuilder
from .stats import Stats


@dataclass
class RenderContext:
    builder: IssueBuilder
    stats: Stats
    store: Any = None
    _closers: list = field(default_factory=list)

    def close(self) -> None:
        for c in self._closers:
            c()


def build_renderer(*, config_path: str | None = None, translator: str | None = None, config: Any = None) -> RenderContext:
    from .translate import make_translator

    stats = Stats()
    store = None
    opts: dict[str, Any] = {}
    engine = translator or "offline"
    priorities = due_days = None
    if config is None and config_path:
        from .config import load_config

        config = load_config(config_path)
    if config is not None:
        t = config.translate
        engine = translator or t.engine
        opts = translate_options(config)
        priorities = dict(config.backlog.priority)
        due_days = dict(config.backlog.due_days)
        if engine != "offline":
            from .state import open_store

            store = open_store(path=config.state.path, dynamodb_table=config.state.dynamodb_table or None,
                               region=config.state.region or None)
    tr = make_translator(engine, store=store, stats=stats, **opts)
    ctx = RenderContext(IssueBuilder(tr, priorities=priorities, due_days=due_days), stats, store)
    if store is not None:
        ctx._closers.append(store.close)
    return ctx


def translate_options(config: Any) -> dict[str, Any]:
    """Engine options from the ``[translate]`` section (only what the chosen engine understands)."""
    import os

    t = config.translate
    if t.engine == "amazon":
        return {k: v for k, v in {"formality": t.formality or None, "terminology_names": list(t.terminology) or None,
                                  "region": t.region or None}.items() if v}
    if t.engine == "deepl":
        return {k: v for k, v in {"auth_key": os.environ.get(t.deepl_auth_key_env or "DEEPL_AUTH_KEY", ""),
                                  "server_url": t.deepl_server_url or None, "glossary_id": t.deepl_glossary_id or None,
                                  "formality": t.formality or None}.items() if v}
    if t.engine == "argos":
        return {"model_path": t.argos_model_path}
    return {}
