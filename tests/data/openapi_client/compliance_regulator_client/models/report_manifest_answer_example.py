from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.report_manifest_answer_example_outcome import ReportManifestAnswerExampleOutcome
from typing import cast






T = TypeVar("T", bound="ReportManifestAnswerExample")



@_attrs_define
class ReportManifestAnswerExample:
    """ One answer that was not correct, as the model gave it: the evidence behind a rate.

        Attributes:
            item_id (str):
            persona (str): the persona's id, or (baseline)
            outcome (ReportManifestAnswerExampleOutcome):
            expected (None | str):
            response (str): the raw response, at most 300 characters
     """

    item_id: str
    persona: str
    outcome: ReportManifestAnswerExampleOutcome
    expected: None | str
    response: str





    def to_dict(self) -> dict[str, Any]:
        item_id = self.item_id

        persona = self.persona

        outcome = self.outcome.value

        expected: None | str
        expected = self.expected

        response = self.response


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "item_id": item_id,
            "persona": persona,
            "outcome": outcome,
            "expected": expected,
            "response": response,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        item_id = d.pop("item_id")

        persona = d.pop("persona")

        outcome = ReportManifestAnswerExampleOutcome(d.pop("outcome"))




        def _parse_expected(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        expected = _parse_expected(d.pop("expected"))


        response = d.pop("response")

        report_manifest_answer_example = cls(
            item_id=item_id,
            persona=persona,
            outcome=outcome,
            expected=expected,
            response=response,
        )

        return report_manifest_answer_example

