"""Imports inside functions (read with ``ast``): every one of the package's own modules imported in a function says
why, with a ``# lazy:`` comment on its line or in the comment lines just above its block of imports (issue 11).

Lazy imports exist only to keep optional heavy engines, boto3 / httpx (``sync``-only, two-way-only paths) and the
sources off the Lambda's import path — never to dodge an import cycle (``test_import_graph.py`` forbids cycles, so a
cycle must be removed, not hidden). ``TYPE_CHECKING`` blocks are not imports at run time and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "inspector2backlog"
MARK = "# lazy"


def _own(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] == ROOT
    return any(a.name.split(".")[0] == ROOT for a in node.names)


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def function_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Import statements inside a function body (nested blocks included), ``TYPE_CHECKING`` blocks left out."""
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                continue
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    walk(tree, False)
    return found


def unmarked(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each function-level import of the package's own modules without a ``# lazy:`` comment."""
    lines = source.splitlines()
    imports = function_imports(ast.parse(source))
    import_lines = {n for node in imports for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    out = []
    for node in imports:
        if not _own(node):
            continue
        end = node.end_lineno or node.lineno
        if any(MARK in lines[n - 1] for n in range(node.lineno, end + 1)):
            continue
        n, ok = node.lineno - 1, False  # upwards through the block's other imports and the comment above them
        while n >= 1 and (n in import_lines or lines[n - 1].strip().startswith("#")):
            if MARK in lines[n - 1]:
                ok = True
                break
            n -= 1
        if not ok:
            out.append((node.lineno, lines[node.lineno - 1].strip()))
    return out


def test_every_function_level_import_of_our_modules_says_why_it_is_lazy() -> None:
    bad = []
    for path in sorted((SRC / ROOT).rglob("*.py")):
        for line, text in unmarked(path.read_text(encoding="utf-8")):
            bad.append(f"{path.relative_to(SRC)}:{line}: {text}")
    assert not bad, "imports inside functions without a `# lazy:` reason:\n" + "\n".join(bad)


def test_the_check_itself_catches_an_unmarked_import() -> None:
    src = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .a import A\n"
        "def f():\n    from . import cyc\n    import json\n"
        "def g():\n    # lazy: optional engine\n    from .engine import E\n    from .engine2 import (\n        E2,\n    )\n"
        "def h():\n    import inspector2backlog.x  # lazy: the Lambda path\n"
        "def k():\n    x = 1\n    from inspector2backlog import y\n"
    )
    assert unmarked(src) == [(5, "from . import cyc"), (17, "from inspector2backlog import y")]
