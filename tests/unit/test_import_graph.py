"""The package's import graph (read with ``ast``, never imported) follows one direction of dependencies (issue 11).

Layers, top to bottom: the drivers (CLI, Lambda, doctor) → ``pipeline`` / ``runtime`` → ``policy`` → ``render``,
``deliver``, ``state``, ``translate`` and the Backlog client → configuration → the ``findings`` core and its small
utilities. A module may import its own layer or a lower one. ``sources.<name>`` may import only the core, the render
primitives (the document model) and its own package, and only the source registry imports a source. No import
cycles between packages. Imports inside functions and under ``TYPE_CHECKING`` count like the others.

``KNOWN_VIOLATIONS`` listed what the code broke before the redesign (issue 11); it is empty now and may only stay so:
a new violation fails, and so would a listed one that has gone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "inspector2backlog"

# Rank of each top-level module or package of ROOT (its first name component): an import may not go upward.
RANKS: dict[str, int] = {
    "cli": 5,
    "aws_lambda": 5,
    "doctor": 5,
    "doctor_project": 5,
    "doctor_report": 5,
    "doctor_two_way": 5,
    "twoway": 5,  # twoway: webhook / pull entry points (issue 15)
    "pipeline": 4,
    "runtime": 4,
    "policy": 3,
    "render": 2,
    "deliver": 2,
    "state": 2,
    "translate": 2,
    "backlog": 2,
    "jvn": 2,  # jvn: JVN iPedia text (issue 14)
    "config": 1,
    "findings": 0,
    "errors": 0,  # errors: the package's one error base (issue 11 item 6)
    "logs": 0,
    "redaction": 0,
    "stats": 0,
    "": 0,  # "": the package itself (its __version__)
}
SOURCES = "sources"  # sources.<name>: checked by its own rule, not by rank
# besides its own package: the core, the error base, and the render primitives (the document model, labels, safe
# text, links, wording)
SOURCE_ALLOWED = ("findings", "errors", "render.doc", "render.labels", "render.safe", "render.links", "render.wording")
SHARED_SOURCE_HELPERS = (SOURCES + "._", SOURCES + ".base")  # sources._fields, the Protocol: shared, not a source
SOURCE_REGISTRY = {"sources"}  # the only module that may import a specific source (lazily, in sources.get)

# Empty since the redesign (issue 11): nothing breaks the layering, and nothing may start to.
KNOWN_VIOLATIONS: set[str] = set()


def modules(src: Path, root: str = ROOT) -> dict[str, Path]:
    """Dotted module name → file, for every module of the package ``root`` under ``src``."""
    out: dict[str, Path] = {}
    for path in sorted((src / root).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(src: Path, root: str = ROOT) -> dict[str, set[str]]:
    """Each module's imports of other modules of ``root`` (relative ones resolved; ``from p import m`` → ``p.m``)."""
    mods = modules(src, root)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name == root or a.name.startswith(root + "."))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join([*base, node.module] if node.module else base)
                else:
                    mod = node.module or ""
                if mod != root and not mod.startswith(root + "."):
                    continue
                for alias in node.names:
                    sub = f"{mod}.{alias.name}"
                    targets.add(sub if sub in mods else mod)
        targets.discard(name)
        graph[name] = targets
    return graph


def _short(module: str, root: str) -> str:
    return module.removeprefix(root).removeprefix(".")


def _top(short: str) -> str:
    return short.split(".")[0]


def package_of(short: str) -> str:
    """The unit of the cycle check: the top-level package or module, or ``sources.<name>`` for a source."""
    parts = short.split(".")
    return ".".join(parts[:2]) if parts[0] == SOURCES and len(parts) > 1 else parts[0]


