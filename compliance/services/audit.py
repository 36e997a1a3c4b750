"""The audit use case: a model version's evaluation runs judged under one policy version.

Steps, and what each promises:

1. **resolve** (read-only): the model version, the policy version, the runs (given, or the
   latest run of each benchmark), and the audit key
   ``<version uid>/<policy uid>/<slot | manual/<audit uid>>``. A slot that already has a
   succeeded audit is refused before any work.
2. **compute** (no transaction open): load the runs as columns (one query per run), compute
   every metric for ``persona``, each attribute and each dimension a rule names, judge the
   rules, build the manifest.
3. **write** (one unit of work): the audit row, its runs, metric results, findings and
   manifest together. The unique audit key makes a second audit of the same slot fail
   here with a clear refusal, whichever process gets there second.

Any failure after step 1 records the audit as ``failed`` with its error, alone (its key
carries a ``/failed/`` suffix so a failed slot can be retried), and the error is raised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from compliance import __version__
from compliance.clock import Clock, isoformat_z
from compliance.domain.ids import new_uid
from compliance.domain.judge import JudgedFinding, judge, overall_verdict
from compliance.domain.manifest import canonical_bytes, manifest_sha256
from compliance.domain.policy import PolicySpec
from compliance.errors import ComplianceError, Conflict, InputError, NotFound
from compliance.metrics import RecordColumns, compute_all, default_dimensions
from compliance.metrics.results import MetricResult
from compliance.reporting.ll144 import LL144_REGIME
from compliance.services.manifest_builder import AuditContext, build_manifest
from compliance.services.policies import load_policy, resolve_policy
from compliance.services.publish import NextReport, ReportRenderer, issue_report, prepare_report
from compliance.services.registry import require_version
from compliance.storage.repositories.audits import AuditKeyTaken, NewAudit
from compliance.storage.tables import EvaluationRun
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AuditRequest",
    "AuditResult",
    "audit_key",
    "compute_metrics",
    "run_audit",
    "select_runs",
]

Hook = Callable[[str], None]


@dataclass(frozen=True)
class AuditRequest:
    model: str
    version: str
    policy: str
    run_ids: tuple[str, ...] = ()
    slot: dt.datetime | None = None
    trigger: str = "manual"


@dataclass(frozen=True)
class AuditResult:
    id: str
    key: str
    status: str
    verdict: str | None
    model: str
    version: str
    policy: str
    runs: tuple[str, ...]
    findings: tuple[JudgedFinding, ...] = field(default=())
    manifest_sha256: str | None = None
    error: str | None = None
    report_id: str | None = None
    report_version: int | None = None


def audit_key(version_uid: str, policy_uid: str, slot: dt.datetime | None, audit_uid: str) -> str:
    """The key a slot is audited under once: ``<version>/<policy>/<slot or manual/<id>>``."""
    tail = isoformat_z(slot) if slot is not None else f"manual/{audit_uid}"
    return f"{version_uid}/{policy_uid}/{tail}"


def select_runs(uow: UnitOfWork, version_id: int, run_uids: Sequence[str]) -> list[EvaluationRun]:
    """The given runs (which must belong to the version), else the latest per benchmark."""
    if not run_uids:
        runs = uow.runs.latest_per_benchmark(version_id)
        if not runs:
            raise NotFound(
                "this model version has no evaluation runs",
                hint="ingest results first: compliance ingest PATH --model M --version V",
            )
        return runs
    chosen = []
    for uid in run_uids:
        run = uow.runs.get(uid)
        if run is None or run.model_version_id != version_id:
            raise InputError(
                "is not an evaluation run of this model version",
                field="runs",
                value=uid,
                hint="see the run ids with: compliance models show NAME",
            )
        chosen.append(run)
    return chosen


def compute_metrics(
    columns: RecordColumns,
    spec: PolicySpec | None,
    *,
    n_boot: int,
    min_n: int,
    seed_material: bytes | None = None,
) -> list[MetricResult]:
    """Every metric for ``persona``, every attribute and every dimension the policy names
    (and, for a policy that maps to NYC Local Law 144, every intersection of two attributes:
    its intersectional categories); resamples seeded from ``seed_material`` (the audit's
    input hash)."""
    dimensions = list(default_dimensions(columns))
    if spec is not None and LL144_REGIME in spec.regimes:
        attributes = sorted(columns.attributes)
        dimensions += [f"{a}×{b}" for i, a in enumerate(attributes) for b in attributes[i + 1 :]]
    for rule in spec.rules if spec else ():
        if rule.dimension not in dimensions and rule.dimension != "bbq.category":
            try:
                columns.dimension(rule.dimension)
            except ValueError:
                continue  # the data has no such attribute: the rule is not applicable
            dimensions.append(rule.dimension)
    return compute_all(columns, dimensions, n_boot=n_boot, min_n=min_n, seed_material=seed_material)


def run_audit(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    request: AuditRequest,
    *,
    key_path: Path | None = None,
    before_findings: Hook | None = None,
    renderer: ReportRenderer | None = None,
    issue_lock: AbstractContextManager[object] | None = None,
) -> AuditResult:
    """Audit as the module docstring describes and issue the report signed with the key at
    ``key_path`` (every entry point passes it; ``None`` stores the audit without issuing a
    report, for library use). ``before_findings`` is a test seam that runs inside the write
    transaction between metric results and findings.

    The report is rendered before the write transaction (``renderer``: HTML and PDF, maybe
    in a child process; default ``render_report`` in this process) and stored in it if the
    ledger did not move meanwhile (else rendered again under the ledger lock).
    ``issue_lock``, held from that rendering to the commit, lets a caller running several
    audits at once (the scheduler) issue one report at a time, so
    the renderings are never wasted while the audits' other work overlaps."""
    started = clock()
    audit_uid = new_uid("aud")
    with uow_factory() as uow:
        version = require_version(uow, request.model, request.version)
        policy = resolve_policy(uow, request.policy)
        key = audit_key(version.uid, policy.uid, request.slot, audit_uid)
        if request.slot is not None and (done := uow.audits.succeeded_with_key(key)):
            raise _slot_done(done.uid, request.slot)
        target = _Target(audit_uid, key, version.id, policy.id, f"{policy.name}@{policy.version}")
    try:
        issuing = _Issuing(key_path, renderer, issue_lock or nullcontext())
        return _audit(uow_factory, clock, request, target, started, issuing, before_findings)
    except AuditKeyTaken:
        raise
    except Exception as exc:
        _record_failure(uow_factory, clock, target, request, started, exc)
        raise


