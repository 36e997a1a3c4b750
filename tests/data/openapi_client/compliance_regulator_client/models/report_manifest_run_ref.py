from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="ReportManifestRunRef")



@_attrs_define
class ReportManifestRunRef:
    """ 
        Attributes:
            id (str):
            benchmark (str):
            format_ (str):
            origin (str):
            records (str):
            sha256 (str):
            ingested_at (str):
     """

    id: str
    benchmark: str
    format_: str
    origin: str
    records: str
    sha256: str
    ingested_at: str





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        benchmark = self.benchmark

        format_ = self.format_

        origin = self.origin

        records = self.records

        sha256 = self.sha256

        ingested_at = self.ingested_at


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "id": id,
            "benchmark": benchmark,
            "format": format_,
            "origin": origin,
            "records": records,
            "sha256": sha256,
            "ingested_at": ingested_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        benchmark = d.pop("benchmark")

        format_ = d.pop("format")

        origin = d.pop("origin")

        records = d.pop("records")

        sha256 = d.pop("sha256")

        ingested_at = d.pop("ingested_at")

        report_manifest_run_ref = cls(
            id=id,
            benchmark=benchmark,
            format_=format_,
            origin=origin,
            records=records,
            sha256=sha256,
            ingested_at=ingested_at,
        )

        return report_manifest_run_ref

