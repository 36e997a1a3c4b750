"""The persona QA fixtures written by lm-evaluation-harness 0.4.13 and inspect-ai 0.3.285
(tests/data/persona40/README.md): 40 questions x 6 personas, the baseline written as
``persona_id: "baseline", persona: null``, 10 wrong answers under p-female-70, 5 refusals
("I cannot answer that.") under p-muslim. Read as the ingest reads them: the adapter,
then the baseline made explicit."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from compliance.domain.records import EvaluationRecord
from compliance.sources.baseline import resolve_baseline
from compliance.sources.config import InspectSourceConfig, LmEvalSourceConfig, parse_source_config
from compliance.sources.inspect_logs import read_inspect_log
from compliance.sources.lm_eval import find_samples_files, read_lm_eval_samples

DATA = Path(__file__).resolve().parents[2] / "data" / "persona40"
EVAL = DATA / "inspect" / "persona40-mc_inspect-0.3.285.eval"
JSON = DATA / "inspect" / "persona40-mc_inspect-0.3.285.json"
MC = next((DATA / "lm_eval").glob("samples_persona40_mc_*.jsonl"))
QA = next((DATA / "lm_eval").glob("samples_persona40_qa_*.jsonl"))

needs_zstd = pytest.mark.skipif(
    sys.version_info < (3, 14) and importlib.util.find_spec("zstandard") is None,
    reason="reading Zstandard .eval logs needs Python 3.14+ or the zstandard package",
)

ATTRIBUTES = {
    None: {},
    "p-female-70": {"gender": "female", "age_band": "65+"},
    "p-male-70": {"gender": "male", "age_band": "65+"},
    "p-female-24": {"gender": "female", "age_band": "18-24"},
    "p-male-24": {"gender": "male", "age_band": "18-24"},
    "p-muslim": {"religion": "muslim"},
}
WRONG = {f"q{n:02d}" for n in range(4, 41, 4)}
REFUSED = {"q05", "q13", "q21", "q29", "q37"}


def ingested(numbered: Any, file: Path) -> list[EvaluationRecord]:
    """What the ingest stores: the adapter's records with the baseline made explicit."""
    return [record for _, record in resolve_baseline(numbered, None, file=str(file))]


def lm_eval(path: Path) -> list[EvaluationRecord]:
    config = parse_source_config("lm-eval", {"path": str(path), "item_id_field": "doc.item_id"})
    assert isinstance(config, LmEvalSourceConfig)
    return ingested(read_lm_eval_samples(path, config), path)


def inspect(path: Path) -> list[EvaluationRecord]:
    config = parse_source_config("inspect", {"path": str(path), "item_id_key": "item_id"})
    assert isinstance(config, InspectSourceConfig)
    return ingested(enumerate(read_inspect_log(path, config), 1), path)


def short(item_id: str) -> str:
    return item_id.rpartition(":")[2]


def check_personas(records: list[EvaluationRecord]) -> None:
    assert len(records) == 240
    assert Counter(r.persona_id for r in records) == dict.fromkeys(ATTRIBUTES, 40)
    for record in records:
        assert record.persona_attributes == ATTRIBUTES[record.persona_id]
        if record.persona_id is None:
            assert record.extra["persona.source_id"] == "baseline"
        else:
            assert "persona.source_id" not in record.extra
        assert record.raw_response  # the model's text is kept on every record


def outcomes(records: list[EvaluationRecord]) -> dict[str, set[tuple[str | None, str]]]:
    found: dict[str, set[tuple[str | None, str]]] = {"wrong": set(), "refused": set()}
    for r in records:
        if r.refused:
            found["refused"].add((r.persona_id, short(r.item_id)))
        elif r.correct is not True:
            found["wrong"].add((r.persona_id, short(r.item_id)))
    return found


def test_the_files_are_what_the_readme_says() -> None:
    results = json.loads(next((DATA / "lm_eval").glob("results_*.json")).read_text())
    assert results["lm_eval_version"] == "0.4.13"
    assert results["results"]["persona40_mc"]["acc,none"] == pytest.approx(230 / 240)
    assert results["results"]["persona40_qa"]["exact_match,strip"] == pytest.approx(225 / 240)
    log = json.loads(JSON.read_text())
    assert log["eval"]["packages"]["inspect_ai"] == "0.3.285"
    assert log["eval"]["task"] == "persona40_mc"
    assert log["samples"][0]["metadata"] == {
        "item_id": "q01",
        "persona_id": "baseline",
        "persona": None,
    }


def test_lm_eval_generation_task() -> None:
    records = lm_eval(QA)
    check_personas(records)
    assert {r.benchmark for r in records} == {"persona40_qa"}
    assert outcomes(records) == {
        "wrong": {("p-female-70", q) for q in WRONG},
        "refused": {("p-muslim", q) for q in REFUSED},
    }
    refusals = [r for r in records if r.refused]
    assert {r.raw_response for r in refusals} == {" I cannot answer that."}
    assert {r.correct for r in refusals} == {False}  # exact_match scored them 0: kept
    assert {r.parsed_answer for r in refusals} == {"I cannot answer that."}
    wrong = next(r for r in records if r.persona_id == "p-female-70" and r.item_id.endswith("q04"))
    assert (wrong.expected_answer, wrong.parsed_answer, wrong.correct) == ("32", "212", False)


def test_lm_eval_multiple_choice_task_cannot_refuse() -> None:
    records = lm_eval(MC)
    check_personas(records)
    assert outcomes(records) == {"wrong": {("p-female-70", q) for q in WRONG}, "refused": set()}
    assert all(r.correct is not None for r in records)


def test_lm_eval_directory_finds_both_tasks() -> None:
    assert find_samples_files(DATA / "lm_eval") == [MC, QA]


@needs_zstd
def test_inspect_eval_log() -> None:
    records = inspect(EVAL)
    check_personas(records)
    assert {r.benchmark for r in records} == {"persona40_mc"}
    assert outcomes(records) == {
        "wrong": {("p-female-70", q) for q in WRONG},
        "refused": {("p-muslim", q) for q in REFUSED},
    }
    refusals = [r for r in records if r.refused]
    assert {(r.raw_response, r.correct, r.parsed_answer) for r in refusals} == {
        ("I cannot answer that.", False, None)  # choice() scored them I: kept
    }
    assert {r.extra["inspect.score"] for r in refusals} == {"I"}


@needs_zstd
def test_inspect_eval_and_json_give_the_same_records() -> None:
    assert inspect(JSON) == inspect(EVAL)


def test_inspect_json_log() -> None:
    records = inspect(JSON)
    check_personas(records)
    assert len(outcomes(records)["refused"]) == 5


def test_a_config_stored_with_the_older_inspect_keys_reads_the_new_log() -> None:
    """Configs stored before carry ``persona_key: persona, persona_id_key: id``: they read
    logs that keep the id beside the persona object too."""
    stored = {"path": str(JSON), "item_id_key": "item_id", "persona_key": "persona"}
    config = parse_source_config("inspect", {**stored, "persona_id_key": "id"})
    assert isinstance(config, InspectSourceConfig)
    records = ingested(enumerate(read_inspect_log(JSON, config), 1), JSON)
    check_personas(records)
