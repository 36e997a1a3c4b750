"""What ``compliance queue status`` shows: the nightly job queue's jobs by state, the oldest
waiting job, and the workers whose heartbeat is recent (PostgreSQL only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compliance.clock import isoformat_z
from compliance.errors import ConfigError
from compliance.services.nightly_status import NightlySettings, active_scheduler
from compliance.storage.repositories.queue import QueueRepository

if TYPE_CHECKING:
    from compliance.bootstrap import App

__all__ = ["QueueStatus", "QueueWorker", "queue_status"]


@dataclass(frozen=True)
class QueueWorker:
    id: int
    last_heartbeat: str
    alive: bool
    running_jobs: int


@dataclass(frozen=True)
class QueueStatus:
    """``jobs``: count by state (``todo`` waiting, ``doing`` running, ``succeeded``,
    ``failed`` after its last attempt, ...); ``oldest_waiting_s``: how long the oldest
    waiting job has waited; ``workers_alive``: workers whose heartbeat is younger than
    ``COMPLIANCE_WORKER_STALLED_SECONDS``."""

    jobs: dict[str, int]
    oldest_waiting: str | None
    oldest_waiting_s: float | None
    workers_alive: int
    workers: list[QueueWorker]
    active_scheduler: str | None


def queue_status(app: App, settings: NightlySettings | None = None) -> QueueStatus:
    settings = settings or NightlySettings()
    if app.engine.dialect.name != "postgresql":
        raise ConfigError(
            "the job queue needs PostgreSQL: on SQLite the scheduler runs every slot itself",
            hint="see 'compliance scheduler list' for the slots' outcomes",
        )
    with app.uow_factory() as uow:
        state = QueueRepository(uow.session).state(settings.worker_stalled_seconds)
    now = dt.datetime.now(dt.UTC)
    waited = None if state.oldest_waiting is None else (now - state.oldest_waiting)
    return QueueStatus(
        jobs=dict(sorted(state.jobs.items())),
        oldest_waiting=None if state.oldest_waiting is None else isoformat_z(state.oldest_waiting),
        oldest_waiting_s=None if waited is None else round(max(waited.total_seconds(), 0.0), 3),
        workers_alive=sum(w.alive for w in state.workers),
        workers=[
            QueueWorker(w.id, isoformat_z(w.last_heartbeat), w.alive, w.running_jobs)
            for w in state.workers
        ],
        active_scheduler=active_scheduler(app),
    )
