"""The canonical evaluation record contract and its published JSON Schema."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from compliance.domain.records import EvaluationRecord, TaskType
from compliance.domain.schemas import SCHEMAS, render_schema
from compliance.paths import bundled_dir


def test_defaults_and_key() -> None:
    record = EvaluationRecord(item_id="q1")
    assert record.task_type is TaskType.OBJECTIVE
    assert record.is_baseline
    assert record.key == ("q1", None, None)
    assert not record.refused


def test_record_is_frozen_and_strict() -> None:
    record = EvaluationRecord(item_id="q1", persona_id="p", persona_attributes={"gender": "f"})
    with pytest.raises(ValidationError):
        record.item_id = "q2"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        EvaluationRecord.model_validate({"item_id": "q1", "surprise": 1})


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ('{"item_id": "q", "preference_score": NaN}', "finite_number"),
        ('{"item_id": "q", "preference_score": Infinity}', "finite_number"),
        ('{"item_id": "q", "preference_score": 1e999}', "finite_number"),
        ('{"item_id": ""}', "string_too_short"),
        ('{"item_id": "q", "outcome": 2}', "literal_error"),
        ('{"item_id": "q", "task_type": "vibes"}', "enum"),
        ('{"item_id": "q", "persona_attributes": {"gender": "f"}}', "value_error"),
        ('{"item_id": "q", "label": 1}', "value_error"),
        (
            '{"item_id": "q", "persona_id": "p", "persona_attributes": {"bad name": "x"}}',
            "string_pattern_mismatch",
        ),
        (  # a blank attribute value would silently drop the persona from its groups
            '{"item_id": "q", "persona_id": "p", "persona_attributes": {"gender": "  "}}',
            "string_pattern_mismatch",
        ),
        (
            '{"item_id": "q", "persona_id": "p", "persona_attributes": {"gender": ""}}',
            "string_too_short",
        ),
    ],
)
def test_invalid_records(payload: str, kind: str) -> None:
    with pytest.raises(ValidationError) as info:
        EvaluationRecord.model_validate_json(payload)
    assert info.value.errors()[0]["type"] == kind


def test_the_outcome_of_an_answer() -> None:
    def outcome(**fields: object) -> str:
        return EvaluationRecord.model_validate({"item_id": "q", **fields}).answer_outcome

    assert outcome(correct=True) == "correct"
    assert outcome(correct=True, refused=True) == "correct"  # right, though worded as a refusal
    assert outcome(correct=False) == "incorrect"
    assert outcome(correct=False, refused=True) == "refused"  # a tool scored the refusal wrong
    assert outcome(refused=True) == "refused"
    assert outcome() == "unparsed"


def test_a_raw_response_is_kept_up_to_4_kib() -> None:
    long = "x" * 10_000
    record = EvaluationRecord.model_validate({"item_id": "q", "raw_response": long})
    assert record.raw_response is not None and len(record.raw_response) == 4096
    assert record.raw_response.endswith("…")


def test_decision_record() -> None:
    record = EvaluationRecord.model_validate_json(
        '{"item_id": "cv-1", "task_type": "decision", "outcome": 1, "label": 0,'
        ' "persona_id": "p", "persona_attributes": {"race": "black"}}'
    )
    assert (record.outcome, record.label) == (1, 0)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_current(name: str) -> None:
    committed = (bundled_dir("schemas") / name).read_text(encoding="utf-8")
    assert committed == render_schema(name), "run 'compliance schemas export' and commit"


def test_schema_describes_every_field() -> None:
    schema = json.loads(render_schema("evaluation-record.schema.json"))
    assert schema["$id"] == "urn:compliance:schema:evaluation-record:1"
    assert schema["required"] == ["item_id"]
    assert set(schema["properties"]) == set(EvaluationRecord.model_fields)
    assert all("description" in prop for prop in schema["properties"].values() if prop != {})
