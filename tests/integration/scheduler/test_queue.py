"""The nightly job queue (Procrastinate) on the real PostgreSQL, with real processes.

Scheduler and worker processes run on this test's database with the clock shifted
(``COMPLIANCE_FAKE_NOW``) so that the slots are due at once; workers are
:mod:`tests.integration.scheduler.worker_driver` (``compliance worker`` with the fault
ports). Every wait is on an observable condition (rows, log lines, files) with a generous
limit. The queue needs PostgreSQL: on SQLite these tests are skipped, and the commands'
refusal is tested instead (``test_the_queue_commands_need_postgresql``).
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from compliance.bootstrap import App
from compliance.errors import ConfigError
from compliance.paths import bundled_data
from compliance.queue import TASK_NAME, SlotQueue, build_queue
from compliance.scheduler import run_scheduler
from compliance.services.nightly import NightlyRunner
from compliance.services.nightly_ports import NightlyPorts
from compliance.services.nightly_status import NightlySettings, nightly_status
from compliance.services.policies import add_policy
from compliance.sources.probe_suite import build_prompts, load_personas, load_suite
from compliance.storage.engine import make_engine
from compliance.storage.repositories.schedules import InstanceLock
from tests.conftest import SERVER_URL
from tests.integration.scheduler.conftest import (
    SLOT,
    Cli,
    Launcher,
    at,
    query,
    schedule,
    slot_rows,
    wait_until,
)
from tests.integration.sources.fake_chat import FakeChat, serve_chat

CREATED = SLOT - dt.timedelta(hours=12)
SLOTS = 20
QUEUE_TABLES = (
    "procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, procrastinate_workers"
)
QUEUE_ENV = {
    "COMPLIANCE_SCHEDULER_MODE": "queue",
    "COMPLIANCE_WORKER_HEARTBEAT_SECONDS": "1",
    "COMPLIANCE_WORKER_STALLED_SECONDS": "6",
    "DRIVER_REPORTS": "0",
}
needs_postgres = pytest.mark.skipif(
    SERVER_URL is None,
    reason="the job queue needs PostgreSQL: set COMPLIANCE_TEST_DATABASE_URL to run it",
)


@pytest.fixture
def empty_queue(database_url: str) -> Iterator[None]:
    """The queue's tables emptied before and after (the suite's fixture empties ours)."""

    def empty() -> None:
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE"))
        engine.dispose()

    empty()
    yield
    empty()


def _jobs(url: str) -> list[tuple[str, str | None, str | None]]:
    """``(status, queueing_lock, slot argument)`` of every queued job."""
    rows = query(
        url, "SELECT status::text, queueing_lock, args->>'slot' FROM procrastinate_jobs ORDER BY id"
    )
    return [(s, lock, slot) for s, lock, slot in rows]


def _audits(url: str) -> list[tuple[str, str, str]]:
    rows = query(
        url,
        "SELECT m.name, a.status, a.slot FROM audits a "
        "JOIN model_versions v ON v.id = a.model_version_id JOIN models m ON m.id = v.model_id",
    )
    return [(m, s, str(slot)[:16]) for m, s, slot in rows]


def _holder(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return InstanceLock(engine).active_holder()
    finally:
        engine.dispose()


def _no_ports() -> NightlyPorts:
    def refuse(*_: object) -> None:
        raise AssertionError("the scheduler's runner must defer, not run")

    return NightlyPorts(pull=refuse, audit=refuse, checkpoint=refuse)  # type: ignore[arg-type]


class _Silent:
    def notify(self, event: str, payload: object) -> None:
        pass

    def close(self, timeout: float = 10.0) -> None:
        pass


@needs_postgres
@pytest.mark.postgres
@pytest.mark.usefixtures("empty_queue")
def test_a_due_slot_is_deferred_once_with_its_key_and_counts_as_busy(
    loaded: App, cli: Cli, database_url: str
) -> None:
    uid = schedule(loaded, "steady", created=CREATED)
    settings = NightlySettings(misfire_grace_seconds=6 * 3600)
    queue = build_queue(loaded, settings)
    queue.open()
    try:
        slots = SlotQueue(loaded, queue, settings)
        runner = NightlyRunner(
            loaded.uow_factory,
            at(SLOT + dt.timedelta(seconds=30)),
            _no_ports(),
            settings,
            _Silent(),  # type: ignore[arg-type]
            dispatch=slots.defer,
            queued=slots.queued,
        )
        job_id = f"schedule:{uid}"
        runner.catch_up(job_id)
        assert runner.pending_jobs() == []  # the queued slot is busy: the sweep leaves it
        runner.catch_up(job_id)
        (spec,) = [s for s in runner.specs() if s.job_id == job_id]
        slots.defer(spec, SLOT)  # a second scheduler deferring: refused by the queueing lock
        assert slots.queued(job_id) == {SLOT}
    finally:
        queue.close()
    (version,) = query(database_url, "SELECT version FROM policies WHERE name = 'truth-invariance'")
    key = f"nightly:{spec.model_version_id}:truth-invariance@{version[0]}:2026-11-23T02:00:00Z"
    assert _jobs(database_url) == [("todo", key, "2026-11-23T02:00:00+00:00")]
    assert query(database_url, "SELECT lock, task_name FROM procrastinate_jobs") == [
        (key, TASK_NAME)
    ]
    assert slot_rows(database_url) == {}  # a worker claims the slot, not the scheduler
    status = json.loads(cli("queue", "status", "--json").out)
    assert status["jobs"] == {"todo": 1}
    assert status["workers_alive"] == 0 and status["oldest_waiting"] is not None


@pytest.mark.skipif(SERVER_URL is not None, reason="the refusal is SQLite's")
def test_the_queue_commands_need_postgresql(app: App, cli: Cli) -> None:
    for command in (("queue", "status"), ("worker",)):
        result = cli(*command)
        assert result.code != 0
        assert "needs PostgreSQL" in result.err, result.err
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        build_queue(app, NightlySettings())
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        build_queue(app, NightlySettings(scheduler_mode="queue"))
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        run_scheduler(app, settings=NightlySettings(scheduler_mode="queue"), handle_signals=False)
    assert nightly_status(app)["mode"] == "inprocess"
    assert nightly_status(app)["active_scheduler"] is None
    assert "active scheduler: none running" in cli("scheduler", "list").out


@needs_postgres
@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.usefixtures("empty_queue")
def test_three_workers_audit_twenty_slots_once_and_a_killed_workers_slot_is_redone(
    loaded: App, launcher: Launcher, database_url: str, tmp_path: Path
) -> None:
    # 2 models x 10 crons (02:00 ... 02:09): twenty slots, due at once
    uids = [
        schedule(loaded, model, cron=f"{minute} 2 * * *", created=CREATED)
        for model in ("steady", "pleaser")
        for minute in range(SLOTS // 2)
    ]
    now = SLOT + dt.timedelta(minutes=10, seconds=30)
    pause = tmp_path / "paused"
    victim = launcher.start(now, worker=True, DRIVER_PAUSE_FILE=str(pause), **QUEUE_ENV)
    scheduler = launcher.start(now, **QUEUE_ENV)
    wait_until(pause.exists, what="the first worker inside an audit's write transaction")
    victim.kill()  # SIGKILL mid-audit: its job stays 'doing' until its heartbeat is stale
    workers = [launcher.start(now, worker=True, **QUEUE_ENV) for _ in range(2)]

    def finished() -> bool:
        rows = slot_rows(database_url)
        return len(rows) == SLOTS and all(status == "succeeded" for status, _, _ in rows.values())

    wait_until(finished, timeout=240, what="every slot succeeded")
    assert scheduler.terminate() == 0
    for worker in workers:
        assert worker.terminate() == 0  # SIGTERM: graceful, nothing running any more
    audits = _audits(database_url)
    assert len(audits) == SLOTS and {status for _, status, _ in audits} == {"succeeded"}
    assert len({(model, slot) for model, _, slot in audits}) == SLOTS  # each slot audited once
    attempts = sorted(row[1] for row in slot_rows(database_url).values())
    assert attempts == [1] * (SLOTS - 1) + [
        2
    ]  # the killed attempt, then one more by another worker
    assert {f"schedule:{u}" for u in uids} == set(slot_rows(database_url))
    assert [status for status, _, _ in _jobs(database_url)] == ["succeeded"] * SLOTS
    assert "event=job.stalled" in scheduler.stderr()
    ends = [w.stderr().count("event=job.end") for w in workers]
    assert sum(ends) == SLOTS and all(n > 0 for n in ends), ends  # both took slots
    assert "event=job.start" not in scheduler.stderr()  # the scheduler only deferred


@needs_postgres
@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.usefixtures("empty_queue")
def test_a_standby_takes_over_from_a_killed_scheduler_and_a_stopped_worker_finishes(
    loaded: App, launcher: Launcher, database_url: str, cli: Cli, tmp_path: Path
) -> None:
    uid = schedule(loaded, "steady", created=CREATED)
    now = SLOT + dt.timedelta(seconds=30)
    active = launcher.start(now, **QUEUE_ENV)
    wait_until(lambda: len(_jobs(database_url)) == 1, what="the slot deferred")
    first = _holder(database_url)
    assert first is not None and first.startswith("PostgreSQL session pid")
    standby = launcher.start(now, **QUEUE_ENV)
    standby.wait_log("event=scheduler.standby")
    assert standby.popen.poll() is None  # it waits instead of refusing
    assert "event=scheduler.start" not in standby.stderr()
    active.kill()
    standby.wait_log("event=scheduler.takeover", timeout=120)
    standby.wait_log("event=scheduler.start")
    second = _holder(database_url)
    assert second is not None and second != first
    # what /readyz and 'scheduler list' show
    assert nightly_status(loaded)["active_scheduler"] == second
    assert nightly_status(loaded)["mode"] == "queue"
    assert "active scheduler: PostgreSQL session pid" in cli("scheduler", "list").out
    pause = tmp_path / "paused"
    worker = launcher.start(
        now, worker=True, DRIVER_PAUSE_FILE=str(pause), DRIVER_PAUSE_SECONDS="2", **QUEUE_ENV
    )
    wait_until(pause.exists, what="the worker inside the audit's write transaction")
    # SIGTERM mid-audit: the worker takes no new job, finishes this one, and exits 0
    assert worker.terminate(timeout=120) == 0
    assert slot_rows(database_url)[f"schedule:{uid}"][:2] == ("succeeded", 1)
    assert "event=worker.stopped" in worker.stderr()
    assert standby.terminate() == 0
    assert _audits(database_url) == [("steady", "succeeded", "2026-11-23 02:00")]
    # the new active scheduler found the slot queued and did not defer it again
    assert [status for status, _, _ in _jobs(database_url)] == ["succeeded"]


class _PoisonRunner:
    """A worker's runner whose slot ``POISON`` raises (a bug, a lost database before the
    claim) and whose other slots are fine."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def run_queued(self, job_id: str, slot: dt.datetime) -> None:
        self.calls.append(job_id)
        if job_id == "schedule:poison":
            raise RuntimeError("poison")


