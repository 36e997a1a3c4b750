from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.report_manifest_model_ref import ReportManifestModelRef
  from ..models.report_manifest_policy_ref import ReportManifestPolicyRef
  from ..models.report_manifest_run_ref import ReportManifestRunRef





T = TypeVar("T", bound="ReportManifestIdentity")



@_attrs_define
class ReportManifestIdentity:
    """ 
        Attributes:
            audit_id (str):
            audit_key (str):
            trigger (str):
            slot (None | str):
            audited_at (str):
            period_start (str):
            period_end (str):
            model (ReportManifestModelRef):
            policy (ReportManifestPolicyRef):
            code_version (str):
            runs (list[ReportManifestRunRef]):
            input_sha256 (str): sha256 over the runs' content hashes and the policy
     """

    audit_id: str
    audit_key: str
    trigger: str
    slot: None | str
    audited_at: str
    period_start: str
    period_end: str
    model: ReportManifestModelRef
    policy: ReportManifestPolicyRef
    code_version: str
    runs: list[ReportManifestRunRef]
    input_sha256: str





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_model_ref import ReportManifestModelRef # noqa: PLC0415
        from ..models.report_manifest_policy_ref import ReportManifestPolicyRef # noqa: PLC0415
        from ..models.report_manifest_run_ref import ReportManifestRunRef # noqa: PLC0415
        audit_id = self.audit_id

        audit_key = self.audit_key

        trigger = self.trigger

        slot: None | str
        slot = self.slot

        audited_at = self.audited_at

        period_start = self.period_start

        period_end = self.period_end

        model = self.model.to_dict()

        policy = self.policy.to_dict()

        code_version = self.code_version

        runs = []
        for runs_item_data in self.runs:
            runs_item = runs_item_data.to_dict()
            runs.append(runs_item)



        input_sha256 = self.input_sha256


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "audit_id": audit_id,
            "audit_key": audit_key,
            "trigger": trigger,
            "slot": slot,
            "audited_at": audited_at,
            "period_start": period_start,
            "period_end": period_end,
            "model": model,
            "policy": policy,
            "code_version": code_version,
            "runs": runs,
            "input_sha256": input_sha256,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_model_ref import ReportManifestModelRef # noqa: PLC0415
        from ..models.report_manifest_policy_ref import ReportManifestPolicyRef # noqa: PLC0415
        from ..models.report_manifest_run_ref import ReportManifestRunRef # noqa: PLC0415
        d = dict(src_dict)
        audit_id = d.pop("audit_id")

        audit_key = d.pop("audit_key")

        trigger = d.pop("trigger")

        def _parse_slot(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        slot = _parse_slot(d.pop("slot"))


        audited_at = d.pop("audited_at")

        period_start = d.pop("period_start")

        period_end = d.pop("period_end")

        model = ReportManifestModelRef.from_dict(d.pop("model"))




        policy = ReportManifestPolicyRef.from_dict(d.pop("policy"))




        code_version = d.pop("code_version")

        runs = []
        _runs = d.pop("runs")
        for runs_item_data in (_runs):
            runs_item = ReportManifestRunRef.from_dict(runs_item_data)



            runs.append(runs_item)


        input_sha256 = d.pop("input_sha256")

        report_manifest_identity = cls(
            audit_id=audit_id,
            audit_key=audit_key,
            trigger=trigger,
            slot=slot,
            audited_at=audited_at,
            period_start=period_start,
            period_end=period_end,
            model=model,
            policy=policy,
            code_version=code_version,
            runs=runs,
            input_sha256=input_sha256,
        )

        return report_manifest_identity

