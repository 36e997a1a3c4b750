from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="ReportManifestSummaryLine")



@_attrs_define
class ReportManifestSummaryLine:
    """ 
        Attributes:
            rule_id (str):
            severity (str):
            verdict (str):
            line (str):
     """

    rule_id: str
    severity: str
    verdict: str
    line: str





    def to_dict(self) -> dict[str, Any]:
        rule_id = self.rule_id

        severity = self.severity

        verdict = self.verdict

        line = self.line


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "rule_id": rule_id,
            "severity": severity,
            "verdict": verdict,
            "line": line,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rule_id = d.pop("rule_id")

        severity = d.pop("severity")

        verdict = d.pop("verdict")

        line = d.pop("line")

        report_manifest_summary_line = cls(
            rule_id=rule_id,
            severity=severity,
            verdict=verdict,
            line=line,
        )

        return report_manifest_summary_line

