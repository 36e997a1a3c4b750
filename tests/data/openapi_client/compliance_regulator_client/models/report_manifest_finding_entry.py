from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="ReportManifestFindingEntry")



@_attrs_define
class ReportManifestFindingEntry:
    """ 
        Attributes:
            rule_id (str):
            metric (str):
            dimension (str):
            group (None | str):
            severity (str):
            mode (str):
            comparison (str):
            threshold (str):
            value (None | str):
            ci_low (None | str):
            ci_high (None | str):
            n (None | str):
            verdict (str):
            reason (str):
            text (None | str):
            detectable (None | str | Unset): how far beyond the threshold the true value must be for the rule to fail with
                probability 0.8 at this sample (absent before it existed)
            items_needed (None | str | Unset): an inconclusive rule: about how many items would decide it
            clauses (list[str] | None | Unset): the catalogue clauses ('regime:clause') the rule declares it gives evidence
                for (absent when the rule declares none, and before it existed)
     """

    rule_id: str
    metric: str
    dimension: str
    group: None | str
    severity: str
    mode: str
    comparison: str
    threshold: str
    value: None | str
    ci_low: None | str
    ci_high: None | str
    n: None | str
    verdict: str
    reason: str
    text: None | str
    detectable: None | str | Unset = UNSET
    items_needed: None | str | Unset = UNSET
    clauses: list[str] | None | Unset = UNSET





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

        value: None | str
        value = self.value

        ci_low: None | str
        ci_low = self.ci_low

        ci_high: None | str
        ci_high = self.ci_high

        n: None | str
        n = self.n

        verdict = self.verdict

        reason = self.reason

        text: None | str
        text = self.text

        detectable: None | str | Unset
        if isinstance(self.detectable, Unset):
            detectable = UNSET
        else:
            detectable = self.detectable

        items_needed: None | str | Unset
        if isinstance(self.items_needed, Unset):
            items_needed = UNSET
        else:
            items_needed = self.items_needed

        clauses: list[str] | None | Unset
        if isinstance(self.clauses, Unset):
            clauses = UNSET
        elif isinstance(self.clauses, list):
            clauses = self.clauses


        else:
            clauses = self.clauses


        field_dict: dict[str, Any] = {}

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
            "n": n,
            "verdict": verdict,
            "reason": reason,
            "text": text,
        })
        if detectable is not UNSET:
            field_dict["detectable"] = detectable
        if items_needed is not UNSET:
            field_dict["items_needed"] = items_needed
        if clauses is not UNSET:
            field_dict["clauses"] = clauses

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

        def _parse_value(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        value = _parse_value(d.pop("value"))


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


        def _parse_n(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        n = _parse_n(d.pop("n"))


        verdict = d.pop("verdict")

        reason = d.pop("reason")

        def _parse_text(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        text = _parse_text(d.pop("text"))


        def _parse_detectable(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        detectable = _parse_detectable(d.pop("detectable", UNSET))


        def _parse_items_needed(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        items_needed = _parse_items_needed(d.pop("items_needed", UNSET))


        def _parse_clauses(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                clauses_type_0 = cast(list[str], data)

                return clauses_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        clauses = _parse_clauses(d.pop("clauses", UNSET))


        report_manifest_finding_entry = cls(
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
            n=n,
            verdict=verdict,
            reason=reason,
            text=text,
            detectable=detectable,
            items_needed=items_needed,
            clauses=clauses,
        )

        return report_manifest_finding_entry

