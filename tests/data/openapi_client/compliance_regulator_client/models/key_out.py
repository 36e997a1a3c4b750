from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="KeyOut")



@_attrs_define
class KeyOut:
    """ 
        Attributes:
            key_id (str):
            algorithm (str):
            public_key (str):
            created_at (str):
            retired_at (None | str):
     """

    key_id: str
    algorithm: str
    public_key: str
    created_at: str
    retired_at: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        key_id = self.key_id

        algorithm = self.algorithm

        public_key = self.public_key

        created_at = self.created_at

        retired_at: None | str
        retired_at = self.retired_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "key_id": key_id,
            "algorithm": algorithm,
            "public_key": public_key,
            "created_at": created_at,
            "retired_at": retired_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key_id = d.pop("key_id")

        algorithm = d.pop("algorithm")

        public_key = d.pop("public_key")

        created_at = d.pop("created_at")

        def _parse_retired_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        retired_at = _parse_retired_at(d.pop("retired_at"))


        key_out = cls(
            key_id=key_id,
            algorithm=algorithm,
            public_key=public_key,
            created_at=created_at,
            retired_at=retired_at,
        )


        key_out.additional_properties = d
        return key_out

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
