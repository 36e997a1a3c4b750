"""Registering models and their versions, and reading the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from compliance.clock import Clock, isoformat_z
from compliance.errors import InputError, NotFound
from compliance.storage.tables import Model, ModelVersion
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "ModelView",
    "VersionView",
    "list_models",
    "register_model_version",
    "require_version",
    "show_model",
]


@dataclass(frozen=True)
class VersionView:
    id: str
    version: str
    registered_at: str
    run_count: int = 0


@dataclass(frozen=True)
class ModelView:
    id: str
    name: str
    owner: str | None
    intended_use: str | None
    risk_tier: str | None
    registered_at: str
    versions: tuple[VersionView, ...]


def register_model_version(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    name: str,
    version: str,
    *,
    owner: str | None = None,
    intended_use: str | None = None,
    risk_tier: str | None = None,
) -> ModelView:
    """Add ``version`` to model ``name``, creating the model on its first version.

    Registering a version that exists is :class:`~compliance.errors.AlreadyExists`; the
    model's descriptive fields are set when it is created and kept afterwards.
    """
    name, version = _checked_name("NAME", name), _checked_name("version", version)
    now = clock()
    with uow_factory(write=True) as uow:
        model = uow.models.get(name)
        if model is None:
            model = uow.models.add(
                name, owner=owner, intended_use=intended_use, risk_tier=risk_tier, now=now
            )
        uow.models.add_version(model, version, now=now)
        view = _model_view(uow, model)
        uow.commit()
    return view


def list_models(uow_factory: UnitOfWorkFactory) -> list[ModelView]:
    with uow_factory() as uow:
        return [_model_view(uow, model) for model in uow.models.list()]


def show_model(uow_factory: UnitOfWorkFactory, name: str) -> ModelView:
    with uow_factory() as uow:
        model = uow.models.get(name)
        if model is None:
            raise _unknown_model(uow, name)
        return _model_view(uow, model)


def require_version(uow: UnitOfWork, name: str, version: str) -> ModelVersion:
    """The registered ``version`` of model ``name``, or a :class:`NotFound` that says how to
    register it."""
    found = uow.models.get_version(name, version)
    if found is not None:
        return found
    model = uow.models.get(name)
    if model is None:
        raise _unknown_model(uow, name)
    known = ", ".join(v.version for v in model.versions) or "none"
    raise NotFound(
        f"model '{name}' has no version '{version}' (registered: {known})",
        hint=f"register it: compliance models register {name} --version {version}",
    )


def _unknown_model(uow: UnitOfWork, name: str) -> NotFound:
    names = [model.name for model in uow.models.list()]
    known = ", ".join(names[:10]) or "none yet"
    return NotFound(
        f"unknown model '{name}' (registered: {known})",
        hint=f"register it: compliance models register {name} --version V",
    )


def _model_view(uow: UnitOfWork, model: Model) -> ModelView:
    counts = uow.runs.count_per_version([v.id for v in model.versions])
    return ModelView(
        id=model.uid,
        name=model.name,
        owner=model.owner,
        intended_use=model.intended_use,
        risk_tier=model.risk_tier,
        registered_at=isoformat_z(model.created_at),
        versions=tuple(
            VersionView(
                id=v.uid,
                version=v.version,
                registered_at=isoformat_z(v.created_at),
                run_count=counts.get(v.id, 0),
            )
            for v in sorted(model.versions, key=lambda v: (v.created_at, v.id))
        ),
    )


_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def _checked_name(field: str, value: str) -> str:
    """Model names and versions: 1-100 letters, digits, '.', '_' or '-', starting alphanumeric."""
    cleaned = value.strip()
    if not _NAME_PATTERN.match(cleaned):
        raise InputError(
            "must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit",
            field=field,
            value=value,
            hint="use a stable slug such as acme-chat and a version such as 2.1.0",
        )
    return cleaned
