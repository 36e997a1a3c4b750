from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.nightly_status import NightlyStatus
  from ..models.readiness_checks import ReadinessChecks





T = TypeVar("T", bound="Readiness")



@_attrs_define
class Readiness:
    """ 
        Attributes:
            status (str):
            checks (ReadinessChecks):
            nightly (NightlyStatus | None | Unset):
     """

    status: str
    checks: ReadinessChecks
    nightly: NightlyStatus | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.nightly_status import NightlyStatus # noqa: PLC0415
        from ..models.readiness_checks import ReadinessChecks # noqa: PLC0415
        status = self.status

        checks = self.checks.to_dict()

        nightly: dict[str, Any] | None | Unset
        if isinstance(self.nightly, Unset):
            nightly = UNSET
        elif isinstance(self.nightly, NightlyStatus):
            nightly = self.nightly.to_dict()
        else:
            nightly = self.nightly


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "status": status,
            "checks": checks,
        })
        if nightly is not UNSET:
            field_dict["nightly"] = nightly

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.nightly_status import NightlyStatus # noqa: PLC0415
        from ..models.readiness_checks import ReadinessChecks # noqa: PLC0415
        d = dict(src_dict)
        status = d.pop("status")

        checks = ReadinessChecks.from_dict(d.pop("checks"))




        def _parse_nightly(data: object) -> NightlyStatus | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                nightly_type_0 = NightlyStatus.from_dict(data)



                return nightly_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NightlyStatus | None | Unset, data)

        nightly = _parse_nightly(d.pop("nightly", UNSET))


        readiness = cls(
            status=status,
            checks=checks,
            nightly=nightly,
        )


        readiness.additional_properties = d
        return readiness

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
