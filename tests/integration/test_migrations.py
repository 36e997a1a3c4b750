"""Models and migrations agree, and the migrations go up, down and up again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from compliance.storage.engine import make_engine
from compliance.storage.metadata import metadata
from compliance.storage.migrate import (
    current_revision,
    downgrade,
    head_revision,
    schema_drift,
    upgrade,
)
from tests.conftest import blank_database


def test_migrated_schema_matches_the_models(migrated_database: str) -> None:
    engine = make_engine(migrated_database)
    try:
        assert schema_drift(engine) == []
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_drift_is_detected_when_a_table_is_missing(tmp_path: Path) -> None:
    with blank_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            with engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE access_log")
            drift = schema_drift(engine)
            assert any(op[0] == "add_table" and op[1].name == "access_log" for op in drift)
        finally:
            engine.dispose()


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    with blank_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            tables = set(inspect(engine).get_table_names())
            assert set(metadata.tables) <= tables
            downgrade(engine, "base")
            assert current_revision(engine) is None
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            upgrade(engine)
            assert current_revision(engine) == head_revision()
            assert schema_drift(engine) == []
        finally:
            engine.dispose()