@dataclass(frozen=True)
class _Issuing:
    key_path: Path | None
    renderer: ReportRenderer | None
    lock: AbstractContextManager[object]


@dataclass(frozen=True)
class _Target:
    audit_uid: str
    key: str
    version_id: int
    policy_id: int
    policy_label: str


def _audit(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    request: AuditRequest,
    target: _Target,
    started: dt.datetime,
    issuing: _Issuing,
    before_findings: Hook | None,
) -> AuditResult:
    with uow_factory() as uow:
        version = uow.models.get_version_by_id(target.version_id)
        policy = uow.policies.by_id(target.policy_id)
        spec = load_policy(policy)
        runs = select_runs(uow, version.id, request.run_ids)
        context = AuditContext.collect(uow, version, policy, spec, runs)
        columns = uow.records.load_columns([r.id for r in runs])
        examples = uow.records.answer_examples([r.id for r in runs])
    results = compute_metrics(
        columns,
        spec,
        n_boot=spec.bootstrap_resamples,
        min_n=spec.min_sample_per_group,
        seed_material=bytes.fromhex(context.input_sha256),
    )
    findings = judge(spec, results, items=columns.objective_items or None)
    verdict = overall_verdict(findings)
    finished = clock()
    manifest = build_manifest(
        context,
        audit_id=target.audit_uid,
        audit_key=target.key,
        trigger=request.trigger,
        slot=request.slot,
        audited_at=finished,
        columns=columns,
        results=results,
        findings=findings,
        verdict=verdict,
        code_version=__version__,
        examples=examples,
    )
    audit = NewAudit(
        uid=target.audit_uid,
        audit_key=target.key,
        model_version_id=target.version_id,
        policy_id=target.policy_id,
        trigger=request.trigger,
        slot=request.slot,
        status="succeeded",
        verdict=verdict,
        error=None,
        input_sha256=context.input_sha256,
        manifest=canonical_bytes(manifest),
        manifest_sha256=manifest_sha256(manifest),
        started_at=started,
        finished_at=finished,
    )
    with issuing.lock:
        job = prepared = None
        if issuing.key_path is not None:
            job = NextReport(manifest, context.model_id, issuing.key_path, clock, issuing.renderer)
            prepared = prepare_report(uow_factory, job)
        with uow_factory(write=True) as uow:
            stored = uow.audits.add(
                audit, run_ids=list(context.run_ids), metric_rows=[_metric_row(r) for r in results]
            )
            if before_findings is not None:
                before_findings(target.audit_uid)
            uow.audits.add_findings(stored.id, [_finding_row(f) for f in findings])
            issued = None
            if job is not None:
                issued = issue_report(uow, job, audit_id=stored.id, prepared=prepared)
                manifest = issued.manifest
                stored.manifest = issued.manifest_bytes
                stored.manifest_sha256 = manifest_sha256(manifest)
            uow.commit()
    return AuditResult(
        id=target.audit_uid,
        key=target.key,
        status="succeeded",
        verdict=verdict,
        model=request.model,
        version=request.version,
        policy=target.policy_label,
        runs=tuple(r.id for r in context.runs),
        findings=tuple(findings),
        manifest_sha256=manifest_sha256(manifest),
        report_id=None if issued is None else issued.id,
        report_version=None if issued is None else issued.version,
    )


