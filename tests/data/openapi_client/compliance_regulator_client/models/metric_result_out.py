from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.metric_result_out_outcomes_type_0 import MetricResultOutOutcomesType0





T = TypeVar("T", bound="MetricResultOut")



@_attrs_define
class MetricResultOut:
    """ 
        Attributes:
            metric (str):
            dimension (str):
            group (str):
            status (str):
            estimate (float | None):
            ci_low (float | None):
            ci_high (float | None):
            n (int):
            p_value (float | None):
            outcomes (MetricResultOutOutcomesType0 | None | Unset):
     """

    metric: str
    dimension: str
    group: str
    status: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    p_value: float | None
    outcomes: MetricResultOutOutcomesType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.metric_result_out_outcomes_type_0 import MetricResultOutOutcomesType0 # noqa: PLC0415
        metric = self.metric

        dimension = self.dimension

        group = self.group

        status = self.status

        estimate: float | None
        estimate = self.estimate

        ci_low: float | None
        ci_low = self.ci_low

        ci_high: float | None
        ci_high = self.ci_high

        n = self.n

        p_value: float | None
        p_value = self.p_value

        outcomes: dict[str, Any] | None | Unset
        if isinstance(self.outcomes, Unset):
            outcomes = UNSET
        elif isinstance(self.outcomes, MetricResultOutOutcomesType0):
            outcomes = self.outcomes.to_dict()
        else:
            outcomes = self.outcomes


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "metric": metric,
            "dimension": dimension,
            "group": group,
            "status": status,
            "estimate": estimate,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "n": n,
            "p_value": p_value,
        })
        if outcomes is not UNSET:
            field_dict["outcomes"] = outcomes

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metric_result_out_outcomes_type_0 import MetricResultOutOutcomesType0 # noqa: PLC0415
        d = dict(src_dict)
        metric = d.pop("metric")

        dimension = d.pop("dimension")

        group = d.pop("group")

        status = d.pop("status")

        def _parse_estimate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        estimate = _parse_estimate(d.pop("estimate"))


        def _parse_ci_low(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        ci_low = _parse_ci_low(d.pop("ci_low"))


        def _parse_ci_high(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        ci_high = _parse_ci_high(d.pop("ci_high"))


        n = d.pop("n")

        def _parse_p_value(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        p_value = _parse_p_value(d.pop("p_value"))


        def _parse_outcomes(data: object) -> MetricResultOutOutcomesType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                outcomes_type_0 = MetricResultOutOutcomesType0.from_dict(data)



                return outcomes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MetricResultOutOutcomesType0 | None | Unset, data)

        outcomes = _parse_outcomes(d.pop("outcomes", UNSET))


        metric_result_out = cls(
            metric=metric,
            dimension=dimension,
            group=group,
            status=status,
            estimate=estimate,
            ci_low=ci_low,
            ci_high=ci_high,
            n=n,
            p_value=p_value,
            outcomes=outcomes,
        )


        metric_result_out.additional_properties = d
        return metric_result_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
