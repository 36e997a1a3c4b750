from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="FindingOut")



@_attrs_define
class FindingOut:
    """ 
        Attributes:
            rule_id (str):
            metric (str):
            dimension (str):
            group (None | str):
            severity (str):
            mode (str):
            comparison (str):
            threshold (float):
            value (float | None):
            ci_low (float | None):
            ci_high (float | None):
            verdict (str):
            reason (str):
     """

    rule_id: str
    metric: str
    dimension: str
    group: None | str
    severity: str
    mode: str
    comparison: str
    threshold: float
    value: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        rule_id = self.rule_id

        metric = self.metric

        dimension = self.dimension

        group: None | str
        group = self.group

        severity = self.severity

        mode = self.mode

        comparison = self.comparison

        threshold = self.threshold

        value: float | None
        value = self.value

        ci_low: float | None
        ci_low = self.ci_low

        ci_high: float | None
        ci_high = self.ci_high

        verdict = self.verdict

        reason = self.reason


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "rule_id": rule_id,
            "metric": metric,
            "dimension": dimension,
            "group": group,
            "severity": severity,
            "mode": mode,
            "comparison": comparison,
            "threshold": threshold,
            "value": value,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "verdict": verdict,
            "reason": reason,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rule_id = d.pop("rule_id")

        metric = d.pop("metric")

        dimension = d.pop("dimension")

        def _parse_group(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        group = _parse_group(d.pop("group"))


        severity = d.pop("severity")

        mode = d.pop("mode")

        comparison = d.pop("comparison")

        threshold = d.pop("threshold")

        def _parse_value(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        value = _parse_value(d.pop("value"))


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


        verdict = d.pop("verdict")

        reason = d.pop("reason")

        finding_out = cls(
            rule_id=rule_id,
            metric=metric,
            dimension=dimension,
            group=group,
            severity=severity,
            mode=mode,
            comparison=comparison,
            threshold=threshold,
            value=value,
            ci_low=ci_low,
            ci_high=ci_high,
            verdict=verdict,
            reason=reason,
        )


        finding_out.additional_properties = d
        return finding_out

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
