"""This process's API counters in the Prometheus text format (version 0.0.4).

Served at ``GET /api/v1/metrics`` to admin tokens. Every series carries the ``pid`` label:
counters live in each process, and with several workers (``compliance serve --workers``,
one socket each) a scrape reaches one of them, so a series is one worker's count from its
start, and a sum over ``pid`` is the service's.

- ``compliance_api_requests_total{code}``: requests answered, by status code (the Guard
  counts every one, refusals and 404s included);
- ``compliance_api_misses_total{logged}``: lookups of ids that do not exist; ``logged="yes"``
  those written to the access log, ``"no"`` those only counted
  (:class:`~compliance.services.access_log.MissLog` thins them per client and minute);
- ``compliance_api_start_time_seconds``: when this process's counters started (Unix time).
"""

from __future__ import annotations

import os
import time
from collections import Counter

from compliance.services.access_log import MissLog

__all__ = ["CONTENT_TYPE", "RequestCounts", "exposition"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RequestCounts:
    """Requests answered by this process, by status code (updated on the event loop only)."""

    def __init__(self) -> None:
        self.by_status: Counter[int] = Counter()
        self.started = time.time()

    def add(self, status: int) -> None:
        self.by_status[status] += 1


def exposition(requests: RequestCounts, misses: MissLog) -> str:
    """The text a Prometheus scrape reads: ``# HELP``/``# TYPE`` and one line per series."""
    pid = f'pid="{os.getpid()}"'
    lines = [
        "# HELP compliance_api_requests_total Requests answered by this process, by status.",
        "# TYPE compliance_api_requests_total counter",
        *(
            f'compliance_api_requests_total{{{pid},code="{code}"}} {count}'
            for code, count in sorted(requests.by_status.items())
        ),
        "# HELP compliance_api_misses_total Lookups of ids that do not exist, by whether the "
        "access log recorded them.",
        "# TYPE compliance_api_misses_total counter",
        f'compliance_api_misses_total{{{pid},logged="yes"}} {misses.recorded}',
        f'compliance_api_misses_total{{{pid},logged="no"}} {misses.suppressed}',
        "# HELP compliance_api_start_time_seconds When this process's counters started.",
        "# TYPE compliance_api_start_time_seconds gauge",
        f"compliance_api_start_time_seconds{{{pid}}} {requests.started:.3f}",
    ]
    return "\n".join(lines) + "\n"
