"""The per-source settings the lifecycle reads (``[sources.<name>]``): whether a source is enabled, the project its
group records name, and how a finding it closed is closed (an archived one with its ``archived_resolution``).

A part of :class:`.lifecycle.Lifecycle` (a mixin: the state it uses is the lifecycle's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..render.comments import close_comment

if TYPE_CHECKING:
    from ..config import SourceConfig, SourcesConfig
    from ..deliver.base import IssueRef, Sink
    from ..findings.model import Finding
    from ..render.doc import Block


class PerSource:
    if TYPE_CHECKING:  # the lifecycle's state
        sources: SourcesConfig | None
        sink: Sink
        project: str
        resolutions: dict[bool, str]

    # ---- per-source settings -------------------------------------------------------------------------------
    def source_config(self, name: str) -> SourceConfig | None:
        """``[sources.<name>]`` (None: no configuration given, or a name that is not in it)."""
        try:
            return self.sources.get(name) if self.sources is not None else None
        except KeyError:
            return None

    def enabled(self, name: str) -> bool:
        s = self.source_config(name)
        return s is None or s.enabled

    def project_for(self, f: Finding) -> str:
        """The project key a finding's group records name: its source's ``project_key``, else ``[backlog]``'s."""
        s = self.source_config(f.source)
        return s.project_key if s is not None and s.project_key else self.project

    def _closing(self, f: Finding) -> tuple[bool, str, str | None]:
        """(suppressed, the resolution named in the comment, the resolution the sink sets: None = by ``suppressed``)
        for a finding the source closed."""
        s = self.source_config(f.source)
        if f.state == "archived" and s is not None and s.archived_resolution != self.resolutions[True]:
            return True, s.archived_resolution, s.archived_resolution
        suppressed = f.state in ("suppressed", "archived")  # archived as suppressed: the default 対応しない
        return suppressed, self.resolutions[suppressed], None

    def close_issue(self, ref: IssueRef, f: Finding, comment: list[Block]) -> None:
        """Close ``ref`` for ``f``: suppressed / archived with their resolution (the archived one by name)."""
        suppressed, _, resolution = self._closing(f)
        if resolution is None:
            self.sink.close(ref, comment, suppressed=suppressed)
        else:
            self.sink.close(ref, comment, suppressed=suppressed, resolution=resolution)


def close_comment_for(
    f: Finding, stamp: str, changes: list[str], closing: tuple[bool, str, str | None], service: str
) -> list[Block]:
    """The close comment of ``f`` (``closing``: :meth:`Lifecycle._closing`)."""
    suppressed, resolution, _ = closing
    return close_comment(stamp, suppressed, changes, resolution, service=service, archived=f.state == "archived")
