from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.report_manifest_summary_verdict import ReportManifestSummaryVerdict
from typing import cast

if TYPE_CHECKING:
  from ..models.report_manifest_summary_counts import ReportManifestSummaryCounts
  from ..models.report_manifest_summary_line import ReportManifestSummaryLine





T = TypeVar("T", bound="ReportManifestSummary")



@_attrs_define
class ReportManifestSummary:
    """ 
        Attributes:
            verdict (ReportManifestSummaryVerdict):
            counts (ReportManifestSummaryCounts):
            lines (list[ReportManifestSummaryLine]): one line per rule, worst first
     """

    verdict: ReportManifestSummaryVerdict
    counts: ReportManifestSummaryCounts
    lines: list[ReportManifestSummaryLine]





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_summary_counts import ReportManifestSummaryCounts # noqa: PLC0415
        from ..models.report_manifest_summary_line import ReportManifestSummaryLine # noqa: PLC0415
        verdict = self.verdict.value

        counts = self.counts.to_dict()

        lines = []
        for lines_item_data in self.lines:
            lines_item = lines_item_data.to_dict()
            lines.append(lines_item)




        field_dict: dict[str, Any] = {}

        field_dict.update({
            "verdict": verdict,
            "counts": counts,
            "lines": lines,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_summary_counts import ReportManifestSummaryCounts # noqa: PLC0415
        from ..models.report_manifest_summary_line import ReportManifestSummaryLine # noqa: PLC0415
        d = dict(src_dict)
        verdict = ReportManifestSummaryVerdict(d.pop("verdict"))




        counts = ReportManifestSummaryCounts.from_dict(d.pop("counts"))




        lines = []
        _lines = d.pop("lines")
        for lines_item_data in (_lines):
            lines_item = ReportManifestSummaryLine.from_dict(lines_item_data)



            lines.append(lines_item)


        report_manifest_summary = cls(
            verdict=verdict,
            counts=counts,
            lines=lines,
        )

        return report_manifest_summary

