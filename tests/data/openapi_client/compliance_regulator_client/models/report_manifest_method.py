from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.report_manifest_method_definitions import ReportManifestMethodDefinitions
  from ..models.report_manifest_method_mc_scoring_type_0 import ReportManifestMethodMcScoringType0
  from ..models.report_manifest_method_min_detectable_gaps import ReportManifestMethodMinDetectableGaps





T = TypeVar("T", bound="ReportManifestMethod")



@_attrs_define
class ReportManifestMethod:
    """ 
        Attributes:
            confidence (str):
            bootstrap_resamples (str):
            bootstrap_unit (str):
            seed (str):
            proportion_interval (str):
            tests (list[str]):
            definitions (ReportManifestMethodDefinitions):
            min_detectable_gaps (ReportManifestMethodMinDetectableGaps):
            refusal_classifier (None | str | Unset): the version of the refusal patterns the importers apply (a source may
                add patterns of its own: its configuration says so)
            mc_scoring (None | ReportManifestMethodMcScoringType0 | Unset): benchmark of a live probe -> how its replies
                were read: text (a multiple-choice reply by the letter it names) or logprobs (by the most probable letter as the
                first token)
     """

    confidence: str
    bootstrap_resamples: str
    bootstrap_unit: str
    seed: str
    proportion_interval: str
    tests: list[str]
    definitions: ReportManifestMethodDefinitions
    min_detectable_gaps: ReportManifestMethodMinDetectableGaps
    refusal_classifier: None | str | Unset = UNSET
    mc_scoring: None | ReportManifestMethodMcScoringType0 | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_method_definitions import ReportManifestMethodDefinitions # noqa: PLC0415
        from ..models.report_manifest_method_mc_scoring_type_0 import ReportManifestMethodMcScoringType0 # noqa: PLC0415
        from ..models.report_manifest_method_min_detectable_gaps import ReportManifestMethodMinDetectableGaps # noqa: PLC0415
        confidence = self.confidence

        bootstrap_resamples = self.bootstrap_resamples

        bootstrap_unit = self.bootstrap_unit

        seed = self.seed

        proportion_interval = self.proportion_interval

        tests = self.tests



        definitions = self.definitions.to_dict()

        min_detectable_gaps = self.min_detectable_gaps.to_dict()

        refusal_classifier: None | str | Unset
        if isinstance(self.refusal_classifier, Unset):
            refusal_classifier = UNSET
        else:
            refusal_classifier = self.refusal_classifier

        mc_scoring: dict[str, Any] | None | Unset
        if isinstance(self.mc_scoring, Unset):
            mc_scoring = UNSET
        elif isinstance(self.mc_scoring, ReportManifestMethodMcScoringType0):
            mc_scoring = self.mc_scoring.to_dict()
        else:
            mc_scoring = self.mc_scoring


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "confidence": confidence,
            "bootstrap_resamples": bootstrap_resamples,
            "bootstrap_unit": bootstrap_unit,
            "seed": seed,
            "proportion_interval": proportion_interval,
            "tests": tests,
            "definitions": definitions,
            "min_detectable_gaps": min_detectable_gaps,
        })
        if refusal_classifier is not UNSET:
            field_dict["refusal_classifier"] = refusal_classifier
        if mc_scoring is not UNSET:
            field_dict["mc_scoring"] = mc_scoring

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_method_definitions import ReportManifestMethodDefinitions # noqa: PLC0415
        from ..models.report_manifest_method_mc_scoring_type_0 import ReportManifestMethodMcScoringType0 # noqa: PLC0415
        from ..models.report_manifest_method_min_detectable_gaps import ReportManifestMethodMinDetectableGaps # noqa: PLC0415
        d = dict(src_dict)
        confidence = d.pop("confidence")

        bootstrap_resamples = d.pop("bootstrap_resamples")

        bootstrap_unit = d.pop("bootstrap_unit")

        seed = d.pop("seed")

        proportion_interval = d.pop("proportion_interval")

        tests = cast(list[str], d.pop("tests"))


        definitions = ReportManifestMethodDefinitions.from_dict(d.pop("definitions"))




        min_detectable_gaps = ReportManifestMethodMinDetectableGaps.from_dict(d.pop("min_detectable_gaps"))




        def _parse_refusal_classifier(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refusal_classifier = _parse_refusal_classifier(d.pop("refusal_classifier", UNSET))


        def _parse_mc_scoring(data: object) -> None | ReportManifestMethodMcScoringType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                mc_scoring_type_0 = ReportManifestMethodMcScoringType0.from_dict(data)



                return mc_scoring_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReportManifestMethodMcScoringType0 | Unset, data)

        mc_scoring = _parse_mc_scoring(d.pop("mc_scoring", UNSET))


        report_manifest_method = cls(
            confidence=confidence,
            bootstrap_resamples=bootstrap_resamples,
            bootstrap_unit=bootstrap_unit,
            seed=seed,
            proportion_interval=proportion_interval,
            tests=tests,
            definitions=definitions,
            min_detectable_gaps=min_detectable_gaps,
            refusal_classifier=refusal_classifier,
            mc_scoring=mc_scoring,
        )

        return report_manifest_method

