"""Translation: one engine interface, a translation memory in front of it, protected spans kept intact.

``make_translator("amazon", store=store, stats=stats, formality="FORMAL")`` builds the engine by name (lazily
importing what it needs) and wraps it in a :class:`~.memory.TranslationService`.
"""

from __future__ import annotations

from typing import Any

from ..config.vocabulary import ENGINES
from ..errors import CONFIG
from ..state.base import StateStore
from ..stats import Stats
from .base import Engine, Translation, TranslationError, Translator
from .memory import TranslationService


class EngineConfigError(TranslationError, ValueError):
    """An engine cannot be built from the given configuration (missing key, model or library, unknown name)."""

    kind = CONFIG


def make_engine(engine: str = "offline", **options: Any) -> Engine:
    """Build an engine by name: offline | amazon | deepl | argos. Options go to the engine's constructor.
    Each engine is imported only when named (lazy: the remote SDKs and the local model stay off the import path)."""
    name = (engine or "offline").strip().lower()
    try:
        if name == "offline":
            from .offline import OfflineEngine  # lazy: optional engine, loaded when named

            return OfflineEngine(**options)
        if name == "amazon":
            from .amazon import AmazonTranslateEngine  # lazy: optional engine (boto3)

            return AmazonTranslateEngine(**options)
        if name == "deepl":
            from .deepl import DeepLEngine  # lazy: optional engine (the deepl SDK)

            return DeepLEngine(**options)
        if name == "argos":
            from .argos import ArgosEngine  # lazy: optional engine (a local model)

            return ArgosEngine(**options)
    except TypeError as exc:  # an option the engine does not take
        raise EngineConfigError(f"{name}: bad option ({exc})") from None
    raise EngineConfigError(f"unknown translation engine {engine!r} (choose one of {', '.join(ENGINES)})")


def make_translator(
    engine: str = "offline",
    *,
    store: StateStore | None = None,
    stats: Stats | None = None,
    failure_threshold: int = 1,
    **options: Any,
) -> TranslationService:
    """A :class:`TranslationService` over the engine ``engine`` (see :func:`make_engine`)."""
    return TranslationService(make_engine(engine, **options), store, stats, failure_threshold=failure_threshold)


__all__ = [
    "ENGINES",
    "Engine",
    "EngineConfigError",
    "Translation",
    "TranslationError",
    "Translator",
    "make_engine",
    "make_translator",
]
