"""The version is written once, in pyproject.toml; the package reports that one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import inspector2backlog

REPO = Path(__file__).resolve().parents[2]


def test_version_comes_from_pyproject() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert inspector2backlog.__version__ == declared


def test_no_other_copy_of_the_version() -> None:
    copies = [
        p for p in (REPO / "src").rglob("*.py") if re.search(r"^__version__\s*=", p.read_text(encoding="utf-8"), re.M)
    ]
    copies += [
        p
        for d in ("deploy", "bench")
        for p in (REPO / d).rglob("*.py")
        if re.search(r"^\s*(__version__|VERSION)\s*=\s*[\"']\d", p.read_text(encoding="utf-8"), re.M)
    ]
    assert copies == []
