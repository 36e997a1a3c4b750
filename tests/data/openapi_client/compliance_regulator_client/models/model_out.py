from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.version_out import VersionOut





T = TypeVar("T", bound="ModelOut")



@_attrs_define
class ModelOut:
    """ 
        Attributes:
            id (str):
            name (str):
            owner (None | str):
            intended_use (None | str):
            risk_tier (None | str):
            registered_at (str):
            versions (list[VersionOut]):
     """

    id: str
    name: str
    owner: None | str
    intended_use: None | str
    risk_tier: None | str
    registered_at: str
    versions: list[VersionOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.version_out import VersionOut # noqa: PLC0415
        id = self.id

        name = self.name

        owner: None | str
        owner = self.owner

        intended_use: None | str
        intended_use = self.intended_use

        risk_tier: None | str
        risk_tier = self.risk_tier

        registered_at = self.registered_at

        versions = []
        for versions_item_data in self.versions:
            versions_item = versions_item_data.to_dict()
            versions.append(versions_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "name": name,
            "owner": owner,
            "intended_use": intended_use,
            "risk_tier": risk_tier,
            "registered_at": registered_at,
            "versions": versions,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.version_out import VersionOut # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        def _parse_owner(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        owner = _parse_owner(d.pop("owner"))


        def _parse_intended_use(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        intended_use = _parse_intended_use(d.pop("intended_use"))


        def _parse_risk_tier(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        risk_tier = _parse_risk_tier(d.pop("risk_tier"))


        registered_at = d.pop("registered_at")

        versions = []
        _versions = d.pop("versions")
        for versions_item_data in (_versions):
            versions_item = VersionOut.from_dict(versions_item_data)



            versions.append(versions_item)


        model_out = cls(
            id=id,
            name=name,
            owner=owner,
            intended_use=intended_use,
            risk_tier=risk_tier,
            registered_at=registered_at,
            versions=versions,
        )


        model_out.additional_properties = d
        return model_out

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
