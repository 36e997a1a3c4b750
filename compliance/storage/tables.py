"""The relational schema: typed SQLAlchemy 2 models of every domain object of DESIGN.md.

Internal integer keys join the tables; every object a user or a URL names also has a
``uid`` (``run_9fz3...``): random, never sequential, stable across databases.
Timestamps are stored as timezone-aware UTC. Constraint names follow ``NAMING``, so
migrations can refer to them on SQLite (batch mode) and PostgreSQL alike.

Why one module of this length: the whole relational schema in one place, read against
DESIGN.md and the migrations; the tables reference each other's keys.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.storage.base import Base, BigId, Uid, UTCDateTime

__all__ = [
    "AccessLog",
    "ApiToken",
    "Attestation",
    "Audit",
    "AuditRun",
    "EvalRecord",
    "EvaluationRun",
    "Finding",
    "LedgerEntry",
    "MetricResult",
    "Model",
    "ModelVersion",
    "Officer",
    "Persona",
    "Policy",
    "PolicyRule",
    "Report",
    "ReportArtifact",
    "SigningKey",
    "Source",
]

# --- registry ------------------------------------------------------------------------------


class Model(Base):
    """A model under audit, named by a stable slug."""

    __tablename__ = "models"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    intended_use: Mapped[str | None] = mapped_column(Text)
    risk_tier: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    versions: Mapped[list[ModelVersion]] = relationship(
        back_populates="model", order_by="ModelVersion.id"
    )


class ModelVersion(Base):
    """One deployable version of a model; evaluation runs and audits attach here."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    model: Mapped[Model] = relationship(back_populates="versions")


class Source(Base):
    """Where a model version's results are pulled from (``kind`` + config; no secrets).

    A removed source is kept (``removed_at`` set: a soft delete), so the runs it pulled
    still name it; its name is free again (unique among the sources not removed). A
    disabled one (``enabled`` false) stays listed and is skipped by pulls.
    """

    __tablename__ = "sources"
    __table_args__ = (
        Index(
            "uq_sources_name_live",
            "name",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]]
    cursor: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_pulled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# --- evaluation data -----------------------------------------------------------------------


class Persona(Base):
    """A user profile with group attributes, stored once; the baseline is a reserved row."""

    __tablename__ = "personas"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]]
    is_baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)


class EvaluationRun(Base):
    """One ingested batch of records, identified by the sha256 of its canonical content."""

    __tablename__ = "evaluation_runs"
    __table_args__ = (UniqueConstraint("model_version_id", "content_sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    benchmark: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(Text)
    record_count: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class EvalRecord(Base):
    """The narrow fact table: one row per (item, persona, user) of a run.

    ``user_id`` is ``''`` when the record has no user, so that the record key is unique.
    """

    __tablename__ = "eval_records"
    __table_args__ = (
        UniqueConstraint("run_id", "item_id", "persona_id", "user_id"),
        CheckConstraint("outcome IN (0, 1)", name="outcome_binary"),
        CheckConstraint("label IN (0, 1)", name="label_binary"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_runs.id"))
    seq: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(200))
    cluster_id: Mapped[str | None] = mapped_column(String(200))
    persona_id: Mapped[int] = mapped_column(ForeignKey("personas.id"))
    user_id: Mapped[str] = mapped_column(String(200))
    task_type: Mapped[str] = mapped_column(String(16))
    expected_answer: Mapped[str | None] = mapped_column(Text)
    raw_response: Mapped[str | None] = mapped_column(Text)
    parsed_answer: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    refused: Mapped[bool] = mapped_column(Boolean)
    followed_preference: Mapped[bool | None] = mapped_column(Boolean)
    preference_score: Mapped[float | None] = mapped_column(Float)
    reference_score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[int | None] = mapped_column(SmallInteger)
    label: Mapped[int | None] = mapped_column(SmallInteger)
    benchmark: Mapped[str | None] = mapped_column(String(200))
    extra: Mapped[dict[str, Any] | None]


# --- policies and audits -------------------------------------------------------------------


class Policy(Base):
    """One immutable version of a policy: its YAML text and that text's sha256."""

    __tablename__ = "policies"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)
    source_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    rules: Mapped[list[PolicyRule]] = relationship(order_by="PolicyRule.position")


class PolicyRule(Base):
    """One rule of a policy version, denormalized from its YAML for queries."""

    __tablename__ = "policy_rules"
    __table_args__ = (UniqueConstraint("policy_id", "rule_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(100))
    metric_id: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[str] = mapped_column(String(200))
    comparison: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))


class Audit(Base):
    """One audit of a model version under a policy version, keyed so a slot runs once."""

    __tablename__ = "audits"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    audit_key: Mapped[str] = mapped_column(String(200), unique=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    slot: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    input_sha256: Mapped[str | None] = mapped_column(String(64))
    manifest: Mapped[bytes | None] = mapped_column(LargeBinary)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AuditRun(Base):
    """The evaluation runs an audit used."""

    __tablename__ = "audit_runs"
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_runs.id"), primary_key=True)


class MetricResult(Base):
    """One computed metric for one dimension and group (``*`` for the whole dimension)."""

    __tablename__ = "metric_results"
    __table_args__ = (Index("ix_metric_results_audit_metric", "audit_id", "metric_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"))
    metric_id: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    estimate: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    p_value: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any] | None]


class Finding(Base):
    """A rule judged against a metric: value, interval, threshold, verdict and reason."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    metric_id: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[str] = mapped_column(String(200))
    group: Mapped[str | None] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))
    comparison: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)


# --- reports and the ledger (append-only) --------------------------------------------------


class Report(Base):
    """One issued version of a series (model × policy name); never updated or deleted."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("model_id", "policy_name", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), unique=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    policy_name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    manifest_sha256: Mapped[str] = mapped_column(String(64))


class ReportArtifact(Base):
    """The bytes of one rendering of a report (manifest JSON, HTML, PDF)."""

    __tablename__ = "report_artifacts"
    __table_args__ = (UniqueConstraint("report_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerEntry(Base):
    """One link of the hash chain: canonical payload, hashes, signature(s)."""

    __tablename__ = "ledger_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), unique=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))
    extra_signatures: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SigningKey(Base):
    """The public part of a ledger signing key, published with its fingerprint."""

    __tablename__ = "signing_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Officer(Base):
    """A registered, accountable person who signs reports with their own Ed25519 key: only
    the public half is stored. A revoked key stays (earlier attestations still verify);
    the person registers again with a new key."""

    __tablename__ = "officers"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    key_revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Attestation(Base):
    """An officer's signed statement on a report: its ledger entry holds the signed
    attestation; this row indexes it. Append-only, like the ledger."""

    __tablename__ = "attestations"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_entries.seq"), unique=True)
    statement: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --- access --------------------------------------------------------------------------------


class ApiToken(Base):
    """A bearer token: only the hash of its secret is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(Uid, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(128), unique=True)
    allowed_models: Mapped[list[Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AccessLog(Base):
    """Who read or downloaded what, when, from where."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_uid: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(SmallInteger)
