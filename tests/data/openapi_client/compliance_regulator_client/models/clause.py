from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="Clause")



@_attrs_define
class Clause:
    """ 
        Attributes:
            id (str):
            citation (str):
            title (str):
            evidence (list[str]): metric ids (shell patterns) that evidence it
            gap (None | str | Unset):
     """

    id: str
    citation: str
    title: str
    evidence: list[str]
    gap: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        citation = self.citation

        title = self.title

        evidence = self.evidence



        gap: None | str | Unset
        if isinstance(self.gap, Unset):
            gap = UNSET
        else:
            gap = self.gap


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "id": id,
            "citation": citation,
            "title": title,
            "evidence": evidence,
        })
        if gap is not UNSET:
            field_dict["gap"] = gap

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        citation = d.pop("citation")

        title = d.pop("title")

        evidence = cast(list[str], d.pop("evidence"))


        def _parse_gap(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gap = _parse_gap(d.pop("gap", UNSET))


        clause = cls(
            id=id,
            citation=citation,
            title=title,
            evidence=evidence,
            gap=gap,
        )

        return clause

