"""``inspector2backlog pull``: the CLI face of :mod:`.poller` (registered on the app by :mod:`..cli`)."""

from __future__ import annotations

from typing import Optional

import typer


def pull(
    config: Optional[str] = typer.Option(None, "--config", "-c", help="設定ファイル (TOML)。環境変数 I2B_* で上書きできます"),
    dry_run: bool = typer.Option(False, "--dry-run", help="AWS・Backlog・状態ストアを変更せず、行う操作を表示します"),
) -> None:
    """Backlog での判断（完了理由）を AWS に反映します（前回以降に更新された課題と、保留中の判断）。"""
    from ..backlog.errors import BacklogError
    from ..cli import _fail, _load_config
    from ..config import ConfigError
    from ..deliver.base import DeliveryError
    from .app import run_pull

    cfg = _load_config(config)
    if not cfg.two_way.enabled:
        _fail("[two_way] enabled = true が必要です / two-way is disabled ([two_way] enabled = false)")
    try:
        results = run_pull(cfg, dry_run=dry_run)
    except ConfigError as e:
        _fail(f"設定エラー / configuration error: {e}")
    except (BacklogError, DeliveryError) as e:
        _fail(f"Backlog に接続できません / cannot use Backlog: {e}", 1)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.action] = counts.get(r.action, 0) + 1
        if r.action in ("planned", "suppressed", "released", "noted", "refused", "failed"):
            typer.echo(f"{r.issue_key}: {r.action} {r.reason}".rstrip(), err=True)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "対象なし"
    typer.echo(f"inspector2backlog pull{' (dry-run)' if dry_run else ''}: {summary}", err=True)
    if any(r.failed for r in results):
        typer.echo("反映に失敗した判断は保留として記録し、次回の実行で再試行します。/ failed decisions are kept pending and "
                   "retried by the next run.", err=True)
        raise typer.Exit(1)
