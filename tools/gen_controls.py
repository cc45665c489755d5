"""Generate the Security Hub reference data shipped in inspector2backlog/sources/securityhub/.

    python tools/gen_controls.py            # reads ../shared/docs/*.tsv ($I2B_SHARED_DIR/docs), writes controls.tsv and cis_legacy.tsv
    python tools/gen_controls.py --check    # exit 1 when the committed files differ from what would be written

The provenance column of the shared TSVs is dropped; every other value is copied as published.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: ../shared beside the repo; I2B_SHARED_DIR overrides it (a git worktree elsewhere)
SHARED_DOCS = Path(os.environ.get("I2B_SHARED_DIR") or ROOT.parent / "shared") / "docs"
OUT_DIR = ROOT / "src" / "inspector2backlog" / "sources" / "securityhub"

CONTROL_COLUMNS = ("control_id", "severity", "resource_type", "standards", "remediation_url", "title")
LEGACY_COLUMNS = ("standard", "legacy_control_id", "legacy_generator_id", "security_control_id")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _write(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    buf.write("\t".join(columns) + "\n")
    for row in rows:
        cells = [(row.get(c) or "").strip() for c in columns]
        if any("\t" in c or "\n" in c for c in cells):
            raise ValueError(f"tab or newline inside a cell: {cells}")
        buf.write("\t".join(cells) + "\n")
    return buf.getvalue()


def generate(docs: Path = SHARED_DOCS) -> dict[str, str]:
    """File name → content, from the shared TSVs in ``docs``."""
    controls = _read(docs / "securityhub-controls.tsv")
    legacy = _read(docs / "cis-legacy-ids.tsv")
    return {
        "controls.tsv": _write(controls, CONTROL_COLUMNS),
        "cis_legacy.tsv": _write(legacy, LEGACY_COLUMNS),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=Path, default=SHARED_DOCS, help="folder with the shared TSVs (default ../shared/docs)")
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)
    stale = []
    for name, text in generate(args.docs).items():
        target = OUT_DIR / name
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            target.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {target.relative_to(ROOT)} ({text.count(chr(10)) - 1} rows)")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
