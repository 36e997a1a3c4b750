from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="AccessEntry")



@_attrs_define
class AccessEntry:
    """ 
        Attributes:
            at (str):
            token (None | str):
            token_name (None | str):
            action (str):
            object_type (str):
            object_id (str):
            client (None | str):
            status (int):
     """

    at: str
    token: None | str
    token_name: None | str
    action: str
    object_type: str
    object_id: str
    client: None | str
    status: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        at = self.at

        token: None | str
        token = self.token

        token_name: None | str
        token_name = self.token_name

        action = self.action

        object_type = self.object_type

        object_id = self.object_id

        client: None | str
        client = self.client

        status = self.status


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "at": at,
            "token": token,
            "token_name": token_name,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "client": client,
            "status": status,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = d.pop("at")

        def _parse_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        token = _parse_token(d.pop("token"))


        def _parse_token_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        token_name = _parse_token_name(d.pop("token_name"))


        action = d.pop("action")

        object_type = d.pop("object_type")

        object_id = d.pop("object_id")

        def _parse_client(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client = _parse_client(d.pop("client"))


        status = d.pop("status")

        access_entry = cls(
            at=at,
            token=token,
            token_name=token_name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            client=client,
            status=status,
        )


        access_entry.additional_properties = d
        return access_entry

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
