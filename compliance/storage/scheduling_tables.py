"""Tables of the nightly scheduler: schedules, the outcome of every slot, APScheduler's jobs.

- :class:`Schedule`: a model version audited under a policy on a cron expression (UTC).
  Never deleted (slot rows refer to it): ``schedules remove`` sets ``removed_at``.
- :class:`ScheduleRun`: what happened to one slot of one job, unique by ``(job_id, slot)``:
  ``running``, then ``succeeded`` / ``failed`` / ``timed_out`` / ``missed``, or ``error``
  (the database or the machine failed: retried while the slot is within the grace time).
  ``job_id`` is ``schedule:<uid>`` for an audit schedule and ``ledger-checkpoint`` for the
  nightly checkpoint. This table is the "last nightly run" record read by ``/readyz``.
- :class:`SchedulerJob`: the table of APScheduler 3's ``SQLAlchemyJobStore`` (same columns,
  created by the migration so that the schema stays under Alembic and the drift test).

Every table module is imported by :mod:`compliance.storage.metadata` (the schema whole).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from compliance.storage.base import Base, Uid, UTCDateTime

__all__ = ["JOBSTORE_TABLE", "Schedule", "ScheduleRun", "SchedulerJob"]

JOBSTORE_TABLE = "scheduler_jobs"


class Schedule(Base):
    """Audit ``model_version`` under ``policy`` (``NAME`` or ``NAME@VERSION``) on ``cron``."""

    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    policy: Mapped[str] = mapped_column(String(160))
    cron: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ScheduleRun(Base):
    """The outcome of one slot of one scheduler job; a slot has one row, updated in place."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("job_id", "slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"), index=True)
    slot: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    audit_uid: Mapped[str | None] = mapped_column(Uid)
    verdict: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SchedulerJob(Base):
    """APScheduler's job store row (pickled job state); written by APScheduler only."""

    __tablename__ = JOBSTORE_TABLE
    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)
