"""The nightly run's structured log lines (``event=... key=value ...``, one record a line:
:func:`compliance.logline.logfmt` escapes every value)."""

from __future__ import annotations

import logging

from compliance.logline import logfmt

__all__ = ["log_event", "logfmt"]

_log = logging.getLogger("compliance.nightly")


def log_event(event: str, level: int = logging.INFO, /, **fields: object) -> None:
    """One structured line: ``event=<event>`` and ``fields`` (see the scheduler's formatter)."""
    _log.log(level, event, extra={"fields": fields})
