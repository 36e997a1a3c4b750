from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="Applies")



@_attrs_define
class Applies:
    """ 
        Attributes:
            from_ (datetime.date):
            scope (str):
     """

    from_: datetime.date
    scope: str





    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.isoformat()

        scope = self.scope


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "from": from_,
            "scope": scope,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        from_ = datetime.date.fromisoformat(d.pop("from"))




        scope = d.pop("scope")

        applies = cls(
            from_=from_,
            scope=scope,
        )

        return applies

