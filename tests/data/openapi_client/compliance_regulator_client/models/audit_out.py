from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.model_ref import ModelRef
  from ..models.policy_ref import PolicyRef
  from ..models.version_ref import VersionRef





T = TypeVar("T", bound="AuditOut")



@_attrs_define
class AuditOut:
    """ 
        Attributes:
            id (str):
            model (ModelRef):
            model_version (VersionRef):
            policy (PolicyRef):
            trigger (str):
            slot (None | str):
            status (str):
            verdict (None | str):
            started_at (str):
            finished_at (None | str):
            manifest_sha256 (None | str):
            report_id (None | str):
     """

    id: str
    model: ModelRef
    model_version: VersionRef
    policy: PolicyRef
    trigger: str
    slot: None | str
    status: str
    verdict: None | str
    started_at: str
    finished_at: None | str
    manifest_sha256: None | str
    report_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.model_ref import ModelRef # noqa: PLC0415
        from ..models.policy_ref import PolicyRef # noqa: PLC0415
        from ..models.version_ref import VersionRef # noqa: PLC0415
        id = self.id

        model = self.model.to_dict()

        model_version = self.model_version.to_dict()

        policy = self.policy.to_dict()

        trigger = self.trigger

        slot: None | str
        slot = self.slot

        status = self.status

        verdict: None | str
        verdict = self.verdict

        started_at = self.started_at

        finished_at: None | str
        finished_at = self.finished_at

        manifest_sha256: None | str
        manifest_sha256 = self.manifest_sha256

        report_id: None | str
        report_id = self.report_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "model": model,
            "model_version": model_version,
            "policy": policy,
            "trigger": trigger,
            "slot": slot,
            "status": status,
            "verdict": verdict,
            "started_at": started_at,
            "finished_at": finished_at,
            "manifest_sha256": manifest_sha256,
            "report_id": report_id,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_ref import ModelRef # noqa: PLC0415
        from ..models.policy_ref import PolicyRef # noqa: PLC0415
        from ..models.version_ref import VersionRef # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        model = ModelRef.from_dict(d.pop("model"))




        model_version = VersionRef.from_dict(d.pop("model_version"))




        policy = PolicyRef.from_dict(d.pop("policy"))




        trigger = d.pop("trigger")

        def _parse_slot(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        slot = _parse_slot(d.pop("slot"))


        status = d.pop("status")

        def _parse_verdict(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        verdict = _parse_verdict(d.pop("verdict"))


        started_at = d.pop("started_at")

        def _parse_finished_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))


        def _parse_manifest_sha256(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        manifest_sha256 = _parse_manifest_sha256(d.pop("manifest_sha256"))


        def _parse_report_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        report_id = _parse_report_id(d.pop("report_id"))


        audit_out = cls(
            id=id,
            model=model,
            model_version=model_version,
            policy=policy,
            trigger=trigger,
            slot=slot,
            status=status,
            verdict=verdict,
            started_at=started_at,
            finished_at=finished_at,
            manifest_sha256=manifest_sha256,
            report_id=report_id,
        )


        audit_out.additional_properties = d
        return audit_out

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
