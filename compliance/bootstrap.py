"""The composition root: the one place that turns settings into engines, factories and clocks.

Entry points (command line, API, scheduler) call :func:`build_app` once and pass what it
returns to the use cases; nothing is built at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine

from compliance.clock import Clock, utc_now
from compliance.config import Settings
from compliance.errors import StorageUnavailable
from compliance.storage.engine import make_engine
from compliance.storage.migrate import current_revision, head_revision
from compliance.storage.uow import UnitOfWorkFactory, unit_of_work_factory

__all__ = ["App", "build_app"]


@dataclass
class App:
    """Settings and the collaborators built from them, shared by one process."""

    settings: Settings
    clock: Clock = field(default=utc_now)

    @cached_property
    def engine(self) -> Engine:
        if not self.settings.database_url:
            self.settings.home.mkdir(parents=True, exist_ok=True)
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def uow_factory(self) -> UnitOfWorkFactory:
        return unit_of_work_factory(self.engine)

    @property
    def signing_key_path(self) -> Path:
        """The ledger's private key file (outside the database, mode 0600)."""
        return self.settings.resolved_signing_key_path

    def require_schema(self) -> None:
        """Refuse to work on a database that ``compliance init`` has not brought up to date."""
        try:
            current = current_revision(self.engine)
        except Exception as exc:  # any driver error: the database is not reachable
            raise StorageUnavailable(
                f"cannot reach the database ({type(exc).__name__}: {exc})",
                hint="check COMPLIANCE_DATABASE_URL and that the server is running",
            ) from exc
        head = head_revision()
        if current != head:
            state = "is not initialized" if current is None else f"is at revision {current}"
            raise StorageUnavailable(
                f"the database {state}; this version of compliance needs revision {head}",
                hint="run 'compliance init' to create or upgrade it",
            )

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def build_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> App:
    return App(settings=settings or Settings(), clock=clock)
