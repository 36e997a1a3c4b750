"""``compliance schedules ...`` and ``compliance scheduler list`` through a local Typer root."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.bootstrap import App, build_app
from compliance.cli import context as cli_context
from compliance.config import Settings
from compliance.services.schedules import (
    SlotState,
    cron_trigger,
    fire_times,
    next_fire_times,
    plan_slots,
)
from tests.conftest import CliResult

Run = Callable[..., CliResult]
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


@pytest.fixture
def run(cli: Run) -> Run:
    """The root command line on this test's database (``tests.conftest.cli``)."""
    return cli


@pytest.mark.usefixtures("loaded")
def test_add_list_remove(run: Run) -> None:
    added = run("schedules", "add", "--model", "steady", "--version", "1.0",
                "--policy", "truth-invariance", "--json")  # fmt: skip
    assert added.code == 0, added.err
    view = json.loads(added.out)
    assert view["cron"] == "0 2 * * *" and view["id"].startswith("sch_")
    assert view["job_id"] == f"schedule:{view['id']}"
    assert all(t.endswith("T02:00:00Z") for t in view["next_runs"])
    pinned = run("schedules", "add", "--model", "pleaser", "--version", "1.0",
                 "--policy", "personalization@1.0", "--cron", "30  1 * * 1-5")  # fmt: skip
    assert pinned.code == 0 and "on '30 1 * * 1-5'" in pinned.out
    again = run("schedules", "add", "--model", "steady", "--version", "1.0",
                "--policy", "truth-invariance")  # fmt: skip
    assert again.code == 1 and f"schedule {view['id']} already audits" in again.err
    listed = json.loads(run("schedules", "list", "--json").out)
    assert [(s["model"], s["policy"]) for s in listed] == [
        ("pleaser", "personalization@1.0"),
        ("steady", "truth-invariance"),
    ]
    table = run("schedules", "list").out
    assert view["id"] in table and "active" in table
    jobs = json.loads(run("scheduler", "list", "--json").out)
    assert [j["job_id"] for j in jobs][-1] == "ledger-checkpoint"
    assert {j["kind"] for j in jobs} == {"audit", "checkpoint"}
    assert all(len(j["next_runs"]) == 3 and j["last_slot"] is None for j in jobs)
    assert "ledger-checkpoint" in run("scheduler", "list").out
    removed = run("schedules", "remove", view["id"])
    assert removed.code == 0 and f"removed {view['id']}" in removed.out
    assert len(json.loads(run("schedules", "list", "--json").out)) == 1
    every = json.loads(run("schedules", "list", "--all", "--json").out)
    assert [s["removed_at"] is not None for s in every] == [False, True]
    assert run("schedules", "remove", view["id"]).code == 0  # removing twice is harmless


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cron", "0 2 * *"), "needs 5 fields"),
        (("--cron", "0 25 * * *"), "is not a valid cron expression"),
        (("--cron", "every night"), "needs 5 fields"),
        (("--policy", "nope"), "no policy 'nope'"),
        (("--model", "ghost"), "unknown model 'ghost'"),
        (("--version", "9"), "model 'steady' has no version '9'"),
    ],
)
def test_bad_schedules_are_refused_in_one_line(
    run: Run, app: App, args: tuple[str, ...], message: str
) -> None:
    base = {"--model": "steady", "--version": "1.0", "--policy": "truth-invariance"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [part for pair in base.items() for part in pair]
    refused = run("schedules", "add", *flat)
    assert refused.code == 1
    assert message in refused.err
    error, *hint = refused.err.splitlines()  # one line, and at most a hint
    assert error.startswith("error: ") and message in error
    assert all(line.startswith("hint: ") for line in hint) and len(hint) <= 1
    assert json.loads(run("schedules", "list", "--json").out) == []


def test_remove_an_unknown_schedule(run: Run) -> None:
    result = run("schedules", "remove", "nope")
    assert result.code == 1 and "no schedule 'nope' (schedule ids look like sch_...)" in result.err


def test_scheduler_run_refuses_an_uninitialized_database(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blank = Settings(home=tmp_path / "blank")
    monkeypatch.setattr(cli_context.state, "factory", lambda: build_app(blank))
    result = run("scheduler", "run")
    assert result.code == 1 and "is not initialized" in result.err


# --- slot arithmetic (no database) -----------------------------------------------------------


def test_fire_times_are_the_cron_times_in_the_window() -> None:
    nightly = cron_trigger("0 2 * * *")
    assert fire_times(nightly, T0 - 2 * 24 * H, T0) == [T0 - 48 * H, T0 - 24 * H, T0]
    assert fire_times(nightly, T0 + dt.timedelta(microseconds=1), T0 + 23 * H) == []
    assert next_fire_times(nightly, T0, 2) == [T0 + 24 * H, T0 + 48 * H]
    hourly = cron_trigger("0 * * * *")
    assert len(fire_times(hourly, T0, T0 + 100 * H, limit=10)) == 10  # the latest kept
    assert fire_times(hourly, T0, T0 + 100 * H, limit=10)[-1] == T0 + 100 * H


def test_plan_slots() -> None:
    grace = 6 * H
    fires = [T0 - 24 * H, T0]
    # back within the grace time: the slot runs; before it, the day before was missed
    plan = plan_slots(fires, {}, now=T0 + H, grace=grace)
    assert plan.run == T0 and [m for m, _ in plan.missed] == [T0 - 24 * H]
    # back after it: missed, nothing runs late
    plan = plan_slots([T0], {}, now=T0 + 7 * H, grace=grace)
    assert plan.run is None and [m for m, _ in plan.missed] == [T0]
    # done slots are done, whatever their outcome
    for status in ("succeeded", "failed", "timed_out", "missed"):
        done = {T0: SlotState(status, 1, T0)}
        assert plan_slots([T0], done, now=T0 + H, grace=grace) == plan_slots(
            [], {}, now=T0 + H, grace=grace
        )
    # a slot left 'running' by a killed process is run again; one running here is not
    stale = {T0: SlotState("running", 1, T0)}
    assert plan_slots([T0], stale, now=T0 + H, grace=grace).run == T0
    assert plan_slots([T0], stale, now=T0 + H, grace=grace, busy={T0}).run is None
    # several due slots coalesce into the latest; the others are recorded
    hourly = [T0, T0 + H, T0 + 2 * H]
    plan = plan_slots(hourly, {}, now=T0 + 2 * H, grace=grace)
    assert plan.run == T0 + 2 * H
    assert [m for m, _ in plan.missed] == [T0, T0 + H]
    assert all("coalesced" in why for _, why in plan.missed)
    # an 'error' slot waits for its backoff: 1 min, then 2, 4 ... at most 30
    failed = {T0: SlotState("error", 3, T0 + H)}
    minute = dt.timedelta(minutes=1)
    assert plan_slots([T0], failed, now=T0 + H + 3 * minute, grace=grace).run is None
    assert plan_slots([T0], failed, now=T0 + H + 4 * minute, grace=grace).run == T0
