"""``compliance schedules`` (what is audited when) and ``compliance scheduler`` (the process).

Two Typer sub-apps, registered by ``cli/main.py`` as ``schedules`` and ``scheduler``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, err_console, get_app, out_console
from compliance.cli.usage import command_group
from compliance.services.nightly_status import NightlySettings, active_scheduler
from compliance.services.schedules import (
    DEFAULT_CRON,
    ScheduleView,
    add_schedule,
    job_overview,
    list_schedules,
    remove_schedule,
)

__all__ = ["scheduler_app", "schedules_app"]

schedules_app = command_group(
    "Audit schedules: a model version, a policy and a cron expression (UTC)."
)
scheduler_app = command_group("The nightly audit process (one active per database).")


@schedules_app.command("add")
def add(
    model: Annotated[str, typer.Option("--model", help="registered model name")],
    version: Annotated[str, typer.Option("--version", help="registered model version")],
    policy: Annotated[
        str, typer.Option("--policy", help="NAME (latest version at each slot) or NAME@VERSION")
    ],
    cron: Annotated[str, typer.Option("--cron", help="five crontab fields, in UTC")] = DEFAULT_CRON,
    json_: JsonFlag = False,
) -> None:
    """Audit MODEL VERSION under POLICY on CRON (default every night at 02:00 UTC)."""
    cli_app = get_app()
    view = add_schedule(
        cli_app.uow_factory, cli_app.clock, model=model, version=version, policy=policy, cron=cron
    )
    if json_:
        emit_json(view)
        return
    out_console.print(
        f"scheduled {view.id}: {view.model} {view.version} under {view.policy} "
        f"on '{view.cron}' (UTC); next {', '.join(view.next_runs[:1]) or '-'}",
        markup=False,
    )
    err_console.print(
        "the running scheduler picks it up at its next sweep (at most a minute)", markup=False
    )


@schedules_app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="include removed schedules")] = False,
    json_: JsonFlag = False,
) -> None:
    """List the schedules with their next fire times."""
    cli_app = get_app()
    views = list_schedules(cli_app.uow_factory, cli_app.clock, include_removed=all_)
    if json_:
        emit_json(views)
        return
    if not views:
        out_console.print(
            "no schedules yet: compliance schedules add --model M --version V --policy P",
            markup=False,
        )
        return
    table = Table("schedule", "model", "version", "policy", "cron (UTC)", "next run", "state")
    for v in views:
        table.add_row(
            v.id,
            v.model,
            v.version,
            v.policy,
            v.cron,
            v.next_runs[0] if v.next_runs else "-",
            f"removed {v.removed_at}" if v.removed_at else "active",
        )
    out_console.print(table)


@schedules_app.command("remove")
def remove(
    schedule_id: Annotated[
        str, typer.Argument(metavar="SCHEDULE_ID", help="the schedule id (sch_...)")
    ],
    json_: JsonFlag = False,
) -> None:
    """Stop scheduling SCHEDULE_ID (its past slots stay recorded)."""
    cli_app = get_app()
    view: ScheduleView = remove_schedule(cli_app.uow_factory, cli_app.clock, schedule_id)
    if json_:
        emit_json(view)
        return
    out_console.print(
        f"removed {view.id} ({view.model} {view.version} under {view.policy})", markup=False
    )


@scheduler_app.command("run")
def run() -> None:
    """Run the nightly audits until SIGTERM/SIGINT (one active process per database).

    SQLite: runs every slot itself; a second one refuses. PostgreSQL: defers each due slot
    to the job queue for 'compliance worker' processes; a second one waits as a standby.
    COMPLIANCE_SCHEDULER_MODE=inprocess keeps the first behaviour on PostgreSQL.

    Settings (environment): COMPLIANCE_MISFIRE_GRACE_SECONDS (21600),
    COMPLIANCE_AUDIT_TIMEOUT_SECONDS (1800), COMPLIANCE_WEBHOOK_URL,
    COMPLIANCE_WEBHOOK_SECRET_ENV (COMPLIANCE_WEBHOOK_SECRET), COMPLIANCE_CHECKPOINT_CRON
    ('0 4 * * *'), COMPLIANCE_SWEEP_SECONDS (60), COMPLIANCE_SCHEDULER_WORKERS (1 on SQLite, 2 on
    PostgreSQL).
    """
    from compliance.scheduler import run_scheduler  # APScheduler only for this command

    code = run_scheduler(get_app())
    if code:
        raise typer.Exit(code)


@scheduler_app.command("list")
def list_jobs(json_: JsonFlag = False) -> None:
    """The scheduler's jobs: next fire times and the outcome of the latest slot; which
    'scheduler run' process is active (the others wait as standbys)."""
    cli_app = get_app()
    views = job_overview(
        cli_app.uow_factory, cli_app.clock, checkpoint_cron=NightlySettings().checkpoint_cron
    )
    if json_:  # the list as before; /readyz and 'queue status --json' name the active one
        emit_json(views)
        return
    active = active_scheduler(cli_app)
    out_console.print(f"active scheduler: {active or 'none running'}", markup=False)
    table = Table("job", "model", "version", "policy", "cron (UTC)", "next runs", "last slot")
    for v in views:
        last = "-"
        if v.last_slot:
            last = f"{v.last_slot} {v.last_status}" + (
                f" ({v.last_verdict})" if v.last_verdict else ""
            )
        table.add_row(
            v.job_id,
            v.model or "-",
            v.version or "-",
            v.policy or "-",
            v.cron,
            ", ".join(v.next_runs[:2]),
            last,
        )
    out_console.print(table)
