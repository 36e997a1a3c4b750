"""The unit of work: one transaction per use case, rolled back unless the use case commits.

::

    with uow_factory() as uow:
        version = uow.models.get_version("acme-chat", "1.0")
        ...
        uow.commit()      # without this line, leaving the block rolls everything back

Repositories add and flush; they never commit. ``write=True`` takes the database's write
lock at the start (``BEGIN IMMEDIATE`` on SQLite), for use cases that must not interleave.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from compliance.errors import StorageUnavailable
from compliance.storage.engine import (
    SINGLE_STATEMENT_OPTION,
    SQLITE_BEGIN_OPTION,
    is_sqlite,
    make_session_factory,
)
from compliance.storage.repositories import (
    ModelRepository,
    PersonaRepository,
    PolicyRepository,
    RecordStore,
    RunRepository,
)
from compliance.storage.repositories.audits import AuditRepository
from compliance.storage.repositories.officers import OfficerRepository
from compliance.storage.repositories.reports import (
    LedgerRepository,
    ReportRepository,
    guard_append_only,
)
from compliance.storage.repositories.sources import SourceRepository

__all__ = ["UnitOfWork", "UnitOfWorkFactory", "unit_of_work_factory"]


class UnitOfWork:
    """A session and the repositories bound to it, for the length of one ``with`` block."""

    models: ModelRepository
    audits: AuditRepository
    reports: ReportRepository
    sources: SourceRepository
    ledger: LedgerRepository
    officers: OfficerRepository
    personas: PersonaRepository
    policies: PolicyRepository
    runs: RunRepository
    records: RecordStore

    def __init__(self, sessions: sessionmaker[Session], *, write: bool = False) -> None:
        self._sessions = sessions
        self._write = write
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._session

    def __enter__(self) -> Self:
        session = self._sessions()
        self._session = session
        try:
            if self._write and is_sqlite(_engine_of(session)):
                session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            else:
                session.connection()
        except OperationalError as exc:
            session.close()
            self._session = None
            raise _unreachable(exc) from exc
        self.models = ModelRepository(session)
        self.audits = AuditRepository(session)
        self.reports = ReportRepository(session)
        self.sources = SourceRepository(session)
        self.ledger = LedgerRepository(session)
        self.officers = OfficerRepository(session)
        self.personas = PersonaRepository(session)
        self.policies = PolicyRepository(session)
        self.runs = RunRepository(session)
        self.records = RecordStore(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        """Make everything done in this unit of work durable, at once."""
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class UnitOfWorkFactory:
    """Opens units of work on one engine: ``factory()`` to read, ``factory(write=True)`` to
    write; :meth:`single_statement` for the hottest reads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = make_session_factory(engine)
        guard_append_only(self._sessions)

    def __call__(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self._sessions, write=write)

    @contextmanager
    def single_statement(self) -> Iterator[Connection]:
        """A connection for **one** read statement, which is its own snapshot: no session and
        no BEGIN on SQLite, which together cost more than a point read. Reading twice on it
        gives no consistency between the two reads; use a unit of work for that."""
        try:
            connection = self._engine.connect()
        except OperationalError as exc:
            raise _unreachable(exc) from exc
        try:
            yield connection.execution_options(**{SINGLE_STATEMENT_OPTION: True})
        finally:
            connection.close()


def unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    """``factory(write=False)`` opens a new unit of work on ``engine``."""
    return UnitOfWorkFactory(engine)


def _unreachable(exc: OperationalError) -> StorageUnavailable:
    return StorageUnavailable(
        f"cannot reach the database: {exc.orig}",
        hint="check COMPLIANCE_DATABASE_URL, then run 'compliance init'",
    )


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine
