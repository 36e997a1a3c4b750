"""Audits with their metric results, findings and the runs they used.

An audit is written whole: :meth:`AuditRepository.add` inserts the audit row, its runs,
metric results (one bulk insert) and findings in the caller's unit of work. The
``audit_key`` is unique: the same (model version, policy version, slot) cannot be stored
twice, whichever process tries; the loser gets :class:`AuditKeyTaken`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from compliance.errors import Conflict
from compliance.storage.tables import (
    Audit,
    AuditRun,
    EvaluationRun,
    Finding,
    MetricResult,
    Model,
    ModelVersion,
    Policy,
)

__all__ = ["AuditKeyTaken", "AuditRepository", "NewAudit"]


class AuditKeyTaken(Conflict):
    """Another audit already holds this audit key (the slot was audited)."""


@dataclass(frozen=True)
class NewAudit:
    uid: str
    audit_key: str
    model_version_id: int
    policy_id: int
    trigger: str
    slot: dt.datetime | None
    status: str
    verdict: str | None
    error: str | None
    input_sha256: str | None
    manifest: bytes | None
    manifest_sha256: str | None
    started_at: dt.datetime
    finished_at: dt.datetime


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        audit: NewAudit,
        *,
        run_ids: Sequence[int] = (),
        metric_rows: Sequence[dict[str, Any]] = (),
        finding_rows: Sequence[dict[str, Any]] = (),
    ) -> Audit:
        """Insert the audit and everything under it; a taken key raises AuditKeyTaken."""
        row = Audit(**audit.__dict__)
        self._session.add(row)
        try:
            with self._session.begin_nested():
                self._session.flush()
        except IntegrityError as exc:
            raise AuditKeyTaken(
                f"audit key '{audit.audit_key}' is already taken: this slot was audited",
                hint="see 'compliance audit list'; a slot is audited once",
            ) from exc
        if run_ids:
            self._session.execute(
                insert(AuditRun), [{"audit_id": row.id, "run_id": r} for r in run_ids]
            )
        self.add_metric_results(row.id, metric_rows)
        self.add_findings(row.id, finding_rows)
        return row

    def add_metric_results(self, audit_id: int, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._session.execute(insert(MetricResult), [dict(r, audit_id=audit_id) for r in rows])

    def add_findings(self, audit_id: int, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._session.execute(insert(Finding), [dict(r, audit_id=audit_id) for r in rows])

    def succeeded_with_key(self, audit_key: str) -> Audit | None:
        return self._session.scalars(
            select(Audit).where(Audit.audit_key == audit_key, Audit.status == "succeeded")
        ).one_or_none()

    def by_id(self, audit_id: int) -> Audit:
        return self._session.get_one(Audit, audit_id)

    def get(self, uid: str) -> Audit | None:
        return self._session.scalars(select(Audit).where(Audit.uid == uid)).one_or_none()

    def recent(self, *, model: str | None = None, limit: int = 100) -> list[Audit]:
        query = select(Audit).order_by(Audit.started_at.desc(), Audit.id.desc()).limit(limit)
        if model is not None:
            query = (
                query.join(ModelVersion, ModelVersion.id == Audit.model_version_id)
                .join(Model, Model.id == ModelVersion.model_id)
                .where(Model.name == model)
            )
        return list(self._session.scalars(query))

    def describe(self, audit: Audit) -> tuple[ModelVersion, Model, Policy]:
        version = self._session.get_one(ModelVersion, audit.model_version_id)
        model = self._session.get_one(Model, version.model_id)
        return version, model, self._session.get_one(Policy, audit.policy_id)

    def runs_of(self, audit_id: int) -> list[EvaluationRun]:
        return list(
            self._session.scalars(
                select(EvaluationRun)
                .join(AuditRun, AuditRun.run_id == EvaluationRun.id)
                .where(AuditRun.audit_id == audit_id)
                .order_by(EvaluationRun.benchmark)
            )
        )

    def findings_of(self, audit_id: int) -> list[Finding]:
        return list(
            self._session.scalars(
                select(Finding).where(Finding.audit_id == audit_id).order_by(Finding.id)
            )
        )

    def metric_results_of(self, audit_id: int) -> list[MetricResult]:
        return list(
            self._session.scalars(
                select(MetricResult)
                .where(MetricResult.audit_id == audit_id)
                .order_by(MetricResult.id)
            )
        )
