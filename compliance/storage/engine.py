"""Engines and sessions for the embedded SQLite database and PostgreSQL.

SQLite runs in WAL mode with foreign keys on and a busy timeout. Python's sqlite3 module
begins transactions lazily and on its own terms; we take that over (the recipe of
SQLAlchemy's SQLite dialect documentation) so that a write unit of work can start with
``BEGIN IMMEDIATE`` and hold the write lock from its first statement: two writers then
queue instead of failing half-way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "SINGLE_STATEMENT_OPTION",
    "SQLITE_BEGIN_OPTION",
    "is_sqlite",
    "make_engine",
    "make_session_factory",
]

SQLITE_BEGIN_OPTION = "sqlite_begin"  # execution option: "DEFERRED" (default) or "IMMEDIATE"
SINGLE_STATEMENT_OPTION = "single_statement"
"""Execution option: the connection runs one statement and needs no BEGIN on SQLite (a
statement outside a transaction is atomic there: it reads one snapshot)."""


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; for SQLite, creates the file's directory and sets the pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(SINGLE_STATEMENT_OPTION):
            return
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {'IMMEDIATE' if mode == 'IMMEDIATE' else 'DEFERRED'}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
