"""Schedules, slot outcomes, and the scheduler's single-instance lock.

:class:`ScheduleRepository` is built on a unit of work's session
(``ScheduleRepository(uow.session)``); like every repository it adds and flushes, never
commits. :class:`InstanceLock` keeps a second ``compliance scheduler run`` off a database:
a session advisory lock on PostgreSQL (held by one dedicated connection; it goes away with
the process, even after ``kill -9``), an ``fcntl`` lock on a file next to the SQLite
database. :func:`is_transient_error` tells a database that cannot be reached from a
failure of the audit itself, without the services importing SQLAlchemy.

Why one module of this length: the slot bookkeeping and the scheduler's instance lock are
read and written in the same transactions by the scheduler and the workers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import sqlite3
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from compliance.errors import ComplianceError, StorageUnavailable
from compliance.storage.scheduling_tables import Schedule, SchedulerJob, ScheduleRun
from compliance.storage.tables import Audit, Model, ModelVersion, Policy

__all__ = [
    "InstanceLock",
    "LockLost",
    "ScheduleRepository",
    "ScheduleRow",
    "SlotAudit",
    "is_transient_error",
]


@dataclass(frozen=True)
class ScheduleRow:
    """A schedule with the names of what it audits."""

    schedule: Schedule
    model: str
    model_id: int
    version: str


@dataclass(frozen=True)
class SlotAudit:
    uid: str
    verdict: str | None


class ScheduleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # --- schedules -------------------------------------------------------------------------

    def add(
        self, *, uid: str, model_version_id: int, policy: str, cron: str, now: dt.datetime
    ) -> Schedule:
        row = Schedule(
            uid=uid,
            model_version_id=model_version_id,
            policy=policy,
            cron=cron,
            created_at=now,
            removed_at=None,
        )
        self._session.add(row)
        self._session.flush()
        return row

    def get(self, uid: str) -> ScheduleRow | None:
        found = self._rows(Schedule.uid == uid)
        return found[0] if found else None

    def active(self) -> list[ScheduleRow]:
        return self._rows(Schedule.removed_at.is_(None))

    def all(self) -> list[ScheduleRow]:
        return self._rows()

    def duplicate_of(self, model_version_id: int, policy: str, cron: str) -> Schedule | None:
        return self._session.scalars(
            select(Schedule).where(
                Schedule.model_version_id == model_version_id,
                Schedule.policy == policy,
                Schedule.cron == cron,
                Schedule.removed_at.is_(None),
            )
        ).first()

    def remove(self, schedule: Schedule, now: dt.datetime) -> None:
        schedule.removed_at = now
        self._session.flush()

    def _rows(self, *where: object) -> list[ScheduleRow]:
        query = (
            select(Schedule, Model.name, Model.id, ModelVersion.version)
            .join(ModelVersion, ModelVersion.id == Schedule.model_version_id)
            .join(Model, Model.id == ModelVersion.model_id)
            .where(*where)  # type: ignore[arg-type]
            .order_by(Model.name, ModelVersion.version, Schedule.id)
        )
        return [
            ScheduleRow(s, name, model_id, v)
            for s, name, model_id, v in self._session.execute(query)
        ]

    # --- slot outcomes ---------------------------------------------------------------------

    def runs_between(
        self, job_id: str, since: dt.datetime, until: dt.datetime
    ) -> dict[dt.datetime, ScheduleRun]:
        rows = self._session.scalars(
            select(ScheduleRun).where(
                ScheduleRun.job_id == job_id, ScheduleRun.slot >= since, ScheduleRun.slot <= until
            )
        )
        return {row.slot: row for row in rows}

    def run(self, job_id: str, slot: dt.datetime) -> ScheduleRun | None:
        return self._session.scalars(
            select(ScheduleRun).where(ScheduleRun.job_id == job_id, ScheduleRun.slot == slot)
        ).one_or_none()

    def put_run(
        self,
        *,
        job_id: str,
        slot: dt.datetime,
        schedule_id: int | None,
        status: str,
        now: dt.datetime,
        claim: bool = False,
        audit_uid: str | None = None,
        verdict: str | None = None,
        error: str | None = None,
        extra_attempts: int = 0,
        _retried: bool = False,
    ) -> ScheduleRun:
        """Create or update the slot's row; ``claim`` starts an attempt (``running``).

        ``extra_attempts`` counts earlier attempts that could not be written (the database
        was away)."""
        row = self.run(job_id, slot)
        if row is None:
            row = ScheduleRun(job_id=job_id, slot=slot, schedule_id=schedule_id, attempts=0)
            self._session.add(row)
        row.status = status
        row.updated_at = now
        if claim:
            row.attempts = (row.attempts or 0) + 1 + extra_attempts
            row.started_at = now
            row.finished_at = None
            row.error = None
        else:
            row.finished_at = now
            row.audit_uid = audit_uid
            row.verdict = verdict
            row.error = error[:4000] if error else None
        try:
            with self._session.begin_nested():
                self._session.flush()
        except IntegrityError:
            if _retried:
                raise
            self._session.expunge(row)  # another writer inserted the slot first: update theirs
            return self.put_run(
                job_id=job_id,
                slot=slot,
                schedule_id=schedule_id,
                status=status,
                now=now,
                claim=claim,
                audit_uid=audit_uid,
                verdict=verdict,
                error=error,
                extra_attempts=extra_attempts,
                _retried=True,
            )
        return row

    def newest_slot(self, job_id: str, statuses: Collection[str]) -> dt.datetime | None:
        """The latest slot of ``job_id`` whose row has one of ``statuses``."""
        return self._session.scalars(
            select(func.max(ScheduleRun.slot)).where(
                ScheduleRun.job_id == job_id, ScheduleRun.status.in_(list(statuses))
            )
        ).one()

    def last_run(self, job_id: str) -> ScheduleRun | None:
        return self._session.scalars(
            select(ScheduleRun)
            .where(ScheduleRun.job_id == job_id)
            .order_by(ScheduleRun.slot.desc())
            .limit(1)
        ).first()

    def oldest_slot(self, job_id: str) -> dt.datetime | None:
        return self._session.scalars(
            select(func.min(ScheduleRun.slot)).where(ScheduleRun.job_id == job_id)
        ).one()

    def recent_runs(self, *, limit: int = 50) -> list[ScheduleRun]:
        return list(
            self._session.scalars(
                select(ScheduleRun)
                .order_by(ScheduleRun.updated_at.desc(), ScheduleRun.id.desc())
                .limit(limit)
            )
        )

    def last_finished(self) -> ScheduleRun | None:
        return self._session.scalars(
            select(ScheduleRun)
            .where(ScheduleRun.finished_at.is_not(None), ScheduleRun.status != "missed")
            .order_by(ScheduleRun.finished_at.desc(), ScheduleRun.id.desc())
            .limit(1)
        ).first()

    def count_by_status(self, since: dt.datetime) -> dict[str, int]:
        rows = self._session.execute(
            select(ScheduleRun.status, func.count())
            .where(ScheduleRun.slot >= since)
            .group_by(ScheduleRun.status)
        )
        return {str(status): int(count) for status, count in rows}

    # --- audits ------------------------------------------------------------------------------

    def succeeded_audit(
        self, model_version_id: int, policy_name: str, slot: dt.datetime
    ) -> SlotAudit | None:
        """The succeeded audit of this slot under any version of the policy named."""
        row = self._session.execute(
            select(Audit.uid, Audit.verdict)
            .join(Policy, Policy.id == Audit.policy_id)
            .where(
                Audit.model_version_id == model_version_id,
                Audit.slot == slot,
                Audit.status == "succeeded",
                Policy.name == policy_name,
            )
            .order_by(Audit.id.desc())
            .limit(1)
        ).first()
        return SlotAudit(row[0], row[1]) if row else None

    def previous_verdict(self, audit_uid: str) -> str | None:
        """The verdict of the succeeded audit of the same model × policy name before this one."""
        current = self._session.execute(
            select(Audit.id, ModelVersion.model_id, Policy.name)
            .join(ModelVersion, ModelVersion.id == Audit.model_version_id)
            .join(Policy, Policy.id == Audit.policy_id)
            .where(Audit.uid == audit_uid)
        ).first()
        if current is None:
            return None
        audit_id, model_id, policy_name = current
        return self._session.scalars(
            select(Audit.verdict)
            .join(ModelVersion, ModelVersion.id == Audit.model_version_id)
            .join(Policy, Policy.id == Audit.policy_id)
            .where(
                ModelVersion.model_id == model_id,
                Policy.name == policy_name,
                Audit.status == "succeeded",
                Audit.id < audit_id,
            )
            .order_by(Audit.id.desc())
            .limit(1)
        ).first()

    # --- APScheduler's job store (read only) ---------------------------------------------

    def stored_jobs(self) -> dict[str, dt.datetime | None]:
        """``job id → next run time`` as the job store holds them (the scheduler writes)."""
        return {
            job_id: None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)
            for job_id, ts in self._session.execute(
                select(SchedulerJob.id, SchedulerJob.next_run_time)
            )
        }


# --- errors ----------------------------------------------------------------------------------


def is_transient_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the database being unreachable or locked."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StorageUnavailable | OperationalError | InterfaceError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sqlite3.OperationalError):
            return True
        if type(current).__module__.startswith("psycopg") and type(current).__name__ in {
            "OperationalError",
            "InterfaceError",
        }:
            return True
        current = current.__cause__ or current.__context__
    return False


# --- the single-instance lock ----------------------------------------------------------------


class LockLost(ComplianceError):
    """This process no longer holds the scheduler lock and another process took it."""


_PG_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"compliance-scheduler").digest()[:8], "big", signed=True
)


class InstanceLock:
    """At most one scheduler per database.

    ``acquire()`` returns False when another process holds the lock; ``ensure()`` checks
    that the lock is still held (on PostgreSQL, the lock's connection may have died with a
    database restart: it reconnects and takes the lock again, or raises :class:`LockLost`
    when someone else has it, or :class:`StorageUnavailable` while the server is away).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._mutex = threading.Lock()
        self._connection: Connection | None = None
        self._file: IO[str] | None = None
        if not self._postgres:
            database = engine.url.database
            if not database or database == ":memory:":
                raise StorageUnavailable("the scheduler needs a database file or server")
            self.path: Path | None = (
                Path(database).resolve().with_name(Path(database).name + ".scheduler-lock")
            )
        else:
            self.path = None

    @property
    def where(self) -> str:
        if self.path is not None:
            return f"lock file {self.path}"
        return f"PostgreSQL advisory lock {_PG_LOCK_KEY} on database {self._engine.url.database}"

    def holder(self) -> str:
        """Who holds the lock, as far as can be told: the pid in the lock file, or the
        PostgreSQL session holding the advisory lock."""
        if self.path is not None:
            try:
                pid = self.path.read_text().strip()
            except OSError:
                return "unknown"
            return f"pid {pid}" if pid else "unknown"
        return self.active_holder() or "another session"

    def active_holder(self) -> str | None:
        """The active scheduler (what :meth:`holder` says), or None when no process holds
        the lock. Takes nothing: a lock file is probed with a shared lock, released at once."""
        if self.path is not None:
            try:
                handle = self.path.open()
            except OSError:
                return None
            with handle:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    pid = handle.read().strip()
                    return f"pid {pid}" if pid else "unknown"
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
                return None
        key = _PG_LOCK_KEY & 0xFFFFFFFFFFFFFFFF
        try:
            with self._engine.connect() as connection:
                row = connection.execute(
                    text(
                        "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l "
                        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                        "AND l.granted AND l.classid = :hi AND l.objid = :lo"
                    ),
                    {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
                ).first()
        except DBAPIError:
            return "unknown (the database did not answer)"
        if row is None:
            return None
        pid, client, since = row
        return f"PostgreSQL session pid {pid} from {client or 'a socket'} since {since:%H:%M:%S}"

    def acquire(self) -> bool:
        with self._mutex:
            return self._acquire_file() if self.path is not None else self._acquire_pg()

    def ensure(self) -> bool:
        """Check the lock; True when it had been lost and was taken again."""
        if self.path is not None:
            return False
        with self._mutex:
            if self._connection is not None:
                try:
                    self._connection.execute(text("SELECT 1"))
                    return False
                except DBAPIError:
                    self._drop_connection()
            if not self._acquire_pg():
                raise LockLost(
                    "the scheduler lock was lost while the database was away and another "
                    "scheduler holds it now; this one stops",
                    hint="only one 'compliance scheduler run' may run per database",
                )
            return True

    def release(self) -> None:
        with self._mutex:
            if self._file is not None:
                try:
                    self._file.seek(0)
                    self._file.truncate()
                    fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
                finally:
                    self._file.close()
                    self._file = None
            if self._connection is not None:
                with contextlib.suppress(DBAPIError):
                    self._connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY}
                    )
                self._drop_connection()

    def _acquire_file(self) -> bool:
        assert self.path is not None
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def _acquire_pg(self) -> bool:
        if self._connection is not None:
            return True
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except DBAPIError as exc:
            raise StorageUnavailable(f"cannot reach the database: {exc.orig}") from exc
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": _PG_LOCK_KEY}
            ).scalar_one()
        except DBAPIError as exc:
            connection.invalidate()
            connection.close()
            raise StorageUnavailable(f"cannot reach the database: {exc.orig}") from exc
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.invalidate()  # never return a connection holding the lock to the pool
            connection.close()
        except DBAPIError:
            pass
