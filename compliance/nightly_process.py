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
from compliance.services.nightly_log import logfmt

__all__ = ["LogfmtFormatter", "OffsetClock", "configure_logging"]


class OffsetClock:
    """The real UTC time plus a fixed offset (``COMPLIANCE_FAKE_NOW``)."""

    def __init__(self, offset: dt.timedelta) -> None:
        self.offset = offset

    def __call__(self) -> dt.datetime:
        return utc_now() + self.offset


class LogfmtFormatter(logging.Formatter):
    """``ts=... level=... logger=... event=... k=v``: one line per record, on the given clock."""

    def __init__(self, clock: Clock = utc_now) -> None:
        super().__init__()
        self._clock = clock

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object] = {
            "ts": self._clock(),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            fields["event"] = record.getMessage()
            fields.update(extra)
        else:
            fields["msg"] = record.getMessage()
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        return logfmt(fields)


def configure_logging(clock: Clock) -> None:
    """Structured lines on stderr for the scheduler's own loggers and APScheduler's warnings."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter(clock))
    handler.set_name("compliance-scheduler")
    for name, level in (("compliance", logging.INFO), ("apscheduler", logging.WARNING)):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "compliance-scheduler"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
