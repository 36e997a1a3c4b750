from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="ReportManifestModelRef")



@_attrs_define
class ReportManifestModelRef:
    """ 
        Attributes:
            name (str):
            version (str):
            version_id (str):
            owner (None | str):
            intended_use (None | str):
            risk_tier (None | str):
     """

    name: str
    version: str
    version_id: str
    owner: None | str
    intended_use: None | str
    risk_tier: None | str





    def to_dict(self) -> dict[str, Any]:
        name = self.name

        version = self.version

        version_id = self.version_id

        owner: None | str
        owner = self.owner

        intended_use: None | str
        intended_use = self.intended_use

        risk_tier: None | str
        risk_tier = self.risk_tier


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "name": name,
            "version": version,
            "version_id": version_id,
            "owner": owner,
            "intended_use": intended_use,
            "risk_tier": risk_tier,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        version_id = d.pop("version_id")

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


        report_manifest_model_ref = cls(
            name=name,
            version=version,
            version_id=version_id,
            owner=owner,
            intended_use=intended_use,
            risk_tier=risk_tier,
        )

        return report_manifest_model_ref

