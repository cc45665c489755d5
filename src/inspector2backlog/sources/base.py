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

from ..render.labels import FINDING_TYPE_JA, severity_ja
from ..render.wording import status_label

if TYPE_CHECKING:
    from ..findings.model import EventMeta, Finding, Item, Resource
    from ..render.doc import Block, Line

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


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """What ``[risk]`` reads from one finding (:meth:`BaseSource.risk_inputs`)."""

    exploit: bool = False  # a known exploit
    epss: float | None = None  # the EPSS probability (0–1), when the source has one
    gateway_ports: str = ""  # ports reachable from an Internet Gateway, as the finding shows them ("22", "80-81")
    gateway_port_label: str = ""  # the same with its protocol ("22/TCP"): what ``reach:`` records keep


class BaseSource:
    """Defaults for the methods the pipeline asks of a source beyond :class:`Source` (a source subclasses it and
    overrides what it knows). Each default is what a source without that notion should answer.

    Issue layout (``render.issue`` frame, around :meth:`Source.sections`):
      :meth:`overview` the whole 「概要」 when the source lays it out itself (None: the frame's, made of :meth:`lead`,
      :meth:`status_note` and the translated description); :meth:`lead` the first sentence of the frame's 「概要」;
      :meth:`status_note` the bold status line under it; :meth:`status_text` the 「状態」 of 「検出日時」;
      :meth:`cut_mark` the mark for a text the service itself cut; :meth:`detection_lines` extra lines of
      「検出日時」; :meth:`labels` the issue's labels; :meth:`vulnerability_id` the CVE id JVN iPedia may explain;
      :meth:`resource_label` how a resource is named in summaries and group tables.
    Input: :meth:`skip_reason` why a recognised non-finding event is skipped.
    Policy: :meth:`filter_values` the values ``[filter]`` compares; :meth:`risk_inputs` the facts ``[risk]`` reads;
      :meth:`group_ids` the groups a finding joins; :meth:`member_fields` / :meth:`lead_info` what a group record
      keeps of it.
    """

    name: str = ""
    label: str = ""
    #: True for a source that also carries copies of other sources' findings (Security Hub): when both paths are
    #: enabled, the native one owns an issue's content and the copy changes only its close (policy/ownership.py)
    aggregates: bool = False

    # ---- input ---------------------------------------------------------------------------------------------
    def skip_reason(self, detail_type: str) -> str:
        return f"検出結果以外の {self.label} イベント（{detail_type}）"

    # ---- the issue -----------------------------------------------------------------------------------------
    def overview(self, f: Finding, tr: Mapping[str, Any]) -> list[Block] | None:
        """The issue's one 「概要」 (heading included), for a source that explains the finding in its own Japanese
        (GuardDuty's knowledge base, Access Analyzer's who / what / which, a Security Hub control). None: the
        frame lays it out (:meth:`lead`, :meth:`status_note`, the description translated or quoted). With the
        source's own 「概要」 the frame shows no description there; 「原文 (English)」 then keeps a description the source
        did not ask to translate (not in :meth:`Source.texts`: nothing else shows it), and one it did ask for only
        when it was translated (the source's sections show it, translated or in English)."""
        return None

    def status_text(self, f: Finding) -> str:
        """The finding's status in 「検出日時」 (「状態: …」): Japanese first, the source's value in brackets."""
        return status_label(f.status) if f.status else "不明（通知に記載なし）"

    def lead(self, f: Finding) -> Line:
        return [f"{self.label} の検出結果があります（深刻度: {severity_ja(f.severity)}）。"]

    def status_note(self, f: Finding) -> str:
        return "" if f.state == "open" else f"この検出結果の状態: {f.status or f.state}"

    def cut_mark(self, text: str) -> str:
        return ""

    def detection_lines(self, f: Finding) -> list[Line]:
        return []

    def labels(self, f: Finding) -> tuple[str, ...]:
        return (self.label, FINDING_TYPE_JA.get(f.type, f.type), severity_ja(f.severity))

    def vulnerability_id(self, f: Finding) -> str:
        return ""

    def resource_label(self, r: Resource) -> str:
        return r.id

    # ---- policy --------------------------------------------------------------------------------------------
    def filter_values(self, f: Finding) -> Mapping[str, Any]:
        """``epss`` (present only where ``min_epss`` applies), ``exploit`` and ``fix`` (YES / NO / PARTIAL)."""
        return {}

    def risk_inputs(self, f: Finding) -> RiskInputs:
        return RiskInputs()

    def group_key(self, f: Finding, mode: str) -> str | None:
        return None

    def group_ids(self, f: Finding, mode: str) -> list[tuple[str, str]]:
        """(kind, id) of each group ``f`` joins in ``mode`` (kind ``vuln`` or ``fix``); [] = its own issue."""
        gid = self.group_key(f, mode)
        return [("vuln" if mode == "vulnerability" else mode, gid)] if gid else []

    def member_fields(self, f: Finding, kind: str, gid: str) -> dict[str, Any]:
        """The source's part of a group member entry (short keys: ``sc`` score, ``id`` the subject …)."""
        return {"sc": None, "id": f.title or f.type}

    def lead_info(self, f: Finding, kind: str, gid: str) -> dict[str, Any]:
        """What a group issue shows besides its members, kept once per group (from its first finding)."""
        return {
            "type": f.type,
            "vid": "",
            "title": f.title[:300],
            "desc": f.description[:4000],
            "rec": f.recommendation[:2000],
            "rec_url": f.recommendation_url,
        }


class Lister(Protocol):
    """``sync``: every finding a source holds in one region (archived / closed included, so issues close)."""

    def pages(self, region: str, *, token: str | None = None) -> Iterator[ListedPage]: ...
