"""Setting the two timestamps of an OpenType font (``head.created``, ``head.modified``).

A font subset made by fontTools carries the time it was written in ``head.modified`` (the
clock, or ``SOURCE_DATE_EPOCH`` when set); one made by HarfBuzz keeps the original font's
dates. :func:`set_font_times` writes a given time into both fields, in place in the
font's bytes, and fixes the two checksums that cover them (the ``head`` table's in the
table directory, and ``head.checkSumAdjustment`` for the whole font), exactly as a font
writer would: nothing else of the font changes, its size included.

Pure bytes in, bytes out: no fontTools, no clock.
"""

from __future__ import annotations

import datetime as dt
import struct

__all__ = ["font_time", "set_font_times"]

# seconds from 1904-01-01T00:00:00Z (the epoch of OpenType's LONGDATETIME) to 1970-01-01
_EPOCH_1904 = 2_082_844_800
_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_CREATED, _MODIFIED, _ADJUSTMENT = 20, 28, 8  # offsets in the head table
_HEAD_MIN_LENGTH = 36  # up to the end of ``modified``


def font_time(moment: dt.datetime) -> int:
    """``moment`` as an OpenType LONGDATETIME: whole seconds since 1904-01-01 UTC (a naive
    ``moment`` is UTC; one before 1904 is 1904)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0, int(moment.timestamp()) + _EPOCH_1904)


def set_font_times(font: bytes, seconds: int) -> bytes:
    """``font`` (one sfnt: TrueType or CFF-flavoured OpenType) with ``head.created`` and
    ``head.modified`` both ``seconds`` (LONGDATETIME), checksums fixed. Bytes that are not
    an sfnt, or an sfnt without a ``head`` table, come back unchanged."""
    if font[:4] not in _SFNT_VERSIONS or len(font) < 12:
        return font
    (count,) = struct.unpack_from(">H", font, 4)
    directory_end = 12 + 16 * count
    if len(font) < directory_end:
        return font
    records = [struct.unpack_from(">4sIII", font, 12 + 16 * i) for i in range(count)]
    head = next((i for i, record in enumerate(records) if record[0] == b"head"), None)
    if head is None:
        return font
    _, _, offset, length = records[head]
    if length < _HEAD_MIN_LENGTH or offset + length > len(font):
        return font
    data = bytearray(font)
    struct.pack_into(">QQ", data, offset + _CREATED, seconds, seconds)
    struct.pack_into(">I", data, offset + _ADJUSTMENT, 0)
    # the head table's checksum is taken with checkSumAdjustment at zero
    head_sum = _checksum(bytes(data[offset : offset + length]))
    struct.pack_into(">I", data, 12 + 16 * head + 4, head_sum)
    tables = sum(head_sum if i == head else record[1] for i, record in enumerate(records))
    total = (_checksum(bytes(data[:directory_end])) + tables) & 0xFFFFFFFF
    struct.pack_into(">I", data, offset + _ADJUSTMENT, (0xB1B0AFBA - total) & 0xFFFFFFFF)
    return bytes(data)


def _checksum(block: bytes) -> int:
    """The OpenType checksum: the sum of big-endian uint32 words, zero-padded, mod 2**32."""
    padded = block + b"\0" * (-len(block) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF
