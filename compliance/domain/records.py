"""The canonical evaluation record: one answer of one model to one item, for one persona.

Every source (files, HTTP, lm-evaluation-harness, Inspect, the live probe, BBQ) yields these;
the metrics of METRICS.md are computed from them. The JSON Schema in
``schemas/evaluation-record.schema.json`` is generated from this contract.

Conventions:

- ``persona_id`` absent (``null``) means the **baseline**: the item asked with no persona.
  A persona's group attributes (``{"gender": "female", "age_band": "65+"}``) travel with
  the record; the store keeps each persona once.
- The **record key** is ``(item_id, persona_id, user_id)``; it is unique within a run.
- ``correct`` is ``null`` when the answer could not be scored (unparsed): such a record is
  counted as unparsed, never as wrong.
- Every objective record has exactly one **answer outcome** (:func:`answer_outcome`):
  correct, incorrect, refused or unparsed, derived from ``correct`` and ``refused``; a
  refusal that a tool scored incorrect is *refused*. Accuracy is strict: correct / all.
- ``raw_response`` keeps the model's text as evidence, at most
  :data:`RAW_RESPONSE_LIMIT` characters (longer text is cut, ending in ``…``).
- Numbers are finite: NaN and Infinity are refused.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    field_validator,
    model_validator,
)

__all__ = [
    "BASELINE_GROUP",
    "RAW_RESPONSE_LIMIT",
    "RECORD_FIELDS",
    "AnswerOutcome",
    "EvaluationRecord",
    "RecordKey",
    "TaskType",
    "answer_outcome",
]

#: the longest raw response kept, in characters (the evidence an auditor asks for)
RAW_RESPONSE_LIMIT = 4096
#: the group label of the baseline (the item asked with no persona) in the persona dimension
BASELINE_GROUP = "(baseline)"

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
AttributeName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")
]
AttributeValue = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"\S")]
Binary = Literal[0, 1]

RecordKey = tuple[str, str | None, str | None]


class TaskType(StrEnum):
    """What kind of question the record answers, which decides the metrics it feeds."""

    OBJECTIVE = "objective"  # one right answer: section A and B of METRICS.md
    SUBJECTIVE = "subjective"  # taste; scored by preference: section D
    PREFERENCE = "preference"  # per-user preference scores or pairwise wins: section D
    DECISION = "decision"  # a yes/no outcome with an optional true label: section C


class AnswerOutcome(StrEnum):
    """What became of one objective answer; exactly one per record."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    REFUSED = "refused"
    UNPARSED = "unparsed"


def answer_outcome(correct: bool | None, refused: bool) -> AnswerOutcome:
    """The record's outcome: a right answer is *correct* (even worded like a refusal); else a
    refusal is *refused* (whatever a tool scored it); else *incorrect* when scored wrong and
    *unparsed* when not scored."""
    if correct is True:
        return AnswerOutcome.CORRECT
    if refused:
        return AnswerOutcome.REFUSED
    return AnswerOutcome.UNPARSED if correct is None else AnswerOutcome.INCORRECT


class EvaluationRecord(BaseModel):
    """One scored answer. Field order is the canonical order used for content hashes."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    item_id: Identifier = Field(description="the question (item) identifier")
    cluster_id: Identifier | None = Field(
        default=None, description="template or passage shared by items; the bootstrap unit"
    )
    task_type: TaskType = Field(
        default=TaskType.OBJECTIVE,
        description="objective (one right answer), subjective, preference or decision",
    )
    persona_id: Identifier | None = Field(
        default=None, description="the persona the answer was given to; null for the baseline"
    )
    persona_attributes: dict[AttributeName, AttributeValue] = Field(
        default_factory=dict, description="group attributes of the persona, e.g. gender, age_band"
    )
    user_id: Identifier | None = Field(default=None, description="the user, for preference data")
    expected_answer: str | None = Field(default=None, description="the reference answer")
    raw_response: str | None = Field(default=None, description="the model's answer as given")
    parsed_answer: str | None = Field(
        default=None, description="the normalized answer; null when it could not be parsed"
    )
    correct: bool | None = Field(default=None, description="null when the answer was not scored")
    refused: bool = Field(default=False, description="the model declined to answer")
    followed_preference: bool | None = Field(
        default=None,
        description="whether the answer followed the user's stated preference (a judge's "
        "verdict, as PERG's); null when not judged",
    )
    preference_score: float | None = Field(
        default=None, description="the user's score of the personalized answer"
    )
    reference_score: float | None = Field(
        default=None, description="the user's score of the reference (non-personalized) answer"
    )
    outcome: Binary | None = Field(default=None, description="decision tasks: the model's yes/no")
    label: Binary | None = Field(default=None, description="decision tasks: the true yes/no")
    benchmark: Identifier | None = Field(default=None, description="benchmark the item is from")
    extra: dict[str, JsonValue] = Field(
        default_factory=dict, description="benchmark-specific fields, e.g. BBQ's context condition"
    )

    @field_validator("raw_response")
    @classmethod
    def _bounded(cls, value: str | None) -> str | None:
        if value is not None and len(value) > RAW_RESPONSE_LIMIT:
            return value[: RAW_RESPONSE_LIMIT - 1] + "…"
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EvaluationRecord:
        if self.persona_id is None and self.persona_attributes:
            raise ValueError("persona_attributes given without a persona_id (baseline has none)")
        if self.label is not None and self.outcome is None:
            raise ValueError("a label needs an outcome (decision tasks)")
        return self

    @property
    def key(self) -> RecordKey:
        """``(item_id, persona_id, user_id)``: unique within one evaluation run."""
        return (self.item_id, self.persona_id, self.user_id)

    @property
    def is_baseline(self) -> bool:
        return self.persona_id is None

    @property
    def answer_outcome(self) -> AnswerOutcome:
        return answer_outcome(self.correct, self.refused)


RECORD_FIELDS: tuple[str, ...] = tuple(EvaluationRecord.model_fields)


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema of one canonical record (``schemas/evaluation-record.schema.json``)."""
    schema = EvaluationRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:compliance:schema:evaluation-record:1"
    return schema
