"""The translation service: translation memory, accounting and the failure policy in front of any :class:`Engine`.

Memory
    Each distinct text is sent to an engine at most once, ever: results live in an in-process memo and, for remote
    engines, in the :class:`StateStore` translation memory (``tm_get_many`` / ``tm_put_many``), so later runs reuse
    them. Keys are readable and stable: ``tm1:<engine>:<sha256(engine|options|text)[:40]>``.

    Texts are memorised by *template*: the protected spans (ids, versions, paths… see :mod:`.spans`) are replaced by
    numbered placeholders, so "On the instance i-0aa…, …" and "On the instance i-0bb…, …" share one entry and one
    engine call. The template translation is derived from the engine output for the first text by putting the
    placeholders back where its spans ended up; when that is ambiguous (a span value occurs in the output a different
    number of times than in the source) only the exact text is memorised and the other texts of that template are
    sent on their own.

Statuses
    empty (blank text, no call) · translated · untranslated (the engine returned ``None``; kept in the in-process memo
    only) · failed (the engine raised :class:`TranslationError`; the English original is returned).

Failure policy (a circuit breaker)
    After ``failure_threshold`` failed engine calls (default 1) the service stops calling the engine for the rest of
    its life — one service per run — and every text not already in memory comes back ``failed``. Each distinct
    failure reason is logged once on ``inspector2backlog.translate``. The engine already retried on its own (botocore
    standard mode, the deepl library's backoff); retrying again per text would only multiply the wait and the cost.

Accounting (:class:`Stats`)
    ``translated_chars`` — characters of the texts handed to a remote engine; ``translation_requests`` — requests to a
    remote engine (an engine exposing an int ``request_count`` reports its real HTTP requests, else one per batch);
    ``translation_cache_hits`` — texts answered ``translated`` without sending them (memo, store, another text of the
    same template, or a repeat in the same batch).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..state.base import StateStore
from ..stats import Stats
from .base import Engine, Translation, TranslationError, Translator
from .breaker import CircuitBreaker
from .spans import find_spans

log = logging.getLogger("inspector2backlog.translate")

KEY_VERSION = "tm1"
_PH_OPEN, _PH_CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(_PH_OPEN + r"(\d+)" + _PH_CLOSE)
#: the alternation of span values below costs len(translated) × values: past this many, the text is stored literally
_MAX_TEMPLATE_VALUES = 128
_UNTRANSLATABLE = object()  # memo value: the engine returned None for this text (this run only)


@dataclass(frozen=True, slots=True)
class _Item:
    """One distinct non-blank source text, split into its template and the values of its protected spans."""

    text: str
    template: str  # text with each distinct span value replaced by a numbered placeholder
    values: tuple[str, ...]  # distinct span values, in order of first appearance
    counts: tuple[int, ...]  # how often each value occurs in text


@lru_cache(maxsize=4096)
def _split(text: str) -> _Item:
    spans = find_spans(text)
    if not spans or _PH_OPEN in text or _PH_CLOSE in text:
        return _Item(text, text, (), ())
    index: dict[str, int] = {}
    counts: list[int] = []
    out: list[str] = []
    pos = 0
    for s, e in spans:
        value = text[s:e]
        k = index.setdefault(value, len(index))
        if k == len(counts):
            counts.append(0)
        counts[k] += 1
        out.append(text[pos:s])
        out.append(f"{_PH_OPEN}{k}{_PH_CLOSE}")
        pos = e
    out.append(text[pos:])
    return _Item(text, "".join(out), tuple(index), tuple(counts))


def _templatize(item: _Item, translated: str) -> str | None:
    """The translation with the item's span values turned back into placeholders, or None if that is ambiguous."""
    if not item.values:
        return translated
    if _PH_OPEN in translated or _PH_CLOSE in translated or len(item.values) > _MAX_TEMPLATE_VALUES:
        return None
    order = sorted(range(len(item.values)), key=lambda k: -len(item.values[k]))
    pattern = re.compile("|".join(re.escape(item.values[k]) for k in order))
    seen = [0] * len(item.values)
    lookup = {v: k for k, v in enumerate(item.values)}

    def sub(m: re.Match[str]) -> str:
        k = lookup[m.group(0)]
        seen[k] += 1
        return f"{_PH_OPEN}{k}{_PH_CLOSE}"

    template = pattern.sub(sub, translated)
    return template if tuple(seen) == item.counts else None