@needs_postgres
@pytest.mark.postgres
@pytest.mark.usefixtures("empty_queue")
def test_a_poison_job_is_retried_a_bounded_number_of_times_and_blocks_nothing(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from compliance import queue as queue_module

    runner = _PoisonRunner()
    monkeypatch.setattr(queue_module, "_worker_runner", runner)
    settings = NightlySettings(queue_max_attempts=2, queue_retry_seconds=1)
    queue = build_queue(app, settings)
    task = queue.tasks[TASK_NAME]
    with queue.open():
        task.configure(queueing_lock="poison", lock="poison").defer(
            job_id="schedule:poison", slot=SLOT.isoformat()
        )
        task.configure(queueing_lock="good", lock="good").defer(
            job_id="schedule:good", slot=SLOT.isoformat()
        )
    end = time.monotonic() + 120
    while time.monotonic() < end:  # the retry waits 1 s: run the queue until it is empty
        queue.run_worker(queues=["nightly"], wait=False, install_signal_handlers=False)
        states = dict(
            query(database_url, "SELECT args->>'job_id', status::text FROM procrastinate_jobs")
        )
        if states.get("schedule:poison") == "failed":
            break
        time.sleep(0.2)
    states = {
        job: (status, attempts)
        for job, status, attempts in query(
            database_url, "SELECT args->>'job_id', status::text, attempts FROM procrastinate_jobs"
        )
    }
    assert states == {"schedule:poison": ("failed", 2), "schedule:good": ("succeeded", 1)}
    assert runner.calls.count("schedule:poison") == 2
    assert runner.calls.count("schedule:good") == 1


@needs_postgres
@pytest.mark.postgres
def test_migration_0006_leaves_a_schema_procrastinate_applied_alone(tmp_path: Path) -> None:
    import procrastinate

    from compliance.storage.migrate import current_revision, head_revision, schema_drift, upgrade
    from compliance.storage.repositories.queue import libpq_url
    from tests.conftest import blank_database

    with blank_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine, "0005")
            tool = procrastinate.App(
                connector=procrastinate.SyncPsycopgConnector(conninfo=libpq_url(engine))
            )
            with tool.open():
                tool.schema_manager.apply_schema()  # 'procrastinate schema --apply'
            upgrade(engine)
            assert current_revision(engine) == head_revision()
            assert schema_drift(engine) == []
            tables = query(url, "SELECT to_regclass('procrastinate_jobs')::text")
            assert tables == [("procrastinate_jobs",)]
        finally:
            engine.dispose()


