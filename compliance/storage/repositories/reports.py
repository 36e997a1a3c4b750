"""Reports, their artifacts and the ledger: append-only, in every sense.

Nothing here updates or deletes: the repositories only add and read, a ``before_flush``
guard refuses any change to a stored report, artifact or ledger entry (:func:`guard_append_only`),
and the database refuses UPDATE and DELETE by triggers (revision 0002) on PostgreSQL and
SQLite alike. Ledger appends are serialized by :meth:`LedgerRepository.lock`: a
transaction-scoped advisory lock on PostgreSQL; on SQLite the write unit of work already
holds the database's write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, sessionmaker

from compliance.errors import Conflict
from compliance.storage.tables import (
    Attestation,
    LedgerEntry,
    Model,
    Report,
    ReportArtifact,
    SigningKey,
)

__all__ = ["LedgerRepository", "ReportRepository", "guard_append_only"]

_LEDGER_LOCK = 0x636F6D706C  # "compl": one advisory lock for the whole ledger
_APPEND_ONLY = (Report, ReportArtifact, LedgerEntry, Attestation)


def guard_append_only(sessions: sessionmaker[Session]) -> None:
    """Refuse, before anything reaches the database, any change to an append-only row made
    in a session of ``sessions`` (registered once per factory, not per session)."""
    event.listen(sessions, "before_flush", _refuse_changes)


def _refuse_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, _APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise Conflict(
                f"{type(obj).__tablename__} rows are append-only: issue a new version instead",
            )


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def latest_in_series(self, model_id: int, policy_name: str) -> Report | None:
        return self._session.scalars(
            select(Report)
            .where(Report.model_id == model_id, Report.policy_name == policy_name)
            .order_by(Report.version.desc())
            .limit(1)
        ).one_or_none()

    def series(self, model_id: int, policy_name: str) -> list[Report]:
        return list(
            self._session.scalars(
                select(Report)
                .where(Report.model_id == model_id, Report.policy_name == policy_name)
                .order_by(Report.version)
            )
        )

    def add(self, report: Report, artifacts: Sequence[ReportArtifact]) -> Report:
        self._session.add(report)
        self._session.flush()
        for artifact in artifacts:
            artifact.report_id = report.id
            self._session.add(artifact)
        self._session.flush()
        return report

    def get(self, uid: str) -> Report | None:
        return self._session.scalars(select(Report).where(Report.uid == uid)).one_or_none()

    def by_id(self, report_id: int) -> Report:
        return self._session.get_one(Report, report_id)

    def recent(self, *, model: str | None = None, limit: int = 100) -> list[Report]:
        query = select(Report).order_by(Report.issued_at.desc(), Report.id.desc()).limit(limit)
        if model is not None:
            query = query.join(Model, Model.id == Report.model_id).where(Model.name == model)
        return list(self._session.scalars(query))

    def artifacts_of(self, report_id: int) -> dict[str, ReportArtifact]:
        rows = self._session.scalars(
            select(ReportArtifact).where(ReportArtifact.report_id == report_id)
        )
        return {a.kind: a for a in rows}

    def model_name(self, report: Report) -> str:
        return self._session.get_one(Model, report.model_id).name


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def lock(self) -> None:
        """Serialize appends until the end of the transaction (no fork of the chain)."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LEDGER_LOCK})

    def last(self) -> LedgerEntry | None:
        return self._session.scalars(
            select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(1)
        ).one_or_none()

    def append(self, entry: LedgerEntry) -> LedgerEntry:
        self._session.add(entry)
        self._session.flush()
        return entry

    def entries(self, *, upto: int | None = None, kind: str | None = None) -> list[LedgerEntry]:
        query = select(LedgerEntry).order_by(LedgerEntry.seq)
        if upto is not None:
            query = query.where(LedgerEntry.seq <= upto)
        if kind is not None:
            query = query.where(LedgerEntry.kind == kind)
        return list(self._session.scalars(query))

    def entry_for_report(self, report_id: int) -> LedgerEntry | None:
        return self._session.scalars(
            select(LedgerEntry).where(LedgerEntry.report_id == report_id)
        ).one_or_none()

    def public_keys(self) -> list[SigningKey]:
        return list(self._session.scalars(select(SigningKey).order_by(SigningKey.id)))

    def key(self, key_id: str) -> SigningKey | None:
        return self._session.scalars(
            select(SigningKey).where(SigningKey.key_id == key_id)
        ).one_or_none()

    def add_key(self, key_id: str, public_key_hex: str, *, now: dt.datetime) -> SigningKey:
        key = SigningKey(
            key_id=key_id, algorithm="ed25519", public_key=public_key_hex, created_at=now
        )
        self._session.add(key)
        self._session.flush()
        return key
