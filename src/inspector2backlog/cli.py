"""Command line: a thin shell over the same pipeline the Lambda handler runs.

    inspector2backlog render [PATH… | -] [--format markdown|backlog|email|json]
    inspector2backlog send PATH… --config FILE [--dry-run] [--stats]
    inspector2backlog doctor --config FILE
    inspector2backlog sync --config FILE [--dry-run]
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import List, Optional

import typer

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
    """Subcommands: render, send, doctor, sync."""


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"inspector2backlog: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def render(
    paths: List[str] = typer.Argument(None, help="入力ファイル / ディレクトリ、または - (標準入力)。省略時は標準入力。"),
    fmt: Format = typer.Option(Format.markdown, "--format", "-f", help="出力形式"),
    text_format: TextFormat = typer.Option(TextFormat.markdown, "--text-format",
                                           help="--format json の description に使う記法"),
    translator: str = typer.Option("offline", "--translator", "-t", help="翻訳エンジン: offline | amazon | deepl | argos"),
    config: Optional[str] = typer.Option(None, "--config", "-c", help="設定ファイル (TOML)。翻訳の設定と状態ストアに使います"),
    pretty: bool = typer.Option(False, "--pretty", help="端末向けに整形して表示します (rich)"),
    stats: bool = typer.Option(False, "--stats", help="終了時に統計を JSON 1 行で標準エラーに出力します"),
) -> None:
    """検出結果を日本語の課題として表示します（Backlog には送りません）。"""
    from .findings.model import Finding, Skipped, Unparsed
    from .findings.sources import InputError, iter_paths
    from .runtime import build_renderer
    from .stats import TRANSLATION_KEYS

    ctx = build_renderer(config_path=config, translator=translator)
    out = sys.stdout
    console = None
    if pretty and fmt in (Format.markdown, Format.backlog, Format.email):
        from rich.console import Console

        console = Console(soft_wrap=False)
    n = 0
    try:
        for item in iter_paths(paths or ["-"]):
            if isinstance(item, Skipped):
                typer.echo(f"skip: {item.origin}: {item.reason}", err=True)
                ctx.stats.add("skipped")
                continue
            issue = ctx.builder.build(item) if isinstance(item, Finding) else ctx.builder.fallback(item)
            if isinstance(item, Unparsed):
                ctx.stats.add("fallbacks")
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
        _fail(str(e))
    finally:
        ctx.close()
    if stats:
        ctx.stats.add("issues_rendered", 0)
        typer.echo(ctx.stats.json_line(TRANSLATION_KEYS + ("issues_rendered",)), err=True)


def _print_pretty(console, issue, fmt: str) -> None:
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.text import Text

    style = {"CRITICAL": "bold white on red", "HIGH": "bold red", "MEDIUM": "yellow", "LOW": "cyan"}.get(
        issue.severity, "white")
    title = Text(issue.summary, style=style)
    body = Markdown(issue.description("markdown")) if fmt == "markdown" else Text(issue.description(fmt))
    sub = f"優先度 {issue.priority}" + (f" · 期限目安 {issue.due_days} 日" if issue.due_days else "")
    console.print(Panel(body, title=title, subtitle=sub, expand=True))


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
