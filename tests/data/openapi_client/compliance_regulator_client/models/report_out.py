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





T = TypeVar("T", bound="ReportOut")



@_attrs_define
class ReportOut:
    """ 
        Attributes:
            id (str):
            model (ModelRef):
            model_version (VersionRef):
            policy (PolicyRef):
            version (int):
            supersedes (None | str):
            verdict (str):
            issued_at (str):
            manifest_sha256 (str):
            audit_id (str):
     """

    id: str
    model: ModelRef
    model_version: VersionRef
    policy: PolicyRef
    version: int
    supersedes: None | str
    verdict: str
    issued_at: str
    manifest_sha256: str
    audit_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.model_ref import ModelRef # noqa: PLC0415
        from ..models.policy_ref import PolicyRef # noqa: PLC0415
        from ..models.version_ref import VersionRef # noqa: PLC0415
        id = self.id

        model = self.model.to_dict()

        model_version = self.model_version.to_dict()

        policy = self.policy.to_dict()

        version = self.version

        supersedes: None | str
        supersedes = self.supersedes

        verdict = self.verdict

        issued_at = self.issued_at

        manifest_sha256 = self.manifest_sha256

        audit_id = self.audit_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "model": model,
            "model_version": model_version,
            "policy": policy,
            "version": version,
            "supersedes": supersedes,
            "verdict": verdict,
            "issued_at": issued_at,
            "manifest_sha256": manifest_sha256,
            "audit_id": audit_id,
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




        version = d.pop("version")

        def _parse_supersedes(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        supersedes = _parse_supersedes(d.pop("supersedes"))


        verdict = d.pop("verdict")

        issued_at = d.pop("issued_at")

        manifest_sha256 = d.pop("manifest_sha256")

        audit_id = d.pop("audit_id")

        report_out = cls(
            id=id,
            model=model,
            model_version=model_version,
            policy=policy,
            version=version,
            supersedes=supersedes,
            verdict=verdict,
            issued_at=issued_at,
            manifest_sha256=manifest_sha256,
            audit_id=audit_id,
        )


        report_out.additional_properties = d
        return report_out

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
