"""Building the report manifest of an audit from its inputs, results and findings.

Pure given its inputs: the same context, results, findings and times give the same
manifest, byte for byte (see :mod:`compliance.domain.manifest`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from compliance.clock import isoformat_z
from compliance.domain.judge import JudgedFinding, Verdict
from compliance.domain.manifest import (
    AnswerExample,
    DataSummary,
    FindingEntry,
    Identity,
    Method,
    MetricEntry,
    ModelRef,
    PolicyRef,
    ReportManifest,
    RunRef,
    Scope,
    Summary,
    SummaryLine,
    dec,
)
from compliance.domain.metric_catalog import CATALOG
from compliance.domain.policy import PolicySpec
from compliance.metrics import RecordColumns
from compliance.metrics.results import MetricResult
from compliance.sources.probe_answers import RUN_FORMATS
from compliance.sources.refusals import REFUSAL_CLASSIFIER
from compliance.storage.tables import EvaluationRun, ModelVersion, Policy
from compliance.storage.uow import UnitOfWork

__all__ = ["AuditContext", "build_manifest", "input_sha256"]

_VERDICT_ORDER = {
    "fail": 0,
    "insufficient_data": 1,
    "inconclusive": 2,
    "pass": 3,
    "not_applicable": 4,
}
_SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2}
_SECTIONS = {
    "A": "truth under personalization (objective items)",
    "B": "social-bias QA benchmarks (BBQ)",
    "C": "outcome fairness of yes/no decisions",
    "D": "personalization and preference quality",
}


def input_sha256(run_hashes: Sequence[str], policy_sha: str) -> str:
    """sha256 over the sorted run content hashes and the policy's: the audit's input."""
    digest = hashlib.sha256(b"compliance-audit-input-v1\n")
    for sha in sorted(run_hashes):
        digest.update(sha.encode() + b"\n")
    digest.update(policy_sha.encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class AuditContext:
    """What an audit knows of its model, policy and runs, read in one unit of work."""

    model: ModelRef
    policy: PolicyRef
    spec: PolicySpec
    model_id: int
    runs: tuple[RunRef, ...]
    run_ids: tuple[int, ...]
    period_start: str
    period_end: str
    input_sha256: str

    @classmethod
    def collect(
        cls,
        uow: UnitOfWork,
        version: ModelVersion,
        policy: Policy,
        spec: PolicySpec,
        runs: Sequence[EvaluationRun],
    ) -> AuditContext:
        model = version.model
        times = sorted(r.created_at for r in runs)
        return cls(
            model=ModelRef(
                name=model.name,
                version=version.version,
                version_id=version.uid,
                owner=model.owner,
                intended_use=model.intended_use,
                risk_tier=model.risk_tier,
            ),
            policy=PolicyRef(
                name=policy.name,
                version=policy.version,
                sha256=policy.sha256,
                regimes=list(spec.regimes),
                decision_mode=spec.decision_mode,
                min_sample_per_group=str(spec.min_sample_per_group),
            ),
            spec=spec,
            model_id=model.id,
            runs=tuple(
                RunRef(
                    id=r.uid,
                    benchmark=r.benchmark,
                    format=r.format,
                    origin=r.origin,
                    records=str(r.record_count),
                    sha256=r.content_sha256,
                    ingested_at=isoformat_z(r.created_at),
                )
                for r in sorted(runs, key=lambda r: (r.benchmark, r.uid))
            ),
            run_ids=tuple(r.id for r in runs),
            period_start=isoformat_z(times[0]),
            period_end=isoformat_z(times[-1]),
            input_sha256=input_sha256([r.content_sha256 for r in runs], policy.sha256),
        )


def build_manifest(
    context: AuditContext,
    *,
    audit_id: str,
    audit_key: str,
    trigger: str,
    slot: dt.datetime | None,
    audited_at: dt.datetime,
    columns: RecordColumns,
    results: Sequence[MetricResult],
    findings: Sequence[JudgedFinding],
    verdict: Verdict,
    code_version: str,
    examples: Sequence[AnswerExample] = (),
) -> ReportManifest:
    sections = sorted({CATALOG[r.metric_id].section for r in results if r.n > 0})
    return ReportManifest(
        identity=Identity(
            audit_id=audit_id,
            audit_key=audit_key,
            trigger=trigger,
            slot=None if slot is None else isoformat_z(slot),
            audited_at=isoformat_z(audited_at),
            period_start=context.period_start,
            period_end=context.period_end,
            model=context.model,
            policy=context.policy,
            code_version=code_version,
            runs=list(context.runs),
            input_sha256=context.input_sha256,
        ),
        summary=_summary(findings, verdict),
        scope=Scope(
            intended_use=context.model.intended_use,
            covers=[f"{s}: {_SECTIONS[s]}" for s in sections],
            not_measured=[
                f"{s}: {_SECTIONS[s]} (no such records)" for s in _SECTIONS if s not in sections
            ]
            + [
                "open-ended generation quality, safety and toxicity",
                "groups not represented by the personas or attributes of the data",
            ],
        ),
        data=_data(columns, context, results),
        metrics=[_metric(r) for r in _sorted_results(results)],
        findings=[_finding(f, context.spec) for f in findings],
        method=_method(context.spec, context, results),
        examples=list(examples),
    )


def _summary(findings: Sequence[JudgedFinding], verdict: Verdict) -> Summary:
    counts: Counter[str] = Counter(f.verdict for f in findings)
    ordered = sorted(
        findings,
        key=lambda f: (_VERDICT_ORDER[f.verdict], _SEVERITY_ORDER[f.severity], f.rule_id),
    )
    return Summary(
        verdict=verdict,
        counts={k: str(counts[k]) for k in _VERDICT_ORDER},
        lines=[
            SummaryLine(rule_id=f.rule_id, severity=f.severity, verdict=f.verdict, line=f.reason)
            for f in ordered
        ],
    )


def _data(
    columns: RecordColumns, context: AuditContext, results: Sequence[MetricResult]
) -> DataSummary:
    dimensions = sorted({r.dimension for r in results})
    groups: dict[str, dict[str, str]] = {}
    unknown: dict[str, str] = {}
    not_baseline = ~columns.is_baseline
    for dimension in dimensions:
        try:
            codes, labels = columns.dimension(dimension)
        except ValueError:
            continue
        counts = np.bincount(codes[codes >= 0], minlength=len(labels))
        groups[dimension] = {label: str(int(c)) for label, c in zip(labels, counts, strict=True)}
        scope = not_baseline if dimension != "bbq.category" else np.ones_like(not_baseline)
        unknown[dimension] = str(int(((codes < 0) & scope).sum()))
    objective = columns.task == 0
    refused = objective & columns.refused & (columns.correct != 1)
    unparsed = objective & (columns.correct < 0) & ~refused
    excluded = {
        "refused or unparsed objective answers (not correct in the strict accuracy; left "
        "out of the accuracy of the answers given)": str(int((refused | unparsed).sum())),
        "BBQ records without a single stereotyped option (left out of bias scores)": str(
            int(((columns.bbq_category >= 0) & (columns.bbq_target < 0)).sum())
        ),
    }
    return DataSummary(
        records=str(columns.n),
        baseline_records=str(int(columns.is_baseline.sum())),
        unparsed_records=str(int(unparsed.sum())),
        refused_records=str(int(refused.sum())),
        benchmarks={r.benchmark: r.records for r in context.runs},
        groups=groups,
        unknown_groups=unknown,
        excluded=excluded,
    )


def _sorted_results(results: Sequence[MetricResult]) -> list[MetricResult]:
    return sorted(
        results, key=lambda r: (r.metric_id, r.dimension, r.group is not None, r.group or "")
    )


def _metric(r: MetricResult) -> MetricEntry:
    return MetricEntry(
        metric=r.metric_id,
        section=CATALOG[r.metric_id].section,
        dimension=r.dimension,
        group=r.group,
        status=r.status,
        estimate=dec(r.estimate),
        ci_low=dec(r.ci_low),
        ci_high=dec(r.ci_high),
        n=str(r.n),
        p_value=dec(r.p_value),
        detail={k: (v if isinstance(v, str) else str(dec(v))) for k, v in sorted(r.detail.items())},
    )


def _finding(f: JudgedFinding, spec: PolicySpec) -> FindingEntry:
    declared = next((r.clauses for r in spec.rules if r.id == f.rule_id), None)
    return FindingEntry(
        rule_id=f.rule_id,
        metric=f.metric_id,
        dimension=f.dimension,
        group=f.group,
        severity=f.severity,
        mode=f.mode,
        comparison=f.comparison,
        threshold=str(dec(f.threshold)),
        value=dec(f.value),
        ci_low=dec(f.ci_low),
        ci_high=dec(f.ci_high),
        n=None if f.n is None else str(f.n),
        verdict=f.verdict,
        reason=f.reason,
        text=f.text,
        detectable=dec(f.detectable),
        items_needed=None if f.items_needed is None else str(f.items_needed),
        clauses=list(declared) if declared else None,
    )


def _method(spec: PolicySpec, context: AuditContext, results: Sequence[MetricResult]) -> Method:
    used = sorted({r.metric_id for r in results})
    mdg = {
        f"{r.metric_id} by {r.dimension}": str(dec(float(r.detail["mdg"])))
        for r in _sorted_results(results)
        if r.group is None and isinstance(r.detail.get("mdg"), int | float)
    }
    return Method(
        confidence="0.95",
        bootstrap_resamples=str(spec.bootstrap_resamples),
        bootstrap_unit="clusters (templates or passages), else items; never records",
        seed="the audit's input sha256 (its runs' content hashes and its policy): "
        + context.input_sha256,
        proportion_interval="Wilson score interval where each item gives a group one "
        "record; cluster-robust Wilson (Korn & Graubard effective sample size) for pooled "
        "groups and clustered items",
        tests=[
            "comparisons of several groups (gaps, ratios, worst group, drop vs baseline, "
            "max pair disagreement): simultaneous studentized max-t bootstrap intervals "
            "over items (clusters), pairing of groups kept",
            "some group differs, paired binary answers: Cochran's Q (permutation test when "
            "few items vary); otherwise the max-t bootstrap p-value",
            "persona vs baseline on the same items: exact McNemar, Holm-corrected across personas",
            "power: the smallest pairwise difference detected with probability 0.8",
        ],
        definitions={m: CATALOG[m].definition for m in used},
        min_detectable_gaps=mdg,
        refusal_classifier=REFUSAL_CLASSIFIER,
        mc_scoring=_mc_scoring(context.runs),
    )


_PROBE_FORMATS = {fmt: scoring for scoring, fmt in RUN_FORMATS.items()}
_MC_SCORING = {
    "text": "text: every reply read from its text (multiple choice: the option letter it "
    "names; an echoed option list, several letters or a letter paired with another "
    "option's text: unparsed)",
    "logprobs": "logprobs: multiple choice read as the most probable option letter among "
    "the first token's alternatives (no letter among them: unparsed); short answers from "
    "their text",
}


def _mc_scoring(runs: Sequence[RunRef]) -> dict[str, str] | None:
    """Benchmark -> how the live probe read its multiple-choice replies; ``None`` without
    probe runs (and left out of the manifest then)."""
    scoring = {
        r.benchmark: _MC_SCORING[_PROBE_FORMATS[r.format]]
        for r in runs
        if r.format in _PROBE_FORMATS
    }
    return scoring or None
