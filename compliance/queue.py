"""The nightly job queue on PostgreSQL (Procrastinate): the scheduler defers, workers audit.

On PostgreSQL (``COMPLIANCE_SCHEDULER_MODE=auto``, the default, or ``queue``) the
scheduler (:mod:`compliance.scheduler`) still decides what is due: APScheduler triggers,
the sweep, missed and coalesced slots recorded as before. It does not run a schedule's due
slot itself: it defers one Procrastinate job, task :data:`TASK_NAME` on queue
:data:`QUEUE_NAME`, arguments ``job_id`` and ``slot``. ``compliance worker`` processes (any
number, anywhere the database is reachable) run it with
:meth:`~compliance.services.nightly.NightlyRunner.run_queued`: the claim, pull, audit,
report and record of the in-process mode, the same code.

Once per slot, three times over:

- the job's ``queueing_lock`` and ``lock`` are :func:`slot_key` = model version id, policy
  name and version, slot: a second deferral while the job waits is refused
  (``AlreadyEnqueued``), and two jobs of one slot never run at the same time;
- a slot with a waiting or running job counts as busy for the scheduler's planning, so the
  sweep does not defer it again;
- the database key of the audit (model version, policy, slot) and the ``schedule_runs``
  row: a worker handed a slot that is already finished does nothing.

Faults: a worker killed mid-audit leaves its job ``doing``; the active scheduler's sweep
hands back to the queue (``retry_job_by_id``) the jobs of workers whose heartbeat is older
than ``COMPLIANCE_WORKER_STALLED_SECONDS``, and another worker runs the slot again (the
killed attempt's transaction rolled back). A task that raises (the database went away
before the claim, a bug) is retried ``COMPLIANCE_QUEUE_MAX_ATTEMPTS`` times with
exponential backoff, then left ``failed`` in the queue; a slot whose audit fails (a bad
source) is recorded ``failed`` and alerted as in the in-process mode, and not retried.
The ledger checkpoint stays in the scheduler (one short write a night).

Fairness to the models' endpoints: with ``COMPLIANCE_ENDPOINT_CONCURRENCY=N`` every worker
holds one of N PostgreSQL advisory locks of a probe source's endpoint per request in flight
(:class:`~compliance.storage.repositories.endpoint_slots.EndpointSlots`), so however many
workers run, at most N requests reach one endpoint at a time.

Stopping: the first SIGTERM (or SIGINT) is Procrastinate's graceful stop: no new job, the
running audits finish (at most the audit time-out), exit 0. A second one stops the worker
at once (:func:`_abort_at_once`, exit 128 + the signal): the audits in flight are rolled
back with their connections, and their jobs are handed to another worker as a killed
worker's are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import threading
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import TYPE_CHECKING

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from compliance.clock import isoformat_z
from compliance.errors import ConfigError
from compliance.nightly_process import OffsetClock, configure_logging
from compliance.services.nightly import JobSpec, NightlyRunner
from compliance.services.nightly_log import log_event
from compliance.services.nightly_ports import NightlyPorts, default_ports
from compliance.services.nightly_status import NightlySettings
from compliance.services.notify import Notifier, build_notifier
from compliance.services.policies import resolve_policy
from compliance.sources.probe import use_endpoint_gate
from compliance.storage.repositories.endpoint_slots import EndpointSlots
from compliance.storage.repositories.queue import QueueRepository, libpq_url

if TYPE_CHECKING:
    from compliance.bootstrap import App

__all__ = [
    "QUEUE_NAME",
    "TASK_NAME",
    "SlotQueue",
    "build_queue",
    "run_worker",
    "slot_key",
]

QUEUE_NAME = "nightly"
TASK_NAME = "compliance.audit_slot"
_worker_runner: NightlyRunner | None = None


def slot_key(model_version_id: int, policy: str, slot: dt.datetime) -> str:
    """``nightly:<model version id>:<policy name@version>:<slot, UTC>``: the queueing lock and
    the lock of a slot's job."""
    return f"nightly:{model_version_id}:{policy}:{isoformat_z(slot)}"


def audit_slot(job_id: str, slot: str) -> str:
    """The task: run ``slot`` of ``job_id`` in this worker; the slot's status, or ``skipped``."""
    if _worker_runner is None:
        raise RuntimeError("compliance.audit_slot runs in 'compliance worker' only")
    outcome = _worker_runner.run_queued(job_id, dt.datetime.fromisoformat(slot))
    return "skipped" if outcome is None else outcome.status


def build_queue(app: App, settings: NightlySettings) -> procrastinate.App:
    """The Procrastinate application on the service's PostgreSQL database (not yet open)."""
    if app.engine.dialect.name != "postgresql":
        raise ConfigError(
            "the job queue needs PostgreSQL (COMPLIANCE_DATABASE_URL is "
            f"{app.engine.dialect.name})",
            hint="unset COMPLIANCE_SCHEDULER_MODE, or set it to 'inprocess'",
        )
    queue = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url(app.engine))
    )
    retries = settings.queue_max_attempts - 1  # Procrastinate counts the retries
    retry: procrastinate.RetryStrategy | bool = False
    if retries > 0:  # (its max_attempts=0 would mean: retry forever)
        retry = procrastinate.RetryStrategy(
            max_attempts=retries, exponential_wait=settings.queue_retry_seconds
        )
    queue.task(name=TASK_NAME, queue=QUEUE_NAME, retry=retry)(audit_slot)
    return queue


