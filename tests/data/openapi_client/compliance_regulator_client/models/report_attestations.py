from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.attestation_view import AttestationView





T = TypeVar("T", bound="ReportAttestations")



@_attrs_define
class ReportAttestations:
    """ 
        Attributes:
            report_id (str):
            signed_off (bool):
            attestations (list[AttestationView]):
     """

    report_id: str
    signed_off: bool
    attestations: list[AttestationView]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.attestation_view import AttestationView # noqa: PLC0415
        report_id = self.report_id

        signed_off = self.signed_off

        attestations = []
        for attestations_item_data in self.attestations:
            attestations_item = attestations_item_data.to_dict()
            attestations.append(attestations_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "report_id": report_id,
            "signed_off": signed_off,
            "attestations": attestations,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attestation_view import AttestationView # noqa: PLC0415
        d = dict(src_dict)
        report_id = d.pop("report_id")

        signed_off = d.pop("signed_off")

        attestations = []
        _attestations = d.pop("attestations")
        for attestations_item_data in (_attestations):
            attestations_item = AttestationView.from_dict(attestations_item_data)



            attestations.append(attestations_item)


        report_attestations = cls(
            report_id=report_id,
            signed_off=signed_off,
            attestations=attestations,
        )


        report_attestations.additional_properties = d
        return report_attestations

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
