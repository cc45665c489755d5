"""Argos Translate (offline NMT) with a user-supplied English→Japanese ``.argosmodel``.

No model ships with the package (none can be downloaded here; see docs/translation.md): the user passes the path
of e.g. ``translate-en_ja-1_1.argosmodel``. ``argostranslate`` is imported lazily. Protected spans are replaced by
``⟦n⟧`` placeholders, which the model usually copies through; :func:`.spans.restore` puts the originals back (and
appends any the model dropped).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import EngineConfigError
from .base import Engine, TranslationError
from .spans import PLACEHOLDER, protect, restore


class ArgosEngine(Engine):
    """Local translation with Argos Translate. Not remote: costs nothing, and its results are not persisted."""

    name = "argos"

    def __init__(self, model_path: str | Path, *, from_code: str = "en", to_code: str = "ja") -> None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise EngineConfigError(f"argos: model file not found: {path}")
        if path.suffix != ".argosmodel":
            raise EngineConfigError(f"argos: expected an .argosmodel file, got {path.name}")
        if importlib.util.find_spec("argostranslate") is None:
            raise EngineConfigError(
                "argos: the 'argostranslate' package is not installed (pip install 'inspector2backlog[argos]')"
            )
        self.model_path = path
        self.from_code = from_code
        self.to_code = to_code
        self._translation: Any = None

    @property
    def remote(self) -> bool:
        return False

    def options_key(self) -> str:
        return f"{self.from_code}>{self.to_code};model={self.model_path.name}"

    def _load(self) -> Any:
        if self._translation is None:
            try:
                # lazy: optional engine (a local model)
                import argostranslate.package
                import argostranslate.translate

                argostranslate.package.install_from_path(str(self.model_path))
                get = getattr(argostranslate.translate, "get_translation_from_codes", None)
                if get is not None:
                    translation = get(self.from_code, self.to_code)
                else:  # older argostranslate
                    langs = {lang.code: lang for lang in argostranslate.translate.get_installed_languages()}
                    translation = langs[self.from_code].get_translation(langs[self.to_code])
            except Exception as exc:  # noqa: BLE001 - any failure here means "this model cannot be used"
                raise TranslationError(
                    f"argos: cannot load {self.model_path.name} for {self.from_code}→{self.to_code} "
                    f"({type(exc).__name__})"
                ) from None
            if translation is None:
                raise TranslationError(f"argos: {self.model_path.name} has no {self.from_code}→{self.to_code} model")
            self._translation = translation
        return self._translation

    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        translation = self._load()
        out: list[str | None] = []
        for text in texts:
            if not text.strip():
                out.append(text)
                continue
            markup, values = protect(text, PLACEHOLDER)
            try:
                result = translation.translate(markup)
            except Exception as exc:  # noqa: BLE001
                raise TranslationError(f"argos: translation failed ({type(exc).__name__})") from None
            out.append(restore(result, values, PLACEHOLDER) if isinstance(result, str) else None)
        return out
