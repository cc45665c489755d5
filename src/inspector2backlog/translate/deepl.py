"""DeepL API, English → Japanese, through the official ``deepl`` package (imported lazily).

* Protected spans travel as ``<x i="n">…</x>`` with ``tag_handling="xml"`` and ``ignore_tags=["x"]``; the rest is
  XML-escaped and :func:`.spans.restore` puts the originals back.
* Several texts go in one request (at most 50 texts and ~120 KiB per request, under DeepL's 128 KiB limit); a text
  too large on its own is split on sentence boundaries.
* The library retries 429/5xx with backoff (``deepl.http_client.max_network_retries``, process-wide — ``max_retries``
  sets it). What still fails raises :class:`TranslationError` with a clear reason; the auth key never appears.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from . import EngineConfigError
from .base import Engine, TranslationError
from .spans import XML, find_spans, join_translated, restore, split_text, to_markup

MAX_REQUEST_BYTES = 120 * 1024  # DeepL: 128 KiB per request, incl. the other parameters
MAX_TEXTS_PER_REQUEST = 50
FORMALITIES = ("default", "more", "less", "prefer_more", "prefer_less")


class DeepLEngine(Engine):
    """English → Japanese through DeepL."""

    name = "deepl"

    def __init__(
        self,
        auth_key: str | None = None,
        *,
        server_url: str | None = None,
        formality: str | None = "prefer_more",
        glossary: str | None = None,
        source_lang: str = "EN",
        target_lang: str = "JA",
        max_request_bytes: int = MAX_REQUEST_BYTES,
        max_retries: int | None = None,
        client: Any = None,
    ) -> None:
        auth_key = auth_key or os.environ.get("DEEPL_AUTH_KEY") or None
        if client is None and not auth_key:
            raise EngineConfigError("deepl: no auth key (pass auth_key or set DEEPL_AUTH_KEY)")
        if formality is not None and formality not in FORMALITIES:
            raise EngineConfigError(f"deepl: formality must be one of {FORMALITIES}, not {formality!r}")
        self.formality = formality
        self.glossary = glossary or None
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.max_request_bytes = max(1024, int(max_request_bytes))
        self.max_retries = max_retries
        self.request_count = 0
        self._auth_key = auth_key
        self._server_url = server_url
        self._client = client

    def __repr__(self) -> str:  # never show the key
        return f"DeepLEngine(server_url={self._server_url!r}, formality={self.formality!r}, glossary={self.glossary!r})"

    def options_key(self) -> str:
        return f"{self.source_lang}>{self.target_lang};formality={self.formality or ''};glossary={self.glossary or ''}"

    @property
    def client(self) -> Any:
        if self._client is None:
            deepl = _import_deepl()
            if self.max_retries is not None:
                deepl.http_client.max_network_retries = int(self.max_retries)  # documented, process-wide
            cls = getattr(deepl, "DeepLClient", None) or deepl.Translator
            self._client = cls(self._auth_key, server_url=self._server_url)
            self._client.set_app_info("inspector2backlog", "1")
        return self._client

    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        # Every text becomes one or more chunks; chunks are packed into requests; results are joined back.
        chunks: list[tuple[int, str, str]] = []  # (text index, chunk, separator after it)
        for i, text in enumerate(texts):
            if not text.strip():
                continue
            # JSON-escaped non-ASCII can take 6 bytes a character: chunks this small always fit, and _groups still
            # packs several of them into one request.
            for chunk, sep in split_text(text, (self.max_request_bytes - 2048) // 6, XML):
                chunks.append((i, chunk, sep))
        translated = self._translate_chunks([c for _, c, _ in chunks])
        parts: dict[int, list[tuple[str, str]]] = {}
        for (i, _, sep), out in zip(chunks, translated, strict=True):
            parts.setdefault(i, []).append((out, sep))
        return [join_translated(parts[i]) if i in parts else text for i, text in enumerate(texts)]

    # ---- requests ------------------------------------------------------------------------------------------
    def _translate_chunks(self, chunks: Sequence[str]) -> list[str]:
        prepared = []
        for chunk in chunks:
            core = chunk.strip()
            markup, values = to_markup(core, XML.wrap, XML.escape, find_spans(core))
            prepared.append((chunk[: len(chunk) - len(chunk.lstrip())], markup, values, chunk[len(chunk.rstrip()) :]))
        out: list[str] = []
        for group in self._groups([p[1] for p in prepared]):
            results = self._request([prepared[k][1] for k in group])
            for k, result in zip(group, results, strict=True):
                lead, _, values, trail = prepared[k]
                out.append(lead + restore(result, values, XML) + trail)
        return out

    def _groups(self, markups: Sequence[str]) -> list[list[int]]:
        groups: list[list[int]] = []
        size = 0
        for k, markup in enumerate(markups):
            n = len(json.dumps(markup)) + 2  # as the library sends it (ensure_ascii), plus the separator
            if not groups or size + n > self.max_request_bytes - 1024 or len(groups[-1]) >= MAX_TEXTS_PER_REQUEST:
                groups.append([])
                size = 0
            groups[-1].append(k)
            size += n
        return groups

    def _request(self, markups: Sequence[str]) -> list[str]:
        deepl = _import_deepl()
        kwargs: dict[str, Any] = {
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "tag_handling": "xml",
            "ignore_tags": ["x"],
            "preserve_formatting": True,
        }
        if self.formality:
            kwargs["formality"] = self.formality
        if self.glossary:
            kwargs["glossary"] = self.glossary
        self.request_count += 1
        try:
            results = self.client.translate_text(list(markups), **kwargs)
        except deepl.QuotaExceededException:
            raise TranslationError("deepl: the character quota for this billing period is used up (HTTP 456)") from None
        except deepl.TooManyRequestsException:
            raise TranslationError("deepl: too many requests (HTTP 429), still refused after the retries") from None
        except deepl.AuthorizationException:
            raise TranslationError("deepl: authorization failed (HTTP 403): check the auth key") from None
        except deepl.ConnectionException as exc:
            raise TranslationError(f"deepl: connection failed ({_cause(exc)})") from None
        except deepl.DeepLException as exc:
            status = getattr(exc, "http_status_code", None)
            raise TranslationError(f"deepl: request failed ({type(exc).__name__}, HTTP {status})") from None
        if isinstance(results, list) and len(results) == len(markups):
            return [r.text for r in results]
        raise TranslationError("deepl: the response did not carry one translation per text")


def _cause(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__
    return type(inner).__name__ if inner is not None else type(exc).__name__


def _import_deepl() -> Any:
    try:
        # lazy: optional engine (the deepl SDK)
        import deepl
    except ImportError:
        raise EngineConfigError(
            "deepl: the 'deepl' package is not installed (pip install 'inspector2backlog[deepl]')"
        ) from None
    return deepl