@dataclass
class SharedChat(FakeChat):
    """The chat server of one customer's endpoint: also counts, per request's ``model``,
    the requests in flight, so the test sees that several workers' probes overlapped."""

    by_model: Counter[str] = field(default_factory=Counter)
    models_at_once: int = 0

    def respond(
        self, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes, float]:
        model = str(json.loads(body).get("model"))
        with self._lock:
            self.by_model[model] += 1
            self.models_at_once = max(
                self.models_at_once, sum(1 for n in self.by_model.values() if n)
            )
        try:
            status, extra, payload, delay = super().respond(path, headers, body)
            time.sleep(delay)  # answered while counted in flight, under this model
            return status, extra, payload, 0.0
        finally:
            with self._lock:
                self.by_model[model] -= 1


ENDPOINT_LIMIT = 2


@needs_postgres
@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.usefixtures("empty_queue")
def test_three_workers_probes_never_exceed_the_endpoint_limit(
    app: App, cli: Cli, launcher: Launcher, database_url: str, tmp_path: Path
) -> None:
    """Three models whose probe sources ask one endpoint, three worker processes, each
    probe allowed 4 requests at once: the loopback server never has more than
    ``COMPLIANCE_ENDPOINT_CONCURRENCY`` in flight, across the processes."""
    full = load_suite("facts-mc-40")
    small = full.model_copy(update={"items": full.items[:12]})
    suite_file = tmp_path / "suite.json"
    suite_file.write_text(small.model_dump_json(), encoding="utf-8")
    personas = load_personas("core-10")
    prompts = len(build_prompts(small, personas))
    # the first requests wait until the limit is in flight: reaching it is not left to luck
    chat = SharedChat(small, personas, latency=0.05, gather=ENDPOINT_LIMIT)
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(app.uow_factory, app.clock, path)
    models = ("alpha", "beta", "gamma")
    env = {**QUEUE_ENV, "COMPLIANCE_ENDPOINT_CONCURRENCY": str(ENDPOINT_LIMIT)}
    with serve_chat(chat) as url:
        for model in models:
            assert cli("models", "register", model, "--version", "1.0").code == 0
            config = {
                "base_url": url,
                "model": model,
                "suite": str(suite_file),
                "personas": "core-10",
                "concurrency": 4,
            }
            added = cli(
                "sources", "add", f"{model}-chat", "--model", model, "--version", "1.0",
                "--kind", "probe", "--config", json.dumps(config),
            )  # fmt: skip
            assert added.code == 0, added.err
            schedule(app, model, created=CREATED)
        now = SLOT + dt.timedelta(seconds=30)
        workers = [launcher.start(now, worker=True, **env) for _ in models]
        for worker in workers:
            worker.wait_log(f"endpoint_limit={ENDPOINT_LIMIT}")
        scheduler = launcher.start(now, **env)

        def finished() -> bool:
            rows = slot_rows(database_url)
            return len(rows) == len(models) and all(s == "succeeded" for s, _, _ in rows.values())

        wait_until(finished, timeout=240, what="every probed slot succeeded")
        assert scheduler.terminate() == 0
        for worker in workers:
            assert worker.terminate() == 0
    assert chat.requests == len(models) * prompts  # every prompt asked once, none retried
    assert chat.max_in_flight == ENDPOINT_LIMIT  # reached, never exceeded
    assert chat.models_at_once >= 2, chat.models_at_once  # the workers' probes overlapped
    ends = [w.stderr().count("event=job.end") for w in workers]
    assert sum(ends) == len(models), ends


