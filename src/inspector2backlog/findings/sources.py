"""Where input comes from: files, directories, stdin. Unreadable paths are an error the caller reports (exit 2).

Every input is capped (``[input] max_bytes``): regular files are measured before anything is read, standard input
(and pipes, FIFOs) is read in 1 MiB chunks and refused as soon as it passes the cap, so an oversized input is never
held whole in memory. :func:`open_inputs` does all of this before the first item is yielded: a run either has every
input within the cap or processes nothing.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import INPUT, Inspector2BacklogError
from .model import Item
from .parse import iter_text

INPUT_SUFFIXES = (".json", ".jsonl", ".ndjson")
CHUNK = 1024 * 1024


class InputError(Inspector2BacklogError):
    """A path that cannot be read at all (missing, permission denied, a directory without inputs)."""

    kind = INPUT


class InputTooLargeError(InputError):
    """An input larger than ``[input] max_bytes``; nothing was processed."""

    def __init__(self, origin: str, limit: int, size: int | None = None) -> None:
        self.origin, self.limit, self.size = origin, limit, size
        cap = f"[input] max_bytes = {_size(limit)}"
        ja = (
            f"入力が大きすぎます: {_size(size)}、上限は {cap}"
            if size is not None
            else f"入力が上限 {cap} を超えています"
        )
        en = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
        super().__init__(
            f"{origin}: {ja}。何も処理していません。入力を分割する（NDJSON なら split -l）か、上限を上げてください / "
            f"input too large ({en}; limit [input] max_bytes = {limit:,}): nothing was processed; "
            "split the input (NDJSON: split -l) or raise the limit"
        )


def _size(n: int) -> str:
    return f"{n:,} バイト" + (f"（{n / CHUNK:.1f} MiB）" if n >= CHUNK else "")


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


def _read_capped(fh: BinaryIO, origin: str, max_bytes: int | None) -> bytes:
    if max_bytes is None:
        return fh.read()
    chunks: list[bytes] = []
    total = 0
    while chunk := fh.read(min(CHUNK, max_bytes + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:  # stop here: the rest is never read
            raise InputTooLargeError(origin, max_bytes)
    return b"".join(chunks)


def read_bytes(path: str, max_bytes: int | None = None) -> bytes:
    """The whole input (``-`` = stdin); more than ``max_bytes`` raises :class:`InputTooLargeError`."""
    if path == "-":
        return _read_capped(sys.stdin.buffer, "stdin", max_bytes)
    try:
        with open(path, "rb") as fh:
            return _read_capped(fh, path, max_bytes)
    except InputTooLargeError:
        raise
    except OSError as e:
        raise InputError(f"{path}: 読み込めません ({e.strerror or e})") from e


def check_sizes(files: Iterable[str], max_bytes: int) -> None:
    """Refuse a regular file larger than ``max_bytes`` by its size alone (stdin and pipes are measured as read)."""
    for f in files:
        if f == "-":
            continue
        try:
            st = os.stat(f)
        except OSError as e:
            raise InputError(f"{f}: 読み込めません ({e.strerror or e})") from e
        if stat.S_ISREG(st.st_mode) and st.st_size > max_bytes:
            raise InputTooLargeError(f, max_bytes, st.st_size)


class Inputs:
    """Checked inputs: iterating yields every item of every input, in order."""

    def __init__(self, files: list[str], max_bytes: int | None, stdin: bytes | None) -> None:
        self.files, self.max_bytes, self._stdin = files, max_bytes, stdin

    def __iter__(self) -> Iterator[Item]:
        for f in self.files:
            if f == "-":
                data, self._stdin = self._stdin or b"", b""  # stdin is read once; a second "-" is empty
                yield from iter_text(data, "stdin")
            else:
                try:
                    data = read_bytes(f, self.max_bytes)
                except InputTooLargeError as e:  # it grew after check_sizes measured it
                    raise InputError(
                        f"{f}: 確認した後で上限 [input] max_bytes = {e.limit:,} バイトを超えました / "
                        f"grew past [input] max_bytes = {e.limit:,} after it was checked"
                    ) from e
                yield from iter_text(data, f)


def open_inputs(paths: Iterable[str], max_bytes: int | None = None) -> Inputs:
    """Expand ``paths`` and check every input against ``max_bytes`` now (stdin is read here, within the cap)."""
    files = expand_paths(paths)
    if max_bytes is not None:
        check_sizes(files, max_bytes)
    stdin = read_bytes("-", max_bytes) if "-" in files else None
    return Inputs(files, max_bytes, stdin)


def iter_paths(paths: Iterable[str], max_bytes: int | None = None) -> Iterator[Item]:
    """All items of all inputs. Raises :class:`InputError` before yielding anything if a path is missing or an
    input is larger than ``max_bytes``."""
    yield from open_inputs(paths, max_bytes)
