"""A preference-following judgement read from a tool's sample (lm-eval, Inspect)."""

from __future__ import annotations

import pytest

from compliance.errors import InputError
from compliance.sources.config import parse_source_config
from compliance.sources.persona_fields import judgement_at


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), (1, True), (0, False), ("yes", True), ("No", False),
     ("TRUE", True), (None, None)],
)  # fmt: skip
def test_judgements(value: object, expected: bool | None) -> None:
    assert judgement_at({"metadata": {"followed": value}}, "metadata.followed") is expected


def test_absent_or_unset_is_not_judged_and_nonsense_is_refused() -> None:
    assert judgement_at({"metadata": {}}, "metadata.followed") is None
    assert judgement_at({"metadata": {"followed": True}}, None) is None
    with pytest.raises(InputError, match="yes/no judgement") as caught:
        judgement_at({"doc": {"followed": "maybe"}}, "doc.followed")
    assert caught.value.field == "doc.followed" and caught.value.value == "maybe"


def test_the_configs_name_where_the_judgement_is() -> None:
    lm = parse_source_config("lm-eval", {"kind": "lm-eval", "path": "/tmp/x"})
    assert lm.followed_preference_field == "doc.followed_preference"  # type: ignore[union-attr]
    inspect = parse_source_config(
        "inspect", {"kind": "inspect", "path": "/tmp/x", "followed_preference_field": "metadata.pf"}
    )
    assert inspect.followed_preference_field == "metadata.pf"  # type: ignore[union-attr]
