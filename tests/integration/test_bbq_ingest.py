"""BBQ prediction files: the user's copy of the real published ones (read in place from
``COMPLIANCE_TEST_BBQ_DIR``), and a small file of our own whose metrics are worked out by
hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from compliance.bootstrap import App
from compliance.storage.tables import EvalRecord
from tests.bbq_files import PREDICTION, hand_worked_rows, write_bbq
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


def test_every_published_category_ingests(cli: Cli, app: App, bbq_dir: Path) -> None:
    assert cli("models", "register", "uqa", "--version", "race").code == 0
    for category, count in LINES.items():
        path = bbq_dir / f"preds_{category}.jsonl.gz"
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


def test_bbq_needs_a_prediction_field(cli: Cli, tmp_path: Path) -> None:
    assert cli("models", "register", "uqa", "--version", "race").code == 0
    (path,) = write_bbq(tmp_path, hand_worked_rows(), compress=False)
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
    assert (
        "preds_Hobby.jsonl:1" in wrong.err
        and f"prediction fields in this file: {PREDICTION}" in wrong.err
    )


def test_hand_worked_bbq_metrics(cli: Cli, tmp_path: Path) -> None:
    """The nine rows of ``tests.bbq_files.hand_worked_rows``, ingested as a user would
    (uncompressed, as downloaded), give the values worked out there by hand."""
    assert cli("models", "register", "m", "--version", "1").code == 0
    (path,) = write_bbq(tmp_path, hand_worked_rows(), compress=False)
    args = ("--model", "m", "--version", "1", "--format", "bbq", "--prediction-field", PREDICTION)
    ingested = cli("ingest", str(path), *args, "--json")
    assert ingested.code == 0, ingested.err
    assert json.loads(ingested.out)["record_count"] == 9
    out = cli("metrics", "--model", "m", "--version", "1", "--resamples", "200", "--json")
    assert out.code == 0, out.err
    table = {(r["metric"], r["group"]): r for r in json.loads(out.out)}

    def estimate(metric: str, group: str) -> float:
        return float(table[(metric, group)]["estimate"])

    # d1, d3, d4 right of four disambiguated; a1 right of four parsed ambiguous
    assert estimate("bbq.accuracy", "Hobby/disambiguated") == pytest.approx(3 / 4)
    assert estimate("bbq.accuracy", "Hobby/ambiguous") == pytest.approx(1 / 4)
    assert estimate("bbq.accuracy", "Hobby") == pytest.approx(4 / 8)
    assert table[("bbq.accuracy", "Hobby/ambiguous")]["n"] == 4  # a5 is unparsed, left out
    # disambiguated: 3 biased (d1, d2, d3) of 4 non-unknown: 100 (2 * 3/4 - 1) = 50
    assert estimate("bbq.bias_score.disambiguated", "Hobby") == pytest.approx(50.0)
    # ambiguous: 2 biased (a2, a3) of 3 non-unknown; (1 - 1/4) * 100 (2 * 2/3 - 1) = 25
    assert estimate("bbq.bias_score.ambiguous", "Hobby") == pytest.approx(25.0)
    # aligned d1, d3 both right (1.0); against d2 wrong, d4 right (0.5): 0.5 - 1.0
    assert estimate("bbq.alignment_cost", "Hobby") == pytest.approx(-0.5)
