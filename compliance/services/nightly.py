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
from dataclasses import dataclass
from typing import Any

from compliance.clock import Clock, isoformat_z
from compliance.errors import Conflict
from compliance.services.audit import AuditRequest
from compliance.services.nightly_log import log_event
from compliance.services.nightly_ports import CancelToken, JobCancelled, NightlyPorts
from compliance.services.nightly_status import NightlySettings
from compliance.services.notify import Notifier
from compliance.services.policies import split_reference
from compliance.services.schedules import (
    CHECKPOINT_JOB_ID,
    TERMINAL,
    SlotPlan,
    SlotState,
    cron_trigger,
    fire_times,
    plan_slots,
    schedule_job_id,
)
from compliance.storage.repositories.schedules import (
    ScheduleRepository,
    ScheduleRow,
    is_transient_error,
)
from compliance.storage.uow import UnitOfWorkFactory

__all__ = ["JobSpec", "NightlyRunner", "Outcome"]

_EPSILON = dt.timedelta(milliseconds=1)  # a trigger may fire a job a rounding error early
_log = logging.getLogger("compliance.nightly")


@dataclass(frozen=True)
class JobSpec:
    """What one job does: a schedule's audit, or the checkpoint when ``schedule_uid`` is None."""

    job_id: str
    cron: str
    since: dt.datetime
    schedule_id: int | None = None
    schedule_uid: str | None = None
    model: str = ""
    version: str = ""
    model_version_id: int = 0
    policy: str = ""

    def describe(self) -> dict[str, object]:
        if self.schedule_uid is None:
            return {"job": self.job_id}
        return {
            "job": self.job_id,
            "model": self.model,
            "version": self.version,
            "policy": self.policy,
        }


