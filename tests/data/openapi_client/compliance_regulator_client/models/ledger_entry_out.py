from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.ledger_entry_out_extra_signatures_type_0 import LedgerEntryOutExtraSignaturesType0





T = TypeVar("T", bound="LedgerEntryOut")



@_attrs_define
class LedgerEntryOut:
    """ 
        Attributes:
            seq (int):
            kind (str):
            report_id (None | str):
            payload (str):
            payload_encoding (str):
            prev_hash (str):
            entry_hash (str):
            key_id (str):
            signature (str):
            extra_signatures (LedgerEntryOutExtraSignaturesType0 | None):
            created_at (str):
     """

    seq: int
    kind: str
    report_id: None | str
    payload: str
    payload_encoding: str
    prev_hash: str
    entry_hash: str
    key_id: str
    signature: str
    extra_signatures: LedgerEntryOutExtraSignaturesType0 | None
    created_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.ledger_entry_out_extra_signatures_type_0 import LedgerEntryOutExtraSignaturesType0 # noqa: PLC0415
        seq = self.seq

        kind = self.kind

        report_id: None | str
        report_id = self.report_id

        payload = self.payload

        payload_encoding = self.payload_encoding

        prev_hash = self.prev_hash

        entry_hash = self.entry_hash

        key_id = self.key_id

        signature = self.signature

        extra_signatures: dict[str, Any] | None
        if isinstance(self.extra_signatures, LedgerEntryOutExtraSignaturesType0):
            extra_signatures = self.extra_signatures.to_dict()
        else:
            extra_signatures = self.extra_signatures

        created_at = self.created_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "seq": seq,
            "kind": kind,
            "report_id": report_id,
            "payload": payload,
            "payload_encoding": payload_encoding,
            "prev_hash": prev_hash,
            "entry_hash": entry_hash,
            "key_id": key_id,
            "signature": signature,
            "extra_signatures": extra_signatures,
            "created_at": created_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ledger_entry_out_extra_signatures_type_0 import LedgerEntryOutExtraSignaturesType0 # noqa: PLC0415
        d = dict(src_dict)
        seq = d.pop("seq")

        kind = d.pop("kind")

        def _parse_report_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        report_id = _parse_report_id(d.pop("report_id"))


        payload = d.pop("payload")

        payload_encoding = d.pop("payload_encoding")

        prev_hash = d.pop("prev_hash")

        entry_hash = d.pop("entry_hash")

        key_id = d.pop("key_id")

        signature = d.pop("signature")

        def _parse_extra_signatures(data: object) -> LedgerEntryOutExtraSignaturesType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                extra_signatures_type_0 = LedgerEntryOutExtraSignaturesType0.from_dict(data)



                return extra_signatures_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LedgerEntryOutExtraSignaturesType0 | None, data)

        extra_signatures = _parse_extra_signatures(d.pop("extra_signatures"))


        created_at = d.pop("created_at")

        ledger_entry_out = cls(
            seq=seq,
            kind=kind,
            report_id=report_id,
            payload=payload,
            payload_encoding=payload_encoding,
            prev_hash=prev_hash,
            entry_hash=entry_hash,
            key_id=key_id,
            signature=signature,
            extra_signatures=extra_signatures,
            created_at=created_at,
        )


        ledger_entry_out.additional_properties = d
        return ledger_entry_out

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
