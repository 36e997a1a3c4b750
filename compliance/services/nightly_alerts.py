"""The nightly audit's alerts: the webhook for a missed slot, an error (once per slot, and
once per outage of a job's database), and a failing, inconclusive or flipped verdict.
A notifier that fails never stops the nightly run. Split from
:mod:`compliance.services.nightly`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from compliance.clock import isoformat_z
from compliance.services.nightly_jobs import JobSpec, Outcome
from compliance.services.nightly_log import log_event
from compliance.services.notify import Notifier
from compliance.storage.repositories.schedules import ScheduleRepository, is_transient_error
from compliance.storage.uow import UnitOfWorkFactory

__all__ = ["NightlyAlerts"]

_log = logging.getLogger("compliance.nightly")


class NightlyAlerts:
    """What has been alerted, and the alerts; thread-safe."""

    def __init__(self, uow_factory: UnitOfWorkFactory, notifier: Notifier) -> None:
        self._uow_factory = uow_factory
        self._notifier = notifier
        self._mutex = threading.Lock()
        self._alerted: set[tuple[str, dt.datetime | None]] = set()

    def forget(self, job_id: str, horizon: dt.datetime) -> None:
        """The job's database is reachable again: a later outage is alerted again; slots
        older than ``horizon`` are forgotten."""
        with self._mutex:
            self._alerted.discard((job_id, None))
            self._alerted = {k for k in self._alerted if k[1] is None or k[1] > horizon}

    def first(self, job_id: str, slot: dt.datetime | None) -> bool:
        """Whether no error of this slot (or outage of this job) was alerted yet."""
        with self._mutex:
            if (job_id, slot) in self._alerted:
                return False
            self._alerted.add((job_id, slot))
            return True

    def verdict(self, spec: JobSpec, slot: dt.datetime, outcome: Outcome) -> None:
        try:
            with self._uow_factory() as uow:
                previous = ScheduleRepository(uow.session).previous_verdict(outcome.audit_uid or "")
        except Exception:
            previous = None
        reasons: list[str] = [r for r in ("fail", "inconclusive") if outcome.verdict == r]
        if previous is not None and previous != outcome.verdict:
            reasons.append("flipped")
        if reasons:
            self.notify(
                "audit.verdict",
                spec,
                slot,
                reasons=reasons,
                audit_id=outcome.audit_uid,
                verdict=outcome.verdict,
                previous_verdict=previous,
            )

    def job_error(
        self, spec: JobSpec, slot: dt.datetime | None, exc: BaseException, began: float
    ) -> None:
        transient = is_transient_error(exc)
        error = f"{'database unavailable: ' if transient else ''}{type(exc).__name__}: {exc}"
        log_event(
            "job.error",
            logging.ERROR,
            **spec.describe(),
            slot=slot,
            status="error",
            duration_s=time.monotonic() - began,
            error=error.splitlines()[0][:500],
        )
        if self.first(spec.job_id, slot):
            self.notify("job.error", spec, slot, status="error", error=error[:2000])

    def notify(self, event: str, spec: JobSpec, slot: dt.datetime | None, **extra: Any) -> None:
        payload: dict[str, Any] = {
            "job_id": spec.job_id,
            "schedule_id": spec.schedule_uid,
            "model": spec.model or None,
            "version": spec.version or None,
            "policy": spec.policy or None,
            "slot": isoformat_z(slot) if slot else None,
            **extra,
        }
        try:
            self._notifier.notify(event, payload)
        except Exception:  # a notifier must never stop the nightly run
            _log.exception("notification failed")
