"""Lambda artifact size and the handler's cold import time.

    python bench/lambda_package.py            # build with deploy/package.py, then measure
    python bench/lambda_package.py --reuse    # measure the existing build/lambda + zip (build only if missing)
    python bench/lambda_package.py --python /path/to/python3.12 [--precompile]   # time with the runtime's Python

Targets: zip <= 15 MB; ``import inspector2backlog.aws_lambda`` <= 300 ms (median of 5 fresh interpreters).

The import runs like the Lambda runtime would load it: a fresh interpreter without site-packages (``-S``), with
PYTHONPATH = the artifact directory + a directory holding only what the runtime provides (boto3, botocore,
s3transfer, jmespath, dateutil, urllib3, six — linked from this venv), and no bytecode writes (``/var/task`` is
read-only, so every cold start compiles the package from source as here). A dependency missing from the artifact
therefore fails here as it would on Lambda.

Caveat: this machine's interpreter and CPU are not Lambda's (Python 3.12 on Graviton), so the number is a proxy.

Exit status: 0 measured, 1 the import failed, 2 ``inspector2backlog.aws_lambda`` does not exist (yet).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_PY = ROOT / "deploy" / "package.py"
HANDLER_MODULE = "inspector2backlog.aws_lambda"
ZIP_TARGET_MB = 15.0
IMPORT_TARGET_MS = 300.0
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
MARK = "@@I2B_IMPORT_START@@"
IMPORT_TIMEOUT_S = 60
_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


@dataclass(slots=True)
class ImportRun:
    total_ms: float  # sum of the cumulative times of the top-level imports triggered by the statement
    wall_ms: float  # perf_counter around the import statement
    self_by_package: dict[str, float] = field(default_factory=dict)  # top-level package → self time (ms)


def load_package_module():
    spec = importlib.util.spec_from_file_location("i2b_deploy_package", PACKAGE_PY)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def runtime_provided_dir(dest: Path) -> Path:
    """A directory of symlinks to this venv's copies of what the Lambda runtime ships."""
    for name in RUNTIME_PROVIDED:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise SystemExit(f"{name} is not installed in this interpreter; it stands in for the Lambda runtime's copy")
        src = Path(spec.origin)
        src = src.parent if src.name == "__init__.py" else src
        (dest / src.name).symlink_to(src, target_is_directory=src.is_dir())
    return dest


def parse_importtime(stderr: str) -> tuple[float, dict[str, float]]:
    """Sum of top-level cumulative times after the marker, and self time per top-level package (ms)."""
    after = stderr.split(MARK, 1)[1] if MARK in stderr else ""
    total_us = 0
    by_pkg: dict[str, int] = {}
    for line in after.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        self_us, cum_us, indent, name = int(m[1]), int(m[2]), m[3], m[4]
        if len(indent) <= 1:  # top level: "| name" has exactly one space before the name
            total_us += cum_us
        pkg = name.split(".", 1)[0]
        by_pkg[pkg] = by_pkg.get(pkg, 0) + self_us
    return total_us / 1000, {k: v / 1000 for k, v in by_pkg.items()}


