"""``sync``'s progress display: a rich bar on stderr (findings processed, the source, region and page)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .sync_report import SyncProgress, _NoProgress


@contextlib.contextmanager
def rich_progress(enabled: bool) -> Iterator[SyncProgress]:
    """A rich progress display on stderr (findings processed, current region and page); a no-op when disabled."""
    if not enabled:
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} 件"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("検出結果を一覧中", total=None)

        class _Rich:
            def page(self, region: str, page_no: int) -> None:
                bar.update(task, description=f"{region} ページ {page_no}")

            def finding(self) -> None:
                bar.advance(task)

        yield _Rich()
