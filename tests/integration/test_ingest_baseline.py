"""The baseline on the ingest path: ``compliance ingest --baseline-persona``, the implicit
baseline (the one persona without attributes), refusals classified, and the ambiguous
cases refused in one line with nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from compliance.bootstrap import App
from compliance.storage.tables import EvalRecord, Persona
from tests.conftest import CliResult, table_counts
from tests.integration.test_ingest import ingest, write_jsonl

Cli = Callable[..., CliResult]
OLD = {"gender": "female", "age_band": "65+"}


def rows(baseline: tuple[str | None, dict[str, str]], n: int = 3) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        for persona, attributes in (baseline, ("p-old", OLD)):
            row: dict[str, Any] = {"item_id": f"q{i}", "correct": True, "benchmark": "facts"}
            if persona is not None:
                row["persona_id"] = persona
                row["persona_attributes"] = attributes
            out.append(row)
    return out


@pytest.fixture
def registered(cli: Cli) -> None:
    assert cli("models", "register", "acme", "--version", "1").code == 0


def stored(app: App) -> list[tuple[str, str, bool, dict[str, Any] | None]]:
    with app.uow_factory() as uow:
        found = uow.session.execute(
            select(EvalRecord.item_id, Persona.name, EvalRecord.refused, EvalRecord.extra)
            .join(Persona, Persona.id == EvalRecord.persona_id)
            .order_by(EvalRecord.seq)
        ).all()
    return [tuple(row) for row in found]  # type: ignore[misc]


@pytest.mark.usefixtures("registered")
def test_a_persona_without_attributes_is_stored_as_the_baseline(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    result = ingest(cli, write_jsonl(tmp_path / "a.jsonl", rows(("baseline", {}))))
    assert result.code == 0, result.err
    found = stored(app)
    assert [name for _, name, _, _ in found[:2]] == ["(baseline)", "p-old"]
    assert found[0][3] == {"persona.source_id": "baseline"}
    with app.uow_factory() as uow:
        names = sorted(uow.session.scalars(select(Persona.name)))
    assert names == ["(baseline)", "p-old"]  # no persona named 'baseline'


@pytest.mark.usefixtures("registered")
def test_baseline_persona_names_the_baseline(cli: Cli, app: App, tmp_path: Path) -> None:
    data = rows(("neutral", {"tone": "plain"}))
    path = write_jsonl(tmp_path / "a.jsonl", data)
    result = ingest(cli, path, "--baseline-persona", "neutral")
    assert result.code == 0, result.err
    assert [name for _, name, _, _ in stored(app)][:2] == ["(baseline)", "p-old"]
    # without the flag, 'neutral' is an ordinary persona: other content, another run
    again = ingest(cli, path)
    assert again.code == 0 and json.loads(again.out)["created"] is True


@pytest.mark.usefixtures("registered")
def test_ambiguous_baselines_are_one_line_and_write_nothing(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    data = [*rows(("baseline", {})), {"item_id": "q9", "persona_id": "neutral", "correct": True}]
    before = table_counts(app)
    result = ingest(cli, write_jsonl(tmp_path / "two.jsonl", data))
    assert result.code == 1
    error, hint = result.err.strip().splitlines()
    assert error.startswith("error: ") and "two.jsonl:7" in error
    assert "personas 'baseline' (line 1) and 'neutral' both have no attributes" in error
    assert hint.startswith("hint: ") and "--baseline-persona" in hint
    assert table_counts(app) == before


@pytest.mark.usefixtures("registered")
def test_an_absent_baseline_persona_is_an_error(cli: Cli, app: App, tmp_path: Path) -> None:
    before = table_counts(app)
    result = ingest(
        cli, write_jsonl(tmp_path / "a.jsonl", rows((None, {}))), "--baseline-persona", "bsl"
    )
    assert result.code == 1
    assert "field 'baseline_persona' = 'bsl'" in result.err
    assert "does not appear" in result.err and "'p-old'" in result.err
    assert table_counts(app) == before


@pytest.mark.usefixtures("registered")
def test_refusals_without_a_refused_flag_are_classified(cli: Cli, app: App, tmp_path: Path) -> None:
    data = [
        {"item_id": "q1", "raw_response": "I cannot answer that.", "correct": False},
        {"item_id": "q2", "raw_response": "I\u2019m sorry, but I can\u2019t help with that"},
        {"item_id": "q3", "raw_response": "I cannot answer that.", "refused": False},
        {"item_id": "q4", "raw_response": "The answer is B.", "correct": True},
    ]
    assert ingest(cli, write_jsonl(tmp_path / "r.jsonl", data)).code == 0
    with app.uow_factory() as uow:
        found = uow.session.execute(
            select(EvalRecord.item_id, EvalRecord.correct, EvalRecord.refused).order_by(
                EvalRecord.seq
            )
        ).all()
    assert [tuple(r) for r in found] == [
        ("q1", False, True),  # the tool's score is kept
        ("q2", None, True),
        ("q3", None, False),  # an explicit flag is the file's word
        ("q4", True, False),
    ]
