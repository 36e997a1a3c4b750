"""Read-only queries behind the regulator API and the officer portal.

Every query that returns model-bound objects takes ``scope``: ``None`` (every model) or the
names of the models the caller may see. Objects of other models are filtered *in the query*,
so a scoped caller cannot tell a foreign object from an absent one. Lists are keyset
paginated: the caller passes the sort key of the last row it has seen (``after``).

Artifact bytes are never loaded whole here: :meth:`ReadRepository.artifact` returns the
metadata, :meth:`ReadRepository.read_chunk` one slice (SQLite incremental blob I/O;
PostgreSQL ``substring`` of the ``bytea``, which reads only the TOAST chunks it needs).

Why one module of this length: every read of the API and the portal applies the same model
scope in SQL; keeping them together keeps that filter in one reviewed place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased, selectinload

from compliance.storage.repositories.tokens import (
    CREDENTIALS_BY_HASH,
    CREDENTIALS_BY_UID,
    TokenCredentials,
)
from compliance.storage.tables import (
    Attestation,
    Audit,
    AuditRun,
    EvaluationRun,
    Finding,
    LedgerEntry,
    MetricResult,
    Model,
    ModelVersion,
    Officer,
    Policy,
    Report,
    ReportArtifact,
    SigningKey,
)

__all__ = [
    "ArtifactRow",
    "AuditRow",
    "LedgerRow",
    "ReadRepository",
    "ReportRow",
    "credentials_and_reports_mark",
]

Scope = Collection[str] | None


@dataclass(frozen=True)
class AuditRow:
    audit: Audit
    version: ModelVersion
    model: Model
    policy: Policy
    report_uid: str | None


@dataclass(frozen=True)
class ReportRow:
    """A report and what names it, read as plain columns (no ORM object per row)."""

    report_id: int
    uid: str
    version: int
    verdict: str
    issued_at: dt.datetime
    manifest_sha256: str
    policy_name: str
    model_uid: str
    model_name: str
    audit_id: int
    audit_uid: str
    version_uid: str
    model_version: str
    policy_uid: str
    policy_version: str
    supersedes_uid: str | None


_PREVIOUS = aliased(Report)
_REPORT_COLUMNS = (
    Report.id,
    Report.uid,
    Report.version,
    Report.verdict,
    Report.issued_at,
    Report.manifest_sha256,
    Report.policy_name,
    Model.uid,
    Model.name,
    Audit.id,
    Audit.uid,
    ModelVersion.uid,
    ModelVersion.version,
    Policy.uid,
    Policy.version,
    _PREVIOUS.uid,
)


_REPORT_SELECT = (  # an immutable statement: each query derives its own from it
    select(*_REPORT_COLUMNS)
    .join(Model, Model.id == Report.model_id)
    .join(Audit, Audit.id == Report.audit_id)
    .join(ModelVersion, ModelVersion.id == Audit.model_version_id)
    .join(Policy, Policy.id == Audit.policy_id)
    .outerjoin(_PREVIOUS, _PREVIOUS.id == Report.supersedes_id)
)
_REPORTS_MARK = select(func.max(Report.id))  # built once: it memoizes its cache key
_MARKED_BY_HASH = CREDENTIALS_BY_HASH.add_columns(_REPORTS_MARK.scalar_subquery())
_MARKED_BY_UID = CREDENTIALS_BY_UID.add_columns(_REPORTS_MARK.scalar_subquery())


def credentials_and_reports_mark(
    connection: Connection, *, secret_hash: str | None = None, uid: str | None = None
) -> tuple[TokenCredentials, int] | None:
    """A token's credentials (by secret hash or id) and :meth:`ReadRepository.reports_mark`,
    read by one statement, so from one snapshot: all that serving a cached page of reports
    needs. None when no token matches."""
    query, key = (_MARKED_BY_HASH, secret_hash) if uid is None else (_MARKED_BY_UID, uid)
    row = connection.execute(query, {"key": key}).one_or_none()
    if row is None:
        return None
    *credentials, mark = row
    return TokenCredentials(*credentials), int(mark or 0)


@dataclass(frozen=True)
class ArtifactRow:
    id: int
    uid: str
    kind: str
    content_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class LedgerRow:
    entry: LedgerEntry
    report_uid: str | None


def _in_scope(scope: Scope) -> Any:
    return Model.name.in_(list(scope)) if scope is not None else true()


class ReadRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # --- registry -------------------------------------------------------------------------

    def models(self, scope: Scope) -> list[Model]:
        query = (
            select(Model)
            .where(_in_scope(scope))
            .order_by(Model.name)
            .options(selectinload(Model.versions))
        )
        return list(self._session.scalars(query))

    def model(self, uid: str, scope: Scope) -> Model | None:
        query = (
            select(Model)
            .where(Model.uid == uid, _in_scope(scope))
            .options(selectinload(Model.versions))
        )
        return self._session.scalars(query).one_or_none()

    def policies(self) -> list[Policy]:
        query = select(Policy).order_by(Policy.name, Policy.created_at, Policy.id)
        return list(self._session.scalars(query))

    def policy(self, uid: str) -> Policy | None:
        query = select(Policy).where(Policy.uid == uid).options(selectinload(Policy.rules))
        return self._session.scalars(query).one_or_none()

    # --- audits ---------------------------------------------------------------------------

    def audits(
        self,
        scope: Scope,
        *,
        model: str | None = None,
        policy: str | None = None,
        after: tuple[dt.datetime, str] | None = None,
        limit: int = 20,
        uid: str | None = None,
    ) -> list[AuditRow]:
        """Audits newest first (``started_at``, then ``uid``), after the key ``after``."""
        query: Any = (
            select(Audit, ModelVersion, Model, Policy, Report.uid)
            .join(ModelVersion, ModelVersion.id == Audit.model_version_id)
            .join(Model, Model.id == ModelVersion.model_id)
            .join(Policy, Policy.id == Audit.policy_id)
            .outerjoin(Report, Report.audit_id == Audit.id)
            .where(_in_scope(scope))
            .order_by(Audit.started_at.desc(), Audit.uid.desc())
            .limit(limit)
        )
        if uid is not None:
            query = query.where(Audit.uid == uid)
        if model is not None:
            query = query.where(Model.name == model)
        if policy is not None:
            query = query.where(Policy.name == policy)
        if after is not None:
            at, last = after
            query = query.where(
                or_(Audit.started_at < at, and_(Audit.started_at == at, Audit.uid < last))
            )
        return [AuditRow(*row) for row in self._session.execute(query)]

    def findings_of(self, audit_ids: Sequence[int]) -> dict[int, list[Finding]]:
        found: dict[int, list[Finding]] = {audit_id: [] for audit_id in audit_ids}
        if audit_ids:
            query = select(Finding).where(Finding.audit_id.in_(audit_ids)).order_by(Finding.id)
            for finding in self._session.scalars(query):
                found[finding.audit_id].append(finding)
        return found

    def runs_of(self, audit_id: int) -> list[EvaluationRun]:
        query = (
            select(EvaluationRun)
            .join(AuditRun, AuditRun.run_id == EvaluationRun.id)
            .where(AuditRun.audit_id == audit_id)
            .order_by(EvaluationRun.benchmark, EvaluationRun.uid)
        )
        return list(self._session.scalars(query))

    def metric_results_of(self, audit_id: int) -> list[MetricResult]:
        query = (
            select(MetricResult).where(MetricResult.audit_id == audit_id).order_by(MetricResult.id)
        )
        return list(self._session.scalars(query))

    # --- reports --------------------------------------------------------------------------

    def reports(
        self,
        scope: Scope,
        *,
        model: str | None = None,
        policy: str | None = None,
        issued_from: dt.datetime | None = None,
        issued_to: dt.datetime | None = None,
        verdict: str | None = None,
        after: tuple[dt.datetime, str] | None = None,
        limit: int = 20,
        uid: str | None = None,
        model_uid: str | None = None,
        newest_first: bool = True,
    ) -> list[ReportRow]:
        """Reports by ``issued_at`` then ``uid`` (newest first), after the key ``after``."""
        query: Any = _REPORT_SELECT.where(_in_scope(scope)).limit(limit)
        if newest_first:
            query = query.order_by(Report.issued_at.desc(), Report.uid.desc())
        else:
            query = query.order_by(Report.version, Report.uid)
        filters = {
            Report.uid: uid,
            Model.name: model,
            Model.uid: model_uid,
            Report.policy_name: policy,
            Report.verdict: verdict,
        }
        for column, value in filters.items():
            if value is not None:
                query = query.where(column == value)
        if issued_from is not None:
            query = query.where(Report.issued_at >= issued_from)
        if issued_to is not None:
            query = query.where(Report.issued_at <= issued_to)
        if after is not None:
            at, last = after
            query = query.where(
                or_(Report.issued_at < at, and_(Report.issued_at == at, Report.uid < last))
            )
        return [ReportRow(*row) for row in self._session.connection().execute(query)]

    def reports_mark(self) -> int:
        """The highest report id: reports are append-only, so while it is unchanged every
        list of reports reads the same."""
        mark = self._session.connection().execute(_REPORTS_MARK).scalar()
        return int(mark or 0)

    def latest_reports(self, scope: Scope) -> list[ReportRow]:
        """The newest version of every series (model × policy name) the scope sees."""
        newest = (
            select(
                Report.model_id.label("model_id"),
                Report.policy_name.label("policy_name"),
                func.max(Report.version).label("version"),
            )
            .group_by(Report.model_id, Report.policy_name)
            .subquery()
        )
        query: Any = (
            _REPORT_SELECT.join(
                newest,
                and_(
                    newest.c.model_id == Report.model_id,
                    newest.c.policy_name == Report.policy_name,
                    newest.c.version == Report.version,
                ),
            )
            .where(_in_scope(scope))
            .order_by(Model.name, Report.policy_name)
        )
        return [ReportRow(*row) for row in self._session.connection().execute(query)]

    def artifacts(self, report_id: int) -> list[ArtifactRow]:
        query = (
            select(
                ReportArtifact.id,
                ReportArtifact.uid,
                ReportArtifact.kind,
                ReportArtifact.content_type,
                ReportArtifact.sha256,
                ReportArtifact.size,
            )
            .where(ReportArtifact.report_id == report_id)
            .order_by(ReportArtifact.kind)
        )
        return [ArtifactRow(*row) for row in self._session.execute(query)]

    def read_chunk(self, artifact_id: int, offset: int, length: int) -> bytes:
        """``length`` bytes of an artifact's content from ``offset`` (fewer at its end)."""
        connection = self._session.connection()
        if connection.dialect.name == "sqlite":
            raw: Any = connection.connection.driver_connection  # sqlite3.Connection
            with raw.blobopen("report_artifacts", "content", artifact_id, readonly=True) as blob:
                blob.seek(offset)
                return bytes(blob.read(length))
        chunk = self._session.scalar(
            select(func.substring(ReportArtifact.content, offset + 1, length)).where(
                ReportArtifact.id == artifact_id
            )
        )
        return bytes(chunk or b"")

    # --- the ledger -----------------------------------------------------------------------

    def ledger(
        self,
        scope: Scope,
        *,
        kind: str | None = None,
        after_seq: int | None = None,
        limit: int = 20,
        entry_hash: str | None = None,
        report_id: int | None = None,
        upto_seq: int | None = None,
    ) -> list[LedgerRow]:
        """Entries in chain order; a scoped caller sees the entries of no report (checkpoints,
        rotations, officers) and its models' reports and attestations on them. An
        attestation's row names the report it attests."""
        query: Any = (
            select(LedgerEntry, Report.uid)
            .outerjoin(Attestation, Attestation.ledger_seq == LedgerEntry.seq)
            .outerjoin(
                Report,
                or_(Report.id == LedgerEntry.report_id, Report.id == Attestation.report_id),
            )
            .outerjoin(Model, Model.id == Report.model_id)
            .order_by(LedgerEntry.seq)
            .limit(limit)
        )
        if scope is not None:
            query = query.where(or_(Report.id.is_(None), _in_scope(scope)))
        if kind is not None:
            query = query.where(LedgerEntry.kind == kind)
        if after_seq is not None:
            query = query.where(LedgerEntry.seq > after_seq)
        if upto_seq is not None:
            query = query.where(LedgerEntry.seq <= upto_seq)
        if entry_hash is not None:
            query = query.where(LedgerEntry.entry_hash == entry_hash)
        if report_id is not None:
            query = query.where(LedgerEntry.report_id == report_id)
        return [LedgerRow(*row) for row in self._session.execute(query)]

    def attestations(self, report_id: int) -> list[tuple[Attestation, LedgerEntry, Officer]]:
        """The report's attestations in ledger order, with their entries and officers."""
        rows = self._session.execute(
            select(Attestation, LedgerEntry, Officer)
            .join(LedgerEntry, LedgerEntry.seq == Attestation.ledger_seq)
            .join(Officer, Officer.id == Attestation.officer_id)
            .where(Attestation.report_id == report_id)
            .order_by(Attestation.ledger_seq)
        )
        return [(a, e, o) for a, e, o in rows.tuples()]

    def last_attestation_seq(self, report_id: int) -> int | None:
        """The ledger seq of the report's latest attestation (None: it has none)."""
        return self._session.scalars(
            select(func.max(Attestation.ledger_seq)).where(Attestation.report_id == report_id)
        ).one()

    def signing_keys(self) -> list[SigningKey]:
        return list(self._session.scalars(select(SigningKey).order_by(SigningKey.created_at)))
