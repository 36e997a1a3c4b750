"""The nightly audit: every slot of every schedule pulled, audited and reported exactly once.

A *job* is one audit schedule (``schedule:<uid>``) or the nightly ledger checkpoint
(``ledger-checkpoint``); a *slot* is one fire time of its cron expression (UTC), taken
from the cron and the injected clock, never from "now". :meth:`NightlyRunner.catch_up`
is the one code path of a job, whoever calls it (the cron trigger at the slot, the
periodic sweep, the start-up catch-up):

1. list the job's fire times since its last finished slot (at most the look-back);
2. :func:`~compliance.services.schedules.plan_slots`: slots older than the grace time and
   never finished are recorded ``missed`` (row + webhook), the latest slot within the
   grace time is run, earlier ones are recorded as coalesced into it;
3. run the slot: claim its row (``running``), then in a worker thread pull the model's
   sources, audit under the schedule's policy with ``slot=<fire time>`` (the audit key
   makes a second audit of the slot impossible), and wait at most the audit time-out;
4. record the outcome (``succeeded`` / ``failed`` / ``timed_out`` / ``error``), log it,
   and send the webhook for a failing, inconclusive or flipped verdict, an error or a miss.

With a job queue (``dispatch``, PostgreSQL: :mod:`compliance.queue`), step 3 is split: the
scheduler's runner *defers* the due slot of a schedule instead of running it (slots with a
queued or running job count as busy, through ``queued``), and a worker's runner runs it
with :meth:`NightlyRunner.run_queued`, which is step 3 and 4 above, the same code.

``error`` means the database or the process failed, not the audit: such a slot (and a
``running`` one left by a killed process) is run again while within the grace time; a
slot already audited is then recognized and recorded, never audited twice.

The runner (this module) claims, records and attends the slots; its parts live beside it:
the jobs and their planning (:mod:`compliance.services.nightly_jobs`), a slot's work in its
thread (:mod:`compliance.services.nightly_work`) and the alerts
(:mod:`compliance.services.nightly_alerts`).

Pull, audit and checkpoint are injected ports
(:class:`~compliance.services.nightly_ports.NightlyPorts`); the production wiring is
:func:`~compliance.services.nightly_ports.default_ports`; the settings and the status
``/readyz`` shows are in :mod:`compliance.services.nightly_status`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from compliance.clock import Clock
from compliance.services.nightly_alerts import NightlyAlerts
from compliance.services.nightly_jobs import (
    JobSpec,
    Outcome,
    checkpoint_spec,
    plan_job,
    schedule_spec,
)
from compliance.services.nightly_log import log_event
from compliance.services.nightly_ports import CancelToken, NightlyPorts
from compliance.services.nightly_status import NightlySettings
from compliance.services.nightly_work import classify_failure, slot_work
from compliance.services.notify import Notifier
from compliance.services.schedules import CHECKPOINT_JOB_ID, TERMINAL, SlotPlan
from compliance.storage.repositories.schedules import ScheduleRepository
from compliance.storage.uow import UnitOfWorkFactory

__all__ = ["JobSpec", "NightlyRunner", "Outcome"]


class NightlyRunner:
    """Runs jobs' slots; thread-safe; one per scheduler process (see the module docstring)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ports: NightlyPorts,
        settings: NightlySettings,
        notifier: Notifier,
        *,
        before_job: Callable[[], None] | None = None,
        dispatch: Callable[[JobSpec, dt.datetime], None] | None = None,
        queued: Callable[[str], Collection[dt.datetime]] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ports = ports
        self._settings = settings
        self._before_job = before_job or (lambda: None)
        self._dispatch = dispatch
        self._queued = queued
        self.started_at = clock()
        self.stopping = threading.Event()  # no new slots start
        self._abort = threading.Event()  # running slots are cancelled
        self._mutex = threading.Lock()
        self._job_locks: dict[str, threading.Lock] = {}
        self._busy: dict[str, set[dt.datetime]] = {}
        self._attended = 0
        self._unwritten: dict[tuple[str, dt.datetime], int] = {}
        self._alerts = NightlyAlerts(uow_factory, notifier)

    # --- what to run ---------------------------------------------------------------------

    def specs(self) -> list[JobSpec]:
        """Every job: the active schedules and the checkpoint."""
        with self._uow_factory() as uow:
            return self._specs(ScheduleRepository(uow.session))

    def pending_jobs(self) -> list[str]:
        """Jobs with a slot to run or to record as missed now (for the periodic sweep)."""
        now = self._clock()
        pending = []
        with self._uow_factory() as uow:
            repo = ScheduleRepository(uow.session)
            for spec in self._specs(repo):
                if self._job_lock(spec.job_id).locked():
                    continue  # being caught up right now
                plan = self._plan(repo, spec, now)
                if plan.missed or plan.run is not None:
                    pending.append(spec.job_id)
        return pending

    def catch_up(self, job_id: str) -> None:
        """Record this job's missed slots and run its due slot; never raises."""
        lock = self._job_lock(job_id)
        if not lock.acquire(blocking=False):
            return  # this job is being caught up by another thread right now
        try:
            if self.stopping.is_set():
                return
            try:
                self._before_job()
                with self._uow_factory() as uow:
                    repo = ScheduleRepository(uow.session)
                    spec = self._spec(repo, job_id)
                    if spec is None:
                        return
                    plan = self._plan(repo, spec, self._clock())
            except Exception as exc:
                self._alerts.job_error(
                    JobSpec(job_id, "", self._clock()), None, exc, time.monotonic()
                )
                return
            self._forget(job_id)
            for slot, reason in plan.missed:
                self._record_missed(spec, slot, reason)
            if plan.run is not None and not self.stopping.is_set():
                if self._dispatch is not None and spec.schedule_uid is not None:
                    self._defer(spec, plan.run)
                else:
                    self._run_slot(spec, plan.run)
        finally:
            lock.release()

    def run_queued(self, job_id: str, slot: dt.datetime) -> Outcome | None:
        """Run one slot a queue worker was handed: the in-process path of :meth:`catch_up`
        from the claim on (claim, pull, audit and report, record, alert). A slot already
        finished (terminal row) or of a removed schedule is left alone (None)."""
        with self._uow_factory() as uow:
            repo = ScheduleRepository(uow.session)
            spec = self._spec(repo, job_id)
            row = repo.run(job_id, slot)
            if spec is None or (row is not None and row.status in TERMINAL):
                return None
        return self._run_slot(spec, slot)

    def stop(self) -> None:
        """Start no new slot; running slots go on (see :meth:`wait_idle`)."""
        self.stopping.set()

    def abort(self) -> None:
        """Cancel running slots: an audit not yet committed rolls back."""
        self.stopping.set()
        self._abort.set()

    def wait_idle(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while self._attended:
            if time.monotonic() > end:
                return False
            time.sleep(0.05)
        return True

    # --- internals -----------------------------------------------------------------------

    def _specs(self, repo: ScheduleRepository) -> list[JobSpec]:
        return [*(schedule_spec(row) for row in repo.active()), self._checkpoint_spec(repo)]

    def _forget(self, job_id: str) -> None:
        """The job's database is reachable again: a later outage is alerted again; and
        what is remembered of slots older than the look-back is dropped."""
        horizon = self._clock() - dt.timedelta(seconds=self._settings.missed_lookback_seconds)
        self._alerts.forget(job_id, horizon)
        with self._mutex:
            self._unwritten = {k: n for k, n in self._unwritten.items() if k[1] > horizon}

    def _job_lock(self, job_id: str) -> threading.Lock:
        with self._mutex:
            return self._job_locks.setdefault(job_id, threading.Lock())

    def _spec(self, repo: ScheduleRepository, job_id: str) -> JobSpec | None:
        if job_id == CHECKPOINT_JOB_ID:
            return self._checkpoint_spec(repo)
        row = repo.get(job_id.removeprefix("schedule:"))
        if row is None or row.schedule.removed_at is not None:
            return None
        return schedule_spec(row)

    def _checkpoint_spec(self, repo: ScheduleRepository) -> JobSpec:
        return checkpoint_spec(repo, self._settings, self.started_at)

    def _plan(self, repo: ScheduleRepository, spec: JobSpec, now: dt.datetime) -> SlotPlan:
        with self._mutex:
            busy = set(self._busy.get(spec.job_id, ()))
        if self._queued is not None:
            busy |= set(self._queued(spec.job_id))
        return plan_job(repo, spec, now, self._settings, busy)

    def _write(self, spec: JobSpec, slot: dt.datetime, status: str, **fields: Any) -> None:
        with self._uow_factory(write=True) as uow:
            ScheduleRepository(uow.session).put_run(
                job_id=spec.job_id,
                slot=slot,
                schedule_id=spec.schedule_id,
                status=status,
                now=self._clock(),
                **fields,
            )
            uow.commit()

    def _defer(self, spec: JobSpec, slot: dt.datetime) -> None:
        assert self._dispatch is not None
        try:
            self._dispatch(spec, slot)
        except Exception as exc:
            self._alerts.job_error(spec, slot, exc, time.monotonic())

    def _record_missed(self, spec: JobSpec, slot: dt.datetime, reason: str) -> None:
        try:
            self._write(spec, slot, "missed", error=reason)
        except Exception as exc:
            self._alerts.job_error(spec, slot, exc, time.monotonic())
            return
        log_event("slot.missed", logging.WARNING, **spec.describe(), slot=slot, reason=reason)
        self._alerts.notify("slot.missed", spec, slot, status="missed", error=reason)

    def _run_slot(self, spec: JobSpec, slot: dt.datetime) -> Outcome | None:
        key = (spec.job_id, slot)
        began = time.monotonic()
        with self._mutex:
            self._attended += 1
        try:
            try:
                self._write(
                    spec, slot, "running", claim=True, extra_attempts=self._unwritten.get(key, 0)
                )
                with self._mutex:
                    self._unwritten.pop(key, None)
            except Exception as exc:
                with self._mutex:
                    self._unwritten[key] = self._unwritten.get(key, 0) + 1
                self._alerts.job_error(spec, slot, exc, began)
                return None
            log_event("job.start", **spec.describe(), slot=slot)
            outcome = self._execute(spec, slot)
            self._finish(spec, slot, outcome, began)
            return outcome
        finally:
            with self._mutex:
                self._attended -= 1

    def _execute(self, spec: JobSpec, slot: dt.datetime) -> Outcome:
        cancel = CancelToken()
        box: dict[str, Any] = {}
        timeout = self._settings.audit_timeout_seconds

        def work() -> None:
            cancel.bind()
            try:
                box["outcome"] = slot_work(self._uow_factory, self._ports, spec, slot, cancel)
            except BaseException as exc:  # reported by the attending thread
                box["error"] = exc
            finally:
                with self._mutex:
                    self._busy.get(spec.job_id, set()).discard(slot)

        with self._mutex:
            self._busy.setdefault(spec.job_id, set()).add(slot)
        thread = threading.Thread(target=work, name=f"slot {spec.job_id}", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while thread.is_alive():
            thread.join(0.1)
            if thread.is_alive() and time.monotonic() > deadline:
                cancel.cancel(f"timed out after {timeout:g} s")
                return Outcome("timed_out", error=f"the slot exceeded its limit of {timeout:g} s")
            if thread.is_alive() and self._abort.is_set():
                cancel.cancel("the scheduler was stopped")
                thread.join(5)
                return Outcome("error", error="interrupted: the scheduler was stopped")
        if "error" in box:
            return classify_failure(self._uow_factory, spec, slot, box["error"])
        outcome: Outcome = box["outcome"]
        return outcome

    def _finish(self, spec: JobSpec, slot: dt.datetime, outcome: Outcome, began: float) -> None:
        duration = time.monotonic() - began
        try:
            self._write(
                spec,
                slot,
                outcome.status,
                audit_uid=outcome.audit_uid,
                verdict=outcome.verdict,
                error=outcome.error,
            )
        except Exception as exc:  # the slot stays 'running' and is retried; logged here
            log_event(
                "job.unrecorded",
                logging.ERROR,
                **spec.describe(),
                slot=slot,
                status=outcome.status,
                error=f"{type(exc).__name__}: {exc}",
            )
        level = logging.INFO if outcome.status == "succeeded" else logging.ERROR
        log_event(
            "job.end",
            level,
            **spec.describe(),
            slot=slot,
            status=outcome.status,
            duration_s=duration,
            audit=outcome.audit_uid,
            verdict=outcome.verdict,
            error=outcome.error,
        )
        if outcome.status != "succeeded":
            if self._alerts.first(spec.job_id, slot):
                self._alerts.notify(
                    "job.error", spec, slot, status=outcome.status, error=outcome.error
                )
            return
        if outcome.fresh and outcome.audit_uid is not None:
            self._alerts.verdict(spec, slot, outcome)
