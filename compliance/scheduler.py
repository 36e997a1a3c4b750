"""APScheduler wiring of the nightly audit: ``compliance scheduler run``, one process per database.

What runs:

- one persistent job per active schedule, id ``schedule:<uid>``, on its cron (UTC), and
  ``ledger-checkpoint`` on ``COMPLIANCE_CHECKPOINT_CRON`` (default ``0 4 * * *``), in
  APScheduler's ``SQLAlchemyJobStore`` (table ``scheduler_jobs`` of the service's
  database), added at start with ``replace_existing=True``; coalescing on, misfire grace
  ``COMPLIANCE_MISFIRE_GRACE_SECONDS`` (default 6 h), one instance at a time;
- a ``sweep`` every ``COMPLIANCE_SWEEP_SECONDS`` (default 60 s; also right at start):
  adds jobs of new schedules, drops those of removed ones, and submits a catch-up for
  every job with a slot to run or to record as missed. The sweep is what makes restarts
  safe: re-adding a job with ``replace_existing`` forgets the fire times it missed while
  the process was down, so missed and due slots are found from the cron expression and
  the ``schedule_runs`` table instead (:mod:`compliance.services.nightly`).

Every job calls :meth:`NightlyRunner.catch_up`. Only one scheduler is active per database
(:class:`~compliance.storage.repositories.schedules.InstanceLock`). In-process mode (SQLite,
or ``COMPLIANCE_SCHEDULER_MODE=inprocess``) the scheduler runs the slots on its own threads
and a second one refuses with one line and exit code 1. Queue mode (PostgreSQL by default)
defers each due slot to the job queue (:mod:`compliance.queue`) for ``compliance worker``
processes, hands the jobs of dead workers back to the queue at each sweep, and a second
scheduler waits as a hot standby until the lock is free (``scheduler.standby``, then
``scheduler.takeover``). SIGTERM or SIGINT stops starting slots and lets the
running audits finish (a second signal cancels them: their transactions roll back).

``COMPLIANCE_FAKE_NOW`` (tests only) shifts the clock: the process believes it started at
that instant; cron triggers are evaluated on the shifted clock (:class:`ShiftedTrigger`).

Why one module of this length: APScheduler's wiring (jobs, triggers, sweep, standby) is one
process's lifecycle; its pieces share the runtime state that `_Runtime` holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from compliance.clock import utc_now
from compliance.errors import ComplianceError, ConfigError
from compliance.nightly_process import LogfmtFormatter, OffsetClock, configure_logging
from compliance.services.nightly import JobSpec, NightlyRunner
from compliance.services.nightly_log import log_event
from compliance.services.nightly_ports import NightlyPorts, default_ports
from compliance.services.nightly_status import NightlySettings
from compliance.services.notify import Notifier, build_notifier
from compliance.services.schedules import CHECKPOINT_JOB_ID, cron_trigger
from compliance.storage.repositories.schedules import InstanceLock, LockLost, is_transient_error
from compliance.storage.scheduling_tables import JOBSTORE_TABLE

if TYPE_CHECKING:
    from compliance.bootstrap import App
    from compliance.queue import SlotQueue

__all__ = [
    "LogfmtFormatter",
    "OffsetClock",
    "SchedulerBusy",
    "ShiftedTrigger",
    "run_checkpoint_job",
    "run_schedule_job",
    "run_scheduler",
]

SWEEP_JOB_ID = "sweep"
_STANDBY_POLL = 1.0  # seconds between a standby scheduler's attempts to take the lock
_runtime: _Runtime | None = None


class SchedulerBusy(ComplianceError):
    """Another scheduler process holds this database's scheduler lock."""


class ShiftedTrigger(BaseTrigger):  # type: ignore[misc]
    """``inner`` evaluated on a clock ``offset`` ahead of real time; returns real times."""

    def __init__(self, inner: BaseTrigger, offset: dt.timedelta) -> None:
        self.inner = inner
        self.offset = offset

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        previous = None if previous_fire_time is None else previous_fire_time + self.offset
        fire: dt.datetime | None = self.inner.get_next_fire_time(previous, now + self.offset)
        return None if fire is None else fire - self.offset

    def __str__(self) -> str:
        return f"shifted[{self.offset}]({self.inner})"


# --- job functions (referenced by name from the persistent job store) -------------------------


def run_schedule_job(schedule_uid: str) -> None:
    """The cron job of one schedule: catch its slots up (see ``NightlyRunner.catch_up``)."""
    _current_runtime().runner.catch_up(f"schedule:{schedule_uid}")


def run_checkpoint_job() -> None:
    _current_runtime().runner.catch_up(CHECKPOINT_JOB_ID)


def _current_runtime() -> _Runtime:
    if _runtime is None:
        raise RuntimeError("scheduler job run outside 'compliance scheduler run'")
    return _runtime


