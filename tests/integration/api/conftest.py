"""Fixtures of the API tests: one world per session (its own database), a live server on it.

The world's database is separate from the per-test ``database_url`` (on PostgreSQL that one
is emptied after every test); tests that change state make their own tokens, so they do
not disturb each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from compliance.api.app import create_app
from compliance.api.settings import ApiSettings
from compliance.bootstrap import build_app
from compliance.config import Settings
from compliance.storage.engine import make_engine
from compliance.storage.migrate import upgrade
from tests.conftest import blank_database
from tests.integration.api.world import BASE, SteppingClock, World, live_server, load_world

FAST = ApiSettings(
    rate_per_second=10_000,
    rate_burst=10_000,
    login_per_minute=10_000,
    auth_failures_per_minute=10_000,
)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("world")
    with blank_database(home) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        settings = Settings(home=home / "home", database_url=url)
        clock = SteppingClock(BASE)
        app = build_app(settings, clock=clock)
        key = settings.resolved_signing_key_path
        key.parent.mkdir(parents=True, exist_ok=True)
        try:
            world = load_world(app, clock)
            if not key.exists():
                key.write_bytes(b"stand-in key file")
            yield world
        finally:
            app.close()


@pytest.fixture(scope="session")
def base_url(world: World) -> Iterator[str]:
    with live_server(create_app(world.app, FAST)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


@pytest.fixture
def world_home(world: World) -> Path:
    return world.app.settings.home
