"""Repositories: they add, query and flush; committing is the unit of work's job."""

from compliance.storage.repositories.personas import PersonaRepository
from compliance.storage.repositories.policies import PolicyRepository
from compliance.storage.repositories.records import (
    RECORD_COLUMNS,
    DuplicateRecordKey,
    RecordRow,
    RecordStore,
)
from compliance.storage.repositories.registry import ModelRepository
from compliance.storage.repositories.runs import RunRepository

__all__ = [
    "RECORD_COLUMNS",
    "DuplicateRecordKey",
    "ModelRepository",
    "PersonaRepository",
    "PolicyRepository",
    "RecordRow",
    "RecordStore",
    "RunRepository",
]
