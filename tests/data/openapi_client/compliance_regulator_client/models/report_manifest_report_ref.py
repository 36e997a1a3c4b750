from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="ReportManifestReportRef")



@_attrs_define
class ReportManifestReportRef:
    """ 
        Attributes:
            id (str):
            series (str):
            version (str):
            supersedes (None | str):
            issued_at (None | str | Unset):
     """

    id: str
    series: str
    version: str
    supersedes: None | str
    issued_at: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        series = self.series

        version = self.version

        supersedes: None | str
        supersedes = self.supersedes

        issued_at: None | str | Unset
        if isinstance(self.issued_at, Unset):
            issued_at = UNSET
        else:
            issued_at = self.issued_at


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "id": id,
            "series": series,
            "version": version,
            "supersedes": supersedes,
        })
        if issued_at is not UNSET:
            field_dict["issued_at"] = issued_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        series = d.pop("series")

        version = d.pop("version")

        def _parse_supersedes(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        supersedes = _parse_supersedes(d.pop("supersedes"))


        def _parse_issued_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        issued_at = _parse_issued_at(d.pop("issued_at", UNSET))


        report_manifest_report_ref = cls(
            id=id,
            series=series,
            version=version,
            supersedes=supersedes,
            issued_at=issued_at,
        )

        return report_manifest_report_ref

