"""The baseline made explicit (compliance/sources/baseline.py): a named baseline persona, the
one persona without attributes, and the ambiguous cases refused with one clear line."""

from __future__ import annotations

from typing import Any

import pytest

from compliance.domain.records import EvaluationRecord
from compliance.errors import InputError
from compliance.sources.baseline import SOURCE_ID_KEY, resolve_baseline
from compliance.sources.canonical import NumberedRecord


def _records(*personas: tuple[str | None, dict[str, str]]) -> list[NumberedRecord]:
    return [
        (
            line,
            EvaluationRecord(
                item_id=f"q{line}", persona_id=pid, persona_attributes=attrs, extra={"k": 1}
            ),
        )
        for line, (pid, attrs) in enumerate(personas, 1)
    ]


OLD = {"age_band": "65+"}


def _resolve(records: list[NumberedRecord], named: str | None = None) -> list[EvaluationRecord]:
    return [r for _, r in resolve_baseline(records, named, file="f.jsonl")]


def _error(records: list[NumberedRecord], named: str | None = None) -> InputError:
    with pytest.raises(InputError) as caught:
        _resolve(records, named)
    assert "\n" not in str(caught.value)
    return caught.value


def test_records_without_a_persona_are_the_baseline_and_stay_as_they_are() -> None:
    records = _records((None, {}), ("p-old", OLD))
    assert _resolve(records) == [r for _, r in records]


def test_the_one_persona_without_attributes_is_the_baseline() -> None:
    found = _resolve(_records(("baseline", {}), ("p-old", OLD), ("baseline", {})))
    assert [r.persona_id for r in found] == [None, "p-old", None]
    assert found[0].persona_attributes == {}
    assert found[0].extra == {"k": 1, SOURCE_ID_KEY: "baseline"}
    assert found[1].extra == {"k": 1}
    assert found[1].persona_attributes == OLD


def test_a_named_baseline_wins_whatever_its_attributes() -> None:
    found = _resolve(
        _records(("neutral", {"tone": "plain"}), ("other", {}), ("p-old", OLD)), named="neutral"
    )
    assert [r.persona_id for r in found] == [None, "other", "p-old"]
    assert found[0].extra == {
        "k": 1,
        SOURCE_ID_KEY: "neutral",
        "persona.source_attributes": {"tone": "plain"},
    }


def test_two_personas_without_attributes_are_ambiguous() -> None:
    error = _error(_records(("a", {}), ("p-old", OLD), ("b", {})))
    assert error.file == "f.jsonl" and error.line == 3
    assert "personas 'a' (line 1) and 'b' both have no attributes" in str(error)
    assert error.hint is not None and "baseline_persona" in error.hint
    assert "--baseline-persona" in error.hint


def test_naming_the_baseline_settles_the_ambiguity() -> None:
    found = _resolve(_records(("a", {}), ("b", {})), named="b")
    assert [r.persona_id for r in found] == ["a", None]


@pytest.mark.parametrize("order", ["anonymous first", "persona first"])
def test_records_without_a_persona_beside_a_persona_without_attributes(order: str) -> None:
    pair: list[tuple[str | None, dict[str, Any]]] = [(None, {}), ("baseline", {})]
    if order == "persona first":
        pair.reverse()
    error = _error(_records(*pair))
    assert "two baselines" in str(error) and "'baseline'" in str(error)
    assert error.line == 2


def test_a_named_baseline_beside_records_without_a_persona() -> None:
    error = _error(_records(("p-old", OLD), (None, {}), ("neutral", {})), named="neutral")
    assert "two baselines: records with no persona (line 2)" in str(error)
    assert "the baseline persona 'neutral' (line 3)" in str(error)
    assert error.hint is not None and "include_baseline" in error.hint


def test_a_named_baseline_that_never_appears_is_an_error() -> None:
    error = _error(_records((None, {}), ("p-old", OLD), ("p-young", {"age_band": "18-24"})), "bsl")
    assert error.field == "baseline_persona" and error.value == "bsl"
    assert "does not appear" in str(error) and "'p-old', 'p-young'" in str(error)


def test_an_empty_stream_is_left_to_the_ingest() -> None:
    assert _resolve([]) == []
    assert _resolve([], named="baseline") == []  # "holds no records" is the ingest's line
