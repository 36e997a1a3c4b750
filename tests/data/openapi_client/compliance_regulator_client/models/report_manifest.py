from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from typing import Literal, cast

if TYPE_CHECKING:
  from ..models.report_manifest_answer_example import ReportManifestAnswerExample
  from ..models.report_manifest_data_summary import ReportManifestDataSummary
  from ..models.report_manifest_finding_entry import ReportManifestFindingEntry
  from ..models.report_manifest_identity import ReportManifestIdentity
  from ..models.report_manifest_mapped_regime import ReportManifestMappedRegime
  from ..models.report_manifest_method import ReportManifestMethod
  from ..models.report_manifest_metric_entry import ReportManifestMetricEntry
  from ..models.report_manifest_report_ref import ReportManifestReportRef
  from ..models.report_manifest_scope import ReportManifestScope
  from ..models.report_manifest_summary import ReportManifestSummary
  from ..models.report_manifest_trend_point import ReportManifestTrendPoint





T = TypeVar("T", bound="ReportManifest")



@_attrs_define
class ReportManifest:
    """ One audit, complete: what a report shows and what the ledger signs.

        Attributes:
            identity (ReportManifestIdentity):
            summary (ReportManifestSummary):
            scope (ReportManifestScope):
            data (ReportManifestDataSummary):
            metrics (list[ReportManifestMetricEntry]):
            findings (list[ReportManifestFindingEntry]):
            method (ReportManifestMethod):
            schema (Literal['urn:compliance:schema:report:1'] | Unset):  Default: 'urn:compliance:schema:report:1'.
            report (None | ReportManifestReportRef | Unset):
            trend (list[ReportManifestTrendPoint] | Unset):
            examples (list[ReportManifestAnswerExample] | None | Unset): a few answers per persona and outcome that were not
                correct (absent from manifests made before it existed)
            regulatory_mapping (list[ReportManifestMappedRegime] | None | Unset): the findings mapped onto the clauses of
                the regimes the policy names, as of the issue date (absent from manifests made before it existed)
     """

    identity: ReportManifestIdentity
    summary: ReportManifestSummary
    scope: ReportManifestScope
    data: ReportManifestDataSummary
    metrics: list[ReportManifestMetricEntry]
    findings: list[ReportManifestFindingEntry]
    method: ReportManifestMethod
    schema: Literal['urn:compliance:schema:report:1'] | Unset = 'urn:compliance:schema:report:1'
    report: None | ReportManifestReportRef | Unset = UNSET
    trend: list[ReportManifestTrendPoint] | Unset = UNSET
    examples: list[ReportManifestAnswerExample] | None | Unset = UNSET
    regulatory_mapping: list[ReportManifestMappedRegime] | None | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_answer_example import ReportManifestAnswerExample # noqa: PLC0415
        from ..models.report_manifest_data_summary import ReportManifestDataSummary # noqa: PLC0415
        from ..models.report_manifest_finding_entry import ReportManifestFindingEntry # noqa: PLC0415
        from ..models.report_manifest_identity import ReportManifestIdentity # noqa: PLC0415
        from ..models.report_manifest_mapped_regime import ReportManifestMappedRegime # noqa: PLC0415
        from ..models.report_manifest_method import ReportManifestMethod # noqa: PLC0415
        from ..models.report_manifest_metric_entry import ReportManifestMetricEntry # noqa: PLC0415
        from ..models.report_manifest_report_ref import ReportManifestReportRef # noqa: PLC0415
        from ..models.report_manifest_scope import ReportManifestScope # noqa: PLC0415
        from ..models.report_manifest_summary import ReportManifestSummary # noqa: PLC0415
        from ..models.report_manifest_trend_point import ReportManifestTrendPoint # noqa: PLC0415
        identity = self.identity.to_dict()

        summary = self.summary.to_dict()

        scope = self.scope.to_dict()

        data = self.data.to_dict()

        metrics = []
        for metrics_item_data in self.metrics:
            metrics_item = metrics_item_data.to_dict()
            metrics.append(metrics_item)



        findings = []
        for findings_item_data in self.findings:
            findings_item = findings_item_data.to_dict()
            findings.append(findings_item)



        method = self.method.to_dict()

        schema = self.schema

        report: dict[str, Any] | None | Unset
        if isinstance(self.report, Unset):
            report = UNSET
        elif isinstance(self.report, ReportManifestReportRef):
            report = self.report.to_dict()
        else:
            report = self.report

        trend: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.trend, Unset):
            trend = []
            for trend_item_data in self.trend:
                trend_item = trend_item_data.to_dict()
                trend.append(trend_item)



        examples: list[dict[str, Any]] | None | Unset
        if isinstance(self.examples, Unset):
            examples = UNSET
        elif isinstance(self.examples, list):
            examples = []
            for examples_type_0_item_data in self.examples:
                examples_type_0_item = examples_type_0_item_data.to_dict()
                examples.append(examples_type_0_item)


        else:
            examples = self.examples

        regulatory_mapping: list[dict[str, Any]] | None | Unset
        if isinstance(self.regulatory_mapping, Unset):
            regulatory_mapping = UNSET
        elif isinstance(self.regulatory_mapping, list):
            regulatory_mapping = []
            for regulatory_mapping_type_0_item_data in self.regulatory_mapping:
                regulatory_mapping_type_0_item = regulatory_mapping_type_0_item_data.to_dict()
                regulatory_mapping.append(regulatory_mapping_type_0_item)


        else:
            regulatory_mapping = self.regulatory_mapping


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "identity": identity,
            "summary": summary,
            "scope": scope,
            "data": data,
            "metrics": metrics,
            "findings": findings,
            "method": method,
        })
        if schema is not UNSET:
            field_dict["schema"] = schema
        if report is not UNSET:
            field_dict["report"] = report
        if trend is not UNSET:
            field_dict["trend"] = trend
        if examples is not UNSET:
            field_dict["examples"] = examples
        if regulatory_mapping is not UNSET:
            field_dict["regulatory_mapping"] = regulatory_mapping

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_answer_example import ReportManifestAnswerExample # noqa: PLC0415
        from ..models.report_manifest_data_summary import ReportManifestDataSummary # noqa: PLC0415
        from ..models.report_manifest_finding_entry import ReportManifestFindingEntry # noqa: PLC0415
        from ..models.report_manifest_identity import ReportManifestIdentity # noqa: PLC0415
        from ..models.report_manifest_mapped_regime import ReportManifestMappedRegime # noqa: PLC0415
        from ..models.report_manifest_method import ReportManifestMethod # noqa: PLC0415
        from ..models.report_manifest_metric_entry import ReportManifestMetricEntry # noqa: PLC0415
        from ..models.report_manifest_report_ref import ReportManifestReportRef # noqa: PLC0415
        from ..models.report_manifest_scope import ReportManifestScope # noqa: PLC0415
        from ..models.report_manifest_summary import ReportManifestSummary # noqa: PLC0415
        from ..models.report_manifest_trend_point import ReportManifestTrendPoint # noqa: PLC0415
        d = dict(src_dict)
        identity = ReportManifestIdentity.from_dict(d.pop("identity"))




        summary = ReportManifestSummary.from_dict(d.pop("summary"))




        scope = ReportManifestScope.from_dict(d.pop("scope"))




        data = ReportManifestDataSummary.from_dict(d.pop("data"))




        metrics = []
        _metrics = d.pop("metrics")
        for metrics_item_data in (_metrics):
            metrics_item = ReportManifestMetricEntry.from_dict(metrics_item_data)



            metrics.append(metrics_item)


        findings = []
        _findings = d.pop("findings")
        for findings_item_data in (_findings):
            findings_item = ReportManifestFindingEntry.from_dict(findings_item_data)



            findings.append(findings_item)


        method = ReportManifestMethod.from_dict(d.pop("method"))




        schema = cast(Literal['urn:compliance:schema:report:1'] | Unset , d.pop("schema", UNSET))
        if schema != 'urn:compliance:schema:report:1'and not isinstance(schema, Unset):
            raise ValueError(f"schema must match const 'urn:compliance:schema:report:1', got '{schema}'")

        def _parse_report(data: object) -> None | ReportManifestReportRef | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                report_type_0 = ReportManifestReportRef.from_dict(data)



                return report_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReportManifestReportRef | Unset, data)

        report = _parse_report(d.pop("report", UNSET))


        _trend = d.pop("trend", UNSET)
        trend: list[ReportManifestTrendPoint] | Unset = UNSET
        if _trend is not UNSET:
            trend = []
            for trend_item_data in _trend:
                trend_item = ReportManifestTrendPoint.from_dict(trend_item_data)



                trend.append(trend_item)


        def _parse_examples(data: object) -> list[ReportManifestAnswerExample] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                examples_type_0 = []
                _examples_type_0 = data
                for examples_type_0_item_data in (_examples_type_0):
                    examples_type_0_item = ReportManifestAnswerExample.from_dict(examples_type_0_item_data)



                    examples_type_0.append(examples_type_0_item)

                return examples_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ReportManifestAnswerExample] | None | Unset, data)

        examples = _parse_examples(d.pop("examples", UNSET))


        def _parse_regulatory_mapping(data: object) -> list[ReportManifestMappedRegime] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                regulatory_mapping_type_0 = []
                _regulatory_mapping_type_0 = data
                for regulatory_mapping_type_0_item_data in (_regulatory_mapping_type_0):
                    regulatory_mapping_type_0_item = ReportManifestMappedRegime.from_dict(regulatory_mapping_type_0_item_data)



                    regulatory_mapping_type_0.append(regulatory_mapping_type_0_item)

                return regulatory_mapping_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ReportManifestMappedRegime] | None | Unset, data)

        regulatory_mapping = _parse_regulatory_mapping(d.pop("regulatory_mapping", UNSET))


        report_manifest = cls(
            identity=identity,
            summary=summary,
            scope=scope,
            data=data,
            metrics=metrics,
            findings=findings,
            method=method,
            schema=schema,
            report=report,
            trend=trend,
            examples=examples,
            regulatory_mapping=regulatory_mapping,
        )

        return report_manifest

