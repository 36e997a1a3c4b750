from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.report_manifest_trend_point_values import ReportManifestTrendPointValues
  from ..models.report_manifest_trend_point_verdicts import ReportManifestTrendPointVerdicts





T = TypeVar("T", bound="ReportManifestTrendPoint")



@_attrs_define
class ReportManifestTrendPoint:
    """ 
        Attributes:
            report_id (str):
            version (str):
            issued_at (str):
            verdict (str):
            values (ReportManifestTrendPointValues): rule id -> the finding's value
            verdicts (ReportManifestTrendPointVerdicts | Unset): rule id -> the finding's verdict
     """

    report_id: str
    version: str
    issued_at: str
    verdict: str
    values: ReportManifestTrendPointValues
    verdicts: ReportManifestTrendPointVerdicts | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_trend_point_values import ReportManifestTrendPointValues # noqa: PLC0415
        from ..models.report_manifest_trend_point_verdicts import ReportManifestTrendPointVerdicts # noqa: PLC0415
        report_id = self.report_id

        version = self.version

        issued_at = self.issued_at

        verdict = self.verdict

        values = self.values.to_dict()

        verdicts: dict[str, Any] | Unset = UNSET
        if not isinstance(self.verdicts, Unset):
            verdicts = self.verdicts.to_dict()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "report_id": report_id,
            "version": version,
            "issued_at": issued_at,
            "verdict": verdict,
            "values": values,
        })
        if verdicts is not UNSET:
            field_dict["verdicts"] = verdicts

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_trend_point_values import ReportManifestTrendPointValues # noqa: PLC0415
        from ..models.report_manifest_trend_point_verdicts import ReportManifestTrendPointVerdicts # noqa: PLC0415
        d = dict(src_dict)
        report_id = d.pop("report_id")

        version = d.pop("version")

        issued_at = d.pop("issued_at")

        verdict = d.pop("verdict")

        values = ReportManifestTrendPointValues.from_dict(d.pop("values"))




        _verdicts = d.pop("verdicts", UNSET)
        verdicts: ReportManifestTrendPointVerdicts | Unset
        if isinstance(_verdicts,  Unset):
            verdicts = UNSET
        else:
            verdicts = ReportManifestTrendPointVerdicts.from_dict(_verdicts)




        report_manifest_trend_point = cls(
            report_id=report_id,
            version=version,
            issued_at=issued_at,
            verdict=verdict,
            values=values,
            verdicts=verdicts,
        )

        return report_manifest_trend_point

