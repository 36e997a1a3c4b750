from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.rule_out import RuleOut





T = TypeVar("T", bound="PolicyDetail")



@_attrs_define
class PolicyDetail:
    """ 
        Attributes:
            id (str):
            name (str):
            version (str):
            sha256 (str):
            added_at (str):
            description (None | str):
            rules (list[RuleOut]):
            source_text (str):
     """

    id: str
    name: str
    version: str
    sha256: str
    added_at: str
    description: None | str
    rules: list[RuleOut]
    source_text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.rule_out import RuleOut # noqa: PLC0415
        id = self.id

        name = self.name

        version = self.version

        sha256 = self.sha256

        added_at = self.added_at

        description: None | str
        description = self.description

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)



        source_text = self.source_text


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "name": name,
            "version": version,
            "sha256": sha256,
            "added_at": added_at,
            "description": description,
            "rules": rules,
            "source_text": source_text,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rule_out import RuleOut # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        version = d.pop("version")

        sha256 = d.pop("sha256")

        added_at = d.pop("added_at")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))


        rules = []
        _rules = d.pop("rules")
        for rules_item_data in (_rules):
            rules_item = RuleOut.from_dict(rules_item_data)



            rules.append(rules_item)


        source_text = d.pop("source_text")

        policy_detail = cls(
            id=id,
            name=name,
            version=version,
            sha256=sha256,
            added_at=added_at,
            description=description,
            rules=rules,
            source_text=source_text,
        )


        policy_detail.additional_properties = d
        return policy_detail

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
