"""Command line: a thin shell over the same pipeline the Lambda handler runs.

inspector2backlog render [PATH… | -] [--format markdown|backlog|email|json]
inspector2backlog send PATH… --config FILE [--dry-run] [--stats]
inspector2backlog doctor --config FILE
inspector2backlog sync --config FILE [--dry-run] [--source NAME…]
inspector2backlog pull --config FILE [--dry-run]

Every command goes through :class:`~.pipeline.Pipeline` (``render``: ``Pipeline.for_render``; ``send`` and ``sync``:
``Pipeline.from_config``). Each command imports what it uses when it runs, so one command's start-up does not pay
for the others' (the Backlog client, the state backends, rich).
"""

from __future__ import annotations

import io
import json
import sys
from enum import Enum

import typer

from .config import DEFAULT_MAX_INPUT_BYTES, ConfigError, load_config
from .errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, exit_code
from .findings.model import Skipped, Unparsed
from .findings.sources import InputError, open_inputs
from .logs import setup_logging
from .stats import DELIVERY_KEYS, TRANSLATION_KEYS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="AWS Inspector v2 の検出結果を日本語の Backlog 課題にします。 (AWS Inspector v2 findings → Japanese Backlog issues)",
)


class Format(str, Enum):
    markdown = "markdown"
    backlog = "backlog"
    email = "email"
    json = "json"


class TextFormat(str, Enum):
    markdown = "markdown"
    backlog = "backlog"


@app.callback()
def _root() -> None:
    """Subcommands: render, send, doctor, sync, pull."""

    setup_logging(json_lines=False)  # warnings to stderr, secrets redacted whichever logger they come from


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    typer.echo(f"inspector2backlog: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def render(
    paths: list[str] = typer.Argument(
        None, help="入力ファイル / ディレクトリ、または - (標準入力)。省略時は標準入力。"
    ),
    fmt: Format = typer.Option(Format.markdown, "--format", "-f", help="出力形式"),
    text_format: TextFormat = typer.Option(
        TextFormat.markdown, "--text-format", help="--format json の description に使う記法"
    ),
    translator: str | None = typer.Option(
        None,
        "--translator",
        "-t",
        help="翻訳エンジン: offline | amazon | deepl | argos（既定: 設定ファイルの [translate] engine、なければ offline）",
    ),
    config: str | None = typer.Option(
        None, "--config", "-c", help="設定ファイル (TOML)。翻訳の設定と状態ストアに使います"
    ),
    pretty: bool = typer.Option(False, "--pretty", help="端末向けに整形して表示します (rich)"),
    stats: bool = typer.Option(False, "--stats", help="終了時に統計を JSON 1 行で標準エラーに出力します"),
) -> None:
    """検出結果を日本語の課題として表示します（Backlog には送りません）。"""
    # lazy: the pipeline (httpx, the state backends) loads only in the command that runs it, never for --help
    from .pipeline import Pipeline

    cfg = _load_config(config) if config else None
    inputs = _open_inputs(paths, cfg)
    try:
        p = Pipeline.for_render(cfg, translator=translator)
    except ConfigError as e:  # e.g. a state path that cannot hold the translation memory
        _fail(f"設定エラー / configuration error: {e}", exit_code(e))
    except ValueError as e:  # an unknown engine, a missing engine option
        _fail(f"翻訳エンジンを準備できません / cannot set up the translator: {e}", exit_code(e))
    out = sys.stdout
    console = None
    if pretty and fmt in (Format.markdown, Format.backlog, Format.email):
        from rich.console import Console  # lazy: rich only for a pretty terminal preview

        console = Console(soft_wrap=False)
    n = 0
    try:
        for item, issue in p.preview(inputs):
            if issue is None:
                if isinstance(item, Skipped):
                    typer.echo(f"skip: {item.origin}: {item.reason}", err=True)
                continue
            if isinstance(item, Unparsed):
                typer.echo(f"fallback: {item.origin}: {item.error}", err=True)
            n += 1
            if fmt is Format.json:
                out.write(json.dumps(issue.as_json(text_format.value), ensure_ascii=False) + "\n")
            elif console is not None:
                _print_pretty(console, issue, fmt.value)
            else:
                if fmt is Format.email:
                    subject, body = issue.email()
                    out.write(f"Subject: {subject}\n\n{body}")
                else:
                    out.write(f"# {issue.summary}\n\n{issue.description(fmt.value)}")
                out.write("\n" + "-" * 72 + "\n")
    except InputError as e:
        _fail(str(e), exit_code(e))
    finally:
        p.close()
    if stats:
        p.stats.add("issues_rendered", n)
        typer.echo(p.stats.json_line(TRANSLATION_KEYS + ("issues_rendered",)), err=True)


