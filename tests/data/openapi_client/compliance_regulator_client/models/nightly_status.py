from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.nightly_status_slots_last_24h import NightlyStatusSlotsLast24H
  from ..models.overdue_job import OverdueJob





T = TypeVar("T", bound="NightlyStatus")



@_attrs_define
class NightlyStatus:
    """ The scheduler's last finished slot and the slots that should have run but did not.

        Attributes:
            last_run_at (None | str):
            last_job_id (None | str):
            last_slot (None | str):
            last_status (None | str):
            overdue (bool):
            overdue_jobs (list[OverdueJob]):
            slots_last_24h (NightlyStatusSlotsLast24H):
            checked_at (str):
            mode (None | str | Unset):
            active_scheduler (None | str | Unset):
     """

    last_run_at: None | str
    last_job_id: None | str
    last_slot: None | str
    last_status: None | str
    overdue: bool
    overdue_jobs: list[OverdueJob]
    slots_last_24h: NightlyStatusSlotsLast24H
    checked_at: str
    mode: None | str | Unset = UNSET
    active_scheduler: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.nightly_status_slots_last_24h import NightlyStatusSlotsLast24H # noqa: PLC0415
        from ..models.overdue_job import OverdueJob # noqa: PLC0415
        last_run_at: None | str
        last_run_at = self.last_run_at

        last_job_id: None | str
        last_job_id = self.last_job_id

        last_slot: None | str
        last_slot = self.last_slot

        last_status: None | str
        last_status = self.last_status

        overdue = self.overdue

        overdue_jobs = []
        for overdue_jobs_item_data in self.overdue_jobs:
            overdue_jobs_item = overdue_jobs_item_data.to_dict()
            overdue_jobs.append(overdue_jobs_item)



        slots_last_24h = self.slots_last_24h.to_dict()

        checked_at = self.checked_at

        mode: None | str | Unset
        if isinstance(self.mode, Unset):
            mode = UNSET
        else:
            mode = self.mode

        active_scheduler: None | str | Unset
        if isinstance(self.active_scheduler, Unset):
            active_scheduler = UNSET
        else:
            active_scheduler = self.active_scheduler


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "last_run_at": last_run_at,
            "last_job_id": last_job_id,
            "last_slot": last_slot,
            "last_status": last_status,
            "overdue": overdue,
            "overdue_jobs": overdue_jobs,
            "slots_last_24h": slots_last_24h,
            "checked_at": checked_at,
        })
        if mode is not UNSET:
            field_dict["mode"] = mode
        if active_scheduler is not UNSET:
            field_dict["active_scheduler"] = active_scheduler

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.nightly_status_slots_last_24h import NightlyStatusSlotsLast24H # noqa: PLC0415
        from ..models.overdue_job import OverdueJob # noqa: PLC0415
        d = dict(src_dict)
        def _parse_last_run_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_run_at = _parse_last_run_at(d.pop("last_run_at"))


        def _parse_last_job_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_job_id = _parse_last_job_id(d.pop("last_job_id"))


        def _parse_last_slot(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_slot = _parse_last_slot(d.pop("last_slot"))


        def _parse_last_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_status = _parse_last_status(d.pop("last_status"))


        overdue = d.pop("overdue")

        overdue_jobs = []
        _overdue_jobs = d.pop("overdue_jobs")
        for overdue_jobs_item_data in (_overdue_jobs):
            overdue_jobs_item = OverdueJob.from_dict(overdue_jobs_item_data)



            overdue_jobs.append(overdue_jobs_item)


        slots_last_24h = NightlyStatusSlotsLast24H.from_dict(d.pop("slots_last_24h"))




        checked_at = d.pop("checked_at")

        def _parse_mode(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mode = _parse_mode(d.pop("mode", UNSET))


        def _parse_active_scheduler(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        active_scheduler = _parse_active_scheduler(d.pop("active_scheduler", UNSET))


        nightly_status = cls(
            last_run_at=last_run_at,
            last_job_id=last_job_id,
            last_slot=last_slot,
            last_status=last_status,
            overdue=overdue,
            overdue_jobs=overdue_jobs,
            slots_last_24h=slots_last_24h,
            checked_at=checked_at,
            mode=mode,
            active_scheduler=active_scheduler,
        )


        nightly_status.additional_properties = d
        return nightly_status

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