def _drop_connections(url: str) -> int:
    """Terminate every other session on the test's database (a restart, a failover, a
    network cut as the worker sees it); how many there were."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).all()
            )
    finally:
        engine.dispose()


@needs_postgres
@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.usefixtures("empty_queue")
def test_a_worker_that_loses_the_database_reconnects_and_a_second_sigterm_stops_it(
    loaded: App, launcher: Launcher, database_url: str, tmp_path: Path
) -> None:
    now = SLOT + dt.timedelta(seconds=30)
    worker = launcher.start(now, worker=True, **QUEUE_ENV)
    worker.wait_log("event=worker.start")
    wait_until(
        lambda: query(database_url, "SELECT count(*) FROM procrastinate_workers")[0][0] == 1,
        what="the worker registered",
    )
    assert _drop_connections(database_url) > 0  # the worker's pool and its LISTEN session
    uid = schedule(loaded, "steady", created=CREATED)
    scheduler = launcher.start(now, **QUEUE_ENV)
    wait_until(
        lambda: slot_rows(database_url).get(f"schedule:{uid}", ("",))[0] == "succeeded",
        timeout=180,
        what="the slot audited by the worker that lost its connections",
    )
    assert worker.popen.poll() is None  # the same process, reconnected
    assert worker.stderr().count("event=job.end") == 1
    assert scheduler.terminate() == 0
    # a second SIGTERM while the first waits for an audit: the worker stops at once, and
    # what it was writing is rolled back (the slot is left for another worker)
    pause = tmp_path / "paused"
    second = schedule(loaded, "pleaser", created=CREATED)
    paused = launcher.start(
        now, worker=True, DRIVER_PAUSE_FILE=str(pause), DRIVER_PAUSE_SECONDS="600", **QUEUE_ENV
    )
    assert worker.terminate() == 0  # the first worker leaves the new slot to the paused one
    scheduler = launcher.start(now, **QUEUE_ENV)
    wait_until(pause.exists, what="the worker inside the audit's write transaction")
    paused.popen.send_signal(signal.SIGTERM)  # graceful: it would wait for the audit
    paused.wait_log('msg="Stop requested"', timeout=30)
    paused.wait_log('msg="Waiting for job to finish', timeout=30)
    assert paused.terminate(timeout=30) == 128 + signal.SIGTERM  # the second: at once
    assert "event=worker.abort" in paused.stderr() and "event=job.end" not in paused.stderr()
    assert scheduler.terminate() == 0
    assert [a for a in _audits(database_url) if a[0] == "pleaser"] == []  # rolled back
    assert slot_rows(database_url)[f"schedule:{second}"][0] != "succeeded"
