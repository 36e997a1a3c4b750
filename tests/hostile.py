"""Hostile inputs, written on the fly (never checked in): gzip bombs, endless lines, zip bombs.

Each is small on disk and huge once expanded; the writers stream, so making them takes
little memory. :func:`peak_rss_mib` runs a command in a fresh interpreter that reports the
command's peak resident memory (``ru_maxrss`` of its only child).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

MIB = 1 << 20
_BLOCK = 16 * MIB


def _gzip_member(data: bytes) -> bytes:
    """One gzip member of ``data`` (members concatenate into one stream)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def gzip_repeated(path: Path, unit: bytes, total_bytes: int, *, head: bytes = b"") -> Path:
    """A gzip file expanding to ``head`` then ``unit`` repeated to ``total_bytes``: one
    compressed block of 16 MiB written again and again (concatenated gzip members)."""
    block = _gzip_member((unit * (_BLOCK // len(unit) + 1))[:_BLOCK])
    with path.open("wb") as out:
        if head:
            out.write(_gzip_member(head))
        for _ in range(total_bytes // _BLOCK):
            out.write(block)
    return path


def zip_bomb_eval(path: Path, member_bytes: int, *, header: dict[str, object]) -> Path:
    """An Inspect-shaped ``.eval`` archive whose one sample member expands to
    ``member_bytes`` of spaces (a deflated zip member, streamed into the archive)."""
    chunk = b" " * MIB
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("header.json", json.dumps(header))
        with zf.open("samples/1_epoch_1.json", "w", force_zip64=True) as member:
            for _ in range(member_bytes // MIB):
                member.write(chunk)
    return path


_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[2:], capture_output=True, text=True)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(f'{peak}\\n{done.returncode}\\n' + done.stderr)\n"
)


def peak_rss_mib(
    args: list[str], *, report: Path, env: dict[str, str], timeout: float = 300
) -> tuple[float, int, str]:
    """``(peak resident MiB, exit code, stderr)`` of ``args`` run as a fresh process."""
    subprocess.run(
        [sys.executable, "-c", _MEASURE, str(report), *args],
        env=env,
        timeout=timeout,
        check=True,
    )
    peak_kib, code, err = report.read_text().split("\n", 2)
    return int(peak_kib) / 1024, int(code), err
