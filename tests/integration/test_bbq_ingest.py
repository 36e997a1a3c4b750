"""The real BBQ predictions shipped with the project ingest completely and are scored."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import func, select

from compliance.bootstrap import App
from compliance.paths import bundled_data
from compliance.storage.tables import EvalRecord
from tests.conftest import CliResult

Cli = Callable[..., CliResult]

LINES = {
    "Age": 3680,
    "Disability_status": 1556,
    "Nationality": 3080,
    "Physical_appearance": 1576,
    "Religion": 1200,
    "Sexual_orientation": 864,
}


def test_every_bundled_category_ingests(cli: Cli, app: App) -> None:
    assert cli("models", "register", "uqa", "--version", "race").code == 0
    for category, count in LINES.items():
        path = bundled_data("bbq") / f"preds_{category}.jsonl.gz"
        result = cli(
            "ingest",
            str(path),
            "--model",
            "uqa",
            "--version",
            "race",
            "--format",
            "bbq",
            "--prediction-field",
            "unifiedqa-t5-11b_pred_race",
            "--json",
        )
        assert result.code == 0, result.err
        run = json.loads(result.out)
        assert run["record_count"] == count
        assert run["benchmark"] == f"bbq:{category}"
    with app.engine.connect() as connection:
        total, scored, correct = connection.execute(
            select(
                func.count(),
                func.count(EvalRecord.correct),
                func.sum(func.cast(EvalRecord.correct, EvalRecord.seq.type)),
            )
        ).one()
    assert total == sum(LINES.values()) == 11956
    assert scored == total  # every race-format prediction maps to an option
    # UnifiedQA (RACE format) answers about three in four BBQ questions correctly
    assert 0.70 < correct / total < 0.80


def test_bbq_needs_a_prediction_field(cli: Cli) -> None:
    assert cli("models", "register", "uqa", "--version", "race").code == 0
    path = bundled_data("bbq") / "preds_Religion.jsonl.gz"
    result = cli("ingest", str(path), "--model", "uqa", "--version", "race", "--format", "bbq")
    assert result.code == 1
    assert "--prediction-field" in result.err
    wrong = cli(
        "ingest",
        str(path),
        "--model",
        "uqa",
        "--version",
        "race",
        "--format",
        "bbq",
        "--prediction-field",
        "gpt_pred",
    )
    assert wrong.code == 1
    assert "preds_Religion.jsonl.gz:1" in wrong.err and "unifiedqa-t5-11b_pred_race" in wrong.err
