"""Officers and the index of their attestations (the signed attestations live in the ledger)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.storage.tables import Attestation, LedgerEntry, Officer

__all__ = ["OfficerRepository"]


class OfficerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, officer: Officer) -> Officer:
        self._session.add(officer)
        self._session.flush()
        return officer

    def get(self, uid: str) -> Officer | None:
        return self._session.scalars(select(Officer).where(Officer.uid == uid)).one_or_none()

    def by_key(self, key_id: str) -> Officer | None:
        return self._session.scalars(select(Officer).where(Officer.key_id == key_id)).one_or_none()

    def all(self) -> list[Officer]:
        return list(self._session.scalars(select(Officer).order_by(Officer.id)))

    def by_ids(self, ids: set[int]) -> dict[int, Officer]:
        if not ids:
            return {}
        rows = self._session.scalars(select(Officer).where(Officer.id.in_(ids)))
        return {o.id: o for o in rows}

    def add_attestation(self, attestation: Attestation) -> Attestation:
        self._session.add(attestation)
        self._session.flush()
        return attestation

    def attestations_of(self, report_id: int) -> list[tuple[Attestation, LedgerEntry]]:
        """The report's attestations in ledger order, each with its ledger entry."""
        rows = self._session.execute(
            select(Attestation, LedgerEntry)
            .join(LedgerEntry, LedgerEntry.seq == Attestation.ledger_seq)
            .where(Attestation.report_id == report_id)
            .order_by(Attestation.ledger_seq)
        )
        return [(a, e) for a, e in rows.tuples()]

    def last_attestation_seq(self, report_id: int) -> int | None:
        return self._session.scalars(
            select(Attestation.ledger_seq)
            .where(Attestation.report_id == report_id)
            .order_by(Attestation.ledger_seq.desc())
            .limit(1)
        ).one_or_none()
