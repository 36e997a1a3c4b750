"""The views the read use cases return: frozen dataclasses, serialized by the API as they are.

Identifiers are the objects' public uids (``rep_...``), never database keys; times are
UTC ISO 8601 with ``Z``; a number that is not finite (NaN, ±∞) is ``null``.

Why one module of this length: the API's response shapes in one place: the OpenAPI document
and the generated client are made from them, and a reviewer reads the published contract
here.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from compliance.clock import isoformat_z
from compliance.reporting.ledger import seal_entry
from compliance.services.attestations import AttestationView, ReportAttestations
from compliance.storage.repositories.api_reads import AuditRow, LedgerRow, ReportRow
from compliance.storage.tables import (
    Finding,
    LedgerEntry,
    MetricResult,
    Model,
    Policy,
    SigningKey,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSIONS = {"pdf": "pdf", "html": "html", "json": "json"}


def _time(moment: dt.datetime | None) -> str | None:
    return isoformat_z(moment) if moment is not None else None


def _num(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class ModelRef:
    id: str
    name: str


@dataclass(frozen=True)
class VersionRef:
    id: str
    version: str


@dataclass(frozen=True)
class PolicyRef:
    id: str
    name: str
    version: str


@dataclass(frozen=True)
class VersionOut:
    id: str
    version: str
    registered_at: str


@dataclass(frozen=True)
class ModelOut:
    id: str
    name: str
    owner: str | None
    intended_use: str | None
    risk_tier: str | None
    registered_at: str
    versions: list[VersionOut]


@dataclass(frozen=True)
class PolicyOut:
    id: str
    name: str
    version: str
    sha256: str
    added_at: str
    description: str | None


@dataclass(frozen=True)
class RuleOut:
    rule_id: str
    metric: str
    dimension: str
    comparison: str
    threshold: float
    severity: str
    mode: str


@dataclass(frozen=True)
class PolicyDetail(PolicyOut):
    rules: list[RuleOut]
    source_text: str


@dataclass(frozen=True)
class FindingOut:
    rule_id: str
    metric: str
    dimension: str
    group: str | None
    severity: str
    mode: str
    comparison: str
    threshold: float
    value: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str
    reason: str


@dataclass(frozen=True)
class MetricResultOut:
    metric: str
    dimension: str
    group: str
    status: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    p_value: float | None
    outcomes: dict[str, int] | None = None
    """Strict accuracy rows: how many answers were correct, incorrect, refused, unparsed."""


_OUTCOMES = ("correct", "incorrect", "refused", "unparsed")


@dataclass(frozen=True)
class AuditOut:
    id: str
    model: ModelRef
    model_version: VersionRef
    policy: PolicyRef
    trigger: str
    slot: str | None
    status: str
    verdict: str | None
    started_at: str
    finished_at: str | None
    manifest_sha256: str | None
    report_id: str | None


@dataclass(frozen=True)
class AuditDetail(AuditOut):
    runs: list[str]
    findings: list[FindingOut]


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditOut]
    next_cursor: str | None


@dataclass(frozen=True)
class ReportOut:
    id: str
    model: ModelRef
    model_version: VersionRef
    policy: PolicyRef
    version: int
    supersedes: str | None
    verdict: str
    issued_at: str
    manifest_sha256: str
    audit_id: str


@dataclass(frozen=True)
class ArtifactOut:
    id: str
    kind: str
    content_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ReportDetail(ReportOut):
    artifacts: list[ArtifactOut]
    findings: list[FindingOut]
    ledger_seq: int | None
    ledger_entry_hash: str | None
    signed_off: bool
    attestations: list[AttestationView]


@dataclass(frozen=True)
class ReportPage:
    items: list[ReportOut]
    next_cursor: str | None


@dataclass(frozen=True)
class LedgerEntryOut:
    seq: int
    kind: str
    report_id: str | None
    payload: str
    payload_encoding: str
    prev_hash: str
    entry_hash: str
    key_id: str
    signature: str
    extra_signatures: dict[str, Any] | None
    created_at: str


@dataclass(frozen=True)
class LedgerPage:
    items: list[LedgerEntryOut]
    next_cursor: str | None


@dataclass(frozen=True)
class KeyOut:
    key_id: str
    algorithm: str
    public_key: str
    created_at: str
    retired_at: str | None


@dataclass(frozen=True)
class BundleParts:
    report: ReportDetail
    files: dict[str, bytes]
    ledger: list[LedgerEntryOut]
    keys: list[KeyOut]
    tag: str = ""
    """The bundle's validator (:func:`bundle_tag`): the same for a HEAD of it."""


