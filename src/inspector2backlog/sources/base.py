"""What a finding source provides: the seam between one AWS service's JSON and the source-agnostic pipeline.

A source is one package under ``sources/`` (``sources/inspector2/``, ``sources/guardduty/`` …) whose ``__init__``
exposes ``SOURCE``, an object satisfying :class:`Source`. The pipeline never imports a source directly: the registry
(:mod:`inspector2backlog.sources`) recognises an input by its shape and imports the one source it needs.

Every method is called with values the source itself produced (its own ``Finding.details``), so a source never has
to defend against another source's findings. Texts a method returns are Japanese and untrusted values inside them
are kept as document-model inlines (:mod:`inspector2backlog.render.doc`), escaped by the renderers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..findings.model import EventMeta, Finding, Item
    from ..render.doc import Block

#: ``Finding.state``, set by the source when it parses: the lifecycle its status maps to: open → an open issue; closed → 対応済み; suppressed → 対応しない;
#: archived → closed with the resolution ``[sources.<name>] archived_resolution`` names (default 対応しない)
State = Literal["open", "closed", "suppressed", "archived"]
STATES: tuple[State, ...] = ("open", "closed", "suppressed", "archived")


@dataclass(frozen=True, slots=True)
class ListedPage:
    """One page of a ``sync`` listing: the raw findings (as the API returned them) and the token for the next."""

    findings: Sequence[Mapping[str, Any]]
    next_token: str | None


@runtime_checkable
class Source(Protocol):
    """One AWS service's findings. Implementations are stateless module-level objects."""

    #: short id used in config (``[sources.<name>]``), state keys and logs: ``inspector2``, ``guardduty`` …
    name: str
    #: how the issue names the service: ``Amazon Inspector``, ``Amazon GuardDuty`` …
    label: str

    def parse(self, value: Mapping[str, Any], origin: str, event: EventMeta | None) -> Iterator[Item]:
        """Items of one recognised value (an event's ``detail``, a bare finding, a listing page): a ``Finding``
        per finding, ``Skipped`` for a recognised non-finding, ``Unparsed`` (never an exception) for the rest."""
        ...

    def snapshot(self, f: Finding) -> dict[str, Any]:
        """The material fields (JSON-serialisable): an unchanged snapshot means no Backlog write."""
        ...

    def describe(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
        """One Japanese line per material change between two snapshots (empty: nothing material)."""
        ...

    def texts(self, f: Finding) -> list[str]:
        """The English texts worth translating (each distinct text is translated once per run)."""
        ...

    def sections(self, f: Finding, tr: Mapping[str, Any]) -> list[Block]:
        """The issue body between the common header and the common 検出情報 / 原文 sections; ``tr`` maps each of
        :meth:`texts` to its ``Translation``."""
        ...

    def summary(self, f: Finding, tr: Mapping[str, Any]) -> str:
        """The issue subject (untrusted parts already cleaned by :func:`render.safe.summary_line`)."""
        ...

    def group_key(self, f: Finding, mode: str) -> str | None:
        """The id of the group ``f`` joins in ``[grouping] group_by = mode`` (None: the mode does not apply to this
        source, the finding gets its own issue). Inspector: ``vulnerability`` / ``fix``; GuardDuty: ``type``
        (finding type + resource); Security Hub: ``control``."""
        ...

    def lister(self, options: Any) -> Lister | None:
        """``sync``'s listing for this source (None: the source cannot be listed)."""
        ...


class Lister(Protocol):
    """``sync``: every finding a source holds in one region (archived / closed included, so issues close)."""

    def pages(self, region: str, *, token: str | None = None) -> Iterator[ListedPage]: ...
