"""The translation seam.

Rendering asks a :class:`Translator` for Japanese text and gets :class:`Translation` values back: the text plus an
honest status, so the issue can mark what is not (or could not be) translated.

An :class:`Engine` is the thing that really translates (offline phrasebook, Amazon Translate, DeepL, Argos). It
returns ``None`` for a text it cannot translate (the offline engine does this for free text) and raises
:class:`TranslationError` when it fails after its own retries. :class:`inspector2backlog.translate.memory.TranslationService`
puts the translation memory, accounting and the failure policy in front of any engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import TRANSLATE, Inspector2BacklogError

Status = Literal["translated", "untranslated", "failed", "empty"]

UNTRANSLATED_MARK = "未翻訳"
FAILED_MARK = "翻訳失敗"


@dataclass(frozen=True, slots=True)
class Translation:
    source: str
    text: str  # Japanese when status == "translated", else the English original
    status: Status
    engine: str

    @property
    def translated(self) -> bool:
        return self.status == "translated"


class TranslationError(Inspector2BacklogError):
    """An engine could not translate (after its own retries). The message must never carry a secret."""

    kind = TRANSLATE


class Engine(ABC):
    """A translation backend. Stateless from the caller's view; may batch."""

    #: short name used in config, stats and translation-memory keys ("offline", "amazon", "deepl", "argos")
    name: str = "engine"

    def options_key(self) -> str:
        """Everything besides the source text that changes the output (formality, glossary…), for memory keys."""
        return ""

    @property
    def remote(self) -> bool:
        """True when texts leave the machine (and cost money): counted in ``translated_chars``."""
        return True

    @abstractmethod
    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        """Translate each English text to Japanese; ``None`` = this engine cannot translate that text."""


class Translator(ABC):
    """What rendering depends on."""

    @abstractmethod
    def translate_many(self, texts: Sequence[str]) -> list[Translation]: ...

    def translate(self, text: str) -> Translation:
        return self.translate_many([text])[0]
