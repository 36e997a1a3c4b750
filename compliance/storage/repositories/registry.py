"""Models and their versions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from compliance.domain.ids import new_uid
from compliance.errors import AlreadyExists
from compliance.storage.tables import Model, ModelVersion

__all__ = ["ModelRepository"]


class ModelRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str) -> Model | None:
        return self._session.scalars(
            select(Model).where(Model.name == name).options(selectinload(Model.versions))
        ).one_or_none()

    def list(self) -> list[Model]:
        return list(
            self._session.scalars(
                select(Model).order_by(Model.name).options(selectinload(Model.versions))
            )
        )

    def add(
        self,
        name: str,
        *,
        owner: str | None,
        intended_use: str | None,
        risk_tier: str | None,
        now: dt.datetime,
    ) -> Model:
        model = Model(
            uid=new_uid("mdl"),
            name=name,
            owner=owner,
            intended_use=intended_use,
            risk_tier=risk_tier,
            created_at=now,
        )
        self._session.add(model)
        self._flush_or_exists(f"model '{name}' already exists")
        return model

    def get_version(self, name: str, version: str) -> ModelVersion | None:
        return self._session.scalars(
            select(ModelVersion)
            .join(Model)
            .where(Model.name == name, ModelVersion.version == version)
        ).one_or_none()

    def get_version_by_id(self, version_id: int) -> ModelVersion:
        return self._session.get_one(ModelVersion, version_id)

    def add_version(self, model: Model, version: str, *, now: dt.datetime) -> ModelVersion:
        row = ModelVersion(uid=new_uid("ver"), model=model, version=version, created_at=now)
        self._session.add(row)
        self._flush_or_exists(f"model '{model.name}' already has version '{version}'")
        return row

    def _flush_or_exists(self, message: str) -> None:
        """Flush; a unique violation (a concurrent registration) becomes ``AlreadyExists``."""
        try:
            self._session.flush()
        except IntegrityError as exc:
            raise AlreadyExists(message) from exc
