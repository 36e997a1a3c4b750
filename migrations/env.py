"""Alembic environment: run by ``compliance init`` (and the tests) on a given connection.

The connection comes from ``config.attributes["connection"]``; there is no alembic.ini.
SQLite runs in batch mode so that ALTERs become table copies.
"""

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext

from compliance.storage.base import UTCDateTime
from compliance.storage.metadata import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through 'compliance init' (compliance.storage.migrate)")


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | bool:
    """Revision files use plain SQLAlchemy types, never this package's decorators."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    transactional_ddl=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