class SlotQueue:
    """The scheduler's side of the queue: defer due slots, see queued ones, recover stalls."""

    def __init__(self, app: App, queue: procrastinate.App, settings: NightlySettings) -> None:
        self._app = app
        self._queue = queue
        self._settings = settings

    def defer(self, spec: JobSpec, slot: dt.datetime) -> None:
        """Defer one job for ``slot`` (nothing when one is already waiting)."""
        with self._app.uow_factory() as uow:
            policy = resolve_policy(uow, spec.policy)
            key = slot_key(spec.model_version_id, f"{policy.name}@{policy.version}", slot)
        task = self._queue.tasks[TASK_NAME]
        try:
            job = task.configure(queueing_lock=key, lock=key).defer(
                job_id=spec.job_id, slot=slot.isoformat()
            )
        except AlreadyEnqueued:
            log_event("job.already_queued", **spec.describe(), slot=slot, key=key)
            return
        log_event("job.deferred", **spec.describe(), slot=slot, queue_job=job, key=key)

    def queued(self, job_id: str) -> set[dt.datetime]:
        """Slots of ``job_id`` with a waiting or running job."""
        with self._app.uow_factory() as uow:
            slots = QueueRepository(uow.session).open_slots(TASK_NAME, job_id)
        return {dt.datetime.fromisoformat(s) for s in slots}

    def recover_stalled(self) -> list[int]:
        """Put back in the queue the jobs of workers whose heartbeat stopped; their ids."""
        with self._app.uow_factory() as uow:
            stalled = QueueRepository(uow.session).stalled_jobs(
                TASK_NAME, self._settings.worker_stalled_seconds
            )
        for job_id in stalled:
            self._queue.job_manager.retry_job_by_id(job_id, retry_at=dt.datetime.now(dt.UTC))
            log_event("job.stalled", logging.WARNING, queue_job=job_id, detail="requeued")
        return stalled


def run_worker(
    app: App,
    *,
    concurrency: int = 1,
    queues: Iterable[str] = (QUEUE_NAME,),
    settings: NightlySettings | None = None,
    ports: NightlyPorts | None = None,
    notifier: Notifier | None = None,
    name: str | None = None,
) -> int:
    """Run a worker until SIGTERM/SIGINT (Procrastinate's handlers: no new job, the running
    ones finish, at most the audit time-out); the exit code."""
    global _worker_runner  # noqa: PLW0603 - the task finds the runner here

    settings = settings or NightlySettings()
    if settings.fake_now is not None:  # the fault tests' shifted clock, as the scheduler's
        app.clock = OffsetClock(settings.fake_now.astimezone(dt.UTC) - dt.datetime.now(dt.UTC))
    queue = build_queue(app, settings)  # refuses SQLite before anything is set up
    configure_logging(app.clock)
    app.require_schema()
    notifier = notifier or build_notifier(
        settings.webhook_url, settings.webhook_secret_env, clock=app.clock
    )
    _worker_runner = NightlyRunner(
        app.uow_factory, app.clock, ports or default_ports(app), settings, notifier
    )
    chosen = list(queues)
    slots = None
    if settings.endpoint_concurrency is not None:  # shared by every worker on the database
        slots = EndpointSlots(app.engine, settings.endpoint_concurrency)
        use_endpoint_gate(slots)
    log_event(
        "worker.start",
        concurrency=concurrency,
        queues=",".join(chosen),
        name=name,
        endpoint_limit=settings.endpoint_concurrency,
    )
    try:
        # Procrastinate's handlers take the first signal and put back the ones found here
        with _abort_at_once():
            queue.run_worker(  # opens and closes the queue's connection pool
                queues=chosen,
                concurrency=concurrency,
                name=name,
                update_heartbeat_interval=settings.worker_heartbeat_seconds,
                stalled_worker_timeout=settings.worker_stalled_seconds,
                shutdown_graceful_timeout=settings.audit_timeout_seconds + 10,
                install_signal_handlers=True,
            )
    finally:
        _worker_runner = None
        if slots is not None:
            use_endpoint_gate(None)
            slots.close()
        notifier.close(10.0)
    log_event("worker.stopped")
    return 0


@contextlib.contextmanager
def _abort_at_once() -> Iterator[None]:
    """While the worker runs (main thread only), SIGTERM and SIGINT end the process at once
    with a ``worker.abort`` line: the handlers Procrastinate restores after its graceful
    first signal, so a second signal does not wait for the audits in flight. Nothing is
    cleaned up on purpose: each audit's transaction rolls back with its connection."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def abort(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        detail = "the audits in flight roll back; their jobs go to another worker"
        log_event("worker.abort", logging.WARNING, signal=name, detail=detail)
        os._exit(128 + signum)

    previous = {sig: signal.signal(sig, abort) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
