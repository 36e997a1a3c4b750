"""The clock, injected wherever time matters (audits, slots, tokens), so tests can set it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

__all__ = ["Clock", "isoformat_z", "utc_now"]

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """Now, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def isoformat_z(moment: dt.datetime, timespec: str = "seconds") -> str:
    """ISO 8601 in UTC with a ``Z``: ``2026-11-23T02:00:00Z``."""
    text = moment.astimezone(dt.UTC).isoformat(timespec=timespec)
    return text.replace("+00:00", "Z")
