"""Reads of the nightly job queue's tables (Procrastinate's, migration 0006).

Procrastinate writes its own tables through its own queries; the project only reads them
here (what is queued for a job, the queue's state for ``compliance queue status``, the jobs
of workers whose heartbeat stopped).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from compliance.errors import StorageUnavailable

__all__ = [
    "QueueRepository",
    "QueueState",
    "WorkerState",
    "libpq_url",
]


def libpq_url(engine: Engine) -> str:
    """The engine's URL as psycopg/libpq spell it (``postgresql://...``), password included."""
    if engine.dialect.name != "postgresql":
        raise StorageUnavailable("the job queue needs PostgreSQL")
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class WorkerState:
    id: int
    last_heartbeat: dt.datetime
    alive: bool
    running_jobs: int


@dataclass(frozen=True)
class QueueState:
    """``jobs``: job count by Procrastinate status; ``oldest_waiting``: when the longest
    waiting ``todo`` job was deferred (None when nothing waits)."""

    jobs: dict[str, int]
    oldest_waiting: dt.datetime | None
    workers: list[WorkerState]


class QueueRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def open_slots(self, task_name: str, job_id: str) -> set[str]:
        """The ``slot`` argument of this job's queued or running jobs (todo or doing)."""
        rows = self._session.execute(
            text(
                "SELECT args->>'slot' FROM procrastinate_jobs WHERE task_name = :task "
                "AND status IN ('todo', 'doing') AND args->>'job_id' = :job"
            ),
            {"task": task_name, "job": job_id},
        )
        return {str(slot) for (slot,) in rows if slot}

    def stalled_jobs(self, task_name: str, seconds_since_heartbeat: float) -> list[int]:
        """``doing`` jobs whose worker is gone or has not beaten for that long (the query of
        Procrastinate's ``JobManager.get_stalled_jobs``)."""
        rows = self._session.execute(
            text(
                "SELECT job.id FROM procrastinate_jobs job "
                "LEFT JOIN procrastinate_workers w ON w.id = job.worker_id "
                "WHERE job.status = 'doing' AND job.task_name = :task AND (job.worker_id IS NULL "
                "OR w.id IS NULL OR w.last_heartbeat < NOW() - make_interval(secs => :secs)) "
                "ORDER BY job.id"
            ),
            {"task": task_name, "secs": seconds_since_heartbeat},
        )
        return [int(job_id) for (job_id,) in rows]

    def state(self, alive_within_seconds: float) -> QueueState:
        jobs = {
            str(status): int(count)
            for status, count in self._session.execute(
                text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status")
            )
        }
        oldest = self._session.execute(
            text(
                "SELECT min(e.at) FROM procrastinate_events e JOIN procrastinate_jobs j "
                "ON j.id = e.job_id WHERE j.status = 'todo' AND e.type = 'deferred'"
            )
        ).scalar()
        workers = [
            WorkerState(int(wid), beat, bool(alive), int(running))
            for wid, beat, alive, running in self._session.execute(
                text(
                    "SELECT w.id, w.last_heartbeat, "
                    "w.last_heartbeat >= NOW() - make_interval(secs => :secs), "
                    "(SELECT count(*) FROM procrastinate_jobs j WHERE j.worker_id = w.id "
                    "AND j.status = 'doing') FROM procrastinate_workers w ORDER BY w.id"
                ),
                {"secs": alive_within_seconds},
            )
        ]
        return QueueState(jobs, oldest, workers)
