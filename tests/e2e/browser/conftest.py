"""A live portal over a world with one fully rendered report (real HTML and PDF)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from compliance.api.app import create_app
from compliance.bootstrap import build_app
from compliance.config import Settings
from compliance.storage.engine import make_engine
from compliance.storage.migrate import upgrade
from tests.conftest import blank_database
from tests.integration.api.conftest import FAST
from tests.integration.api.world import BASE, SteppingClock, World, live_server, load_world

RENDERED = "steady-truth-2"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    home = tmp_path_factory.mktemp("portal")
    with blank_database(home) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        clock = SteppingClock(BASE)
        app = build_app(Settings(home=home / "home", database_url=url), clock=clock)
        try:
            world = load_world(app, clock, real_rendering={RENDERED})
            with live_server(create_app(app, FAST)) as base:
                yield base, world
        finally:
            app.close()
