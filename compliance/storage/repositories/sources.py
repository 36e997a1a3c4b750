"""Registered sources of evaluation results (kind + config; no secrets) and their cursors.

A removed source stays in the table with ``removed_at`` set (a soft delete: the runs it
pulled keep naming it); :meth:`SourceRepository.get` and :meth:`SourceRepository.all`
see only the sources not removed, and a new source may take a removed one's name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from compliance.domain.ids import new_uid
from compliance.errors import AlreadyExists
from compliance.storage.tables import Model, ModelVersion, Source

__all__ = ["SourceRepository"]


class SourceRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        name: str,
        version: ModelVersion,
        kind: str,
        config: dict[str, Any],
        *,
        now: dt.datetime,
    ) -> Source:
        source = Source(
            uid=new_uid("src"), name=name, model_version_id=version.id, kind=kind,
            config=config, cursor=None, created_at=now, last_pulled_at=None,
        )  # fmt: skip
        self._session.add(source)
        try:
            with self._session.begin_nested():
                self._session.flush()
        except IntegrityError as exc:
            raise AlreadyExists(f"a source named '{name}' already exists") from exc
        return source

    def get(self, name: str) -> Source | None:
        """The source named ``name`` that is not removed."""
        return self._session.scalars(
            select(Source).where(Source.name == name, Source.removed_at.is_(None))
        ).one_or_none()

    def all(self, *, model: str | None = None) -> list[Source]:
        query = select(Source).where(Source.removed_at.is_(None)).order_by(Source.name)
        if model is not None:
            query = (
                query.join(ModelVersion, ModelVersion.id == Source.model_version_id)
                .join(Model, Model.id == ModelVersion.model_id)
                .where(Model.name == model)
            )
        return list(self._session.scalars(query))

    def version_of(self, source: Source) -> ModelVersion:
        return self._session.get_one(ModelVersion, source.model_version_id)

    def save_cursor(self, source_id: int, cursor: dict[str, Any], *, now: dt.datetime) -> None:
        source = self._session.get_one(Source, source_id)
        source.cursor = cursor
        source.last_pulled_at = now
        self._session.flush()

    def update(
        self,
        source: Source,
        *,
        config: dict[str, Any] | None = None,
        enabled: bool | None = None,
        reset_cursor: bool = False,
    ) -> None:
        """Replace the config, switch the source on or off, forget its cursor; flushed."""
        if config is not None:
            source.config = config
        if enabled is not None:
            source.enabled = enabled
        if reset_cursor:
            source.cursor = None
        self._session.flush()

    def remove(self, source: Source, *, now: dt.datetime) -> None:
        """Soft delete: the row (and the runs' link to it) stays, marked removed."""
        source.removed_at = now
        source.enabled = False
        self._session.flush()
