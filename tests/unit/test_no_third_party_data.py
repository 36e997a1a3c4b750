"""No copy of a third-party dataset comes back into the repository.

The datasets of ``../shared/data/`` (BBQ's published predictions, PERG's per-item results)
are read in place by the tests that need them; neither they nor anything built from their
items may be committed. This test compares every file of the repository (tracked, or new
and not ignored) with every file there, by the sha256 of the decompressed bytes, and
looks for any of their data lines (80 characters or more) inside the repository's text
files. It skips when the datasets are not on this machine (``COMPLIANCE_TEST_SHARED_DATA``
names their directory; default ``../shared/data`` beside the repository).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_GZIP = b"\x1f\x8b"
_LINE_MIN = 80  # shorter lines (headers, braces, common words) prove nothing


def _shared_dir() -> Path:
    named = os.environ.get("COMPLIANCE_TEST_SHARED_DATA")
    path = Path(named) if named else ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"no third-party datasets here to compare with ({path})")
    return path


def _contents(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == _GZIP else data


def _repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    return [
        ROOT / os.fsdecode(name) for name in listed if name and (ROOT / os.fsdecode(name)).is_file()
    ]


def _data_lines(data: bytes) -> set[bytes]:
    return {line.strip() for line in data.splitlines() if len(line.strip()) >= _LINE_MIN}


def test_no_file_of_the_repository_is_a_third_party_dataset() -> None:
    shared = {
        hashlib.sha256(_contents(path)).hexdigest(): path
        for path in _shared_dir().rglob("*")
        if path.is_file()
    }
    copies = []
    for path in _repository_files():
        digests = {hashlib.sha256(path.read_bytes()).hexdigest()}
        digests.add(hashlib.sha256(_contents(path)).hexdigest())
        copies += [f"{path.relative_to(ROOT)} = {shared[d]}" for d in digests if d in shared]
    assert not copies, "third-party data in the repository: " + "; ".join(copies)


def test_no_line_of_a_third_party_dataset_is_in_the_repository() -> None:
    lines: dict[bytes, Path] = {}
    for path in _shared_dir().rglob("*"):
        if path.is_file() and path.name.split(".")[-1] in {"gz", "jsonl", "csv", "json"}:
            lines.update(dict.fromkeys(_data_lines(_contents(path)), path))
    found = []
    for path in _repository_files():
        try:
            text = _contents(path)
        except (OSError, EOFError, gzip.BadGzipFile):
            continue
        found += [
            f"{path.relative_to(ROOT)} holds a line of {lines[line]}"
            for line in _data_lines(text) & lines.keys()
        ]
    assert not found, "; ".join(found[:5])
