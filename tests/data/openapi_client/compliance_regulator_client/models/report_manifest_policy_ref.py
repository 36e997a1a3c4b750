from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="ReportManifestPolicyRef")



@_attrs_define
class ReportManifestPolicyRef:
    """ 
        Attributes:
            name (str):
            version (str):
            sha256 (str):
            regimes (list[str]):
            decision_mode (str):
            min_sample_per_group (str):
     """

    name: str
    version: str
    sha256: str
    regimes: list[str]
    decision_mode: str
    min_sample_per_group: str





    def to_dict(self) -> dict[str, Any]:
        name = self.name

        version = self.version

        sha256 = self.sha256

        regimes = self.regimes



        decision_mode = self.decision_mode

        min_sample_per_group = self.min_sample_per_group


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "name": name,
            "version": version,
            "sha256": sha256,
            "regimes": regimes,
            "decision_mode": decision_mode,
            "min_sample_per_group": min_sample_per_group,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        sha256 = d.pop("sha256")

        regimes = cast(list[str], d.pop("regimes"))


        decision_mode = d.pop("decision_mode")

        min_sample_per_group = d.pop("min_sample_per_group")

        report_manifest_policy_ref = cls(
            name=name,
            version=version,
            sha256=sha256,
            regimes=regimes,
            decision_mode=decision_mode,
            min_sample_per_group=min_sample_per_group,
        )

        return report_manifest_policy_ref

