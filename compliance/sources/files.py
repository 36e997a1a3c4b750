"""Reading local result files line by line, whatever their compression, in flat memory.

Gzip is recognized by its magic bytes, not its name. A truncated or corrupt gzip, a
missing file, a directory or an empty file is an :class:`InputError` naming the file.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from compliance.errors import InputError

__all__ = ["GZIP_ERRORS", "LineReader", "content_kind", "open_lines"]

_GZIP_MAGIC = b"\x1f\x8b"
GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


def content_kind(path: Path) -> str:
    """``csv`` or ``jsonl``, from the name with any ``.gz`` removed."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return "csv" if suffixes and suffixes[-1] == ".csv" else "jsonl"


@dataclass
class LineReader:
    """Numbered lines of one file; ``position`` is how far into the file on disk we are."""

    path: Path
    size: int
    _raw: IO[bytes]
    _stream: IO[bytes]

    @property
    def position(self) -> int:
        return self._raw.tell()

    @property
    def stream(self) -> IO[bytes]:
        """The decompressed byte stream, for readers that parse more than lines (CSV)."""
        return self._stream

    def truncated(self, after_line: int, exc: BaseException) -> InputError:
        """The error for gzip data that ends or breaks after ``after_line``."""
        return InputError(
            f"the gzip data is truncated or corrupt after line {after_line} ({exc})",
            file=str(self.path),
            hint="the file was cut short: copy or compress it again",
        )

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        line_no = 0
        try:
            for line in self._stream:
                line_no += 1
                yield line_no, line
        except GZIP_ERRORS as exc:
            raise self.truncated(line_no, exc) from exc

    def close(self) -> None:
        self._stream.close()
        self._raw.close()


def open_lines(path: Path) -> LineReader:
    """Open ``path`` for reading lines, decompressing gzip; refuses missing or empty files."""
    if not path.exists():
        raise InputError("no such file", file=str(path), hint="check the path")
    if path.is_dir():
        raise InputError("is a directory, not a file", file=str(path), hint="give one file")
    size = path.stat().st_size
    if size == 0:
        raise InputError("the file is empty", file=str(path), hint="give a file with records")
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    stream: IO[bytes] = (
        gzip.GzipFile(fileobj=raw, mode="rb") if magic == _GZIP_MAGIC else raw  # type: ignore[assignment]
    )
    return LineReader(path=path, size=size, _raw=raw, _stream=stream)