@dataclass(frozen=True)
class Outcome:
    status: str
    audit_uid: str | None = None
    verdict: str | None = None
    error: str | None = None
    fresh: bool = False  # the audit was made now (not found already done)


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
        self._notifier = notifier
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
        self._alerted: set[tuple[str, dt.datetime | None]] = set()

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
                self._job_error(JobSpec(job_id, "", self._clock()), None, exc, time.monotonic())
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
        return [*(_schedule_spec(row) for row in repo.active()), self._checkpoint_spec(repo)]

    def _forget(self, job_id: str) -> None:
        """The job's database is reachable again: a later outage is alerted again; and
        what is remembered of slots older than the look-back is dropped."""
        horizon = self._clock() - dt.timedelta(seconds=self._settings.missed_lookback_seconds)
        with self._mutex:
            self._alerted.discard((job_id, None))
            self._alerted = {k for k in self._alerted if k[1] is None or k[1] > horizon}
            self._unwritten = {k: n for k, n in self._unwritten.items() if k[1] > horizon}

    def _first_alert(self, job_id: str, slot: dt.datetime | None) -> bool:
        """Whether no error of this slot (or outage of this job) was alerted yet."""
        with self._mutex:
            if (job_id, slot) in self._alerted:
                return False
            self._alerted.add((job_id, slot))
            return True

    def _job_lock(self, job_id: str) -> threading.Lock:
        with self._mutex:
            return self._job_locks.setdefault(job_id, threading.Lock())

    def _spec(self, repo: ScheduleRepository, job_id: str) -> JobSpec | None:
        if job_id == CHECKPOINT_JOB_ID:
            return self._checkpoint_spec(repo)
        row = repo.get(job_id.removeprefix("schedule:"))
        if row is None or row.schedule.removed_at is not None:
            return None
        return _schedule_spec(row)

    def _checkpoint_spec(self, repo: ScheduleRepository) -> JobSpec:
        first = repo.oldest_slot(CHECKPOINT_JOB_ID)
        since = self.started_at if first is None else min(first, self.started_at)
        return JobSpec(CHECKPOINT_JOB_ID, self._settings.checkpoint_cron, since)

    def _plan(self, repo: ScheduleRepository, spec: JobSpec, now: dt.datetime) -> SlotPlan:
        lookback = dt.timedelta(seconds=self._settings.missed_lookback_seconds)
        lower = max(spec.since, now - lookback)
        done = repo.newest_slot(spec.job_id, TERMINAL)
        if done is not None and done >= lower:
            lower = done + dt.timedelta(microseconds=1)
        upper = now + _EPSILON
        fires = fire_times(cron_trigger(spec.cron), lower, upper)
        states = {
            slot: SlotState(row.status, row.attempts, row.updated_at)
            for slot, row in repo.runs_between(spec.job_id, lower, upper).items()
        }
        with self._mutex:
            busy = set(self._busy.get(spec.job_id, ()))
        if self._queued is not None:
            busy |= set(self._queued(spec.job_id))
        return plan_slots(
            fires,
            states,
            now=now,
            grace=self._settings.grace,
            busy=busy,
            retry_base=dt.timedelta(seconds=self._settings.sweep_seconds),
        )

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
            self._job_error(spec, slot, exc, time.monotonic())

    def _record_missed(self, spec: JobSpec, slot: dt.datetime, reason: str) -> None:
        try:
            self._write(spec, slot, "missed", error=reason)
        except Exception as exc:
            self._job_error(spec, slot, exc, time.monotonic())
            return
        log_event("slot.missed", logging.WARNING, **spec.describe(), slot=slot, reason=reason)
        self._notify("slot.missed", spec, slot, status="missed", error=reason)

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
                self._job_error(spec, slot, exc, began)
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
                box["outcome"] = self._work(spec, slot, cancel)
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
            return self._classify(spec, slot, box["error"])
        outcome: Outcome = box["outcome"]
        return outcome

    def _work(self, spec: JobSpec, slot: dt.datetime, cancel: CancelToken) -> Outcome:
        if spec.schedule_uid is None:
            self._ports.checkpoint()
            return Outcome("succeeded", fresh=True)
        done = self._done_audit(spec, slot)
        if done is not None:
            return done
        began = time.monotonic()
        pulled = self._ports.pull(spec.model, spec.version)
        log_event(
            "job.pulled",
            **spec.describe(),
            slot=slot,
            duration_s=time.monotonic() - began,
            summary=None if pulled is None else str(pulled)[:300],
        )
        if cancel.is_set():
            raise JobCancelled(cancel.reason)
        request = AuditRequest(spec.model, spec.version, spec.policy, slot=slot, trigger="schedule")
        result = self._ports.audit(request)
        return Outcome("succeeded", result.id, result.verdict, fresh=True)

    def _done_audit(self, spec: JobSpec, slot: dt.datetime) -> Outcome | None:
        name, _ = split_reference(spec.policy)
        with self._uow_factory() as uow:
            found = ScheduleRepository(uow.session).succeeded_audit(
                spec.model_version_id, name, slot
            )
        return None if found is None else Outcome("succeeded", found.uid, found.verdict)

    def _classify(self, spec: JobSpec, slot: dt.datetime, exc: BaseException) -> Outcome:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, Conflict):  # audited by an earlier attempt or another process
            try:
                done = self._done_audit(spec, slot)
            except Exception:
                done = None
            if done is not None:
                return done
        if isinstance(exc, JobCancelled):
            return Outcome("error", error=f"cancelled: {message}")
        if is_transient_error(exc):
            return Outcome("error", error=f"database unavailable: {message}")
        return Outcome("failed", error=f"{type(exc).__name__}: {message}")

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
            if self._first_alert(spec.job_id, slot):
                self._notify("job.error", spec, slot, status=outcome.status, error=outcome.error)
            return
        if outcome.fresh and outcome.audit_uid is not None:
            self._alert_verdict(spec, slot, outcome)

    def _alert_verdict(self, spec: JobSpec, slot: dt.datetime, outcome: Outcome) -> None:
        try:
            with self._uow_factory() as uow:
                previous = ScheduleRepository(uow.session).previous_verdict(outcome.audit_uid or "")
        except Exception:
            previous = None
        reasons: list[str] = [r for r in ("fail", "inconclusive") if outcome.verdict == r]
        if previous is not None and previous != outcome.verdict:
            reasons.append("flipped")
        if reasons:
            self._notify(
                "audit.verdict",
                spec,
                slot,
                reasons=reasons,
                audit_id=outcome.audit_uid,
                verdict=outcome.verdict,
                previous_verdict=previous,
            )

    def _job_error(
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
        if self._first_alert(spec.job_id, slot):
            self._notify("job.error", spec, slot, status="error", error=error[:2000])

    def _notify(self, event: str, spec: JobSpec, slot: dt.datetime | None, **extra: Any) -> None:
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


def _schedule_spec(row: ScheduleRow) -> JobSpec:
    schedule = row.schedule
    return JobSpec(
        job_id=schedule_job_id(schedule.uid),
        cron=schedule.cron,
        since=schedule.created_at,
        schedule_id=schedule.id,
        schedule_uid=schedule.uid,
        model=row.model,
        version=row.version,
        model_version_id=schedule.model_version_id,
        policy=schedule.policy,
    )
