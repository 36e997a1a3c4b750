"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from compliance.bootstrap import App
from compliance.paths import bundled_data
from compliance.services.policies import add_policy
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.fixture
def loaded(cli: Cli, app: App) -> None:
    """Both simulated assistants ingested and the shipped policies added."""
    for model in ("steady", "pleaser"):
        assert cli("models", "register", model, "--version", "1.0").code == 0
        path = bundled_data("personalized") / f"{model}.jsonl.gz"
        result = cli("ingest", str(path), "--model", model, "--version", "1.0")
        assert result.code == 0, result.err
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(app.uow_factory, app.clock, path)
