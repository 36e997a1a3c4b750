from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.report_manifest_metric_entry_detail import ReportManifestMetricEntryDetail





T = TypeVar("T", bound="ReportManifestMetricEntry")



@_attrs_define
class ReportManifestMetricEntry:
    """ 
        Attributes:
            metric (str):
            section (str):
            dimension (str):
            group (None | str):
            status (str):
            estimate (None | str):
            ci_low (None | str):
            ci_high (None | str):
            n (str):
            p_value (None | str):
            detail (ReportManifestMetricEntryDetail):
     """

    metric: str
    section: str
    dimension: str
    group: None | str
    status: str
    estimate: None | str
    ci_low: None | str
    ci_high: None | str
    n: str
    p_value: None | str
    detail: ReportManifestMetricEntryDetail





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_metric_entry_detail import ReportManifestMetricEntryDetail # noqa: PLC0415
        metric = self.metric

        section = self.section

        dimension = self.dimension

        group: None | str
        group = self.group

        status = self.status

        estimate: None | str
        estimate = self.estimate

        ci_low: None | str
        ci_low = self.ci_low

        ci_high: None | str
        ci_high = self.ci_high

        n = self.n

        p_value: None | str
        p_value = self.p_value

        detail = self.detail.to_dict()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "metric": metric,
            "section": section,
            "dimension": dimension,
            "group": group,
            "status": status,
            "estimate": estimate,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "n": n,
            "p_value": p_value,
            "detail": detail,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_metric_entry_detail import ReportManifestMetricEntryDetail # noqa: PLC0415
        d = dict(src_dict)
        metric = d.pop("metric")

        section = d.pop("section")

        dimension = d.pop("dimension")

        def _parse_group(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        group = _parse_group(d.pop("group"))


        status = d.pop("status")

        def _parse_estimate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        estimate = _parse_estimate(d.pop("estimate"))


        def _parse_ci_low(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ci_low = _parse_ci_low(d.pop("ci_low"))


        def _parse_ci_high(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ci_high = _parse_ci_high(d.pop("ci_high"))


        n = d.pop("n")

        def _parse_p_value(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        p_value = _parse_p_value(d.pop("p_value"))


        detail = ReportManifestMetricEntryDetail.from_dict(d.pop("detail"))




        report_manifest_metric_entry = cls(
            metric=metric,
            section=section,
            dimension=dimension,
            group=group,
            status=status,
            estimate=estimate,
            ci_low=ci_low,
            ci_high=ci_high,
            n=n,
            p_value=p_value,
            detail=detail,
        )

        return report_manifest_metric_entry

