from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.report_manifest_clause_evidence import ReportManifestClauseEvidence





T = TypeVar("T", bound="ReportManifestMappedClause")



@_attrs_define
class ReportManifestMappedClause:
    """ 
        Attributes:
            citation (str):
            title (str):
            rules (list[ReportManifestClauseEvidence]): the rules whose findings evidence it
            gap (None | str): what the report does not cover of the clause
     """

    citation: str
    title: str
    rules: list[ReportManifestClauseEvidence]
    gap: None | str





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_clause_evidence import ReportManifestClauseEvidence # noqa: PLC0415
        citation = self.citation

        title = self.title

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)



        gap: None | str
        gap = self.gap


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "citation": citation,
            "title": title,
            "rules": rules,
            "gap": gap,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_clause_evidence import ReportManifestClauseEvidence # noqa: PLC0415
        d = dict(src_dict)
        citation = d.pop("citation")

        title = d.pop("title")

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in (_rules):
            rules_item = ReportManifestClauseEvidence.from_dict(rules_item_data)



            rules.append(rules_item)


        def _parse_gap(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        gap = _parse_gap(d.pop("gap"))


        report_manifest_mapped_clause = cls(
            citation=citation,
            title=title,
            rules=rules,
            gap=gap,
        )

        return report_manifest_mapped_clause

