"""Fixtures of the scheduler tests: loaded models, a webhook receiver, scheduler processes.

Scheduler processes are real (``python -m tests.integration.scheduler.driver`` or the
command line), on this test's database (SQLite file or PostgreSQL), with the clock shifted
by ``COMPLIANCE_FAKE_NOW`` so that a nightly slot comes in seconds, not hours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from compliance.bootstrap import App
from compliance.paths import bundled_data
from compliance.services.policies import add_policy
from compliance.services.schedules import add_schedule
from tests.conftest import CliResult

ROOT = Path(__file__).resolve().parents[3]
SLOT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
SECRET = "s3cret-for-tests"
Cli = Callable[..., CliResult]

CLI_MAIN = (
    "import sys\n"
    "from compliance.cli.main import app, run\n"
    "from compliance.cli.scheduling import schedules_app, scheduler_app\n"
    "app.add_typer(schedules_app, name='schedules')\n"
    "app.add_typer(scheduler_app, name='scheduler')\n"
    "sys.exit(run(sys.argv[1:]))\n"
)


DRIVERS = {"scheduler": "driver", "worker": "worker_driver"}


def at(moment: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: moment


@pytest.fixture
def loaded(cli: Cli, app: App) -> App:
    """``steady`` and ``pleaser`` 1.0 with the bundled simulated data; the shipped policies."""
    for model in ("steady", "pleaser"):
        assert cli("models", "register", model, "--version", "1.0").code == 0
        path = bundled_data("personalized") / f"{model}.jsonl.gz"
        result = cli("ingest", str(path), "--model", model, "--version", "1.0")
        assert result.code == 0, result.err
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(app.uow_factory, app.clock, path)
    return app


def schedule(app: App, model: str, *, cron: str = "0 2 * * *", created: dt.datetime) -> str:
    """Add a schedule as if it had been added at ``created``; its uid."""
    view = add_schedule(
        app.uow_factory,
        at(created),
        model=model,
        version="1.0",
        policy="truth-invariance",
        cron=cron,
    )
    return view.id


# --- the webhook receiver ----------------------------------------------------------------------


@dataclass
class Received:
    event: str
    body: dict[str, Any]
    signed: bool


@dataclass
class Receiver:
    url: str
    messages: list[Received] = field(default_factory=list)
    fail_next: int = 0  # answer 500 to this many requests first

    def events(self, event: str | None = None) -> list[Received]:
        return [m for m in self.messages if event is None or m.event == event]

    def wait_for(self, event: str, count: int = 1, timeout: float = 30) -> list[Received]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.events(event)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {count} x {event} webhook in {timeout}s: {self.messages}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback HTTP server that checks every request's HMAC-SHA256 signature."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.fail_next > 0:
                state.fail_next -= 1
                self.send_response(500)
                self.end_headers()
                return
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            signed = hmac.compare_digest(expected, self.headers.get("X-Compliance-Signature", ""))
            message = json.loads(body)
            state.messages.append(Received(self.headers["X-Compliance-Event"], message, signed))
            self.send_response(204 if signed else 401)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


# --- scheduler processes ---------------------------------------------------------------------


@dataclass
class Proc:
    popen: subprocess.Popen[str]
    log: Path

    def stderr(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_log(self, needle: str, timeout: float = 180) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if needle in self.stderr():
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not logged in {timeout}s:\n{self.stderr()}")

    def wait_log_re(self, pattern: str, timeout: float = 180) -> None:
        regex = re.compile(pattern)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if regex.search(self.stderr()):
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} not logged in {timeout}s:\n{self.stderr()}")

    def terminate(self, timeout: float = 30) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()  # SIGKILL: nothing runs after it
        self.popen.wait(10)


@dataclass
class Launcher:
    database_url: str
    home: Path
    receiver: Receiver
    procs: list[Proc] = field(default_factory=list)

    def env(self, fake_now: dt.datetime, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPLIANCE_", "DRIVER_"))}
        env.update(
            PYTHONPATH=str(ROOT),
            COMPLIANCE_HOME=str(self.home),
            COMPLIANCE_DATABASE_URL=self.database_url,
            COMPLIANCE_FAKE_NOW=fake_now.isoformat(),
            COMPLIANCE_SWEEP_SECONDS="1",
            COMPLIANCE_MISFIRE_GRACE_SECONDS=str(6 * 3600),
            COMPLIANCE_WEBHOOK_URL=self.receiver.url,
            COMPLIANCE_WEBHOOK_SECRET=SECRET,
            COMPLIANCE_CHECKPOINT_CRON="0 4 * * *",
            # these tests are of the in-process scheduler; test_queue.py runs the job queue
            COMPLIANCE_SCHEDULER_MODE="inprocess",
        )
        env.update(extra)
        return env

    def start(
        self, fake_now: dt.datetime, *, cli: bool = False, worker: bool = False, **extra: str
    ) -> Proc:
        """A scheduler process: the test driver (injectable ports) or the command line; with
        ``worker``, a job-queue worker (``worker_driver``) instead."""
        kind = "worker" if worker else "scheduler"
        log = self.home / f"{kind}-{len(self.procs)}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        command = (
            [sys.executable, "-c", CLI_MAIN, "scheduler", "run"]
            if cli
            else [sys.executable, "-m", f"tests.integration.scheduler.{DRIVERS[kind]}"]
        )
        with log.open("w") as sink:
            popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env(fake_now, **extra),
                stdout=subprocess.DEVNULL,
                stderr=sink,
                text=True,
            )
        proc = Proc(popen, log)
        self.procs.append(proc)
        return proc


@pytest.fixture
def launcher(database_url: str, tmp_path: Path, receiver: Receiver) -> Iterator[Launcher]:
    started = Launcher(database_url, tmp_path / "home", receiver)
    yield started
    for proc in started.procs:
        proc.kill()


# --- reading the database from the test process ----------------------------------------------


def query(database_url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on a fresh connection (so that nothing is cached across processes)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def slot_rows(database_url: str) -> dict[str, tuple[str, int, str | None]]:
    """``job_id → (status, attempts, error)`` of every slot row."""
    rows = query(database_url, "SELECT job_id, status, attempts, error FROM schedule_runs")
    return {job: (status, attempts, error) for job, status, attempts, error in rows}


def wait_until(
    condition: Callable[[], bool], timeout: float = 180, what: str = "condition"
) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if condition():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