def _slot_done(audit_uid: str, slot: dt.datetime) -> ComplianceError:
    return Conflict(
        f"slot {isoformat_z(slot)} was already audited successfully ({audit_uid})",
        hint="a slot is audited once; run a manual audit without --slot instead",
    )


def _record_failure(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    target: _Target,
    request: AuditRequest,
    started: dt.datetime,
    exc: BaseException,
) -> None:
    """The failed audit row, alone, with its error (best effort: never masks ``exc``)."""
    message = str(exc) if isinstance(exc, ComplianceError) else f"{type(exc).__name__}: {exc}"
    failed = NewAudit(
        uid=target.audit_uid,
        audit_key=f"{target.key}/failed/{target.audit_uid}",
        model_version_id=target.version_id,
        policy_id=target.policy_id,
        trigger=request.trigger,
        slot=request.slot,
        status="failed",
        verdict=None,
        error=message[:2000],
        input_sha256=None,
        manifest=None,
        manifest_sha256=None,
        started_at=started,
        finished_at=clock(),
    )
    try:
        with uow_factory(write=True) as uow:
            uow.audits.add(failed)
            uow.commit()
    except Exception:  # noqa: S110 - the original error is what the caller must see
        pass


def _metric_row(r: MetricResult) -> dict[str, object]:
    return {
        "metric_id": r.metric_id,
        "dimension": r.dimension,
        "group": "*" if r.group is None else r.group,
        "status": r.status,
        "estimate": r.estimate,
        "ci_low": r.ci_low,
        "ci_high": r.ci_high,
        "n": r.n,
        "p_value": r.p_value,
        "detail": dict(r.detail) or None,
    }


def _finding_row(f: JudgedFinding) -> dict[str, object]:
    return {
        "rule_id": f.rule_id,
        "metric_id": f.metric_id,
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
