"""lm-evaluation-harness samples files, read from files the harness itself wrote.

The fixtures (tests/data/lm_eval/README.md) are lm-eval 0.4.13 ``--log_samples`` output of
two tasks over 6 questions x (baseline + 2 personas), answered by a mock model that is
right everywhere except q2 and q5 under the 65+ persona.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from compliance.domain.records import EvaluationRecord
from compliance.errors import InputError
from compliance.sources.config import LmEvalSourceConfig
from compliance.sources.lm_eval import (
    find_samples_files,
    lm_eval_records,
    read_lm_eval_samples,
    task_of,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "lm_eval"
MC = next(DATA.glob("samples_persona_mc_*.jsonl"))
QA = next(DATA.glob("samples_persona_qa_*.jsonl"))


def config(**fields: object) -> LmEvalSourceConfig:
    return LmEvalSourceConfig.model_validate({"path": str(DATA), **fields})


def records(path: Path, **fields: object) -> list[EvaluationRecord]:
    return [record for _, record in read_lm_eval_samples(path, config(**fields))]


def test_task_names_come_from_the_file_names() -> None:
    assert task_of(MC) == "persona_mc"
    assert task_of(QA) == "persona_qa"
    assert find_samples_files(DATA) == sorted([MC, QA])
    assert find_samples_files(DATA, ["persona_qa"]) == [QA]


def test_multiple_choice_samples() -> None:
    found = records(MC, item_id_field="doc.item_id")
    assert len(found) == 18
    first = found[0]
    assert first.item_id == "persona_mc:q1"
    assert first.is_baseline
    assert first.persona_attributes == {}
    assert first.benchmark == "persona_mc"
    # the target is the index of the right choice; the record carries its text
    assert first.expected_answer == "100"
    assert first.parsed_answer == "100"
    assert first.correct is True
    assert first.extra["lm_eval.metrics"] == {"acc": 1.0}
    assert first.extra["lm_eval.filter"] == "none"
    older = found[1]
    assert older.persona_id == "p-female-65"
    assert older.persona_attributes == {"gender": "female", "age_band": "65+"}


def test_generation_samples_use_exact_match_and_the_filtered_answer() -> None:
    found = records(QA, item_id_field="doc.item_id")
    assert len(found) == 18
    first = found[0]
    assert first.raw_response == " 100"  # as generated
    assert first.parsed_answer == "100"  # after the task's strip filter
    assert first.extra["lm_eval.filter"] == "strip"
    assert first.extra["lm_eval.metrics"] == {"exact_match": 1.0}
    assert all(r.correct is not None for r in found)


def test_the_mock_models_persona_effect_is_recovered() -> None:
    for path in (MC, QA):
        found = records(path, item_id_field="doc.item_id")
        wrong = sorted((r.item_id.split(":")[1], r.persona_id) for r in found if not r.correct)
        assert wrong == [("q2", "p-female-65"), ("q5", "p-female-65")]
        by_persona = Counter(r.persona_id for r in found if r.correct)
        assert by_persona == {None: 6, "p-male-30": 6, "p-female-65": 4}
        wrong_answers = {r.item_id: r.parsed_answer for r in found if not r.correct}
        assert wrong_answers[f"{task_of(path)}:q2"] == "Mars"  # the option after Mercury


def test_a_directory_yields_every_task() -> None:
    found = list(lm_eval_records(config(item_id_field="doc.item_id")))
    assert Counter(r.benchmark for r in found) == {"persona_mc": 18, "persona_qa": 18}
    assert len({r.key for r in found}) == 36


def test_by_default_each_document_is_its_own_item() -> None:
    found = records(MC)
    assert [r.item_id for r in found[:3]] == ["persona_mc:0", "persona_mc:1", "persona_mc:2"]


def test_a_metric_that_is_not_there_is_named_with_the_ones_that_are() -> None:
    with pytest.raises(InputError) as caught:
        records(MC, metric="f1")
    error = caught.value
    assert (error.file, error.line, error.field) == (str(MC), 1, "f1")
    assert error.hint == "metrics of this task: acc"


def test_a_later_run_of_the_same_task_wins(tmp_path: Path) -> None:
    shutil.copy(MC, tmp_path / MC.name)
    later = tmp_path / "samples_persona_mc_2099-01-01T00-00-00.000000.jsonl"
    lines = MC.read_text().splitlines()
    later.write_text("\n".join(lines[:3]) + "\n")
    assert find_samples_files(tmp_path) == [later]
    other = tmp_path / "other-model"
    other.mkdir()
    shutil.copy(MC, other / MC.name)
    with pytest.raises(InputError, match="two directories"):
        find_samples_files(tmp_path)


def _edited(tmp_path: Path, source: Path, line: int, **changes: object) -> Path:
    lines = source.read_text().splitlines()
    sample = json.loads(lines[line - 1])
    for dotted, value in changes.items():
        target = sample
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[part]
        target[last] = value
    lines[line - 1] = json.dumps(sample)
    path = tmp_path / source.name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_malformed_json_is_located(tmp_path: Path) -> None:
    path = tmp_path / MC.name
    lines = MC.read_text().splitlines()
    lines[4] = lines[4][:50]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        records(path)
    assert (caught.value.file, caught.value.line) == (str(path), 5)
    assert "malformed JSON" in str(caught.value)


def test_a_metric_that_is_not_zero_or_one_is_refused(tmp_path: Path) -> None:
    path = _edited(tmp_path, QA, 3, exact_match=0.5)
    with pytest.raises(InputError) as caught:
        records(path)
    assert (caught.value.line, caught.value.field, caught.value.value) == (3, "exact_match", 0.5)


def test_an_answer_the_filter_could_not_find_is_unparsed_not_wrong(tmp_path: Path) -> None:
    path = _edited(tmp_path, QA, 2, filtered_resps=["[invalid]"], exact_match=0.0)
    record = records(path)[1]
    assert record.parsed_answer is None
    assert record.correct is None
    assert record.extra["lm_eval.metrics"] == {"exact_match": 0.0}


def test_persona_attributes_need_a_persona_id(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        records(MC, persona_id_field="doc.nowhere")
    assert (caught.value.line, caught.value.field) == (2, "doc.nowhere")


def test_an_id_inside_the_persona_object_is_not_an_attribute(tmp_path: Path) -> None:
    path = _edited(
        tmp_path, MC, 2, doc__persona={"id": "p-x", "gender": "female", "age_band": "65+"}
    )
    stream = read_lm_eval_samples(path, config(persona_id_field="doc.persona.id"))
    next(stream)  # the baseline: no persona at all
    _, record = next(stream)
    assert record.persona_id == "p-x"
    assert record.persona_attributes == {"gender": "female", "age_band": "65+"}


def test_a_repeated_key_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        records(MC, item_id_field="doc.item_id", persona_field=None, persona_id_field=None)
    assert caught.value.line == 2
    assert "repeats the key" in str(caught.value)


def test_only_one_filter_is_read(tmp_path: Path) -> None:
    lines = QA.read_text().splitlines()
    doubled = []
    for line in lines:
        sample = json.loads(line)
        doubled.append(json.dumps(sample))
        sample["filter"] = "other"
        sample["exact_match"] = 0.0
        doubled.append(json.dumps(sample))
    path = tmp_path / QA.name
    path.write_text("\n".join(doubled) + "\n")
    assert len(records(path)) == 18
    assert all(r.extra["lm_eval.filter"] == "strip" for r in records(path))
    others = records(path, filter="other")
    assert [r.correct for r in others] == [False] * 18
    with pytest.raises(InputError, match="no sample has the filter"):
        records(path, filter="absent")


def test_a_refusal_the_filter_could_not_read_keeps_the_harness_score(tmp_path: Path) -> None:
    """A regex filter finds no answer in a refusal; the harness scores it 0. The record is
    refused, and keeps that score (not unparsed)."""
    path = _edited(
        tmp_path,
        QA,
        2,
        resps=[["I\u2019m sorry, but I can\u2019t help with that"]],
        filtered_resps=["[invalid]"],
        exact_match=0.0,
    )
    record = records(path)[1]
    assert (record.parsed_answer, record.correct, record.refused) == (None, False, True)
    assert record.raw_response == "I\u2019m sorry, but I can\u2019t help with that"


def test_refusal_patterns_of_the_source_are_added(tmp_path: Path) -> None:
    path = _edited(tmp_path, QA, 2, resps=[["Nope, pass."]], filtered_resps=["Nope, pass."])
    assert records(path)[1].refused is False
    assert records(path, refusal_patterns=[r"^nope, pass"])[1].refused is True


def test_multiple_choice_answers_are_never_refusals(tmp_path: Path) -> None:
    assert not any(r.refused for r in records(MC, refusal_patterns=[r"."]))
