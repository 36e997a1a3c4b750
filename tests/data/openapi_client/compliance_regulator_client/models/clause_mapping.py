from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.rule_evidence import RuleEvidence





T = TypeVar("T", bound="ClauseMapping")



@_attrs_define
class ClauseMapping:
    """ 
        Attributes:
            citation (str):
            title (str):
            rules (list[RuleEvidence]):
            gap (None | str):
     """

    citation: str
    title: str
    rules: list[RuleEvidence]
    gap: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.rule_evidence import RuleEvidence # noqa: PLC0415
        citation = self.citation

        title = self.title

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)



        gap: None | str
        gap = self.gap


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "citation": citation,
            "title": title,
            "rules": rules,
            "gap": gap,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rule_evidence import RuleEvidence # noqa: PLC0415
        d = dict(src_dict)
        citation = d.pop("citation")

        title = d.pop("title")

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in (_rules):
            rules_item = RuleEvidence.from_dict(rules_item_data)



            rules.append(rules_item)


        def _parse_gap(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        gap = _parse_gap(d.pop("gap"))


        clause_mapping = cls(
            citation=citation,
            title=title,
            rules=rules,
            gap=gap,
        )


        clause_mapping.additional_properties = d
        return clause_mapping

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
