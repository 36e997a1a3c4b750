"""The nightly runner in-process, on the test database, with a hand-moved clock and fake ports."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from compliance.api.app import create_app
from compliance.bootstrap import App
from compliance.errors import StorageUnavailable
from compliance.paths import bundled_data
from compliance.services.audit import AuditRequest, AuditResult, run_audit
from compliance.services.nightly import NightlyRunner
from compliance.services.nightly_ports import NightlyPorts, default_ports, raise_if_cancelled
from compliance.services.nightly_status import NightlySettings, nightly_status
from compliance.services.policies import add_policy
from compliance.services.publish import ensure_signing_key
from compliance.services.schedules import CHECKPOINT_JOB_ID, remove_schedule
from compliance.services.sources import add_source
from compliance.storage.repositories.schedules import ScheduleRepository
from tests.hostile import MIB, gzip_repeated
from tests.integration.api.conftest import FAST
from tests.integration.api.world import live_server
from tests.integration.scheduler.conftest import SLOT, Cli, schedule

DAY = dt.timedelta(days=1)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Recorder:
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def notify(self, event: str, payload: Any) -> None:
        self.sent.append((event, dict(payload)))

    def close(self, timeout: float = 10.0) -> None:
        pass

    def events(self, event: str) -> list[dict[str, Any]]:
        return [p for e, p in self.sent if e == event]


@dataclass
class Harness:
    app: App
    clock: Clock
    notifier: Recorder
    pulls: list[str]
    checkpoints: list[dt.datetime]
    runner: NightlyRunner

    def slots(self) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
        """``(job, slot) → (status, verdict, error)``."""
        from compliance.storage.repositories.schedules import ScheduleRepository

        with self.app.uow_factory() as uow:
            rows = ScheduleRepository(uow.session).recent_runs(limit=1000)
            return {
                (r.job_id, r.slot.isoformat()[:16]): (r.status, r.verdict, r.error) for r in rows
            }

    def audits(self) -> list[tuple[str, str, str | None]]:
        with self.app.uow_factory() as uow:
            return sorted(
                (
                    uow.audits.describe(a)[1].name,
                    a.status,
                    a.slot.isoformat()[:16] if a.slot else None,
                )
                for a in uow.audits.recent(limit=1000)
            )


def make_harness(
    app: App,
    now: dt.datetime,
    *,
    pull: Callable[[str, str], object | None] | None = None,
    audit: Callable[[AuditRequest], AuditResult] | None = None,
    **settings: Any,
) -> Harness:
    clock = Clock(now)
    app.clock = clock
    pulls: list[str] = []
    checkpoints: list[dt.datetime] = []

    def default_pull(model: str, version: str) -> object | None:
        pulls.append(model)
        return None

    def default_audit(request: AuditRequest) -> AuditResult:
        return run_audit(app.uow_factory, clock, request, before_findings=raise_if_cancelled)

    ports = NightlyPorts(
        pull=pull or default_pull,
        audit=audit or default_audit,
        checkpoint=lambda: checkpoints.append(clock()),
    )
    options: dict[str, Any] = {"misfire_grace_seconds": 6 * 3600, "sweep_seconds": 1}
    options.update(settings)
    recorder = Recorder()
    runner = NightlyRunner(app.uow_factory, clock, ports, NightlySettings(**options), recorder)
    return Harness(app, clock, recorder, pulls, checkpoints, runner)


def test_a_slot_is_run_once_with_its_fire_time(loaded: App) -> None:
    uid = schedule(loaded, "steady", created=SLOT - DAY / 2)
    h = make_harness(loaded, SLOT + dt.timedelta(minutes=3))
    job = f"schedule:{uid}"
    assert h.runner.pending_jobs() == [job]
    h.runner.catch_up(job)
    h.runner.catch_up(job)  # nothing left to do
    assert h.pulls == ["steady"]
    assert h.audits() == [("steady", "succeeded", "2026-11-23T02:00")]
    assert h.slots()[(job, "2026-11-23T02:00")][:2] == ("succeeded", "pass")
    assert h.runner.pending_jobs() == []
    assert h.notifier.sent == []  # a passing verdict that did not flip alerts nobody


def test_one_model_failing_does_not_stop_the_others(loaded: App, cli: Cli) -> None:
    assert cli("models", "register", "empty", "--version", "1.0").code == 0
    uids = {m: schedule(loaded, m, created=SLOT - DAY / 2) for m in ("empty", "steady", "pleaser")}

    def pull(model: str, version: str) -> object | None:
        if model == "steady":
            raise ConnectionError("source refused the connection")
        return None

    h = make_harness(loaded, SLOT + dt.timedelta(minutes=1), pull=pull)
    for job in h.runner.pending_jobs():
        h.runner.catch_up(job)
    slots = h.slots()
    assert slots[(f"schedule:{uids['pleaser']}", "2026-11-23T02:00")][:2] == ("succeeded", "fail")
    status, _, error = slots[(f"schedule:{uids['steady']}", "2026-11-23T02:00")]
    assert status == "failed" and error == "ConnectionError: source refused the connection"
    status, _, error = slots[(f"schedule:{uids['empty']}", "2026-11-23T02:00")]
    assert status == "failed" and error is not None and "no evaluation runs" in error
    # run_audit recorded the failed audit of 'empty' itself; 'steady' never reached the audit
    assert h.audits() == [
        ("empty", "failed", "2026-11-23T02:00"),
        ("pleaser", "succeeded", "2026-11-23T02:00"),
    ]
    errors = {p["model"]: p for p in h.notifier.events("job.error")}
    assert set(errors) == {"empty", "steady"} and errors["steady"]["status"] == "failed"
    (verdict,) = h.notifier.events("audit.verdict")
    assert verdict["model"] == "pleaser" and verdict["reasons"] == ["fail"]
    assert verdict["slot"] == "2026-11-23T02:00:00Z" and verdict["audit_id"].startswith("aud_")


def test_a_flipped_verdict_is_alerted(loaded: App, cli: Cli) -> None:
    uid = schedule(loaded, "steady", created=SLOT - DAY / 2)
    h = make_harness(loaded, SLOT + dt.timedelta(minutes=1))
    h.runner.catch_up(f"schedule:{uid}")
    assert h.notifier.sent == []
    # new results for the same benchmark: the pleaser's answers, now under 'steady'
    path = bundled_data("personalized") / "pleaser.jsonl.gz"
    assert cli("ingest", str(path), "--model", "steady", "--version", "1.0").code == 0
    h.clock.now += DAY
    h.runner.catch_up(f"schedule:{uid}")
    (alert,) = h.notifier.events("audit.verdict")
    assert alert["reasons"] == ["fail", "flipped"]
    assert (alert["verdict"], alert["previous_verdict"]) == ("fail", "pass")
    assert alert["slot"] == "2026-11-24T02:00:00Z"


def test_missed_and_coalesced_slots_are_recorded(loaded: App) -> None:
    uid = schedule(loaded, "steady", cron="0 * * * *", created=SLOT - dt.timedelta(minutes=30))
    job = f"schedule:{uid}"
    # down from before 02:00 until 08:30, grace 3 h: 02..05 missed, 06 and 07 coalesced into 08
    h = make_harness(
        loaded, SLOT + dt.timedelta(hours=6, minutes=30), misfire_grace_seconds=3 * 3600
    )
    h.runner.catch_up(job)
    slots = {slot: row[0] for (j, slot), row in h.slots().items() if j == job}
    assert slots == {
        "2026-11-23T02:00": "missed",
        "2026-11-23T03:00": "missed",
        "2026-11-23T04:00": "missed",
        "2026-11-23T05:00": "missed",
        "2026-11-23T06:00": "missed",
        "2026-11-23T07:00": "missed",
        "2026-11-23T08:00": "succeeded",
    }
    assert "coalesced" in (h.slots()[(job, "2026-11-23T07:00")][2] or "")
    assert "grace time" in (h.slots()[(job, "2026-11-23T05:00")][2] or "")
    assert len(h.notifier.events("slot.missed")) == 6
    assert h.audits() == [("steady", "succeeded", "2026-11-23T08:00")]


def test_a_database_error_is_retried_within_the_grace_time(loaded: App) -> None:
    uid = schedule(loaded, "steady", created=SLOT - DAY / 2)
    job = f"schedule:{uid}"
    outage = {"on": True}

    def audit(request: AuditRequest) -> AuditResult:
        if outage["on"]:
            raise StorageUnavailable("cannot reach the database: connection refused")
        return run_audit(loaded.uow_factory, loaded.clock, request)

    h = make_harness(loaded, SLOT + dt.timedelta(seconds=5), audit=audit, sweep_seconds=60)
    h.runner.catch_up(job)
    assert h.slots()[(job, "2026-11-23T02:00")][0] == "error"
    assert h.runner.pending_jobs() == []  # backing off: the retry waits a minute
    h.clock.now += dt.timedelta(seconds=61)
    outage["on"] = False
    assert h.runner.pending_jobs() == [job]
    h.runner.catch_up(job)
    assert h.slots()[(job, "2026-11-23T02:00")][:2] == ("succeeded", "pass")
    (alert,) = h.notifier.events("job.error")
    assert alert["status"] == "error" and "database unavailable" in alert["error"]


def test_a_hanging_pull_times_out_without_auditing(loaded: App) -> None:
    uid = schedule(loaded, "steady", created=SLOT - DAY / 2)
    release = threading.Event()
    audited: list[AuditRequest] = []

    def pull(model: str, version: str) -> object | None:
        release.wait(30)
        return None

    def audit(request: AuditRequest) -> AuditResult:
        audited.append(request)
        raise AssertionError("a timed-out slot must not be audited")

    h = make_harness(
        loaded, SLOT + dt.timedelta(seconds=5), pull=pull, audit=audit, audit_timeout_seconds=0.5
    )
    began = time.monotonic()
    h.runner.catch_up(f"schedule:{uid}")
    assert time.monotonic() - began < 5
    assert h.slots()[(f"schedule:{uid}", "2026-11-23T02:00")][0] == "timed_out"
    release.set()  # the source answers at last: the slot stays timed out, nothing audited
    time.sleep(0.3)
    assert audited == []
    assert h.runner.pending_jobs() == []


def test_the_checkpoint_runs_every_night_even_without_schedules(app: App) -> None:
    h = make_harness(app, SLOT)
    assert h.runner.pending_jobs() == []
    h.clock.now = SLOT + dt.timedelta(hours=2, seconds=1)  # 04:00:01
    assert h.runner.pending_jobs() == [CHECKPOINT_JOB_ID]
    h.runner.catch_up(CHECKPOINT_JOB_ID)
    h.runner.catch_up(CHECKPOINT_JOB_ID)
    assert h.checkpoints == [SLOT + dt.timedelta(hours=2, seconds=1)]
    assert h.slots()[(CHECKPOINT_JOB_ID, "2026-11-23T04:00")][0] == "succeeded"


def test_a_removed_schedule_is_not_run(loaded: App) -> None:
    uid = schedule(loaded, "steady", created=SLOT - DAY / 2)
    remove_schedule(loaded.uow_factory, Clock(SLOT - DAY / 2), uid)
    h = make_harness(loaded, SLOT + dt.timedelta(minutes=1))
    assert h.runner.pending_jobs() == []
    h.runner.catch_up(f"schedule:{uid}")
    assert h.audits() == []


def test_nightly_status_reports_the_last_run_and_overdue_slots(loaded: App) -> None:
    uid = schedule(loaded, "steady", created=SLOT - DAY / 2)
    settings = NightlySettings(overdue_seconds=3600)
    h = make_harness(loaded, SLOT + dt.timedelta(minutes=30))
    status = nightly_status(loaded, settings)
    assert status["overdue"] is False and status["last_run_at"] is None  # not yet overdue
    h.clock.now = SLOT + dt.timedelta(hours=2)
    status = nightly_status(loaded, settings)
    assert status["overdue"] is True
    assert status["overdue_jobs"] == [{"job_id": f"schedule:{uid}", "slot": "2026-11-23T02:00:00Z"}]
    h.runner.catch_up(f"schedule:{uid}")
    status = nightly_status(loaded, settings)
    assert status["overdue"] is False
    assert status["last_run_at"] == "2026-11-23T04:00:00Z"
    assert status["last_slot"] == "2026-11-23T02:00:00Z"
    assert status["last_status"] == "succeeded"
    assert status["slots_last_24h"] == {"succeeded": 1}


def test_readyz_reports_the_nightly_run_and_an_overdue_slot(loaded: App) -> None:
    uid = schedule(loaded, "steady", created=SLOT - DAY / 2)
    h = make_harness(loaded, SLOT + dt.timedelta(hours=3))  # 02:00 slot, past the default 2 h

    def readyz() -> httpx.Response:
        with live_server(create_app(loaded, FAST)) as url:
            return httpx.get(f"{url}/readyz")

    overdue = readyz()
    assert overdue.status_code == 200  # the API can still serve what was issued
    nightly = overdue.json()["nightly"]
    assert nightly["overdue"] is True and nightly["last_run_at"] is None
    missed = {"job_id": f"schedule:{uid}", "slot": "2026-11-23T02:00:00Z"}
    assert nightly["overdue_jobs"] == [missed]
    h.runner.catch_up(f"schedule:{uid}")
    nightly = readyz().json()["nightly"]
    assert nightly["overdue"] is False and nightly["last_status"] == "succeeded"
    assert nightly["last_slot"] == "2026-11-23T02:00:00Z"


def test_stopping_starts_no_new_slot(loaded: App) -> None:
    uid = schedule(loaded, "steady", created=SLOT - DAY / 2)
    h = make_harness(loaded, SLOT + dt.timedelta(minutes=1))
    h.runner.stop()
    h.runner.catch_up(f"schedule:{uid}")
    assert h.pulls == [] and h.audits() == []


def test_the_production_ports_pull_audit_issue_and_checkpoint(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    """``default_ports``: the model's files source is pulled, the audit issues a signed
    report, the checkpoint is a ledger entry; a broken source fails the slot, unaudited."""
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(app.uow_factory, app.clock, path)
    assert cli("models", "register", "steady", "--version", "1.0").code == 0
    assert cli("models", "register", "broken", "--version", "1.0").code == 0
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(bundled_data("personalized") / "steady.jsonl.gz", drop)
    add_source(app.uow_factory, app.clock, "steady-files", model="steady", version="1.0",
               kind="files", config={"path": str(drop)})  # fmt: skip
    add_source(app.uow_factory, app.clock, "broken-files", model="broken", version="1.0",
               kind="files", config={"path": str(tmp_path / "missing")})  # fmt: skip
    key = app.settings.resolved_signing_key_path
    ensure_signing_key(app.uow_factory, app.clock, key)
    steady = schedule(app, "steady", created=SLOT - DAY / 2)
    broken = schedule(app, "broken", created=SLOT - DAY / 2)
    clock = Clock(SLOT + dt.timedelta(hours=2, minutes=1))
    app.clock = clock
    recorder = Recorder()
    runner = NightlyRunner(app.uow_factory, clock, default_ports(app), NightlySettings(), recorder)
    runner.started_at = SLOT  # as if the scheduler had been up since 02:00
    for job in runner.pending_jobs():
        runner.catch_up(job)
    with app.uow_factory() as uow:
        (audit,) = uow.audits.recent()
        assert (audit.status, audit.slot) == ("succeeded", SLOT)
        (report,) = uow.reports.recent()
        assert report.audit_id == audit.id
        kinds = [e.kind for e in uow.ledger.entries()]
        runs = ScheduleRepository(uow.session).recent_runs()
        outcome = {r.job_id: (r.status, r.error) for r in runs}
    assert kinds == ["report", "checkpoint"]
    assert outcome[f"schedule:{steady}"] == ("succeeded", None)
    status, error = outcome[f"schedule:{broken}"]
    assert status == "failed" and error is not None and error.startswith("PullFailed: broken-files")
    assert outcome[CHECKPOINT_JOB_ID] == ("succeeded", None)
    (alert,) = recorder.events("job.error")
    assert alert["model"] == "broken"


def test_a_hostile_file_fails_its_own_slot_and_the_others_are_audited(
    loaded: App, tmp_path: Path
) -> None:
    """Through the production pull: a files source holding a 512 MiB line in 0.5 MiB of
    gzip fails its model's slot with the limit's line; the other model's slot, pulling a
    good file at the same time, is audited."""
    hostile, good = tmp_path / "hostile", tmp_path / "good"
    hostile.mkdir()
    good.mkdir()
    gzip_repeated(hostile / "steady.jsonl.gz", b"a", 512 * MIB, head=b'{"item_id": "q1"}\n')
    shutil.copy(bundled_data("personalized") / "pleaser.jsonl.gz", good)
    add_source(loaded.uow_factory, loaded.clock, "steady-drop", model="steady", version="1.0",
               kind="files", config={"path": str(hostile)})  # fmt: skip
    add_source(loaded.uow_factory, loaded.clock, "pleaser-drop", model="pleaser", version="1.0",
               kind="files", config={"path": str(good)})  # fmt: skip
    uids = {m: schedule(loaded, m, created=SLOT - DAY / 2) for m in ("steady", "pleaser")}
    h = make_harness(loaded, SLOT + dt.timedelta(minutes=1), pull=default_ports(loaded).pull)
    for job in h.runner.pending_jobs():
        h.runner.catch_up(job)
    slots = h.slots()
    assert slots[(f"schedule:{uids['pleaser']}", "2026-11-23T02:00")][0] == "succeeded"
    status, _, error = slots[(f"schedule:{uids['steady']}", "2026-11-23T02:00")]
    assert status == "failed" and error is not None
    assert error.startswith("PullFailed: steady-drop")
    assert "steady.jsonl.gz:2: the line is longer than 1048576 bytes" in error
    assert h.audits() == [("pleaser", "succeeded", "2026-11-23T02:00")]
