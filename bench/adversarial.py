"""Adversarial text through every text path: the time per path, input and size, and the worst case per path.

    python bench/adversarial.py [--sizes 50,100,200] [--paths NAME,…] [--inputs NAME,…] [--timeout S]

Inputs and paths: ``tests/fakes/adversarial.py`` (word runs, ``apikey`` repeated, ``{`` + spaces, ``a.``×N + ``(``,
an unterminated private-key header… through a normal finding rendered in every format, a fallback input, the
offline translator, span protection, redaction and DeepL's XML markup). Linear paths take about twice as long
for twice the input; the last column shows the ratio of the largest to the smallest size's worst case.
``--timeout S`` runs every case in a child process and stops it after S seconds (for code that may be quadratic).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

from tests.fakes.adversarial import INPUTS, PATHS, SIZES_KB, clear_caches  # noqa: E402


def once(path: str, name: str, kb: int) -> float:
    text = INPUTS[name](kb * 1024)
    clear_caches()
    t0 = time.perf_counter()
    PATHS[path](text)
    return time.perf_counter() - t0


def once_isolated(path: str, name: str, kb: int, timeout: float) -> float | None:
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", path, name, str(kb)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        raise SystemExit(f"{path} / {name} / {kb} KB failed:\n{proc.stderr[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def measure(sizes=SIZES_KB, paths=None, inputs=None, timeout: float | None = None) -> dict:
    """``{path: {input: {kb: seconds or None (timed out)}}}``."""
    out: dict = {}
    for path in paths or PATHS:
        out[path] = {}
        for name in inputs or INPUTS:
            out[path][name] = {
                kb: (once(path, name, kb) if timeout is None else once_isolated(path, name, kb, timeout))
                for kb in sizes
            }
    return out


def fmt_s(t: float | None, timeout: float | None = None) -> str:
    return f"> {timeout:g} s" if t is None else f"{t * 1000:,.0f} ms" if t < 10 else f"{t:,.0f} s"


def worst(results: dict) -> list[tuple[str, str, dict]]:
    """Per path: the input with the longest time at the largest size, and its times."""
    rows = []
    for path, by_input in results.items():
        big = max(next(iter(by_input.values())))
        name = max(by_input, key=lambda n: float("inf") if by_input[n][big] is None else by_input[n][big])
        rows.append((path, name, by_input[name]))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES_KB)), help="input sizes in KB")
    ap.add_argument("--paths", default="", help="comma-separated path names (default: all)")
    ap.add_argument("--inputs", default="", help="comma-separated input names (default: all)")
    ap.add_argument("--timeout", type=float, default=None, help="run each case in a child, at most this long")
    ap.add_argument("--json", action="store_true", help="one JSON line instead of the tables")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        path, name, kb = args.one
        print(once(path, name, int(kb)))
        return 0
    sizes = tuple(int(s) for s in args.sizes.split(","))
    paths = [p for p in args.paths.split(",") if p] or None
    inputs = [i for i in args.inputs.split(",") if i] or None
    results = measure(sizes, paths, inputs, args.timeout)
    if args.json:
        print(json.dumps({"sizes_kb": sizes, "results": results}, ensure_ascii=False))
        return 0
    for path, by_input in results.items():
        print(f"\n{path}")
        for name, times in by_input.items():
            print(f"  {name:<24}" + "".join(f"{fmt_s(times[kb], args.timeout):>12}" for kb in sizes))
    print("\nworst case per path (" + " / ".join(f"{kb} KB" for kb in sizes) + ", ratio largest/smallest)")
    for path, name, times in worst(results):
        lo, hi = times[sizes[0]], times[sizes[-1]]
        ratio = f"{hi / lo:.1f}x" if lo and hi else "-"
        print(
            f"  {path:<22} {name:<24}"
            + "".join(f"{fmt_s(times[kb], args.timeout):>12}" for kb in sizes)
            + f"  {ratio:>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
