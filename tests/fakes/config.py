"""The configuration file the CLI tests write: the fake Backlog, a SQLite state file, and whatever a test adds."""

from __future__ import annotations

from pathlib import Path

from .backlog_server import FakeBacklog

KEY_ENV = "I2B_TEST_BACKLOG_KEY"  # the tests put the fake's API key here


def write_config(
    tmp: Path, fake: FakeBacklog, *lines: str, min_severity: str = "LOW", arn_custom_field: bool = True
) -> Path:
    """``tmp/i2b.toml`` for ``fake``; ``lines`` follow the ``[filter]`` section (more filter keys, more sections)."""
    cfg = tmp / "i2b.toml"
    cfg.write_text(
        "\n".join(
            [
                "[backlog]",
                f'space_url = "{fake.url}"',
                f'api_key_env = "{KEY_ENV}"',
                'project_key = "SEC"',
                'issue_type = "脆弱性"',
                *(['arn_custom_field = "Finding ARN"'] if arn_custom_field else []),
                "[state]",
                f'path = "{tmp / "state.sqlite3"}"',
                "[filter]",
                f'min_severity = "{min_severity}"',
                *lines,
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return cfg
