"""Fake clocks for the tests of byte-for-byte re-rendering: no test waits for the clock.

A font writer may read two clocks: ``time.time()`` and ``SOURCE_DATE_EPOCH``
(fontTools reads the latter first). :func:`clock_at` sets both for a block of this process;
:data:`CHILD_AT` runs the command line in another process with ``time.time()`` fixed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

__all__ = ["CHILD_AT", "DAYS_LATER", "ISSUED", "ISSUED_AT", "clock_at"]

ISSUED_AT = dt.datetime(2026, 11, 23, 2, 0, 9, tzinfo=dt.UTC)
"""The fake time of an issue."""
ISSUED = ISSUED_AT.timestamp()
DAYS_LATER = ISSUED + 3 * 86_400 + 1.5
"""A fake time of a later re-render: other days, another second (and half second)."""

CHILD_AT = """
import sys, time
now = float(sys.argv[1])
time.time = lambda: now
from compliance.cli.main import main
main(sys.argv[2:])
"""
"""``python -c CHILD_AT SECONDS ARGS...``: ``compliance ARGS...`` with ``time.time()``
fixed at SECONDS (the environment, ``SOURCE_DATE_EPOCH`` included, is the caller's)."""


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
