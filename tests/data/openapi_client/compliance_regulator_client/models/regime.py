from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.regime_status import RegimeStatus
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.applies import Applies
  from ..models.clause import Clause
  from ..models.source import Source





T = TypeVar("T", bound="Regime")



@_attrs_define
class Regime:
    """ 
        Attributes:
            id (str):
            name (str):
            catalogue_version (str):
            status (RegimeStatus):
            sources (list[Source]):
            applies (list[Applies]):
            clauses (list[Clause]):
            superseded_by (None | str | Unset):
            not_covered (None | str | Unset):
     """

    id: str
    name: str
    catalogue_version: str
    status: RegimeStatus
    sources: list[Source]
    applies: list[Applies]
    clauses: list[Clause]
    superseded_by: None | str | Unset = UNSET
    not_covered: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.applies import Applies # noqa: PLC0415
        from ..models.clause import Clause # noqa: PLC0415
        from ..models.source import Source # noqa: PLC0415
        id = self.id

        name = self.name

        catalogue_version = self.catalogue_version

        status = self.status.value

        sources = []
        for sources_item_data in self.sources:
            sources_item = sources_item_data.to_dict()
            sources.append(sources_item)



        applies = []
        for applies_item_data in self.applies:
            applies_item = applies_item_data.to_dict()
            applies.append(applies_item)



        clauses = []
        for clauses_item_data in self.clauses:
            clauses_item = clauses_item_data.to_dict()
            clauses.append(clauses_item)



        superseded_by: None | str | Unset
        if isinstance(self.superseded_by, Unset):
            superseded_by = UNSET
        else:
            superseded_by = self.superseded_by

        not_covered: None | str | Unset
        if isinstance(self.not_covered, Unset):
            not_covered = UNSET
        else:
            not_covered = self.not_covered


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "id": id,
            "name": name,
            "catalogue_version": catalogue_version,
            "status": status,
            "sources": sources,
            "applies": applies,
            "clauses": clauses,
        })
        if superseded_by is not UNSET:
            field_dict["superseded_by"] = superseded_by
        if not_covered is not UNSET:
            field_dict["not_covered"] = not_covered

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.applies import Applies # noqa: PLC0415
        from ..models.clause import Clause # noqa: PLC0415
        from ..models.source import Source # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        catalogue_version = d.pop("catalogue_version")

        status = RegimeStatus(d.pop("status"))




        sources = []
        _sources = d.pop("sources")
        for sources_item_data in (_sources):
            sources_item = Source.from_dict(sources_item_data)



            sources.append(sources_item)


        applies = []
        _applies = d.pop("applies")
        for applies_item_data in (_applies):
            applies_item = Applies.from_dict(applies_item_data)



            applies.append(applies_item)


        clauses = []
        _clauses = d.pop("clauses")
        for clauses_item_data in (_clauses):
            clauses_item = Clause.from_dict(clauses_item_data)



            clauses.append(clauses_item)


        def _parse_superseded_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        superseded_by = _parse_superseded_by(d.pop("superseded_by", UNSET))


        def _parse_not_covered(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        not_covered = _parse_not_covered(d.pop("not_covered", UNSET))


        regime = cls(
            id=id,
            name=name,
            catalogue_version=catalogue_version,
            status=status,
            sources=sources,
            applies=applies,
            clauses=clauses,
            superseded_by=superseded_by,
            not_covered=not_covered,
        )

        return regime

