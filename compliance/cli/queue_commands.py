"""``compliance worker`` (runs queued nightly slots) and ``compliance queue status``.

Registered by ``cli/main.py``; both need PostgreSQL (see docs/scheduler.md, "Scaling out").
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, get_app, out_console
from compliance.cli.usage import command_group
from compliance.services.queue_status import queue_status

__all__ = ["queue_app", "worker"]

queue_app = command_group("The nightly job queue (PostgreSQL): what waits, what runs, who works.")


def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="slots this process runs at once")
    ] = 1,
    queues: Annotated[
        list[str] | None,
        typer.Option("--queues", help="queues to take jobs from (repeatable; default nightly)"),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="shown in the logs")] = None,
) -> None:
    """Run queued nightly slots (pull, audit, report) until SIGTERM/SIGINT.

    Any number of workers, on any machine that reaches the database. SIGTERM: no new slot,
    the running ones finish (at most COMPLIANCE_AUDIT_TIMEOUT_SECONDS + 10 s). Settings:
    COMPLIANCE_WORKER_HEARTBEAT_SECONDS (10), COMPLIANCE_WORKER_STALLED_SECONDS (30),
    COMPLIANCE_QUEUE_MAX_ATTEMPTS (3), COMPLIANCE_QUEUE_RETRY_SECONDS (10),
    COMPLIANCE_ENDPOINT_CONCURRENCY (unset: probe requests in flight per endpoint, shared).
    """
    from compliance.queue import QUEUE_NAME, run_worker  # Procrastinate only for this command

    code = run_worker(get_app(), concurrency=concurrency, queues=queues or [QUEUE_NAME], name=name)
    if code:
        raise typer.Exit(code)


@queue_app.command("status")
def status(json_: JsonFlag = False) -> None:
    """Jobs by state, the oldest waiting job, the workers alive and the active scheduler."""
    view = queue_status(get_app())
    if json_:
        emit_json(view)
        return
    jobs = ", ".join(f"{state} {count}" for state, count in view.jobs.items()) or "none"
    out_console.print(f"jobs: {jobs}", markup=False)
    waiting = (
        "-"
        if view.oldest_waiting is None
        else (f"{view.oldest_waiting} ({view.oldest_waiting_s:.0f} s ago)")
    )
    out_console.print(f"oldest waiting: {waiting}", markup=False)
    out_console.print(f"active scheduler: {view.active_scheduler or 'none'}", markup=False)
    out_console.print(f"workers alive: {view.workers_alive}", markup=False)
    if view.workers:
        table = Table("worker", "last heartbeat", "alive", "running")
        for w in view.workers:
            table.add_row(
                str(w.id), w.last_heartbeat, "yes" if w.alive else "no", str(w.running_jobs)
            )
        out_console.print(table)
