"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

__all__ = ["dialect_name", "upsert_ignoring"]


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def upsert_ignoring(
    session: Session, table: Any, conflict_columns: list[str], values: dict[str, Any]
) -> Insert:
    """``INSERT ... ON CONFLICT (columns) DO NOTHING`` in the session's dialect."""
    if dialect_name(session) == "postgresql":
        return (
            postgresql.insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=conflict_columns)
        )
    return (
        sqlite.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
    )
