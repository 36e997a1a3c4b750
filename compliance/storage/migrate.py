"""Schema migrations through Alembic, driven from code (``compliance init``, the tests).

Revision files live in the top-level ``migrations/versions`` and are named
``YYYY_MM_DD_HHMM-<slug>.py``. :func:`schema_drift` compares the migrated database with the
models and returns the differences; the tests require it to be empty on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from compliance.paths import bundled_dir
from compliance.storage.metadata import metadata

QUEUE_TABLE_PREFIX = "procrastinate_"

__all__ = ["current_revision", "downgrade", "head_revision", "schema_drift", "upgrade"]


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(bundled_dir("migrations")))
    config.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(slug)s"
    )
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction; on SQLite, foreign keys are off while tables are copied."""
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # the pragma is ignored inside a transaction: set it before BEGIN
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` in one transaction."""
    with _migration_connection(engine) as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with _migration_connection(engine) as connection:
        command.downgrade(_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def _ours(name: str | None, type_: str, _parents: object) -> bool:
    """Whether autogenerate compares this object: not the job queue's tables (Procrastinate's
    own schema, applied by revision 0006 from its SQL file, not from the models)."""
    return not (type_ == "table" and (name or "").startswith(QUEUE_TABLE_PREFIX))


def schema_drift(engine: Engine) -> list[Any]:
    """What ``alembic revision --autogenerate`` would write: empty when models match."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "target_metadata": metadata,
                "include_name": _ours,
            },
        )
        return list(compare_metadata(context, metadata))
