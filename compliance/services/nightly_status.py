"""What can be read about the nightly audit without running it: the scheduler's settings
and the status ``/readyz`` reports. Importing this module loads no audit or rendering code
(the API imports it)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from compliance.errors import ComplianceError
from compliance.services.schedules import slot_status

if TYPE_CHECKING:
    from compliance.bootstrap import App

__all__ = ["NightlySettings", "nightly_status"]


class NightlySettings(BaseSettings):
    """The scheduler's own settings (environment, prefix ``COMPLIANCE_``)."""

    model_config = SettingsConfigDict(env_prefix="COMPLIANCE_", extra="ignore")

    misfire_grace_seconds: float = Field(default=6 * 3600, gt=0)
    audit_timeout_seconds: float = Field(default=1800, gt=0)
    webhook_url: str | None = None
    webhook_secret_env: str = "COMPLIANCE_WEBHOOK_SECRET"  # noqa: S105 - a variable's name
    checkpoint_cron: str = "0 4 * * *"
    sweep_seconds: float = Field(default=60, gt=0)
    missed_lookback_seconds: float = Field(default=7 * 86400, gt=0)
    overdue_seconds: float = Field(default=2 * 3600, gt=0)
    scheduler_workers: int | None = Field(
        default=None, ge=1, le=64, description="slots run at once (default 2)"
    )
    fake_now: dt.datetime | None = Field(default=None, description="tests only")
    scheduler_mode: Literal["auto", "inprocess", "queue"] = Field(
        default="auto",
        description="auto: the job queue on PostgreSQL, in-process on SQLite",
    )
    queue_max_attempts: int = Field(default=3, ge=1, le=20)
    queue_retry_seconds: int = Field(default=10, ge=1)
    worker_heartbeat_seconds: float = Field(default=10, gt=0)
    worker_stalled_seconds: float = Field(default=30, gt=0)
    endpoint_concurrency: int | None = Field(
        default=None, ge=1, le=1024, description="probe requests in flight per endpoint, shared"
    )

    def uses_queue(self, dialect: str) -> bool:
        """Whether slots go through the job queue (``compliance worker``) on ``dialect``."""
        if self.scheduler_mode == "auto":
            return dialect == "postgresql"
        return self.scheduler_mode == "queue"

    @property
    def grace(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.misfire_grace_seconds)


def nightly_status(app: App, settings: NightlySettings | None = None) -> dict[str, Any]:
    """The last nightly run and whether a slot is overdue, for ``/readyz``::

        {"last_run_at": "2026-11-23T02:00:41Z", "last_job_id": "schedule:sch_...",
         "last_slot": "2026-11-23T02:00:00Z", "last_status": "succeeded",
         "overdue": false, "overdue_jobs": [], "slots_last_24h": {"succeeded": 20},
         "checked_at": "...", "mode": "queue",
         "active_scheduler": "PostgreSQL session pid 4242 from 10.0.0.7 since 01:59:58"}

    A job is overdue when its latest slot older than ``COMPLIANCE_OVERDUE_SECONDS``
    (default 2 h) has no finished outcome: the scheduler is down or stuck. Failed audits
    and missed slots are not overdue (the scheduler did its work; they are alerted).
    """
    settings = settings or NightlySettings()
    status = slot_status(
        app.uow_factory,
        app.clock,
        checkpoint_cron=settings.checkpoint_cron,
        overdue_after=dt.timedelta(seconds=settings.overdue_seconds),
        lookback=dt.timedelta(seconds=settings.missed_lookback_seconds),
    )
    status["active_scheduler"] = active_scheduler(app)
    status["mode"] = "queue" if settings.uses_queue(app.engine.dialect.name) else "inprocess"
    return status


def active_scheduler(app: App) -> str | None:
    """Which ``compliance scheduler run`` is active (holds the scheduler lock): its pid or
    PostgreSQL session; None when none runs. Standby schedulers wait for this lock."""
    from compliance.storage.repositories.schedules import InstanceLock

    try:
        return InstanceLock(app.engine).active_holder()
    except ComplianceError:  # an in-memory database has no scheduler
        return None
