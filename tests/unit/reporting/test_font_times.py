"""Setting a font's two dates in place: the bytes fontTools would write, checksums right."""

from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path

import matplotlib
import pytest
from fontTools import subset
from fontTools.ttLib import TTFont

from compliance.reporting._font_times import font_time, set_font_times

WHEN = font_time(dt.datetime(2026, 11, 23, 2, 0, 5, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def font() -> bytes:
    """A small subset of matplotlib's DejaVu Sans, written by fontTools at a known time."""
    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    ttfont = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(subset.Options(ignore_missing_glyphs=True))
    subsetter.populate(text="Audit report 0123456789")
    subsetter.subset(ttfont)
    ttfont["head"].modified = 3_000_000_000
    out = io.BytesIO()
    ttfont.save(out)
    return out.getvalue()


def test_the_dates_are_set_and_the_checksums_fixed(font: bytes) -> None:
    pinned = set_font_times(font, WHEN)
    assert len(pinned) == len(font) and pinned != font
    head = TTFont(io.BytesIO(pinned), checkChecksums=2)["head"]  # raises on a bad checksum
    assert head.created == head.modified == WHEN
    padded = pinned + b"\0" * (-len(pinned) % 4)
    assert sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF == 0xB1B0AFBA


def test_the_bytes_are_those_fonttools_writes_for_these_dates(font: bytes) -> None:
    reference = TTFont(io.BytesIO(font), recalcTimestamp=False)
    reference["head"].created = reference["head"].modified = WHEN
    out = io.BytesIO()
    reference.save(out)
    assert set_font_times(font, WHEN) == out.getvalue()


def test_whatever_dates_a_font_had_it_ends_the_same(font: bytes) -> None:
    other = TTFont(io.BytesIO(font), recalcTimestamp=False)
    other["head"].created, other["head"].modified = 1, 4_000_000_000
    out = io.BytesIO()
    other.save(out)
    assert out.getvalue() != font
    assert set_font_times(out.getvalue(), WHEN) == set_font_times(font, WHEN)
    assert set_font_times(set_font_times(font, WHEN), WHEN) == set_font_times(font, WHEN)


@pytest.mark.parametrize(
    "data", [b"", b"%PDF-1.7", b"\x00\x01\x00\x00\x00\x05", b"OTTO" + b"\0" * 8]
)
def test_what_is_not_a_font_with_a_head_table_is_left_alone(data: bytes) -> None:
    assert set_font_times(data, WHEN) == data


def test_font_time_counts_from_1904() -> None:
    assert font_time(dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) == 2_082_844_800
    assert font_time(dt.datetime(1970, 1, 1)) == 2_082_844_800  # naive is UTC
    assert font_time(dt.datetime(1800, 1, 1, tzinfo=dt.UTC)) == 0
