"""inspector2backlog: AWS Inspector v2 findings → Japanese Backlog issues.

The pipeline reads left to right: findings (source → Finding) → policy → translate → render → deliver → state.
"""

from __future__ import annotations


def _version() -> str:
    """The version in ``pyproject.toml`` of a source checkout (also an editable install), else the installed one."""
    import tomllib  # lazy: all three: importing the package costs nothing on the Lambda's cold start
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    try:
        project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text("utf-8"))["project"]
        if project.get("name") == "inspector2backlog":
            return str(project["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        return version("inspector2backlog")
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":  # written once, in pyproject.toml
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
