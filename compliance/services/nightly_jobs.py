"""The nightly audit's jobs and what their slots come to: :class:`JobSpec` (a schedule's
audit, or the ledger checkpoint), :class:`Outcome` (what a slot ended as), and
:func:`plan_job` (which slots of a job are missed, coalesced or due now, from its cron, the
``schedule_runs`` rows and the slots busy elsewhere). Split from
:mod:`compliance.services.nightly`, whose runner uses them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from compliance.services.nightly_status import NightlySettings
from compliance.services.schedules import (
    CHECKPOINT_JOB_ID,
    TERMINAL,
    SlotPlan,
    SlotState,
    cron_trigger,
    fire_times,
    plan_slots,
    schedule_job_id,
)
from compliance.storage.repositories.schedules import ScheduleRepository, ScheduleRow

__all__ = ["JobSpec", "Outcome", "checkpoint_spec", "plan_job", "schedule_spec"]

_EPSILON = dt.timedelta(milliseconds=1)  # a trigger may fire a job a rounding error early


@dataclass(frozen=True)
class JobSpec:
    """What one job does: a schedule's audit, or the checkpoint when ``schedule_uid`` is None."""

    job_id: str
    cron: str
    since: dt.datetime
    schedule_id: int | None = None
    schedule_uid: str | None = None
    model: str = ""
    version: str = ""
    model_version_id: int = 0
    policy: str = ""

    def describe(self) -> dict[str, object]:
        if self.schedule_uid is None:
            return {"job": self.job_id}
        return {
            "job": self.job_id,
            "model": self.model,
            "version": self.version,
            "policy": self.policy,
        }


@dataclass(frozen=True)
class Outcome:
    status: str
    audit_uid: str | None = None
    verdict: str | None = None
    error: str | None = None
    fresh: bool = False  # the audit was made now (not found already done)


def schedule_spec(row: ScheduleRow) -> JobSpec:
    schedule = row.schedule
    return JobSpec(
        job_id=schedule_job_id(schedule.uid),
        cron=schedule.cron,
        since=schedule.created_at,
        schedule_id=schedule.id,
        schedule_uid=schedule.uid,
        model=row.model,
        version=row.version,
        model_version_id=schedule.model_version_id,
        policy=schedule.policy,
    )


def checkpoint_spec(
    repo: ScheduleRepository, settings: NightlySettings, started_at: dt.datetime
) -> JobSpec:
    """The ledger checkpoint's job, whose slots count from its oldest recorded slot (or
    from the process's start, whichever is earlier)."""
    first = repo.oldest_slot(CHECKPOINT_JOB_ID)
    since = started_at if first is None else min(first, started_at)
    return JobSpec(CHECKPOINT_JOB_ID, settings.checkpoint_cron, since)


def plan_job(
    repo: ScheduleRepository,
    spec: JobSpec,
    now: dt.datetime,
    settings: NightlySettings,
    busy: Collection[dt.datetime],
) -> SlotPlan:
    """The job's fire times since its last finished slot (at most the look-back), planned
    by :func:`~compliance.services.schedules.plan_slots`; ``busy`` slots are running or
    queued elsewhere."""
    lookback = dt.timedelta(seconds=settings.missed_lookback_seconds)
    lower = max(spec.since, now - lookback)
    done = repo.newest_slot(spec.job_id, TERMINAL)
    if done is not None and done >= lower:
        lower = done + dt.timedelta(microseconds=1)
    upper = now + _EPSILON
    fires = fire_times(cron_trigger(spec.cron), lower, upper)
    states = {
        slot: SlotState(row.status, row.attempts, row.updated_at)
        for slot, row in repo.runs_between(spec.job_id, lower, upper).items()
    }
    return plan_slots(
        fires,
        states,
        now=now,
        grace=settings.grace,
        busy=set(busy),
        retry_base=dt.timedelta(seconds=settings.sweep_seconds),
    )
