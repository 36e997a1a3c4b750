from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="ReportManifestScope")



@_attrs_define
class ReportManifestScope:
    """ 
        Attributes:
            intended_use (None | str):
            covers (list[str]):
            not_measured (list[str]):
     """

    intended_use: None | str
    covers: list[str]
    not_measured: list[str]





    def to_dict(self) -> dict[str, Any]:
        intended_use: None | str
        intended_use = self.intended_use

        covers = self.covers



        not_measured = self.not_measured




        field_dict: dict[str, Any] = {}

        field_dict.update({
            "intended_use": intended_use,
            "covers": covers,
            "not_measured": not_measured,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_intended_use(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        intended_use = _parse_intended_use(d.pop("intended_use"))


        covers = cast(list[str], d.pop("covers"))


        not_measured = cast(list[str], d.pop("not_measured"))


        report_manifest_scope = cls(
            intended_use=intended_use,
            covers=covers,
            not_measured=not_measured,
        )

        return report_manifest_scope