def measure_once(
    artifact: Path, provided: Path, module: str = HANDLER_MODULE, python: str = sys.executable
) -> ImportRun:
    code = (
        "import sys, time\n"
        f"sys.stderr.write({MARK!r} + '\\n'); sys.stderr.flush()\n"
        "t = time.perf_counter()\n"
        f"import {module}\n"
        "sys.stdout.write(repr((time.perf_counter() - t) * 1000))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join([str(artifact), str(provided)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "AWS_REGION": "ap-northeast-1",
        "AWS_DEFAULT_REGION": "ap-northeast-1",
        "LANG": "C.UTF-8",
    }
    proc = subprocess.run(
        [python, "-S", "-X", "importtime", "-c", code],
        capture_output=True, text=True, env=env, timeout=IMPORT_TIMEOUT_S, check=False, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    if proc.returncode != 0:
        raise ImportFailure(proc.stderr)
    total, by_pkg = parse_importtime(proc.stderr)
    return ImportRun(total_ms=total, wall_ms=float(proc.stdout.strip()), self_by_package=by_pkg)


class ImportFailure(Exception):
    def __init__(self, stderr: str) -> None:
        lines = [ln for ln in stderr.splitlines() if not ln.startswith("import time:") and MARK not in ln]
        super().__init__("\n".join(lines[-12:]))


def table(rows: list[tuple[str, str, str, str]]) -> str:
    head = ("metric", "value", "target", "ok")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths)), *(fmt.format(*r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Lambda artifact size and cold import time")
    ap.add_argument("--reuse", action="store_true", help="reuse build/lambda and the zip when they exist")
    ap.add_argument("--runs", type=int, default=5, help="fresh interpreters to time (median reported)")
    ap.add_argument("--json", action="store_true", help="also print one JSON line with the numbers")
    ap.add_argument("--module", default=HANDLER_MODULE, help=f"module to import (default {HANDLER_MODULE})")
    ap.add_argument("--python", default=sys.executable, help="interpreter to time the import with (default: this one)")
    ap.add_argument("--precompile", action="store_true", help="build with .pyc compiled by --python (must be 3.12)")
    args = ap.parse_args(argv)
    module: str = args.module

    pkg = load_package_module()
    artifact: Path = pkg.DEFAULT_OUT_DIR
    zip_path: Path = pkg.DEFAULT_ZIP
    notes: list[str] = []
    if args.reuse and artifact.is_dir() and zip_path.is_file():
        zip_mb = zip_path.stat().st_size / 1_000_000
        unzipped_mb = sum(p.stat().st_size for p in artifact.rglob("*") if p.is_file()) / 1_000_000
        notes.append(f"reused {artifact.relative_to(ROOT)} and {zip_path.relative_to(ROOT)} (not rebuilt)")
    else:
        result = pkg.build(precompile_with=args.python if args.precompile else None)
        print(pkg.report(result))
        print()
        zip_mb, unzipped_mb = result.zip_mb, result.unzipped_mb
        if not result.cross_platform:
            notes.append(f"artifact built for the LOCAL platform ({result.platform}), not linux/arm64")

    rows = [
        (
            "artifact zip size",
            f"{zip_mb:.2f} MB",
            f"<= {ZIP_TARGET_MB:g} MB",
            "yes" if zip_mb <= ZIP_TARGET_MB else "NO",
        ),
        (
            "artifact unzipped size",
            f"{unzipped_mb:.2f} MB",
            "<= 250 MB (Lambda limit)",
            "yes" if unzipped_mb <= 250 else "NO",
        ),
    ]
    summary: dict[str, object] = {"zip_mb": round(zip_mb, 2), "unzipped_mb": round(unzipped_mb, 2)}

    rel = Path(*module.split("."))
    in_artifact = (artifact / rel).with_suffix(".py").is_file() or (artifact / rel / "__init__.py").is_file()
    if not in_artifact:
        print(table(rows))
        in_src = (ROOT / "src" / rel).with_suffix(".py").is_file() or (ROOT / "src" / rel / "__init__.py").is_file()
        why = (
            "it is in src/ but not in the reused artifact: run without --reuse"
            if in_src
            else f"src/{rel}.py does not exist yet (the lead is writing it)"
        )
        print(
            f"\n{module} is not importable from {artifact.relative_to(ROOT)}: {why}. Import time not measured.",
            file=sys.stderr,
        )
        return 2

    with tempfile.TemporaryDirectory(prefix="i2b-runtime-") as tmp:
        provided = runtime_provided_dir(Path(tmp))
        try:
            runs = [measure_once(artifact, provided, module, args.python) for _ in range(max(1, args.runs))]
        except ImportFailure as exc:
            print(table(rows))
            print(f"\nimport {module} FAILED from the artifact (missing dependency?):\n{exc}", file=sys.stderr)
            return 1
    median = statistics.median(r.total_ms for r in runs)
    wall = statistics.median(r.wall_ms for r in runs)
    rows.append(
        (f"import {module.rsplit('.', 1)[-1]} (median of {len(runs)})", f"{median:.0f} ms", f"<= {IMPORT_TARGET_MS:g} ms",
         "yes" if median <= IMPORT_TARGET_MS else "NO")
    )  # fmt: skip
    rows.append(("  wall clock around import", f"{wall:.0f} ms", "", ""))
    by_pkg: dict[str, float] = {}
    for r in runs:
        for k, v in r.self_by_package.items():
            by_pkg.setdefault(k, []).append(v)  # type: ignore[arg-type]
    heaviest = sorted(((k, statistics.median(v)) for k, v in by_pkg.items()), key=lambda kv: kv[1], reverse=True)[:6]
    print(table(rows))
    print("\nheaviest packages (self time, median): " + ", ".join(f"{k} {v:.0f} ms" for k, v in heaviest))
    py_version = subprocess.run(
        [args.python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, timeout=30, check=False,
    ).stdout.strip()  # fmt: skip
    notes.append(
        f"measured on {platform.machine()} Python {py_version}; Lambda runs Python "
        f"{pkg.PYTHON_VERSION} on arm64 — a proxy, not the real cold start"
    )
    for n in notes:
        print(f"note: {n}")
    summary.update({"import_ms": round(median, 1), "import_wall_ms": round(wall, 1), "heaviest": dict(heaviest)})
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