@dataclass
class _Runtime:
    runner: NightlyRunner
    scheduler: BlockingScheduler
    offset: dt.timedelta
    notifier: Notifier
    queue: SlotQueue | None = None
    exit_code: int = 0
    stopping: bool = False
    sweep_failing: bool = False

    def submit(self, job_id: str) -> None:
        """Catch ``job_id`` up now, on the scheduler's worker threads."""
        self.scheduler.add_job(
            self.runner.catch_up,
            "date",
            args=[job_id],
            id=f"catchup:{job_id}",
            name=f"catch up {job_id}",
            jobstore="volatile",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def stop(self, exit_code: int = 0) -> None:
        """Stop scheduling; running slots finish (called from a signal or on a lost lock)."""
        self.exit_code = max(self.exit_code, exit_code)
        if self.stopping:
            log_event("scheduler.abort", logging.WARNING, detail="cancelling running slots")
            self.runner.abort()
            return
        self.stopping = True
        self.runner.stop()
        log_event("scheduler.stopping", detail="no new slots; waiting for running audits")
        # shutdown takes the scheduler's locks: not from a signal handler's frame
        threading.Thread(target=self._shutdown, name="shutdown", daemon=True).start()

    def _shutdown(self) -> None:
        with contextlib.suppress(SchedulerNotRunningError):  # stopped before it started
            self.scheduler.shutdown(wait=False)


def job_trigger(cron: str, offset: dt.timedelta) -> BaseTrigger:
    trigger = cron_trigger(cron)
    return trigger if not offset else ShiftedTrigger(trigger, offset)


def _sync_jobs(runtime: _Runtime, *, replace: bool) -> None:
    """Make the persistent jobs match the active schedules (and the checkpoint)."""
    scheduler = runtime.scheduler
    desired: dict[str, JobSpec] = {spec.job_id: spec for spec in runtime.runner.specs()}
    existing = {job.id for job in scheduler.get_jobs(jobstore="default")}
    for job_id, spec in desired.items():
        if job_id in existing and not replace:
            continue
        scheduler.add_job(
            run_checkpoint_job if spec.schedule_uid is None else run_schedule_job,
            trigger=job_trigger(spec.cron, runtime.offset),
            args=[] if spec.schedule_uid is None else [spec.schedule_uid],
            id=job_id,
            name=job_id,
            jobstore="default",
            replace_existing=True,
        )
    for job_id in existing - desired.keys():
        scheduler.remove_job(job_id, jobstore="default")
        log_event("job.removed", job=job_id)


def _sweep(runtime: _Runtime, guard: Callable[[], None]) -> None:
    try:
        guard()
        if runtime.queue is not None:  # before planning: a requeued slot is busy again
            runtime.queue.recover_stalled()
        _sync_jobs(runtime, replace=False)
        for job_id in runtime.runner.pending_jobs():
            runtime.submit(job_id)
    except LockLost:
        return
    except Exception as exc:
        prefix = "database unavailable: " if is_transient_error(exc) else ""
        error = f"{prefix}{type(exc).__name__}: {exc}"
        log_event("sweep.error", logging.ERROR, error=error.splitlines()[0][:500])
        if not runtime.sweep_failing:
            runtime.notifier.notify(
                "job.error", {"job_id": SWEEP_JOB_ID, "status": "error", "error": error[:2000]}
            )
        runtime.sweep_failing = True
        return
    if runtime.sweep_failing:
        log_event("sweep.recovered")
    runtime.sweep_failing = False


def run_scheduler(
    app: App,
    *,
    settings: NightlySettings | None = None,
    ports: NightlyPorts | None = None,
    notifier: Notifier | None = None,
    handle_signals: bool = True,
) -> int:
    """Run the scheduler until SIGTERM/SIGINT; the exit code (1 when the lock was lost)."""
    global _runtime  # noqa: PLW0603 - the job store's jobs find the runner here
    settings = settings or NightlySettings()
    queued = settings.uses_queue(app.engine.dialect.name)
    if queued and app.engine.dialect.name != "postgresql":
        raise ConfigError(
            "COMPLIANCE_SCHEDULER_MODE=queue needs PostgreSQL: the job queue lives there",
            hint="unset COMPLIANCE_SCHEDULER_MODE on SQLite (the scheduler runs the slots)",
        )
    offset = dt.timedelta(0)
    if settings.fake_now is not None:
        offset = settings.fake_now.astimezone(dt.UTC) - utc_now()
        app.clock = OffsetClock(offset)
    configure_logging(app.clock)
    cron_trigger(settings.checkpoint_cron)  # a bad setting fails before anything starts
    app.require_schema()
    lock = InstanceLock(app.engine)
    if not lock.acquire():
        if not queued:
            raise SchedulerBusy(
                f"another scheduler is already running on this database ({lock.where}, held "
                f"by {lock.holder()}); only one 'compliance scheduler run' may run per database"
            )
        if not _wait_as_standby(lock, handle_signals):
            return 0
    if offset:
        log_event("clock.fake", logging.WARNING, offset_s=offset.total_seconds())
    try:
        notifier = notifier or build_notifier(
            settings.webhook_url, settings.webhook_secret_env, clock=app.clock
        )
        return _run_locked(
            app,
            settings,
            ports or default_ports(app),
            notifier,
            lock,
            offset,
            handle_signals,
            queued=queued,
        )
    finally:
        lock.release()
        _runtime = None


@contextlib.contextmanager
def _stop_on_signals(enabled: bool, stop: Callable[[], None]) -> Iterator[None]:
    """While inside (and ``enabled``): SIGTERM and SIGINT log ``scheduler.signal`` and call
    ``stop``; on leaving, the previous handlers are back."""
    previous = {}
    if enabled:

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log_event("scheduler.signal", signal=signal.Signals(signum).name)
            stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait_as_standby(lock: InstanceLock, handle_signals: bool) -> bool:
    """Block until this process holds the scheduler lock (True) or is told to stop (False).

    The active scheduler's advisory lock goes with its database session, so the standby
    takes over within ``_STANDBY_POLL`` seconds of its death, even after ``kill -9``."""
    stop = threading.Event()
    with _stop_on_signals(handle_signals, stop.set):
        log_event("scheduler.standby", lock=lock.where, active=lock.holder())
        while not stop.wait(_STANDBY_POLL):
            try:
                if lock.acquire():
                    log_event("scheduler.takeover", lock=lock.where)
                    return True
            except ComplianceError as exc:  # the database is away: keep waiting
                log_event("scheduler.standby_error", logging.WARNING, error=str(exc))
        log_event("scheduler.stopped", exit_code=0, detail="stopped while standby")
        return False


def _run_locked(
    app: App,
    settings: NightlySettings,
    ports: NightlyPorts,
    notifier: Notifier,
    lock: InstanceLock,
    offset: dt.timedelta,
    handle_signals: bool,
    *,
    queued: bool = False,
) -> int:
    queue = None
    if queued:
        from compliance.queue import SlotQueue, build_queue

        queue = build_queue(app, settings)
        queue.open()
    try:
        return _run_open(
            app,
            settings,
            ports,
            notifier,
            lock,
            offset,
            handle_signals,
            None if queue is None else SlotQueue(app, queue, settings),
        )
    finally:
        if queue is not None:
            queue.close()


def _run_open(
    app: App,
    settings: NightlySettings,
    ports: NightlyPorts,
    notifier: Notifier,
    lock: InstanceLock,
    offset: dt.timedelta,
    handle_signals: bool,
    queue: SlotQueue | None,
) -> int:
    global _runtime  # noqa: PLW0603
    sqlite = app.engine.dialect.name == "sqlite"
    # two slots at a time: one renders its report (in a child process, outside any write
    # transaction) while the other pulls and computes; reports are stored one at a time
    workers = settings.scheduler_workers or 2

    def guard() -> None:
        try:
            if lock.ensure():
                log_event("scheduler.lock_reacquired", lock=lock.where)
        except LockLost as exc:
            log_event("scheduler.lock_lost", logging.CRITICAL, error=str(exc))
            runtime.stop(exit_code=1)
            raise
        if sqlite:  # reopen the file: a moved, restored or unreachable database is seen
            app.engine.dispose()

    runner = NightlyRunner(
        app.uow_factory,
        app.clock,
        ports,
        settings,
        notifier,
        before_job=guard,
        dispatch=None if queue is None else queue.defer,
        queued=None if queue is None else queue.queued,
    )
    scheduler = BlockingScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=app.engine, tablename=JOBSTORE_TABLE),
            "volatile": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(workers)},
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": max(1, round(settings.misfire_grace_seconds)),
            "max_instances": 1,
        },
        timezone=dt.UTC,
    )
    runtime = _Runtime(runner, scheduler, offset, notifier, queue)
    _runtime = runtime

    def on_event(event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED and not runtime.stopping:
            runtime.submit(event.job_id)  # the catch-up records the missed slot
        elif event.code == EVENT_JOB_ERROR:
            log_event("job.crashed", logging.ERROR, job=event.job_id, error=event.exception)

    scheduler.add_listener(on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    _sync_jobs(runtime, replace=True)
    scheduler.add_job(
        _sweep,
        "interval",
        args=[runtime, guard],
        seconds=settings.sweep_seconds,
        id=SWEEP_JOB_ID,
        jobstore="volatile",
        next_run_time=dt.datetime.now(dt.UTC),
        misfire_grace_time=None,
    )
    try:
        with _stop_on_signals(handle_signals, runtime.stop):
            log_event(
                "scheduler.start",
                database=app.engine.url.render_as_string(hide_password=True),
                lock=lock.where,
                grace_s=settings.misfire_grace_seconds,
                timeout_s=settings.audit_timeout_seconds,
                workers=workers,
                mode="inprocess" if queue is None else "queue",
            )
            if not runtime.stopping:  # a signal may have come during the set-up
                scheduler.start()  # blocks until runtime.stop() shuts it down
            if not runner.wait_idle(settings.audit_timeout_seconds + 10):
                log_event("scheduler.drain_timeout", level=logging.WARNING)
    finally:
        notifier.close(10.0)
    log_event("scheduler.stopped", exit_code=runtime.exit_code)
    return runtime.exit_code
