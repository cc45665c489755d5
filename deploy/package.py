"""Build the Lambda artifact for deploy/template.yaml.

    python deploy/package.py              # build/lambda/ (the template's CodeUri) + build/inspector2backlog-lambda.zip
    python deploy/package.py --local      # host platform instead of linux/arm64 (only for pure-Python dependencies)
    python deploy/package.py --precompile /path/to/python3.12   # also ship .pyc compiled for the runtime's Python

What goes in:
  * the runtime dependencies from pyproject.toml ``[project].dependencies`` whose environment markers hold on the
    Lambda runtime (Linux, CPython 3.12, aarch64), as manylinux2014_aarch64 / pure-Python wheels;
  * the project itself (``pip install --no-deps``).

What stays out: boto3, botocore, s3transfer, jmespath, python-dateutil, urllib3 and six. Every Lambda Python runtime
ships the AWS SDK for Python with these; bundling them would add ~25 MB unzipped and slow the cold start.
The price: the function runs on the runtime's boto3 version (new enough for everything used here: DynamoDB,
Secrets Manager, SNS, Translate). Pin a newer one only if a future feature needs it, by deleting it from
RUNTIME_PROVIDED.

Also stripped: ``__pycache__``/``*.pyc`` (the artifact is built by a different interpreter than the runtime's),
``tests`` directories inside third-party packages, the ``bin/`` console scripts pip writes, and the dist-info
bookkeeping files (RECORD, INSTALLER, REQUESTED, direct_url.json). METADATA and licence files are kept:
``importlib.metadata`` needs the former and the latter must ship with the code.

Optional ``--precompile PYTHON``: after stripping, compile everything with that interpreter (it must be Python
3.12, the runtime's version) using ``--invalidation-mode unchecked-hash``. ``/var/task`` is read-only, so without
.pyc files every cold start compiles the imported modules from source; timestamp-checked .pyc would not help either,
because the zip's fixed 1980 timestamps never match. Costs ~40 % more zip size, saves that compile time.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / "build"
DEFAULT_OUT_DIR = BUILD_DIR / "lambda"
DEFAULT_ZIP = BUILD_DIR / "inspector2backlog-lambda.zip"

# Keep in step with deploy/template.yaml (Runtime: python3.12, Architectures: [arm64]); tests/unit/test_template.py
# checks that they agree.
PYTHON_VERSION = "3.12"
PLATFORM_TAG = "manylinux2014_aarch64"
TARGET_MARKER_ENV = {
    "implementation_name": "cpython",
    "implementation_version": f"{PYTHON_VERSION}.0",
    "os_name": "posix",
    "platform_machine": "aarch64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "python_full_version": f"{PYTHON_VERSION}.0",
    "python_version": PYTHON_VERSION,
    "sys_platform": "linux",
}

# Distributions the Lambda Python runtime already provides (normalised names, PEP 503).
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six"})
# Top-level import names of those distributions, for stripping anything a dependency dragged in anyway.
#: the command line's own dependencies: the handler never imports them (inspector2backlog.cli is not on its path)
CLI_ONLY = frozenset({"typer", "rich"})
RUNTIME_PROVIDED_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")

DIST_INFO_BLOAT = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
PIP_TIMEOUT_S = 900


@dataclass(slots=True)
class Requirement:
    spec: str  # the requirement line as written, marker removed
    name: str  # normalised distribution name


@dataclass(slots=True)
class BuildResult:
    out_dir: Path
    zip_path: Path
    zip_bytes: int
    unzipped_bytes: int
    files: int
    cross_platform: bool  # False when it fell back to (or was asked for) the host platform
    platform: str
    requirements: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # requirements skipped (runtime-provided or marker false)
    largest: list[tuple[str, int]] = field(default_factory=list)  # (top-level entry, unzipped bytes)

    @property
    def zip_mb(self) -> float:
        return self.zip_bytes / 1_000_000

    @property
    def unzipped_mb(self) -> float:
        return self.unzipped_bytes / 1_000_000


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> tuple[list[Requirement], list[str]]:
    """``[project].dependencies`` that belong in the artifact, and the ones dropped (with the reason)."""
    try:
        from packaging.requirements import Requirement as PkgRequirement
    except ImportError:  # a bare interpreter: pip always vendors it
        from pip._vendor.packaging.requirements import Requirement as PkgRequirement

    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("dependencies", [])
    keep: list[Requirement] = []
    dropped: list[str] = []
    for line in deps:
        req = PkgRequirement(line)
        name = normalise(req.name)
        if name in RUNTIME_PROVIDED:
            dropped.append(f"{line} (provided by the Lambda runtime)")
            continue
        if name in CLI_ONLY:
            dropped.append(f"{line} (command line only; the handler does not import it)")
            continue
        if req.marker is not None and not req.marker.evaluate(dict(TARGET_MARKER_ENV)):
            dropped.append(f"{line} (marker false on Lambda)")
            continue
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        keep.append(Requirement(spec=f"{req.name}{extras}{req.specifier}", name=name))
    return keep, dropped


def _pip(args: list[str]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-compile", "--quiet", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)


def _pip_errors(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in (proc.stderr or "").splitlines() if ln.strip() and "is ignored: it is neither" not in ln]
    return "\n".join(lines[-15:])


def install_dependencies(reqs: list[Requirement], out_dir: Path, *, local: bool) -> tuple[bool, str]:
    """pip-install ``reqs`` into ``out_dir``. Returns (cross_platform, platform description)."""
    if not reqs:
        return not local, "none needed"
    specs = [r.spec for r in reqs]
    if not local:
        proc = _pip(
            [
                "--target", str(out_dir),
                "--platform", PLATFORM_TAG,
                "--only-binary=:all:",
                "--python-version", PYTHON_VERSION,
                "--implementation", "cp",
                *specs,
            ]
        )  # fmt: skip
        if proc.returncode == 0:
            return True, f"{PLATFORM_TAG} cp{PYTHON_VERSION.replace('.', '')}"
        print(
            "WARNING: downloading linux/arm64 wheels failed; falling back to the LOCAL platform "
            f"({platform.system()} {platform.machine()}, Python {platform.python_version()}).\n"
            "         The artifact then works on Lambda only if every dependency is pure Python.\n"
            + _indent(_pip_errors(proc)),
            file=sys.stderr,
        )
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
    proc = _pip(["--target", str(out_dir), *specs])
    if proc.returncode != 0:
        raise SystemExit(f"pip install of the dependencies failed:\n{_pip_errors(proc)}")
    return False, f"local {platform.system()} {platform.machine()} Python {platform.python_version()}"


def install_project(out_dir: Path) -> None:
    # setuptools builds in-tree under build/lib; a stale copy there can smuggle deleted modules into the wheel.
    _clean_setuptools_scratch()
    try:
        proc = _pip(["--no-deps", "--target", str(out_dir), str(ROOT)])
        if proc.returncode != 0:
            raise SystemExit(f"pip install of the project failed:\n{_pip_errors(proc)}")
    finally:
        _clean_setuptools_scratch()


def _clean_setuptools_scratch() -> None:
    shutil.rmtree(BUILD_DIR / "lib", ignore_errors=True)
    for p in BUILD_DIR.glob("bdist.*"):
        shutil.rmtree(p, ignore_errors=True)


def strip(out_dir: Path) -> list[str]:
    """Remove bloat from the installed tree; returns the runtime-provided modules found (and removed)."""
    removed_provided: list[str] = []
    for name in RUNTIME_PROVIDED_MODULES:
        p = out_dir / name
        if p.exists():
            removed_provided.append(name)
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    for dist in RUNTIME_PROVIDED:
        for p in out_dir.glob(f"{dist.replace('-', '_')}-*.dist-info"):
            shutil.rmtree(p)
    shutil.rmtree(out_dir / "bin", ignore_errors=True)
    for p in sorted(out_dir.rglob("__pycache__"), reverse=True):
        shutil.rmtree(p, ignore_errors=True)
    for p in out_dir.rglob("*.py[co]"):
        p.unlink()
    for top in out_dir.iterdir():
        if not top.is_dir() or top.name.endswith((".dist-info", ".data")):
            continue
        for p in sorted(top.rglob("tests"), reverse=True):  # inside packages only, never a top-level package
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
    for info in out_dir.glob("*.dist-info"):
        for name in DIST_INFO_BLOAT:
            (info / name).unlink(missing_ok=True)
    return removed_provided


def precompile(out_dir: Path, python: str) -> str:
    """Compile ``out_dir`` with ``python`` (must be the runtime's version). Returns its version string."""
    probe = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    version = probe.stdout.strip()
    if probe.returncode != 0 or version != PYTHON_VERSION:
        raise SystemExit(
            f"--precompile needs a Python {PYTHON_VERSION} interpreter; {python} is {version or 'not runnable'}"
        )
    proc = subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(out_dir)],
        capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"compileall failed:\n{(proc.stdout + proc.stderr)[-2000:]}")
    return version


