"""``compliance ingest``: canonical JSONL, gzip and CSV; one run per file; idempotent."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from compliance.bootstrap import App
from compliance.storage.tables import EvalRecord, EvaluationRun, Persona
from tests.conftest import CliResult, table_counts

Cli = Callable[..., CliResult]


def records(n_items: int = 4) -> list[dict[str, Any]]:
    """Items asked with no persona and under two personas."""
    rows: list[dict[str, Any]] = []
    personas = [
        (None, {}),
        ("p-f-65", {"gender": "female", "age_band": "65+"}),
        ("p-m-30", {"gender": "male", "age_band": "25-34"}),
    ]
    for i in range(n_items):
        for persona, attributes in personas:
            row: dict[str, Any] = {
                "item_id": f"q{i}",
                "cluster_id": f"t{i // 2}",
                "expected_answer": "A",
                "parsed_answer": "A" if (i + len(attributes)) % 3 else "B",
                "correct": bool((i + len(attributes)) % 3),
                "benchmark": "facts",
            }
            if persona:
                row["persona_id"] = persona
                row["persona_attributes"] = attributes
            rows.append(row)
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]], *, compress: bool = False) -> Path:
    text = "".join(json.dumps(row) + "\n" for row in rows).encode()
    path.write_bytes(gzip.compress(text) if compress else text)
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = [
        "item_id",
        "cluster_id",
        "persona_id",
        "persona.gender",
        "persona.age_band",
        "expected_answer",
        "parsed_answer",
        "correct",
        "benchmark",
    ]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            attrs = row.get("persona_attributes", {})
            writer.writerow(
                [
                    row["item_id"],
                    row["cluster_id"],
                    row.get("persona_id", ""),
                    attrs.get("gender", ""),
                    attrs.get("age_band", ""),
                    row["expected_answer"],
                    row["parsed_answer"],
                    str(row["correct"]).lower(),
                    row["benchmark"],
                ]
            )
    return path


@pytest.fixture
def registered(cli: Cli) -> None:
    assert cli("models", "register", "acme", "--version", "1").code == 0


def ingest(cli: Cli, path: Path, *extra: str) -> CliResult:
    return cli("ingest", str(path), "--model", "acme", "--version", "1", "--json", *extra)


@pytest.mark.usefixtures("registered")
def test_jsonl_is_one_run_and_personas_are_stored_once(cli: Cli, app: App, tmp_path: Path) -> None:
    result = ingest(cli, write_jsonl(tmp_path / "a.jsonl", records()))
    assert result.code == 0, result.err
    run = json.loads(result.out)
    assert run["created"] is True
    assert run["record_count"] == 12
    assert run["benchmark"] == "facts"
    with app.uow_factory() as uow:
        personas = uow.session.scalars(select(Persona)).all()
        assert sorted(p.name for p in personas) == ["(baseline)", "p-f-65", "p-m-30"]
        stored = uow.session.scalars(select(EvalRecord).order_by(EvalRecord.seq)).all()
        assert [r.seq for r in stored] == list(range(1, 13))  # the line of each record
        assert stored[0].correct is False and stored[1].correct is True
        assert stored[1].cluster_id == "t0"
    # a second file with the same personas adds records, not personas
    assert ingest(cli, write_jsonl(tmp_path / "b.jsonl", records(6))).code == 0
    assert table_counts(app)["personas"] == 3


@pytest.mark.usefixtures("registered")
def test_same_content_again_is_a_no_op_in_any_encoding(cli: Cli, app: App, tmp_path: Path) -> None:
    rows = records()
    first = json.loads(ingest(cli, write_jsonl(tmp_path / "a.jsonl", rows)).out)
    before = table_counts(app)
    for path in (
        write_jsonl(tmp_path / "a.jsonl.gz", rows, compress=True),
        write_csv(tmp_path / "a.csv", rows),
    ):
        again = ingest(cli, path)
        assert again.code == 0, again.err
        assert json.loads(again.out)["run_id"] == first["run_id"]
        assert json.loads(again.out)["created"] is False
    human = cli("ingest", str(tmp_path / "a.jsonl"), "--model", "acme", "--version", "1")
    assert f"already ingested as run {first['run_id']}" in human.out
    assert table_counts(app) == before


@pytest.mark.usefixtures("registered")
def test_changed_content_is_a_new_run(cli: Cli, app: App, tmp_path: Path) -> None:
    rows = records()
    ingest(cli, write_jsonl(tmp_path / "a.jsonl", rows))
    rows[0]["correct"] = not rows[0]["correct"]
    second = json.loads(ingest(cli, write_jsonl(tmp_path / "a.jsonl", rows)).out)
    assert second["created"] is True
    assert table_counts(app)["evaluation_runs"] == 2


@pytest.mark.usefixtures("registered")
def test_batches_smaller_than_the_file(
    cli: Cli, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.settings, "ingest_batch_size", 100)
    rows = records(150)  # 450 records in 5 batches
    result = ingest(cli, write_jsonl(tmp_path / "big.jsonl", rows))
    assert json.loads(result.out)["record_count"] == 450
    with app.engine.connect() as connection:
        count = connection.execute(select(EvalRecord.id)).all()
        assert len(count) == 450
        run = connection.execute(select(EvaluationRun.record_count)).scalar_one()
        assert run == 450


@pytest.mark.usefixtures("registered")
def test_benchmark_option_names_the_run(cli: Cli, tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "benchmark"} for r in records()]
    path = write_jsonl(tmp_path / "mmlu-slice.jsonl", rows)
    assert json.loads(ingest(cli, path).out)["benchmark"] == "mmlu-slice"
    rows[0]["correct"] = not rows[0]["correct"]
    path = write_jsonl(tmp_path / "x.jsonl", rows)
    assert json.loads(ingest(cli, path, "--benchmark", "custom").out)["benchmark"] == "custom"