@dataclass(frozen=True)
class BundleHead:
    """What a HEAD of a bundle answers: the report (for the file name) and the validator,
    found without reading an artifact's bytes or building the zip."""

    report: ReportDetail
    tag: str


def bundle_tag(report: ReportDetail, models: Collection[str] | None, keys: list[KeyOut]) -> str:
    """sha256 over what a bundle is built from: the report's id, its artifacts' sha256, its
    ledger entry's hash (a hash chain: it fixes every entry before it), the caller's model
    scope (which entries are sealed) and the signing keys. Equal tags, equal bundles."""
    digest = hashlib.sha256()
    parts = [report.id, *(f"{a.kind}:{a.sha256}" for a in report.artifacts)]
    parts.append(report.ledger_entry_hash or "-")
    parts.append("*" if models is None else ",".join(sorted(models)))
    parts.extend(f"{k.key_id}:{k.public_key}:{k.retired_at}" for k in keys)
    for part in parts:
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class Dashboard:
    models: list[ModelOut]
    policies: list[str]
    latest: list[ReportOut]
    viewer: str


@dataclass(frozen=True)
class SeriesPoint:
    report: ReportOut
    findings: list[FindingOut]


@dataclass(frozen=True)
class SeriesView:
    model: ModelRef
    policy: str
    versions: list[SeriesPoint]


# --- mapping ------------------------------------------------------------------------------


def model_out(model: Model) -> ModelOut:
    return ModelOut(
        id=model.uid,
        name=model.name,
        owner=model.owner,
        intended_use=model.intended_use,
        risk_tier=model.risk_tier,
        registered_at=isoformat_z(model.created_at),
        versions=[
            VersionOut(id=ver.uid, version=ver.version, registered_at=isoformat_z(ver.created_at))
            for ver in model.versions
        ],
    )


def policy_out(policy: Policy) -> PolicyOut:
    return PolicyOut(
        id=policy.uid,
        name=policy.name,
        version=policy.version,
        sha256=policy.sha256,
        added_at=isoformat_z(policy.created_at),
        description=policy.description,
    )


def policy_detail(policy: Policy) -> PolicyDetail:
    rules = [
        RuleOut(
            rule_id=r.rule_id,
            metric=r.metric_id,
            dimension=r.dimension,
            comparison=r.comparison,
            threshold=r.threshold,
            severity=r.severity,
            mode=r.mode,
        )
        for r in policy.rules
    ]
    return PolicyDetail(**policy_out(policy).__dict__, rules=rules, source_text=policy.source_text)


def finding_out(f: Finding) -> FindingOut:
    return FindingOut(
        rule_id=f.rule_id,
        metric=f.metric_id,
        dimension=f.dimension,
        group=f.group,
        severity=f.severity,
        mode=f.mode,
        comparison=f.comparison,
        threshold=f.threshold,
        value=_num(f.value),
        ci_low=_num(f.ci_low),
        ci_high=_num(f.ci_high),
        verdict=f.verdict,
        reason=f.reason,
    )


def metric_out(m: MetricResult) -> MetricResultOut:
    return MetricResultOut(
        metric=m.metric_id,
        dimension=m.dimension,
        group=m.group,
        status=m.status,
        estimate=_num(m.estimate),
        ci_low=_num(m.ci_low),
        ci_high=_num(m.ci_high),
        n=m.n,
        p_value=_num(m.p_value),
        outcomes=_outcomes(m.detail),
    )


