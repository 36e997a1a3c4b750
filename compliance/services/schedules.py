"""Audit schedules: which model version is audited under which policy, on which cron (UTC).

A schedule is immutable once added (remove it and add another to change it); removing
keeps the row (``removed_at``) so that the slots it ran stay explained. Cron expressions
are the five fields of crontab, read by APScheduler's ``CronTrigger.from_crontab`` in
UTC; the default ``0 2 * * *`` is every night at 02:00 UTC.

The slot arithmetic lives here too: :func:`fire_times` lists the fire times of a cron
expression in a window, which the nightly runner uses to find missed and due slots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

from compliance.clock import Clock, isoformat_z
from compliance.domain.ids import is_uid, new_uid
from compliance.errors import AlreadyExists, InputError, NotFound
from compliance.services.policies import resolve_policy
from compliance.services.registry import require_version
from compliance.storage.repositories.schedules import ScheduleRepository, ScheduleRow
from compliance.storage.uow import UnitOfWorkFactory

__all__ = [
    "CHECKPOINT_JOB_ID",
    "DEFAULT_CRON",
    "TERMINAL",
    "JobView",
    "ScheduleView",
    "SlotPlan",
    "SlotState",
    "add_schedule",
    "cron_trigger",
    "fire_times",
    "job_overview",
    "list_schedules",
    "next_fire_times",
    "plan_slots",
    "remove_schedule",
    "schedule_job_id",
    "slot_status",
]

DEFAULT_CRON = "0 2 * * *"
CHECKPOINT_JOB_ID = "ledger-checkpoint"
TERMINAL = frozenset({"succeeded", "failed", "timed_out", "missed"})
"""Slot statuses that end a slot; ``running`` and ``error`` slots are run again."""
_MICROSECOND = dt.timedelta(microseconds=1)
_MAX_RETRY_DELAY = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class ScheduleView:
    id: str
    job_id: str
    model: str
    version: str
    policy: str
    cron: str
    created_at: str
    removed_at: str | None
    next_runs: tuple[str, ...]


def schedule_job_id(uid: str) -> str:
    """The scheduler's job id of a schedule: ``schedule:<uid>``."""
    return f"schedule:{uid}"


def cron_trigger(expression: str) -> CronTrigger:
    """The trigger of a five-field crontab expression in UTC, or a one-line InputError."""
    text = " ".join(expression.split())
    fields = text.split(" ") if text else []
    if len(fields) != 5:
        raise InputError(
            f"needs 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}",
            field="cron",
            value=expression,
            hint="e.g. '0 2 * * *' for 02:00 UTC every night",
        )
    try:
        return CronTrigger.from_crontab(text, timezone=dt.UTC)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"is not a valid cron expression ({exc})",
            field="cron",
            value=expression,
            hint="five crontab fields in UTC, e.g. '0 2 * * *' or '30 1 * * 1-5'",
        ) from None


def fire_times(
    trigger: CronTrigger, since: dt.datetime, until: dt.datetime, *, limit: int = 10_000
) -> list[dt.datetime]:
    """The fire times ``t`` with ``since <= t <= until``, oldest first (at most ``limit``,
    the most recent ones kept)."""
    times: list[dt.datetime] = []
    moment = trigger.get_next_fire_time(None, since)
    while moment is not None and moment <= until:
        times.append(moment.astimezone(dt.UTC))
        if len(times) > limit:
            del times[0]
        moment = trigger.get_next_fire_time(moment, moment + _MICROSECOND)
    return times


