"""What a nightly process (``compliance scheduler run`` or ``compliance worker``) sets up
before it runs slots: its clock (:class:`OffsetClock` for ``COMPLIANCE_FAKE_NOW``) and its
log lines on stderr (:func:`configure_logging`, one logfmt line per record). Shared by
:mod:`compliance.scheduler` and :mod:`compliance.queue`, so neither imports the other's
internals (and the two stay free of an import cycle).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys

from compliance.clock import Clock, utc_now
from compliance.logline import LogfmtFormatter

__all__ = ["LogfmtFormatter", "OffsetClock", "configure_logging", "queue_lines"]


class OffsetClock:
    """The real UTC time plus a fixed offset (``COMPLIANCE_FAKE_NOW``)."""

    def __init__(self, offset: dt.timedelta) -> None:
        self.offset = offset

    def __call__(self) -> dt.datetime:
        return utc_now() + self.offset


_WORKER_STOP = frozenset({"stopping_worker", "ending_job", "stop_worker"})
"""Procrastinate's ``action`` of the lines about a worker stopping."""


def queue_lines(record: logging.LogRecord) -> bool:
    """Procrastinate below WARNING only when it says how a worker stops (the stop request,
    the jobs it waits for, the stop): what a SIGTERM did. The job.start and job.end lines
    of :mod:`compliance.services.nightly_log` say the rest."""
    if record.levelno >= logging.WARNING or not record.name.startswith("procrastinate"):
        return True
    return getattr(record, "action", None) in _WORKER_STOP


def configure_logging(clock: Clock) -> None:
    """Structured lines on stderr for the process's own loggers, the warnings of APScheduler
    and Procrastinate, and Procrastinate's lines about stopping (:func:`queue_lines`);
    nothing reaches stderr unformatted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter(clock))
    handler.addFilter(queue_lines)
    handler.set_name("compliance-scheduler")
    loggers = (
        ("compliance", logging.INFO),
        ("apscheduler", logging.WARNING),
        ("procrastinate", logging.INFO),
    )
    for name, level in loggers:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "compliance-scheduler"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
