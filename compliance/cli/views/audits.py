"""Reading audits back: lists, one audit with its findings, its manifest, and metric tables."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.clock import isoformat_z
from compliance.errors import NotFound
from compliance.metrics import compute_all, default_dimensions
from compliance.services.audit import select_runs
from compliance.services.registry import require_version
from compliance.storage.tables import Audit
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AuditSummary",
    "MetricRow",
    "audit_manifest",
    "list_audits",
    "metric_table",
    "show_audit",
]


@dataclass(frozen=True)
class AuditSummary:
    id: str
    model: str
    version: str
    policy: str
    status: str
    verdict: str | None
    trigger: str
    slot: str | None
    started_at: str
    finished_at: str | None
    error: str | None
    manifest_sha256: str | None
    runs: tuple[str, ...] = ()
    findings: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True)
class MetricRow:
    metric: str
    dimension: str
    group: str | None
    status: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    p_value: float | None
    detail: dict[str, object]


def list_audits(
    uow_factory: UnitOfWorkFactory, *, model: str | None = None, limit: int = 100
) -> list[AuditSummary]:
    with uow_factory() as uow:
        return [_summary(uow, a, full=False) for a in uow.audits.recent(model=model, limit=limit)]


def show_audit(uow_factory: UnitOfWorkFactory, audit_id: str) -> AuditSummary:
    with uow_factory() as uow:
        return _summary(uow, _get(uow, audit_id), full=True)


def audit_manifest(uow_factory: UnitOfWorkFactory, audit_id: str) -> bytes:
    """The stored canonical manifest of a succeeded audit."""
    with uow_factory() as uow:
        audit = _get(uow, audit_id)
        if audit.manifest is None:
            raise NotFound(f"audit {audit_id} has no manifest (status {audit.status})")
        return audit.manifest


def metric_table(
    uow_factory: UnitOfWorkFactory,
    model: str,
    version: str,
    *,
    dimensions: list[str] | None = None,
    n_boot: int = 2000,
) -> list[MetricRow]:
    """Every metric for the latest runs of a model version, before any policy judges it."""
    with uow_factory() as uow:
        found = require_version(uow, model, version)
        runs = select_runs(uow, found.id, ())
        columns = uow.records.load_columns([r.id for r in runs])
    if dimensions:
        for dimension in dimensions:
            if dimension != "bbq.category":
                try:
                    columns.dimension(dimension)
                except ValueError as exc:
                    from compliance.errors import InputError

                    raise InputError(str(exc), field="dimension", value=dimension) from None
    dims = dimensions or list(default_dimensions(columns))
    results = compute_all(columns, [d for d in dims if d != "bbq.category"], n_boot=n_boot)
    # an empty group of a metric the data has is shown (undefined, n = 0); a metric the data
    # does not have at all (e.g. section B without BBQ records) is left out
    measured = {r.metric_id for r in results if r.n > 0 or r.status != "undefined"}
    return [
        MetricRow(
            r.metric_id,
            r.dimension,
            r.group,
            r.status,
            r.estimate,
            r.ci_low,
            r.ci_high,
            r.n,
            r.p_value,
            dict(r.detail),
        )
        for r in results
        if r.metric_id in measured
    ]


def _get(uow: UnitOfWork, audit_id: str) -> Audit:
    audit = uow.audits.get(audit_id)
    if audit is None:
        raise NotFound(f"no audit '{audit_id}'", hint="see the ids with: compliance audit list")
    return audit


def _summary(uow: UnitOfWork, audit: Audit, *, full: bool) -> AuditSummary:
    version, model, policy = uow.audits.describe(audit)
    findings: tuple[dict[str, object], ...] = ()
    runs: tuple[str, ...] = ()
    if full:
        runs = tuple(r.uid for r in uow.audits.runs_of(audit.id))
        findings = tuple(
            {
                "rule_id": f.rule_id,
                "metric": f.metric_id,
                "dimension": f.dimension,
                "group": f.group,
                "severity": f.severity,
                "mode": f.mode,
                "comparison": f.comparison,
                "threshold": f.threshold,
                "value": f.value,
                "ci_low": f.ci_low,
                "ci_high": f.ci_high,
                "verdict": f.verdict,
                "reason": f.reason,
            }
            for f in uow.audits.findings_of(audit.id)
        )
    return AuditSummary(
        id=audit.uid,
        model=model.name,
        version=version.version,
        policy=f"{policy.name}@{policy.version}",
        status=audit.status,
        verdict=audit.verdict,
        trigger=audit.trigger,
        slot=None if audit.slot is None else isoformat_z(audit.slot),
        started_at=isoformat_z(audit.started_at),
        finished_at=None if audit.finished_at is None else isoformat_z(audit.finished_at),
        error=audit.error,
        manifest_sha256=audit.manifest_sha256,
        runs=runs,
        findings=findings,
    )
