from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.report_manifest_mapped_clause import ReportManifestMappedClause





T = TypeVar("T", bound="ReportManifestMappedRegime")



@_attrs_define
class ReportManifestMappedRegime:
    """ One regime of the policy, mapped (see :mod:`compliance.domain.regimes`).

        Attributes:
            regime (str):
            name (str):
            catalogue_version (str):
            status (str):
            superseded_by (None | str):
            applicable (list[str]): application dates passed on the issue date
            not_yet_applicable (list[str]):
            clauses (list[ReportManifestMappedClause]):
            not_covered (list[str]):
     """

    regime: str
    name: str
    catalogue_version: str
    status: str
    superseded_by: None | str
    applicable: list[str]
    not_yet_applicable: list[str]
    clauses: list[ReportManifestMappedClause]
    not_covered: list[str]





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_manifest_mapped_clause import ReportManifestMappedClause # noqa: PLC0415
        regime = self.regime

        name = self.name

        catalogue_version = self.catalogue_version

        status = self.status

        superseded_by: None | str
        superseded_by = self.superseded_by

        applicable = self.applicable



        not_yet_applicable = self.not_yet_applicable



        clauses = []
        for clauses_item_data in self.clauses:
            clauses_item = clauses_item_data.to_dict()
            clauses.append(clauses_item)



        not_covered = self.not_covered




        field_dict: dict[str, Any] = {}

        field_dict.update({
            "regime": regime,
            "name": name,
            "catalogue_version": catalogue_version,
            "status": status,
            "superseded_by": superseded_by,
            "applicable": applicable,
            "not_yet_applicable": not_yet_applicable,
            "clauses": clauses,
            "not_covered": not_covered,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_manifest_mapped_clause import ReportManifestMappedClause # noqa: PLC0415
        d = dict(src_dict)
        regime = d.pop("regime")

        name = d.pop("name")

        catalogue_version = d.pop("catalogue_version")

        status = d.pop("status")

        def _parse_superseded_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        superseded_by = _parse_superseded_by(d.pop("superseded_by"))


        applicable = cast(list[str], d.pop("applicable"))


        not_yet_applicable = cast(list[str], d.pop("not_yet_applicable"))


        clauses = []
        _clauses = d.pop("clauses")
        for clauses_item_data in (_clauses):
            clauses_item = ReportManifestMappedClause.from_dict(clauses_item_data)



            clauses.append(clauses_item)


        not_covered = cast(list[str], d.pop("not_covered"))


        report_manifest_mapped_regime = cls(
            regime=regime,
            name=name,
            catalogue_version=catalogue_version,
            status=status,
            superseded_by=superseded_by,
            applicable=applicable,
            not_yet_applicable=not_yet_applicable,
            clauses=clauses,
            not_covered=not_covered,
        )

        return report_manifest_mapped_regime