def _open_inputs(paths: list[str] | None, cfg):
    """The inputs, every one checked against ``[input] max_bytes`` before anything is processed (exit 2 if not)."""

    try:
        return open_inputs(paths or ["-"], cfg.input.max_bytes if cfg is not None else DEFAULT_MAX_INPUT_BYTES)
    except InputError as e:
        _fail(str(e), exit_code(e))


def _load_config(path: str | None):

    try:
        return load_config(path)
    except ConfigError as e:
        _fail(f"設定エラー / configuration error: {e}", exit_code(e))
    except OSError as e:
        _fail(f"{path}: 設定ファイルを読めません / cannot read config ({e.strerror or e})", exit_code(e))


@app.command()
def send(
    paths: list[str] = typer.Argument(None, help="入力ファイル / ディレクトリ、または - (標準入力)"),
    config: str | None = typer.Option(
        None, "--config", "-c", help="設定ファイル (TOML)。環境変数 I2B_* で上書きできます"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="送信せず、送る内容を表示します（状態も変更しません）"),
    translator: str | None = typer.Option(None, "--translator", "-t", help="翻訳エンジンを設定より優先して指定"),
    stats: bool = typer.Option(False, "--stats", help="終了時に統計を JSON 1 行で標準エラーに出力します"),
) -> None:
    """検出結果を Backlog に送ります（重複なし・更新・クローズ・再オープン）。前回失敗した分も再送します。"""
    # lazy: the Backlog client package (httpx) and the pipeline load only in the command that runs them
    from .backlog.errors import BacklogError, ConfigLookupError
    from .pipeline import Pipeline

    cfg = _load_config(config)
    inputs = _open_inputs(paths, cfg)
    try:
        p = Pipeline.from_config(cfg, dry_run=dry_run, translator=translator)
    except (ConfigError, ConfigLookupError) as e:
        _fail(f"設定エラー / configuration error: {e}", exit_code(e))
    except BacklogError as e:
        _fail(f"Backlog に接続できません / cannot use Backlog: {e}", exit_code(e))
    try:
        with p:
            report = p.run(inputs)
    except InputError as e:  # a file that grew past the cap (or vanished) after the check: later inputs not read
        _fail(
            f"実行中に入力を読めなくなりました（それより前の入力は処理済み）/ an input became unreadable during "
            f"the run (the inputs before it were processed): {e}",
            exit_code(e),
        )
    counts: dict[str, int] = {}
    for o in report.outcomes:
        counts[o.action] = counts.get(o.action, 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "入力なし"
    typer.echo(f"inspector2backlog send{' (dry-run)' if dry_run else ''}: {summary}", err=True)
    if stats:
        typer.echo(p.stats.json_line(TRANSLATION_KEYS + DELIVERY_KEYS), err=True)
    ready = p.ready(probe=False)
    if not ready:  # nothing could be written; the findings are kept pending for the next run
        _fail(
            f"{ready.error}（未送信の検出結果は保留として記録し、次回の実行で再送します）",
            2 if ready.config_problem else 1,
        )
    if report.failures:
        for o in report.failures:
            typer.echo(f"失敗 / failed: {o.key}: {o.reason}", err=True)
        typer.echo(
            f"{len(report.failures)} 件の送信に失敗しました。状態ストアに保留として記録し、次回の実行で再送します。"
            " / deliveries failed; recorded as pending and retried by the next run.",
            err=True,
        )
    for o in report.unfinished:  # held by a live claim, or waiting until Backlog's index can show an earlier create
        typer.echo(f"未完了 / not finished: {o.key}: {o.reason}", err=True)
    if report.unfinished:
        typer.echo(
            f"{len(report.unfinished)} 件は未完了です。時間をおいて再実行してください（同じ入力、または入力なしで）。"
            " / not finished yet; run again later.",
            err=True,
        )
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def doctor(
    config: str | None = typer.Option(None, "--config", "-c", help="設定ファイル (TOML)"),
) -> None:
    """設定と Backlog プロジェクトを点検します（認証、プロジェクト、課題種別、状態、カスタム属性、記法、レート制限）。"""
    from .doctor import run_doctor  # lazy: doctor (the Backlog client, httpx) loads only for `doctor`

    report = run_doctor(_load_config(config))
    typer.echo(report.text())
    raise typer.Exit(report.exit_code)


@app.command()
def sync(
    config: str | None = typer.Option(
        None, "--config", "-c", help="設定ファイル (TOML)。環境変数 I2B_* で上書きできます"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="何も変更せず、計画（件数と所要時間の見積もり）を表示します"),
    region: list[str] | None = typer.Option(
        None, "--region", help="一覧するリージョン（複数可）。[sync] regions より優先"
    ),
    source: list[str] | None = typer.Option(
        None, "--source", help="一覧するソース（複数可: guardduty など）。[sync] sources より優先"
    ),
    restart: bool = typer.Option(False, "--restart", help="前回中断した位置から再開せず、最初から一覧します"),
    max_pages: int | None = typer.Option(
        None, "--max-pages", min=1, help="この実行で処理するページ数の上限。続きは次回の実行で再開します"
    ),
    pace: float = typer.Option(
        0.0, "--pace", min=0.0, help="Backlog への書き込みの最小間隔（秒）。0 = レート制限ヘッダに従うのみ"
    ),
    translator: str | None = typer.Option(
        None, "--translator", "-t", help="翻訳エンジンを設定より優先して指定（--dry-run の既定は offline）"
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="課題ごとの操作も一覧します"),
    no_progress: bool = typer.Option(False, "--no-progress", help="進捗バーを表示しません（端末以外では常に非表示）"),
    stats: bool = typer.Option(False, "--stats", help="終了時に統計を JSON 1 行で標準エラーに出力します"),
) -> None:
    """検出結果の一覧（Inspector、GuardDuty、Access Analyzer、Security Hub）と Backlog を突き合わせます（未登録は作成、クローズ済み・アーカイブ済みと Inspector から消えたものは完了）。"""

    # lazy: the Backlog client package (httpx) and the pipeline load only in the command that runs them
    from .backlog.errors import BacklogError, ConfigLookupError
    from .pipeline import Pipeline
    from .policy.sync import (
        SyncError,
        SyncOptions,
        default_regions,
        inspector_client,
        live_update_limit,
        plan_text,
        rich_progress,
        sources_to_list,
    )

    cfg = _load_config(config)
    regions = tuple(region or ()) or cfg.sync.regions
    if not regions:
        try:
            regions = default_regions()
        except Exception as e:  # noqa: BLE001 - an unreadable AWS configuration
            _fail(f"AWS の設定を読めません / cannot read the AWS configuration: {type(e).__name__}")
    try:
        listed = sources_to_list(cfg, tuple(source or ()))
    except SyncError as e:
        _fail(str(e), exit_code(e))
    options = SyncOptions.from_config(
        cfg.sync,
        regions=regions,
        sources=listed,
        max_pages=max_pages,
        restart=restart or dry_run,
        pace_seconds=pace,
        max_rate_wait_seconds=cfg.backlog.max_wait_seconds,
    )
    try:
        p = Pipeline.from_config(
            cfg,
            dry_run=dry_run,
            translator=translator or ("offline" if dry_run else None),
            out=(sys.stdout if verbose else io.StringIO()) if dry_run else None,
        )
    except (ConfigError, ConfigLookupError) as e:
        _fail(f"設定エラー / configuration error: {e}", exit_code(e))
    except BacklogError as e:
        _fail(f"Backlog に接続できません / cannot use Backlog: {e}", exit_code(e))
    ready = p.ready()  # a sync writes: check the project before listing whole regions
    if not ready:
        p.close()
        _fail(str(ready.error), 2 if ready.config_problem else 1)
    try:
        with p, rich_progress(not no_progress and sys.stderr.isatty()) as progress:
            report = p.sync(options, client_for=inspector_client, progress=progress)
            per_minute = live_update_limit(p.sink)
    except SyncError as e:
        _fail(str(e), exit_code(e))
    except KeyboardInterrupt:
        typer.echo(
            "中断しました。処理済みのページまでは記録したので、再実行すると続きから再開します。"
            " / interrupted; the next run resumes.",
            err=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    typer.echo(
        plan_text(report, dry_run=dry_run, per_minute=per_minute, pace_seconds=pace, details=verbose),
        nl=False,
        err=not dry_run,
    )
    if stats:
        typer.echo(p.stats.json_line(TRANSLATION_KEYS + DELIVERY_KEYS), err=True)
    for r in report.region_errors:
        typer.echo(f"一覧に失敗 / listing failed: {r.source} {r.region}: {r.error}", err=True)
    if report.failures:
        for o in report.failures:
            typer.echo(f"失敗 / failed: {o.key}: {o.reason}", err=True)
        typer.echo(
            f"{len(report.failures)} 件の送信に失敗しました。次回の実行で再送します。"
            " / deliveries failed; retried by the next run.",
            err=True,
        )
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


def _print_pretty(console, issue, fmt: str) -> None:
    # lazy: rich only for a pretty terminal preview
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.text import Text

    style = {"CRITICAL": "bold white on red", "HIGH": "bold red", "MEDIUM": "yellow", "LOW": "cyan"}.get(
        issue.severity, "white"
    )
    title = Text(issue.summary, style=style)
    body = Markdown(issue.description("markdown")) if fmt == "markdown" else Text(issue.description(fmt))
    sub = f"優先度 {issue.priority}" + (f" · 期限目安 {issue.due_days} 日" if issue.due_days else "")
    console.print(Panel(body, title=title, subtitle=sub, expand=True))


@app.command()
def pull(
    config: str | None = typer.Option(
        None, "--config", "-c", help="設定ファイル (TOML)。環境変数 I2B_* で上書きできます"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="AWS・Backlog・状態ストアを変更せず、行う操作を表示します"),
) -> None:
    """Backlog での判断（完了理由）を AWS に反映します（前回以降に更新された課題と、保留中の判断）。"""
    # lazy: the Backlog client package (httpx) and the pipeline load only in the command that runs them
    from .backlog.errors import BacklogError
    from .deliver.base import DeliveryError
    from .twoway.app import run_pull  # lazy: two-way is off by default

    cfg = _load_config(config)
    if not cfg.two_way.enabled:
        _fail("[two_way] enabled = true が必要です / two-way is disabled ([two_way] enabled = false)")
    try:
        results = run_pull(cfg, dry_run=dry_run)
    except ConfigError as e:
        _fail(f"設定エラー / configuration error: {e}", exit_code(e))
    except (BacklogError, DeliveryError) as e:  # 1 even for a project setup error caused by the configuration
        _fail(f"Backlog に接続できません / cannot use Backlog: {e}", EXIT_FAILED)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.action] = counts.get(r.action, 0) + 1
        if r.action in ("planned", "suppressed", "released", "noted", "refused", "failed"):
            typer.echo(f"{r.issue_key}: {r.action} {r.reason}".rstrip(), err=True)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "対象なし"
    typer.echo(f"inspector2backlog pull{' (dry-run)' if dry_run else ''}: {summary}", err=True)
    if any(r.failed for r in results):
        typer.echo(
            "反映に失敗した判断は保留として記録し、次回の実行で再試行します。/ failed decisions are kept pending and "
            "retried by the next run.",
            err=True,
        )
        raise typer.Exit(EXIT_FAILED)


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