def write_zip(out_dir: Path, zip_path: Path) -> tuple[int, int, list[tuple[str, int]]]:
    """Deterministic zip (sorted entries, fixed timestamps, 0644). Returns (files, unzipped bytes, largest tops)."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_suffix(".zip.tmp")
    files = 0
    total = 0
    per_top: dict[str, int] = {}
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(out_dir).as_posix()
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            zf.writestr(info, data, compresslevel=9)
            files += 1
            total += len(data)
            top = rel.split("/", 1)[0]
            per_top[top] = per_top.get(top, 0) + len(data)
    os.replace(tmp, zip_path)
    largest = sorted(per_top.items(), key=lambda kv: kv[1], reverse=True)[:6]
    return files, total, largest


def build(
    out_dir: Path = DEFAULT_OUT_DIR,
    zip_path: Path = DEFAULT_ZIP,
    *,
    local: bool = False,
    precompile_with: str | None = None,
) -> BuildResult:
    reqs, dropped = runtime_requirements()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    cross, plat = install_dependencies(reqs, out_dir, local=local)
    install_project(out_dir)
    leaked = strip(out_dir)
    if leaked:
        dropped.append("removed (pulled in transitively, provided by the runtime): " + ", ".join(leaked))
    if precompile_with:
        plat += f", .pyc for Python {precompile(out_dir, precompile_with)} (unchecked-hash)"
    files, unzipped, largest = write_zip(out_dir, zip_path)
    return BuildResult(
        out_dir=out_dir,
        zip_path=zip_path,
        zip_bytes=zip_path.stat().st_size,
        unzipped_bytes=unzipped,
        files=files,
        cross_platform=cross,
        platform=plat,
        requirements=[r.spec for r in reqs],
        dropped=dropped,
        largest=largest,
    )


def report(result: BuildResult) -> str:
    rel = _rel
    lines = [
        f"artifact dir : {rel(result.out_dir)}  (CodeUri of deploy/template.yaml)",
        f"zip          : {rel(result.zip_path)}",
        f"platform     : {result.platform}" + ("" if result.cross_platform else "  (NOT the Lambda target platform)"),
        f"bundled deps : {', '.join(result.requirements) or '-'}",
    ]
    lines += [f"left out     : {d}" for d in result.dropped]
    lines += [
        "largest      : " + ", ".join(f"{name} {size / 1_000_000:.1f} MB" for name, size in result.largest),
        f"files        : {result.files}",
        f"zip size     : {result.zip_mb:.2f} MB",
        f"unzipped size: {result.unzipped_mb:.2f} MB",
    ]
    return "\n".join(lines)


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


def _indent(text: str) -> str:
    return "\n".join("         " + ln for ln in text.splitlines())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="artifact directory (default build/lambda)")
    ap.add_argument(
        "--zip", type=Path, default=DEFAULT_ZIP, help="zip path (default build/inspector2backlog-lambda.zip)"
    )
    ap.add_argument("--local", action="store_true", help="build for the host platform instead of linux/arm64")
    ap.add_argument(
        "--precompile", metavar="PYTHON", help=f"ship .pyc compiled by this Python {PYTHON_VERSION} interpreter"
    )
    args = ap.parse_args(argv)
    result = build(args.out_dir, args.zip, local=args.local, precompile_with=args.precompile)
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
