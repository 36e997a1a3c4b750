"""The readers' limits, in process: what is refused, with which line, and the memory it took
(``tracemalloc`` peak, far below what the input expands to)."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance.config import InputLimits
from compliance.errors import InputError
from compliance.sources.config import InspectSourceConfig
from compliance.sources.files import open_lines
from compliance.sources.inspect_logs import _read_bounded, read_inspect_log
from tests.hostile import MIB, gzip_repeated, zip_bomb_eval

HEADER: dict[str, object] = {"eval": {"task": "t", "scorers": [{"name": "match"}]}}


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COMPLIANCE_MAX_"):
            monkeypatch.delenv(name)


def peak_of(action: Callable[[], Any]) -> tuple[int, BaseException | None]:
    """Peak bytes Python allocated while running ``action``, and what it raised."""
    tracemalloc.start()
    raised: BaseException | None = None
    try:
        action()
    except InputError as exc:
        raised = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, raised


def read_all(path: Path, limits: InputLimits | None = None) -> list[int]:
    reader = open_lines(path, limits)
    try:
        return [n for n, _ in reader]
    finally:
        reader.close()


def test_a_huge_gzip_line_is_refused_after_the_limit(tmp_path: Path) -> None:
    path = gzip_repeated(tmp_path / "x.jsonl.gz", b"a", 256 * MIB, head=b"{}\n{}\n")
    peak, raised = peak_of(lambda: read_all(path))
    assert isinstance(raised, InputError)
    assert raised.line == 3
    assert "longer than 1048576 bytes (COMPLIANCE_MAX_LINE_BYTES)" in str(raised)
    assert peak < 8 * MIB, peak


def test_the_line_limit_counts_the_newline_apart(tmp_path: Path) -> None:
    limits = InputLimits(max_line_bytes=1024)
    fits = tmp_path / "fits.jsonl"
    fits.write_bytes(b"a" * 1024 + b"\n" + b"b" * 1024)  # the last line has no newline
    assert read_all(fits, limits) == [1, 2]
    over = tmp_path / "over.jsonl"
    over.write_bytes(b"a" * 1024 + b"\n" + b"b" * 1025 + b"\n")
    with pytest.raises(InputError, match=r"over.jsonl:2: the line is longer than 1024"):
        read_all(over, limits)


def test_a_gzip_bomb_of_short_lines_is_refused_by_its_ratio(tmp_path: Path) -> None:
    path = gzip_repeated(tmp_path / "bomb.jsonl.gz", b" " * 99 + b"\n", 256 * MIB)
    peak, raised = peak_of(lambda: read_all(path))
    assert raised is not None
    assert "times, more than 200 (COMPLIANCE_MAX_COMPRESSION_RATIO)" in str(raised)
    assert peak < 8 * MIB, peak
    # an honest file with the same ratio is read when the ratio allowed is raised
    small = gzip_repeated(tmp_path / "small.jsonl.gz", b" " * 99 + b"\n", 32 * MIB)
    assert len(read_all(small, InputLimits(max_compression_ratio=10_000))) == 32 * MIB // 100 + 1


def test_total_decompressed_bytes_are_capped(tmp_path: Path) -> None:
    path = gzip_repeated(tmp_path / "big.jsonl.gz", b"x" * 99 + b"\n", 32 * MIB)
    limits = InputLimits(max_decompressed_bytes=2 * MIB, max_compression_ratio=10_000)
    with pytest.raises(InputError, match=r"expands to more than 2097152 bytes") as caught:
        read_all(path, limits)
    assert caught.value.line == 2 * MIB // 100 + 1


def test_an_eval_member_declaring_a_huge_size_is_refused_unread(tmp_path: Path) -> None:
    path = zip_bomb_eval(tmp_path / "bomb.eval", 300 * MIB, header=HEADER)
    assert path.stat().st_size < 2 * MIB
    config = InspectSourceConfig.model_validate({"path": str(path)})
    peak, raised = peak_of(lambda: list(read_inspect_log(path, config)))
    assert raised is not None
    message = str(raised)
    assert "bomb.eval!samples/1_epoch_1.json" in message
    assert f"declares {300 * MIB} bytes" in message
    assert "COMPLIANCE_MAX_MEMBER_BYTES" in message
    assert peak < 8 * MIB, peak


def test_an_eval_member_expanding_too_many_times_is_refused(tmp_path: Path) -> None:
    path = zip_bomb_eval(tmp_path / "ratio.eval", 40 * MIB, header=HEADER)
    config = InspectSourceConfig.model_validate({"path": str(path)})
    peak, raised = peak_of(lambda: list(read_inspect_log(path, config)))
    assert raised is not None
    assert "expands" in str(raised) and "COMPLIANCE_MAX_COMPRESSION_RATIO" in str(raised)
    assert peak < 8 * MIB, peak


def test_an_eval_member_lying_about_its_size_is_stopped_at_the_declared_size(
    tmp_path: Path,
) -> None:
    """A member declaring 1 KiB that holds 64 MiB: reading stops at the declared size and
    the member fails its check; memory stays small."""
    path = zip_bomb_eval(tmp_path / "liar.eval", 64 * MIB, header=HEADER)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("samples/1_epoch_1.json")
    # the headers hold the size in 8 bytes (zip64 extra) or 4: point them all at 1 KiB
    for width in (8, 4):
        data = data.replace((64 * MIB).to_bytes(width, "little"), (1024).to_bytes(width, "little"))
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("samples/1_epoch_1.json").file_size == 1024 != info.file_size
    config = InspectSourceConfig.model_validate({"path": str(path)})
    peak, raised = peak_of(lambda: list(read_inspect_log(path, config)))
    assert raised is not None
    assert "liar.eval!samples/1_epoch_1.json" in str(raised)
    assert peak < 8 * MIB, peak


def test_a_zstandard_stream_is_read_only_up_to_the_limit() -> None:
    zstandard = pytest.importorskip("zstandard")
    bomb = zstandard.ZstdCompressor(level=1).compress(b"\0" * (64 * MIB))
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(bomb))
    peak, raised = peak_of(lambda: _read_bounded(reader, "x.eval!m", MIB))
    assert raised is not None and "expands, more than 1048576" in str(raised)
    assert peak < 8 * MIB, peak
