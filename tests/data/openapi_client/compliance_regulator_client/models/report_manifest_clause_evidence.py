from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="ReportManifestClauseEvidence")



@_attrs_define
class ReportManifestClauseEvidence:
    """ 
        Attributes:
            rule_id (str):
            verdict (str):
     """

    rule_id: str
    verdict: str





    def to_dict(self) -> dict[str, Any]:
        rule_id = self.rule_id

        verdict = self.verdict


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "rule_id": rule_id,
            "verdict": verdict,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rule_id = d.pop("rule_id")

        verdict = d.pop("verdict")

        report_manifest_clause_evidence = cls(
            rule_id=rule_id,
            verdict=verdict,
        )

        return report_manifest_clause_evidence

