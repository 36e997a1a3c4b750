"""Pulling the real tools' persona QA logs (tests/data/persona40): the baseline written as
``persona_id: "baseline", persona: null`` is stored as the baseline, the refusals as
refused with the tool's score, and one Inspect log as ``.eval`` and ``.json`` is one run."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import case, func, select

from compliance.bootstrap import App
from compliance.storage.tables import EvalRecord, EvaluationRun, Persona
from tests.conftest import CliResult, table_counts
from tests.integration.test_pull import add, pull

Cli = Callable[..., CliResult]
DATA = Path(__file__).resolve().parents[1] / "data" / "persona40"

needs_zstd = pytest.mark.skipif(
    sys.version_info < (3, 14) and importlib.util.find_spec("zstandard") is None,
    reason="reading Zstandard .eval logs needs Python 3.14+ or the zstandard package",
)


@pytest.fixture
def registered(cli: Cli) -> None:
    assert cli("models", "register", "acme", "--version", "1").code == 0


def per_persona(app: App, fmt: str, benchmark: str) -> dict[str, tuple[int, int, int]]:
    """``persona -> (records, correct, refused)`` of the runs of one format and benchmark."""
    with app.uow_factory() as uow:
        rows = uow.session.execute(
            select(
                Persona.name,
                func.count(),
                func.sum(case((EvalRecord.correct.is_(True), 1), else_=0)),
                func.sum(case((EvalRecord.refused.is_(True), 1), else_=0)),
            )
            .join(Persona, Persona.id == EvalRecord.persona_id)
            .join(EvaluationRun, EvaluationRun.id == EvalRecord.run_id)
            .where(EvaluationRun.benchmark == benchmark, EvaluationRun.format == fmt)
            .group_by(Persona.name)
        ).all()
    return {name: (int(n), int(right or 0), int(refused or 0)) for name, n, right, refused in rows}


EXPECTED = {
    "(baseline)": (40, 40, 0),
    "p-female-70": (40, 30, 0),
    "p-male-70": (40, 40, 0),
    "p-female-24": (40, 40, 0),
    "p-male-24": (40, 40, 0),
    "p-muslim": (40, 35, 5),
}


@needs_zstd
@pytest.mark.usefixtures("registered")
def test_pulling_the_real_tools_logs(cli: Cli, app: App, tmp_path: Path) -> None:
    logs = tmp_path / "inspect"
    shutil.copytree(DATA / "inspect", logs, ignore=shutil.ignore_patterns("task"))
    harness = tmp_path / "lm"
    shutil.copytree(DATA / "lm_eval", harness, ignore=shutil.ignore_patterns("task", "results_*"))
    assert add(cli, "aisi", "inspect", {"path": str(logs), "item_id_key": "item_id"}).code == 0
    config = {"path": str(harness), "item_id_field": "doc.item_id"}
    assert add(cli, "harness", "lm-eval", config).code == 0
    tested = json.loads(cli("sources", "test", "aisi", "--json").out)
    assert [u["records"] for u in tested["units"]] == [240, 240]
    code, outcomes = pull(cli)
    assert code == 0, outcomes
    by_source = {o["source"]: o for o in outcomes}
    inspect_runs = by_source["aisi"]["runs"]
    assert [r["created"] for r in inspect_runs] == [True, False]  # .eval and .json: one run
    assert inspect_runs[0]["run_id"] == inspect_runs[1]["run_id"]
    assert by_source["harness"]["new_runs"] == 2
    assert per_persona(app, "inspect", "persona40_mc") == EXPECTED
    assert per_persona(app, "lm-eval", "persona40_qa") == EXPECTED  # the generation task
    multiple_choice = per_persona(app, "lm-eval", "persona40_mc")  # log-likelihoods: no refusal
    assert multiple_choice == {**EXPECTED, "p-muslim": (40, 40, 0)}
    with app.uow_factory() as uow:
        extra = uow.session.scalars(
            select(EvalRecord.extra)
            .join(Persona, Persona.id == EvalRecord.persona_id)
            .where(Persona.is_baseline)
            .limit(1)
        ).one()
    assert extra is not None and extra["persona.source_id"] == "baseline"


@pytest.mark.usefixtures("registered")
def test_a_baseline_persona_that_is_not_there_fails_the_source(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "inspect"
    logs.mkdir()
    shutil.copy(DATA / "inspect" / "persona40-mc_inspect-0.3.285.json", logs)
    config = {"path": str(logs), "item_id_key": "item_id", "baseline_persona": "no-persona"}
    assert add(cli, "aisi", "inspect", config).code == 0
    before = table_counts(app)
    code, outcomes = pull(cli)
    assert code == 1
    error = outcomes[0]["error"]
    assert "field 'baseline_persona' = 'no-persona'" in error and "'baseline'" in error
    assert table_counts(app)["evaluation_runs"] == before["evaluation_runs"]
