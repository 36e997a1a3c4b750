from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="AttestationView")



@_attrs_define
class AttestationView:
    """ 
        Attributes:
            id (str):
            ledger_seq (int):
            entry_hash (str):
            officer_id (str):
            officer_name (str):
            officer_role (str):
            officer_key_id (str):
            statement (str):
            justification (None | str):
            note (None | str):
            withdraws (None | str):
            time (str):
            recorded_at (str):
            verified (bool):
            problems (list[str]):
     """

    id: str
    ledger_seq: int
    entry_hash: str
    officer_id: str
    officer_name: str
    officer_role: str
    officer_key_id: str
    statement: str
    justification: None | str
    note: None | str
    withdraws: None | str
    time: str
    recorded_at: str
    verified: bool
    problems: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        ledger_seq = self.ledger_seq

        entry_hash = self.entry_hash

        officer_id = self.officer_id

        officer_name = self.officer_name

        officer_role = self.officer_role

        officer_key_id = self.officer_key_id

        statement = self.statement

        justification: None | str
        justification = self.justification

        note: None | str
        note = self.note

        withdraws: None | str
        withdraws = self.withdraws

        time = self.time

        recorded_at = self.recorded_at

        verified = self.verified

        problems = self.problems




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "ledger_seq": ledger_seq,
            "entry_hash": entry_hash,
            "officer_id": officer_id,
            "officer_name": officer_name,
            "officer_role": officer_role,
            "officer_key_id": officer_key_id,
            "statement": statement,
            "justification": justification,
            "note": note,
            "withdraws": withdraws,
            "time": time,
            "recorded_at": recorded_at,
            "verified": verified,
            "problems": problems,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        ledger_seq = d.pop("ledger_seq")

        entry_hash = d.pop("entry_hash")

        officer_id = d.pop("officer_id")

        officer_name = d.pop("officer_name")

        officer_role = d.pop("officer_role")

        officer_key_id = d.pop("officer_key_id")

        statement = d.pop("statement")

        def _parse_justification(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        justification = _parse_justification(d.pop("justification"))


        def _parse_note(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        note = _parse_note(d.pop("note"))


        def _parse_withdraws(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        withdraws = _parse_withdraws(d.pop("withdraws"))


        time = d.pop("time")

        recorded_at = d.pop("recorded_at")

        verified = d.pop("verified")

        problems = cast(list[str], d.pop("problems"))


        attestation_view = cls(
            id=id,
            ledger_seq=ledger_seq,
            entry_hash=entry_hash,
            officer_id=officer_id,
            officer_name=officer_name,
            officer_role=officer_role,
            officer_key_id=officer_key_id,
            statement=statement,
            justification=justification,
            note=note,
            withdraws=withdraws,
            time=time,
            recorded_at=recorded_at,
            verified=verified,
            problems=problems,
        )


        attestation_view.additional_properties = d
        return attestation_view

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