def _fill(template_translation: str, values: Sequence[str]) -> str | None:
    try:
        return _PLACEHOLDER.sub(lambda m: values[int(m.group(1))], template_translation)
    except IndexError:
        return None


class TranslationService(Translator):
    """A :class:`Translator` over one engine, with translation memory, accounting and a circuit breaker."""

    def __init__(
        self,
        engine: Engine,
        store: StateStore | None = None,
        stats: Stats | None = None,
        *,
        failure_threshold: int = 1,
    ) -> None:
        self.engine = engine
        self.store = store if engine.remote else None  # local results are cheap to recompute and may improve
        self.stats = stats if stats is not None else Stats()
        self.failure_threshold = max(1, failure_threshold)
        self._breaker = CircuitBreaker(
            self.failure_threshold,
            log,
            f"translation via {engine.name}",
            " — later texts stay in English (翻訳失敗) for this run",
        )
        self._memo: dict[str, object] = {}  # memory key -> template translation (str) or _UNTRANSLATABLE
        self._done: dict[str, Translation] = {}  # source text -> final result of this run
        options = engine.options_key()
        self._key_prefix = f"{KEY_VERSION}:{engine.name}:"
        self._key_salt = f"{engine.name}|{options}|"

    # ---- public ----------------------------------------------------------------------------------------------
    @property
    def broken(self) -> bool:
        """True once the circuit breaker opened: the engine is not called again by this service."""
        return self._breaker.broken

    def key(self, text: str) -> str:
        """The translation-memory key of ``text`` taken literally (no span templating)."""
        return self._key(text)

    def translate_many(self, texts: Sequence[str]) -> list[Translation]:
        """Translations in input order. Texts already resolved in this run are answered from a per-run memo."""
        done = self._done
        out: list[Translation | None] = [done.get(t) for t in texts]
        misses = [t for t, r in zip(texts, out, strict=True) if r is None]
        hits = sum(1 for r in out if r is not None and r.status == "translated")
        if hits:
            self.stats.add("translation_cache_hits", hits)
        if not misses:
            return out  # type: ignore[return-value]
        fresh = iter(self._translate_uncached(misses))
        if len(done) > 50_000:
            done.clear()
        for i, r in enumerate(out):
            if r is None:
                r = out[i] = next(fresh)
                if r.status != "failed":  # a failure may be retried by a later run, not served from memory
                    done[r.source] = r
        return out  # type: ignore[return-value]

    def _translate_uncached(self, texts: Sequence[str]) -> list[Translation]:
        texts = list(texts)
        name = self.engine.name
        results: list[Translation | None] = [None] * len(texts)
        items: dict[str, _Item] = {}
        for i, text in enumerate(texts):
            if not text or not text.strip():
                results[i] = Translation(text, text, "empty", name)
            elif text not in items:
                items[text] = _split(text)

        resolved: dict[str, str | None] = {}  # text -> Japanese, or None = untranslated
        self._load(items.values())
        pending = [it for it in items.values() if not self._from_memo(it, resolved)]
        sent: set[str] = set()
        failed: set[str] = set()
        # Round 1: one representative per template. Round 2: texts whose template could not be derived.
        for _round in range(2):
            if not pending:
                break
            if self.broken:
                failed.update(it.text for it in pending)
                break
            reps: dict[str, _Item] = {}
            for it in pending:
                reps.setdefault(it.template, it)
            if _round == 1:
                reps = {it.text: it for it in pending}
            batch = list(reps.values())
            outputs = self._call(batch)
            if outputs is None:
                failed.update(it.text for it in pending)
                break
            sent.update(it.text for it in batch)
            self._remember(batch, outputs)
            pending = [it for it in pending if not self._from_memo(it, resolved)]
        failed.update(it.text for it in pending)

        hits = 0
        for i, text in enumerate(texts):
            if results[i] is not None:
                continue
            if text in failed:
                results[i] = Translation(text, text, "failed", name)
                continue
            ja = resolved.get(text)
            if ja is None:
                results[i] = Translation(text, text, "untranslated", name)
                continue
            results[i] = Translation(text, ja, "translated", name)
            if text in sent:
                sent.discard(text)  # the first occurrence was sent; repeats are hits
            else:
                hits += 1
        if hits:
            self.stats.add("translation_cache_hits", hits)
        return [r for r in results if r is not None]

    # ---- memory ----------------------------------------------------------------------------------------------
    def _key(self, text: str) -> str:
        digest = hashlib.sha256((self._key_salt + text).encode("utf-8", "surrogatepass")).hexdigest()[:40]
        return self._key_prefix + digest

    def _keys(self, item: _Item) -> list[str]:
        """Lookup order: the exact text first (its own translation), then its template."""
        if item.template == item.text:
            return [self._key(item.text)]
        return [self._key(item.text), self._key(item.template)]

    def _load(self, items: Sequence[_Item] | object) -> None:
        if self.store is None:
            return
        missing = [k for it in items for k in self._keys(it) if k not in self._memo]  # type: ignore[union-attr]
        if not missing:
            return
        try:
            found = self.store.tm_get_many(missing)
        except Exception as exc:  # noqa: BLE001 - a broken memory must not stop translation
            self._log_once(f"translation memory read failed: {type(exc).__name__}")
            return
        self._memo.update(found)

    def _from_memo(self, item: _Item, resolved: dict[str, str | None]) -> bool:
        keys = self._keys(item)
        exact = self._memo.get(keys[0])
        if exact is _UNTRANSLATABLE:
            resolved[item.text] = None
            return True
        if isinstance(exact, str):
            resolved[item.text] = exact
            return True
        if len(keys) > 1:
            tmpl = self._memo.get(keys[1])
            if isinstance(tmpl, str):
                filled = _fill(tmpl, item.values)
                if filled is not None:
                    resolved[item.text] = filled
                    return True
        return False

    def _remember(self, batch: Sequence[_Item], outputs: Sequence[str | None]) -> None:
        to_store: dict[str, str] = {}
        for item, out in zip(batch, outputs, strict=True):
            keys = self._keys(item)
            if out is None:
                self._memo[keys[0]] = _UNTRANSLATABLE
                continue
            template = _templatize(item, out)
            if template is None:  # ambiguous: memorise this exact text only (stored literally)
                self._memo[keys[0]] = out if item.template == item.text else _escape_literal(out)
                to_store[keys[0]] = self._memo[keys[0]]  # type: ignore[assignment]
            else:
                self._memo[keys[-1]] = template
                to_store[keys[-1]] = template
        if to_store and self.store is not None:
            try:
                self.store.tm_put_many(to_store)
            except Exception as exc:  # noqa: BLE001 - losing the memory costs money later, not correctness now
                self._log_once(f"translation memory write failed: {type(exc).__name__}")

    # ---- the engine ------------------------------------------------------------------------------------------
    def _call(self, batch: Sequence[_Item]) -> list[str | None] | None:
        texts = [it.text for it in batch]
        before = getattr(self.engine, "request_count", None)
        try:
            outputs = list(self.engine.translate_batch(texts))
            if len(outputs) != len(texts):
                raise TranslationError(f"{self.engine.name}: returned {len(outputs)} results for {len(texts)} texts")
        except TranslationError as exc:
            self._breaker.failure(str(exc) or type(exc).__name__)
            return None
        except Exception as exc:  # noqa: BLE001 - an engine bug must not stop the run; its message may hold data
            self._breaker.failure(f"unexpected {type(exc).__name__} from the engine")
            return None
        finally:
            if self.engine.remote:
                self.stats.add("translated_chars", sum(len(t) for t in texts))
                after = getattr(self.engine, "request_count", None)
                if isinstance(before, int) and isinstance(after, int):
                    self.stats.add("translation_requests", after - before)
                else:
                    self.stats.add("translation_requests", 1)
        return outputs

    def _log_once(self, reason: str) -> None:
        self._breaker.log_once(reason)


def _escape_literal(text: str) -> str:
    """A literal translation stored under an exact key must not be mistaken for placeholders when filled."""
    return text.replace(_PH_OPEN, "").replace(_PH_CLOSE, "")
