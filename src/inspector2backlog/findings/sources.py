"""Where input comes from: files, directories, stdin. Unreadable paths are an error the caller reports (exit 2)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Iterator

from .model import Item
from .parse import iter_text

INPUT_SUFFIXES = (".json", ".jsonl", ".ndjson")


class InputError(Exception):
    """A path that cannot be read at all (missing, permission denied, a directory without inputs)."""


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files in the order given; directories expanded (recursively, sorted) to their JSON/NDJSON files."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(str(x) for x in path.rglob("*") if x.is_file() and x.suffix.lower() in INPUT_SUFFIXES)
            if not found:
                raise InputError(f"{p}: ディレクトリに JSON ファイルがありません (no .json/.jsonl/.ndjson files)")
            out.extend(found)
        elif path.exists():
            out.append(p)
        else:
            raise InputError(f"{p}: ファイルが見つかりません (no such file)")
    return out


def read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"{path}: 読み込めません ({e.strerror or e})") from e


def iter_paths(paths: Iterable[str]) -> Iterator[Item]:
    """All items of all inputs. Raises :class:`InputError` before yielding anything if a path is missing."""
    files = expand_paths(paths)
    for f in files:
        yield from iter_text(read_bytes(f), "stdin" if f == "-" else f)
