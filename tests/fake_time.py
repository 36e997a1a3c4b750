"""Fake clocks for the tests of byte-for-byte re-rendering: no test waits for the clock.

A font writer may read two clocks: ``time.time()`` and ``SOURCE_DATE_EPOCH``
(fontTools reads the latter first). :func:`clock_at` sets both for a block of this process;
:data:`CHILD_AT` runs the command line in another process with ``time.time()`` fixed.

fontTools writes the clock into the fonts it subsets; HarfBuzz's subsetter, which WeasyPrint
prefers where ``libharfbuzz-subset`` is installed, does not. :func:`use_fonttools_subsetter`
(and :data:`FONTTOOLS_ENV` for :data:`CHILD_AT`) makes WeasyPrint take the fontTools path
anyway, so a test of the clock tests it on every machine.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

__all__ = [
    "CHILD_AT",
    "DAYS_LATER",
    "FONTTOOLS_ENV",
    "ISSUED",
    "ISSUED_AT",
    "clock_at",
    "use_fonttools_subsetter",
]

ISSUED_AT = dt.datetime(2026, 11, 23, 2, 0, 9, tzinfo=dt.UTC)
"""The fake time of an issue."""
ISSUED = ISSUED_AT.timestamp()
DAYS_LATER = ISSUED + 3 * 86_400 + 1.5
"""A fake time of a later re-render: other days, another second (and half second)."""

FONTTOOLS_ENV = "COMPLIANCE_TEST_FONTTOOLS_SUBSETTER"

CHILD_AT = f"""
import os, sys, time
now = float(sys.argv[1])
time.time = lambda: now
if os.environ.get("{FONTTOOLS_ENV}"):
    from weasyprint.pdf import fonts
    fonts.harfbuzz_subset = None
from compliance.cli.main import main
main(sys.argv[2:])
"""
"""``python -c CHILD_AT SECONDS ARGS...``: ``compliance ARGS...`` with ``time.time()``
fixed at SECONDS (the environment, ``SOURCE_DATE_EPOCH`` included, is the caller's), and
fontTools subsetting when :data:`FONTTOOLS_ENV` is set."""


@contextmanager
def clock_at(seconds: float, source_date_epoch: str | None = None) -> Iterator[None]:
    """For the block, ``time.time()`` is ``seconds`` and ``SOURCE_DATE_EPOCH`` is
    ``source_date_epoch`` (unset when None)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: seconds)
        if source_date_epoch is None:
            patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            patch.setenv("SOURCE_DATE_EPOCH", source_date_epoch)
        yield


def use_fonttools_subsetter(patch: pytest.MonkeyPatch) -> None:
    """WeasyPrint subsets fonts with fontTools (in this process) while ``patch`` lasts."""
    from weasyprint.pdf import fonts

    patch.setattr(fonts, "harfbuzz_subset", None)