def _outcomes(detail: dict[str, Any] | None) -> dict[str, int] | None:
    if not detail or not all(isinstance(detail.get(k), int) for k in _OUTCOMES):
        return None
    return {k: int(detail[k]) for k in _OUTCOMES}


def audit_out(row: AuditRow) -> AuditOut:
    a = row.audit
    return AuditOut(
        id=a.uid,
        model=ModelRef(id=row.model.uid, name=row.model.name),
        model_version=VersionRef(id=row.version.uid, version=row.version.version),
        policy=PolicyRef(id=row.policy.uid, name=row.policy.name, version=row.policy.version),
        trigger=a.trigger,
        slot=_time(a.slot),
        status=a.status,
        verdict=a.verdict,
        started_at=isoformat_z(a.started_at),
        finished_at=_time(a.finished_at),
        manifest_sha256=a.manifest_sha256,
        report_id=row.report_uid,
    )


def audit_detail(row: AuditRow, findings: list[Finding], runs: list[str]) -> AuditDetail:
    return AuditDetail(
        **audit_out(row).__dict__, runs=runs, findings=[finding_out(f) for f in findings]
    )


def report_out(row: ReportRow) -> ReportOut:
    return ReportOut(
        id=row.uid,
        model=ModelRef(id=row.model_uid, name=row.model_name),
        model_version=VersionRef(id=row.version_uid, version=row.model_version),
        policy=PolicyRef(id=row.policy_uid, name=row.policy_name, version=row.policy_version),
        version=row.version,
        supersedes=row.supersedes_uid,
        verdict=row.verdict,
        issued_at=isoformat_z(row.issued_at),
        manifest_sha256=row.manifest_sha256,
        audit_id=row.audit_uid,
    )


def report_detail(
    row: ReportRow,
    artifacts: list[ArtifactOut],
    findings: list[Finding],
    entry: LedgerEntry | None,
    attestations: ReportAttestations,
) -> ReportDetail:
    return ReportDetail(
        **report_out(row).__dict__,
        artifacts=artifacts,
        findings=[finding_out(f) for f in findings],
        ledger_seq=entry.seq if entry is not None else None,
        ledger_entry_hash=entry.entry_hash if entry is not None else None,
        signed_off=attestations.signed_off,
        attestations=attestations.attestations,
    )


def artifact_filename(row: ReportRow, kind: str) -> str:
    """``<model>_<policy>_v<version>.<ext>``, reduced to characters safe in a header."""
    stem = f"{row.model_name}_{row.policy_name}_v{row.version}"
    return f"{_UNSAFE.sub('-', stem).strip('-.') or 'report'}.{_EXTENSIONS[kind]}"


def ledger_out(row: LedgerRow) -> LedgerEntryOut:
    e = row.entry
    try:
        payload, encoding = e.payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        payload, encoding = base64.b64encode(e.payload).decode("ascii"), "base64"
    return LedgerEntryOut(
        seq=e.seq,
        kind=e.kind,
        report_id=row.report_uid,
        payload=payload,
        payload_encoding=encoding,
        prev_hash=e.prev_hash,
        entry_hash=e.entry_hash,
        key_id=e.key_id,
        signature=e.signature,
        extra_signatures=e.extra_signatures,
        created_at=isoformat_z(e.created_at),
    )


def sealed_ledger_out(row: LedgerRow) -> LedgerEntryOut:
    """A report entry for a caller who may not see its report: the entry sealed (link and
    signature, nothing of the report; see :func:`compliance.reporting.ledger.seal_entry`)."""
    sealed = seal_entry(json.loads(row.entry.payload))
    return replace(
        ledger_out(row),
        report_id=None,
        payload=json.dumps(sealed, sort_keys=True, separators=(",", ":")),
        payload_encoding="utf-8",
        extra_signatures=None,
    )


def key_out(key: SigningKey) -> KeyOut:
    return KeyOut(
        key_id=key.key_id,
        algorithm=key.algorithm,
        public_key=key.public_key,
        created_at=isoformat_z(key.created_at),
        retired_at=_time(key.retired_at),
    )