def next_fire_times(trigger: CronTrigger, after: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` fire times strictly after ``after``."""
    times: list[dt.datetime] = []
    moment = trigger.get_next_fire_time(None, after + _MICROSECOND)
    while moment is not None and len(times) < count:
        times.append(moment.astimezone(dt.UTC))
        moment = trigger.get_next_fire_time(moment, moment + _MICROSECOND)
    return times


@dataclass(frozen=True)
class JobView:
    """One scheduler job: its next fire times (from the cron), what the job store holds,
    and the outcome of its latest slot."""

    job_id: str
    kind: str
    schedule_id: str | None
    model: str | None
    version: str | None
    policy: str | None
    cron: str
    next_runs: tuple[str, ...]
    stored_next_run: str | None
    last_slot: str | None
    last_status: str | None
    last_verdict: str | None
    last_error: str | None


@dataclass(frozen=True)
class SlotState:
    status: str
    attempts: int
    updated_at: dt.datetime


@dataclass(frozen=True)
class SlotPlan:
    """What a job must do now: record ``missed`` slots (with why), then ``run`` one slot."""

    missed: tuple[tuple[dt.datetime, str], ...]
    run: dt.datetime | None


def plan_slots(
    fires: Sequence[dt.datetime],
    states: Mapping[dt.datetime, SlotState],
    *,
    now: dt.datetime,
    grace: dt.timedelta,
    busy: Collection[dt.datetime] = (),
    retry_base: dt.timedelta = dt.timedelta(minutes=1),
) -> SlotPlan:
    """Decide the fate of the fire times ``fires`` (oldest first) of one job at ``now``.

    - a slot with a terminal status (:data:`TERMINAL`) is done;
    - an unfinished slot older than ``grace`` is missed;
    - of the unfinished slots within ``grace``, the latest is run and the earlier ones are
      missed as coalesced into it (APScheduler's ``coalesce``, but recorded);
    - a slot ``busy`` in this process is left alone; a slot in ``error`` is retried after
      an exponential delay from its last attempt (``retry_base`` doubling, at most 30 min).
    """
    pending = [t for t in fires if (s := states.get(t)) is None or s.status not in TERMINAL]
    cutoff = now - grace
    missed = [
        (t, f"not run within the grace time of {grace} after the slot")
        for t in pending
        if t < cutoff and t not in busy
    ]
    live = [t for t in pending if t >= cutoff]
    if not live:
        return SlotPlan(tuple(missed), None)
    latest = live[-1]
    missed += [
        (t, f"coalesced: the later slot {isoformat_z(latest)} was due when this one ran")
        for t in live[:-1]
        if t not in busy
    ]
    state = states.get(latest)
    run: dt.datetime | None = latest
    if latest in busy:
        run = None
    elif state is not None and state.status == "error":
        delay = min(retry_base * 2 ** max(state.attempts - 1, 0), _MAX_RETRY_DELAY)
        if now < state.updated_at + delay:
            run = None
    return SlotPlan(tuple(missed), run)


def add_schedule(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    model: str,
    version: str,
    policy: str,
    cron: str = DEFAULT_CRON,
) -> ScheduleView:
    """Schedule audits of MODEL VERSION under POLICY (``NAME`` follows the latest version of
    the policy at each slot; ``NAME@VERSION`` pins one)."""
    cron_text = " ".join(cron.split())
    cron_trigger(cron_text)
    with uow_factory(write=True) as uow:
        target = require_version(uow, model, version)
        resolve_policy(uow, policy)  # must exist now; the slot resolves it again
        repo = ScheduleRepository(uow.session)
        twin = repo.duplicate_of(target.id, policy, cron_text)
        if twin is not None:
            raise AlreadyExists(
                f"schedule {twin.uid} already audits {model} {version} under {policy} "
                f"on '{cron_text}'",
                hint="see 'compliance schedules list'",
            )
        row = repo.add(
            uid=new_uid("sch"),
            model_version_id=target.id,
            policy=policy,
            cron=cron_text,
            now=clock(),
        )
        uow.commit()
        found = repo.get(row.uid)
        assert found is not None
        return _view(found, clock())


def list_schedules(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    include_removed: bool = False,
    upcoming: int = 3,
) -> list[ScheduleView]:
    now = clock()
    with uow_factory() as uow:
        repo = ScheduleRepository(uow.session)
        rows = repo.all() if include_removed else repo.active()
        return [_view(row, now, upcoming=upcoming) for row in rows]


def remove_schedule(uow_factory: UnitOfWorkFactory, clock: Clock, uid: str) -> ScheduleView:
    """Stop scheduling ``uid``; the running scheduler drops its job at its next sweep."""
    with uow_factory(write=True) as uow:
        repo = ScheduleRepository(uow.session)
        found = repo.get(uid)
        if found is None:
            raise NotFound(
                f"no schedule '{uid}'"
                + ("" if is_uid(uid, "sch") else " (schedule ids look like sch_...)"),
                hint="see the ids with: compliance schedules list",
            )
        if found.schedule.removed_at is None:
            repo.remove(found.schedule, clock())
            uow.commit()
        return _view(found, clock(), upcoming=0)


def _view(row: ScheduleRow, now: dt.datetime, *, upcoming: int = 3) -> ScheduleView:
    schedule = row.schedule
    upcoming_times: Sequence[dt.datetime] = ()
    if schedule.removed_at is None and upcoming:
        upcoming_times = next_fire_times(cron_trigger(schedule.cron), now, upcoming)
    return ScheduleView(
        id=schedule.uid,
        job_id=schedule_job_id(schedule.uid),
        model=row.model,
        version=row.version,
        policy=schedule.policy,
        cron=schedule.cron,
        created_at=isoformat_z(schedule.created_at),
        removed_at=isoformat_z(schedule.removed_at) if schedule.removed_at else None,
        next_runs=tuple(isoformat_z(t) for t in upcoming_times),
    )


def job_overview(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, checkpoint_cron: str, upcoming: int = 3
) -> list[JobView]:
    """Every job ``compliance scheduler run`` runs (``compliance scheduler list``)."""
    now = clock()
    with uow_factory() as uow:
        repo = ScheduleRepository(uow.session)
        stored = repo.stored_jobs()
        jobs: list[tuple[str, str, ScheduleRow | None]] = [
            (schedule_job_id(row.schedule.uid), row.schedule.cron, row) for row in repo.active()
        ]
        jobs.append((CHECKPOINT_JOB_ID, checkpoint_cron, None))
        views = []
        for job_id, cron, row in jobs:
            last = repo.last_run(job_id)
            stored_next = stored.get(job_id)
            views.append(
                JobView(
                    job_id=job_id,
                    kind="checkpoint" if row is None else "audit",
                    schedule_id=row.schedule.uid if row else None,
                    model=row.model if row else None,
                    version=row.version if row else None,
                    policy=row.schedule.policy if row else None,
                    cron=cron,
                    next_runs=tuple(
                        isoformat_z(t) for t in next_fire_times(cron_trigger(cron), now, upcoming)
                    ),
                    stored_next_run=isoformat_z(stored_next) if stored_next else None,
                    last_slot=isoformat_z(last.slot) if last else None,
                    last_status=last.status if last else None,
                    last_verdict=last.verdict if last else None,
                    last_error=last.error if last else None,
                )
            )
    return views


def slot_status(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    checkpoint_cron: str,
    overdue_after: dt.timedelta,
    lookback: dt.timedelta,
) -> dict[str, object]:
    """The last finished slot, and the jobs whose latest slot older than ``overdue_after``
    has no finished outcome (the scheduler is down or stuck). See ``nightly_status``."""
    now = clock()
    horizon = now - overdue_after
    overdue: list[dict[str, str]] = []
    with uow_factory() as uow:
        repo = ScheduleRepository(uow.session)
        last = repo.last_finished()
        jobs = [
            (schedule_job_id(r.schedule.uid), r.schedule.cron, r.schedule.created_at)
            for r in repo.active()
        ]
        first_checkpoint = repo.oldest_slot(CHECKPOINT_JOB_ID)
        if first_checkpoint is not None:  # the scheduler has run: checkpoints are expected
            jobs.append((CHECKPOINT_JOB_ID, checkpoint_cron, first_checkpoint))
        for job_id, cron, since in jobs:
            due = fire_times(cron_trigger(cron), max(since, horizon - lookback), horizon)
            if not due:
                continue
            row = repo.run(job_id, due[-1])
            if row is None or row.status not in TERMINAL:
                overdue.append({"job_id": job_id, "slot": isoformat_z(due[-1])})
        return {
            "last_run_at": isoformat_z(last.finished_at) if last and last.finished_at else None,
            "last_job_id": last.job_id if last else None,
            "last_slot": isoformat_z(last.slot) if last else None,
            "last_status": last.status if last else None,
            "overdue": bool(overdue),
            "overdue_jobs": overdue,
            "slots_last_24h": repo.count_by_status(now - dt.timedelta(days=1)),
            "checked_at": isoformat_z(now),
        }