def _cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative enough for a small graph)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def violations(graph: Mapping[str, Iterable[str]], root: str = ROOT) -> set[str]:
    """Every broken rule, as one stable line each (``upward:``, ``source:``, ``unplaced:``, ``cycle:``)."""
    found: set[str] = set()
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        src = _short(module, root)
        if _top(src) not in RANKS and _top(src) != SOURCES:
            found.add(f"unplaced: {_top(src)}")
        for target in targets:
            dst = _short(target, root)
            a, b = package_of(src), package_of(dst)
            if a != b:
                packages.setdefault(a, set()).add(b)
            shared = dst.startswith(SHARED_SOURCE_HELPERS)
            if _top(dst) == SOURCES and a != b and src not in SOURCE_REGISTRY and dst != SOURCES and not shared:
                found.add(f"source import: {src} -> {dst}")
            if _top(src) == SOURCES:
                allowed = a == b or dst == SOURCES or shared or src in SOURCE_REGISTRY
                if not allowed and not any(dst == ok or dst.startswith(ok + ".") for ok in SOURCE_ALLOWED):
                    found.add(f"source: {src} -> {dst}")
                continue
            if _top(dst) == SOURCES:
                continue
            for name in (_top(src), _top(dst)):
                if name not in RANKS:
                    found.add(f"unplaced: {name}")
            if _top(src) in RANKS and _top(dst) in RANKS and RANKS[_top(dst)] > RANKS[_top(src)]:
                found.add(f"upward: {src} -> {dst}")
    found.update("cycle: " + ", ".join(c) for c in _cycles(packages))
    return found


def test_the_package_follows_its_layers() -> None:
    found = violations(imports(SRC))
    new, gone = sorted(found - KNOWN_VIOLATIONS), sorted(KNOWN_VIOLATIONS - found)
    assert not new, "imports against the layering (issue 11 item 4); fix them, do not list them:\n" + "\n".join(new)
    assert not gone, "fixed — delete these lines from KNOWN_VIOLATIONS:\n" + "\n".join(gone)


def test_every_module_is_read() -> None:
    graph = imports(SRC)
    assert f"{ROOT}.policy.lifecycle" in graph and f"{ROOT}.cli" in graph
    assert f"{ROOT}.policy.lifecycle" in graph[f"{ROOT}.pipeline"] or any(
        t.startswith(f"{ROOT}.policy") for t in graph[f"{ROOT}.pipeline"]
    )


def _tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for d in [p for p in (tmp_path / "pkg").rglob("*") if p.is_dir()] + [tmp_path / "pkg"]:
        (d / "__init__.py").touch()
    return tmp_path


def test_checker_finds_upward_lazy_relative_and_cycles(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "findings/model.py": "X = 1\n",
            "render/issue.py": "def f():\n    from ..policy import risk  # lazy, relative, upward\n",
            "policy/risk.py": "from pkg.render.issue import f\nfrom ..findings.model import X\n",
            "policy/grouping.py": "from . import risk\n",
            "sources/demo/parse.py": "from ...findings import model\nfrom ...render.doc import Para\nfrom ..demo import x\n",
            "sources/demo/x.py": "import pkg.policy.risk\n",
            "render/doc.py": "Para = 1\n",
            "cli.py": "from .sources.demo import parse\nfrom .policy import grouping\n",
            "newthing.py": "from .findings import model\n",
        },
    )
    graph = imports(src, "pkg")
    assert graph["pkg.render.issue"] == {"pkg.policy.risk"}
    assert graph["pkg.policy.grouping"] == {"pkg.policy.risk"}
    assert graph["pkg.sources.demo.parse"] == {"pkg.findings.model", "pkg.render.doc", "pkg.sources.demo.x"}
    assert violations(graph, "pkg") == {
        "upward: render.issue -> policy.risk",
        "cycle: policy, render",
        "source: sources.demo.x -> policy.risk",
        "source import: cli -> sources.demo.parse",
        "unplaced: newthing",
    }


def test_checker_passes_a_tree_that_follows_the_rules(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "findings/model.py": "X = 1\n",
            "render/doc.py": "from ..findings.model import X\n",
            "policy/risk.py": "from ..render import doc\nfrom ..findings.model import X\n",
            "sources/demo/parse.py": "from ...findings.model import X\nfrom ...render.doc import X as Y\n",
            "sources/__init__.py": "def load():\n    from .demo import parse  # the registry: a source only when needed\n",
            "cli.py": "from .policy import risk\nfrom .sources import load\n",
        },
    )
    assert violations(imports(src, "pkg"), "pkg") == set()
