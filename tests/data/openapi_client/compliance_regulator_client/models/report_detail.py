from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.artifact_out import ArtifactOut
  from ..models.attestation_view import AttestationView
  from ..models.finding_out import FindingOut
  from ..models.model_ref import ModelRef
  from ..models.policy_ref import PolicyRef
  from ..models.version_ref import VersionRef





T = TypeVar("T", bound="ReportDetail")



@_attrs_define
class ReportDetail:
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
            artifacts (list[ArtifactOut]):
            findings (list[FindingOut]):
            ledger_seq (int | None):
            ledger_entry_hash (None | str):
            signed_off (bool):
            attestations (list[AttestationView]):
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
    artifacts: list[ArtifactOut]
    findings: list[FindingOut]
    ledger_seq: int | None
    ledger_entry_hash: None | str
    signed_off: bool
    attestations: list[AttestationView]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.artifact_out import ArtifactOut # noqa: PLC0415
        from ..models.attestation_view import AttestationView # noqa: PLC0415
        from ..models.finding_out import FindingOut # noqa: PLC0415
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

        artifacts = []
        for artifacts_item_data in self.artifacts:
            artifacts_item = artifacts_item_data.to_dict()
            artifacts.append(artifacts_item)



        findings = []
        for findings_item_data in self.findings:
            findings_item = findings_item_data.to_dict()
            findings.append(findings_item)



        ledger_seq: int | None
        ledger_seq = self.ledger_seq

        ledger_entry_hash: None | str
        ledger_entry_hash = self.ledger_entry_hash

        signed_off = self.signed_off

        attestations = []
        for attestations_item_data in self.attestations:
            attestations_item = attestations_item_data.to_dict()
            attestations.append(attestations_item)




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
            "artifacts": artifacts,
            "findings": findings,
            "ledger_seq": ledger_seq,
            "ledger_entry_hash": ledger_entry_hash,
            "signed_off": signed_off,
            "attestations": attestations,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.artifact_out import ArtifactOut # noqa: PLC0415
        from ..models.attestation_view import AttestationView # noqa: PLC0415
        from ..models.finding_out import FindingOut # noqa: PLC0415
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

        artifacts = []
        _artifacts = d.pop("artifacts")
        for artifacts_item_data in (_artifacts):
            artifacts_item = ArtifactOut.from_dict(artifacts_item_data)



            artifacts.append(artifacts_item)


        findings = []
        _findings = d.pop("findings")
        for findings_item_data in (_findings):
            findings_item = FindingOut.from_dict(findings_item_data)



            findings.append(findings_item)


        def _parse_ledger_seq(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        ledger_seq = _parse_ledger_seq(d.pop("ledger_seq"))


        def _parse_ledger_entry_hash(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ledger_entry_hash = _parse_ledger_entry_hash(d.pop("ledger_entry_hash"))


        signed_off = d.pop("signed_off")

        attestations = []
        _attestations = d.pop("attestations")
        for attestations_item_data in (_attestations):
            attestations_item = AttestationView.from_dict(attestations_item_data)



            attestations.append(attestations_item)


        report_detail = cls(
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
            artifacts=artifacts,
            findings=findings,
            ledger_seq=ledger_seq,
            ledger_entry_hash=ledger_entry_hash,
            signed_off=signed_off,
            attestations=attestations,
        )


        report_detail.additional_properties = d
        return report_detail

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
