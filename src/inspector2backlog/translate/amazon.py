"""Amazon Translate (``TranslateText``), English → Japanese.

* Protected spans travel as HTML ``<span translate="no" data-p="i">…</span>`` (the rest HTML-escaped, newlines as
  ``<br/>``); Amazon Translate keeps such elements untranslated and :func:`.spans.restore` puts the originals back.
* ``Text`` is limited to 10,000 UTF-8 bytes: longer texts are split on sentence boundaries (then whitespace) and the
  translated chunks joined back.
* Throttling and 5xx are retried by botocore (standard retry mode, ``max_attempts``), never by hand; what still fails
  raises :class:`TranslationError` with the error code — no credentials, no request text.
* ``AWS_ENDPOINT_URL_TRANSLATE`` / ``AWS_ENDPOINT_URL`` work as usual in boto3; ``endpoint_url=`` overrides them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Engine, TranslationError
from .spans import HTML, find_spans, join_translated, restore, split_text, to_markup

MAX_TEXT_BYTES = 10_000
FORMALITIES = ("FORMAL", "INFORMAL")

_REASONS = {
    "TooManyRequestsException": "throttled by Amazon Translate (TooManyRequestsException) after {attempts} attempts",
    "ThrottlingException": "throttled by Amazon Translate (ThrottlingException) after {attempts} attempts",
    "ServiceUnavailableException": "Amazon Translate is unavailable (ServiceUnavailableException) after {attempts} "
    "attempts",
    "InternalServerException": "Amazon Translate internal error (InternalServerException) after {attempts} attempts",
    "AccessDeniedException": "access denied: the role needs translate:TranslateText (AccessDeniedException)",
    "UnrecognizedClientException": "the AWS credentials were rejected (UnrecognizedClientException)",
    "InvalidSignatureException": "the AWS credentials were rejected (InvalidSignatureException)",
    "ExpiredTokenException": "the AWS session token has expired (ExpiredTokenException)",
    "TextSizeLimitExceededException": "a text exceeded the Amazon Translate size limit "
    "(TextSizeLimitExceededException)",
    "UnsupportedLanguagePairException": "Amazon Translate does not support this language pair",
    "ResourceNotFoundException": "a custom terminology was not found (ResourceNotFoundException)",
}


class AmazonTranslateEngine(Engine):
    """English → Japanese through Amazon Translate."""

    name = "amazon"

    def __init__(
        self,
        *,
        client: Any = None,
        session: Any = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        formality: str | None = "FORMAL",
        terminology: Sequence[str] | str | None = None,
        source_language: str = "en",
        target_language: str = "ja",
        max_attempts: int = 5,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_text_bytes: int = MAX_TEXT_BYTES,
    ) -> None:
        if formality is not None:
            formality = formality.upper()
            if formality not in FORMALITIES:
                raise ValueError(f"formality must be one of {FORMALITIES} or None, not {formality!r}")
        if isinstance(terminology, str):
            terminology = [t for t in terminology.split(",") if t.strip()]
        self.formality = formality
        self.terminology = tuple(t.strip() for t in (terminology or ()))
        if len(self.terminology) > 1:
            raise ValueError("Amazon Translate accepts one custom terminology per request")
        self.source_language = source_language
        self.target_language = target_language
        self.max_attempts = max(1, int(max_attempts))
        self.max_text_bytes = max(256, int(max_text_bytes))
        self.request_count = 0  # TranslateText calls made (botocore's own retries not counted)
        self._client = client
        self._session = session
        self._region = region
        self._endpoint_url = endpoint_url
        self._timeouts = (connect_timeout, read_timeout)

    def options_key(self) -> str:
        return (
            f"{self.source_language}>{self.target_language};formality={self.formality or ''};"
            f"terminology={','.join(self.terminology)}"
        )

    @property
    def client(self) -> Any:
        if self._client is None:
            # lazy: optional engine (boto3)
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "total_max_attempts": self.max_attempts},
                connect_timeout=self._timeouts[0],
                read_timeout=self._timeouts[1],
                user_agent_extra="inspector2backlog",
            )
            session = self._session or boto3.session.Session()
            kwargs: dict[str, Any] = {"config": config}
            if self._region:
                kwargs["region_name"] = self._region
            if self._endpoint_url:
                kwargs["endpoint_url"] = self._endpoint_url
            self._client = session.client("translate", **kwargs)
        return self._client

    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        return [self._translate_one(t) if t.strip() else t for t in texts]

    # ---- one text ------------------------------------------------------------------------------------------
    def _translate_one(self, text: str) -> str:
        parts = split_text(text, self.max_text_bytes, HTML)
        return join_translated([(self._translate_chunk(chunk), sep) for chunk, sep in parts])

    def _translate_chunk(self, chunk: str) -> str:
        if not chunk.strip():
            return chunk
        lead = chunk[: len(chunk) - len(chunk.lstrip())]
        trail = chunk[len(chunk.rstrip()) :]
        core = chunk.strip()
        markup, values = to_markup(core, HTML.wrap, HTML.escape, find_spans(core))
        request: dict[str, Any] = {
            "Text": markup,
            "SourceLanguageCode": self.source_language,
            "TargetLanguageCode": self.target_language,
        }
        if self.formality:
            request["Settings"] = {"Formality": self.formality}
        if self.terminology:
            request["TerminologyNames"] = list(self.terminology)
        self.request_count += 1
        try:
            response = self.client.translate_text(**request)
        except Exception as exc:  # noqa: BLE001 - mapped to one clear reason below
            raise TranslationError(f"amazon: {self._reason(exc)}") from None
        translated = response.get("TranslatedText")
        if not isinstance(translated, str):
            raise TranslationError("amazon: the response had no TranslatedText")
        return lead + restore(translated, values, HTML) + trail

    def _reason(self, exc: Exception) -> str:
        # lazy: optional engine (boto3)
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
            code = str(error.get("Code") or "UnknownError")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") if exc.response else None
            template = _REASONS.get(code)
            if template:
                return template.format(attempts=self.max_attempts)
            return f"{code} (HTTP {status})" if status else code
        if isinstance(exc, NoCredentialsError):
            return "no AWS credentials found"
        if isinstance(exc, BotoCoreError):
            return f"{type(exc).__name__}: {exc}"  # connection/timeout errors: endpoint URL only, no secrets
        return f"unexpected {type(exc).__name__}"
