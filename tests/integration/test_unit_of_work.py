"""The unit of work rolls back unless the use case commits."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.bootstrap import App
from tests.conftest import table_counts

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


def test_leaving_without_commit_rolls_back(app: App) -> None:
    with app.uow_factory(write=True) as uow:
        uow.models.add("m", owner=None, intended_use=None, risk_tier=None, now=NOW)
    assert table_counts(app)["models"] == 0


def _add_then_fail(app: App) -> None:
    with app.uow_factory(write=True) as uow:
        model = uow.models.add("m", owner=None, intended_use=None, risk_tier=None, now=NOW)
        uow.models.add_version(model, "1", now=NOW)
        raise RuntimeError("boom")


def test_an_exception_rolls_back(app: App) -> None:
    with pytest.raises(RuntimeError):
        _add_then_fail(app)
    assert table_counts(app)["models"] == 0


def test_commit_makes_it_durable(app: App) -> None:
    with app.uow_factory(write=True) as uow:
        uow.models.add("m", owner=None, intended_use=None, risk_tier=None, now=NOW)
        uow.commit()
    assert table_counts(app)["models"] == 1
    with app.uow_factory() as uow:
        stored = uow.models.get("m")
        assert stored is not None and stored.created_at == NOW
