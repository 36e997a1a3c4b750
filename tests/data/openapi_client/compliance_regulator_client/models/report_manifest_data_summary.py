from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.report_manifest_data_summary_benchmarks import ReportManifestDataSummaryBenchmarks
  from ..models.report_manifest_data_summary_excluded import ReportManifestDataSummaryExcluded
  from ..models.report_manifest_data_summary_groups import ReportManifestDataSummaryGroups
  from ..models.report_manifest_data_summary_unknown_groups import ReportManifestDataSummaryUnknownGroups





T = TypeVar("T", bound="ReportManifestDataSummary")



@_attrs_define
class ReportManifestDataSummary:
    """ 
        Attributes:
            records (str):
            baseline_records (str):
            unparsed_records (str):
            refused_records (str):
            benchmarks (ReportManifestDataSummaryBenchmarks):
            groups (ReportManifestDataSummaryGroups): records per group, per dimension (persona, attributes, intersections)
            unknown_groups (ReportManifestDataSummaryUnknownGroups): records with no group, per dimension
            excluded (ReportManifestDataSummaryExcluded): records left out of a metric, with why
     """

    records: str
    baseline_records: str
    unparsed_records: str
    refused_records: str
    benchmarks: ReportManifestDataSummaryBenchmarks
    groups: ReportManifestDataSummaryGroups
    unknown_groups: ReportManifestDataSummaryUnknownGroups
    excluded: ReportManifestDataSummaryExcluded





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_data_summary_benchmarks import ReportManifestDataSummaryBenchmarks # noqa: PLC0415
        from ..models.report_manifest_data_summary_excluded import ReportManifestDataSummaryExcluded # noqa: PLC0415
        from ..models.report_manifest_data_summary_groups import ReportManifestDataSummaryGroups # noqa: PLC0415
        from ..models.report_manifest_data_summary_unknown_groups import ReportManifestDataSummaryUnknownGroups # noqa: PLC0415
        records = self.records

        baseline_records = self.baseline_records

        unparsed_records = self.unparsed_records

        refused_records = self.refused_records

        benchmarks = self.benchmarks.to_dict()

        groups = self.groups.to_dict()

        unknown_groups = self.unknown_groups.to_dict()

        excluded = self.excluded.to_dict()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "records": records,
            "baseline_records": baseline_records,
            "unparsed_records": unparsed_records,
            "refused_records": refused_records,
            "benchmarks": benchmarks,
            "groups": groups,
            "unknown_groups": unknown_groups,
            "excluded": excluded,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_data_summary_benchmarks import ReportManifestDataSummaryBenchmarks # noqa: PLC0415
        from ..models.report_manifest_data_summary_excluded import ReportManifestDataSummaryExcluded # noqa: PLC0415
        from ..models.report_manifest_data_summary_groups import ReportManifestDataSummaryGroups # noqa: PLC0415
        from ..models.report_manifest_data_summary_unknown_groups import ReportManifestDataSummaryUnknownGroups # noqa: PLC0415
        d = dict(src_dict)
        records = d.pop("records")

        baseline_records = d.pop("baseline_records")

        unparsed_records = d.pop("unparsed_records")

        refused_records = d.pop("refused_records")

        benchmarks = ReportManifestDataSummaryBenchmarks.from_dict(d.pop("benchmarks"))




        groups = ReportManifestDataSummaryGroups.from_dict(d.pop("groups"))




        unknown_groups = ReportManifestDataSummaryUnknownGroups.from_dict(d.pop("unknown_groups"))




        excluded = ReportManifestDataSummaryExcluded.from_dict(d.pop("excluded"))




        report_manifest_data_summary = cls(
            records=records,
            baseline_records=baseline_records,
            unparsed_records=unparsed_records,
            refused_records=refused_records,
            benchmarks=benchmarks,
            groups=groups,
            unknown_groups=unknown_groups,
            excluded=excluded,
        )

        return report_manifest_data_summary

