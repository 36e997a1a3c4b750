"""Shared fixtures: a migrated database per test (SQLite or PostgreSQL) and a CLI runner.

The database is SQLite unless ``COMPLIANCE_TEST_DATABASE_URL`` names a PostgreSQL server;
CI runs the whole suite both ways. On SQLite, a migrated template file is copied for each
test; on PostgreSQL, one database is migrated per session and emptied after each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from compliance.bootstrap import App, build_app
from compliance.cli import context as cli_context
from compliance.cli.main import run
from compliance.config import Settings
from compliance.storage.engine import make_engine
from compliance.storage.metadata import metadata
from compliance.storage.migrate import upgrade

SERVER_URL = os.environ.get("COMPLIANCE_TEST_DATABASE_URL")
BACKEND = "postgresql" if SERVER_URL else "sqlite"


@contextmanager
def blank_database(tmp: Path) -> Iterator[str]:
    """The URL of a new, empty database of the backend under test, dropped afterwards."""
    if SERVER_URL is None:
        yield f"sqlite:///{tmp / f'blank-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"compliance_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the head revision, made once per session."""
    with blank_database(tmp_path_factory.mktemp("db")) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database that this test alone sees."""
    if SERVER_URL is None:
        source = make_url(migrated_database).database
        assert source is not None
        target = tmp_path / "compliance.db"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    yield migrated_database
    engine = create_engine(migrated_database)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        # the append-only triggers guard reports and the ledger; a test database is wiped
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture(scope="session")
def bbq_dir() -> Path:
    """The user's copy of BBQ's published predictions, read in place (``tests.shared_data``)."""
    from tests.shared_data import dataset_dir

    return dataset_dir("bbq")


@pytest.fixture(scope="session")
def session_key(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One Ed25519 private key (PEM) for the whole session: generating is cheap, but the
    same key everywhere keeps fixtures comparable."""
    from compliance.reporting.ledger import generate_key

    return generate_key()[0]


@pytest.fixture
def app(settings: Settings, session_key: bytes) -> Iterator[App]:
    """The application on this test's database, with its signing key written and published
    (what ``compliance init`` does)."""
    from compliance.reporting.ledger import write_private_key
    from compliance.services.publish import ensure_signing_key

    built = build_app(settings)
    write_private_key(built.signing_key_path, session_key)
    ensure_signing_key(built.uow_factory, built.clock, built.signing_key_path)
    yield built
    built.close()


def table_counts(app: App) -> dict[str, int]:
    """Rows per table: equal before and after means a failed command wrote nothing."""
    with app.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    settings: Settings,
    app: App,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., CliResult]:
    """``cli("models", "list", "--json")`` runs the command line in-process on this test's DB."""
    monkeypatch.setattr(cli_context.state, "factory", lambda: build_app(settings))
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
