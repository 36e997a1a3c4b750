"""The nightly run's structured log lines (``event=... key=value ...``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping

from compliance.clock import isoformat_z

__all__ = ["log_event", "logfmt"]

_log = logging.getLogger("compliance.nightly")


def logfmt(fields: Mapping[str, object]) -> str:
    """``key=value`` pairs; values with spaces, quotes or ``=`` are JSON strings."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            text = isoformat_z(value, "milliseconds")
        elif isinstance(value, float):
            text = f"{value:.3f}"
        else:
            text = str(value)
        if not text or any(c in text for c in ' ="\\\n\t'):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def log_event(event: str, level: int = logging.INFO, /, **fields: object) -> None:
    """One structured line: ``event=<event>`` and ``fields`` (see the scheduler's formatter)."""
    _log.log(level, event, extra={"fields": fields})
