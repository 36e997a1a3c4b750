"""Reading local result files line by line, whatever their compression, in flat memory.

Gzip is recognized by its magic bytes, not its name. A truncated or corrupt gzip, a
missing file, a directory or an empty file is an :class:`InputError` naming the file.

Bounded: a line is read with ``readline(max_line_bytes + 1)``, so a line longer than
``COMPLIANCE_MAX_LINE_BYTES`` is refused after reading at most that many bytes of it; a
gzip file is refused once it has expanded to more than ``COMPLIANCE_MAX_DECOMPRESSED_BYTES``
or, past its first 16 MiB, to more than ``COMPLIANCE_MAX_COMPRESSION_RATIO`` times the
compressed bytes read (a gzip bomb). Memory stays about one line, whatever the file holds.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from compliance.config import InputLimits
from compliance.errors import InputError

__all__ = ["GZIP_ERRORS", "RATIO_FLOOR_BYTES", "LineReader", "content_kind", "open_lines"]

_GZIP_MAGIC = b"\x1f\x8b"
GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
_CHECK_EVERY = 1 << 20  # decompressed bytes between two checks of the expansion
_NEWLINE = ord("\n")
_BUFFER = 1 << 16
RATIO_FLOOR_BYTES = 16 << 20
"""Decompressed bytes below which the compression ratio is not judged (small files of
repeated text compress far better than records do)."""


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
    limits: InputLimits = field(default_factory=InputLimits)
    compressed: bool = False
    _decompressed: int = 0

    @property
    def position(self) -> int:
        return self._raw.tell()

    def truncated(self, after_line: int, exc: BaseException) -> InputError:
        """The error for gzip data that ends or breaks after ``after_line``."""
        return InputError(
            f"the gzip data is truncated or corrupt after line {after_line} ({exc})",
            file=str(self.path),
            hint="the file was cut short: copy or compress it again",
        )

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        line_no = 0
        limit = self.limits.max_line_bytes
        readline = self._stream.readline
        compressed = self.compressed
        most = self.limits.max_decompressed_bytes
        check_at = min(_CHECK_EVERY, most + 1)
        try:
            while True:
                line = readline(limit + 1)
                if not line:
                    return
                line_no += 1
                size = len(line)
                if size > limit and not (size == limit + 1 and line[-1] == _NEWLINE):
                    raise self._too_long(line_no)
                if compressed:
                    self._decompressed += size
                    if self._decompressed >= check_at:
                        self._check_expansion(line_no)
                        check_at = min(self._decompressed + _CHECK_EVERY, most + 1)
                yield line_no, line
        except GZIP_ERRORS as exc:
            raise self.truncated(line_no, exc) from exc

    def text_lines(self) -> Iterator[str]:
        """The lines decoded from UTF-8 (a leading byte-order mark dropped), bounded as
        :meth:`__iter__`; bytes that are not UTF-8 are an :class:`InputError` with the line."""
        for line_no, raw in self:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"the text is not UTF-8 ({exc.reason})",
                    file=str(self.path),
                    line=line_no,
                    hint="save as UTF-8",
                ) from None
            if line_no == 1:
                text = text.removeprefix("\ufeff")
            yield text

    def _too_long(self, line_no: int) -> InputError:
        return InputError(
            f"the line is longer than {self.limits.max_line_bytes} bytes "
            "(COMPLIANCE_MAX_LINE_BYTES); nothing was stored",
            file=str(self.path),
            line=line_no,
            hint="one record per line: split the file, or raise COMPLIANCE_MAX_LINE_BYTES",
        )

    def _check_expansion(self, line_no: int) -> None:
        """Refuse the file once it has expanded past the limits (checked every 1 MiB)."""
        limits = self.limits
        if self._decompressed > limits.max_decompressed_bytes:
            raise InputError(
                f"the gzip data expands to more than {limits.max_decompressed_bytes} bytes "
                "(COMPLIANCE_MAX_DECOMPRESSED_BYTES); nothing was stored",
                file=str(self.path),
                line=line_no,
                hint="split the file, or raise COMPLIANCE_MAX_DECOMPRESSED_BYTES",
            )
        if self._decompressed > RATIO_FLOOR_BYTES:
            ratio = self._decompressed / max(1, self._raw.tell())
            if ratio > limits.max_compression_ratio:
                raise InputError(
                    f"the gzip data expands {ratio:.0f} times, more than "
                    f"{limits.max_compression_ratio:g} (COMPLIANCE_MAX_COMPRESSION_RATIO): "
                    "a compression bomb? nothing was stored",
                    file=str(self.path),
                    line=line_no,
                    hint="check where the file came from, or raise "
                    "COMPLIANCE_MAX_COMPRESSION_RATIO",
                )

    def close(self) -> None:
        self._stream.close()
        self._raw.close()


def open_lines(path: Path, limits: InputLimits | None = None) -> LineReader:
    """Open ``path`` for reading lines, decompressing gzip; refuses missing or empty files.
    ``limits`` default to the environment's (:class:`~compliance.config.InputLimits`)."""
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
    compressed = magic == _GZIP_MAGIC
    # GzipFile's own readline goes through Python; a BufferedReader over it reads lines in C
    stream: IO[bytes] = (
        io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), _BUFFER) if compressed else raw
    )
    return LineReader(
        path=path,
        size=size,
        _raw=raw,
        _stream=stream,
        limits=limits or InputLimits(),
        compressed=compressed,
    )
