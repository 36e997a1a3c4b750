"""The regulatory catalogue and a report's mapping onto it; the EU AI Act Annex IV 2(g)
test-report extract.

The catalogue is :mod:`compliance.domain.regimes`'s, read from the shipped
``compliance/data/regimes/``. A report's mapping is computed from its stored manifest (the
policy's ``regimes``, its findings and its issue date) against the catalogue as shipped
now: the catalogue version is stated with each regime.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import asdict
from typing import Any

from compliance.domain.manifest import ReportManifest
from compliance.domain.regimes import Regime, RegimeMapping, load_catalogue, map_findings
from compliance.errors import NotFound
from compliance.paths import bundled_data
from compliance.services.attestations import report_attestations
from compliance.storage.uow import UnitOfWorkFactory

__all__ = [
    "ANNEX_IV_FORMAT",
    "annex_iv_extract",
    "catalogue",
    "mapping_of",
    "report_mapping",
    "show_regime",
]

ANNEX_IV_FORMAT = "compliance-annex-iv-2g-v1"


@functools.cache
def catalogue() -> dict[str, Regime]:
    """The shipped catalogue, by regime id (read once per process)."""
    return load_catalogue(bundled_data("regimes"))


def show_regime(regime_id: str) -> Regime:
    regime = catalogue().get(regime_id)
    if regime is None:
        raise NotFound(f"no regime '{regime_id}'", hint="see them with: compliance regimes list")
    return regime


def report_mapping(
    uow_factory: UnitOfWorkFactory, report_id: str
) -> tuple[ReportManifest, list[RegimeMapping]]:
    """The report's manifest and its regulatory mapping (per regime its policy names)."""
    manifest = _manifest(uow_factory, report_id)
    return manifest, mapping_of(manifest)


def mapping_of(manifest: ReportManifest) -> list[RegimeMapping]:
    """The regulatory mapping of one report's manifest (see the module docstring)."""
    issued = manifest.report.issued_at if manifest.report else None
    on = dt.date.fromisoformat((issued or manifest.identity.audited_at)[:10])
    findings = [(f.rule_id, f.metric, f.verdict, f.clauses) for f in manifest.findings]
    return map_findings(catalogue(), manifest.identity.policy.regimes, findings, on)


def annex_iv_extract(uow_factory: UnitOfWorkFactory, report_id: str) -> dict[str, Any]:
    """The test-report extract of EU AI Act Annex IV point 2(g): what was tested, with
    which data, the metrics with their thresholds and results, the dates, the integrity
    details, the officers' attestations (the report "dated and signed by the responsible
    persons" once one approves it) and the regulatory mapping."""
    manifest, mapping = report_mapping(uow_factory, report_id)
    signoff = report_attestations(uow_factory, report_id)
    identity = manifest.identity
    return {
        "format": ANNEX_IV_FORMAT,
        "clause": "Regulation (EU) 2024/1689, Annex IV, point 2(g)",
        "report": {
            "id": report_id,
            "series": manifest.report.series if manifest.report else None,
            "version": manifest.report.version if manifest.report else None,
            "issued_at": manifest.report.issued_at if manifest.report else None,
            "verdict": manifest.summary.verdict,
        },
        "tested": {
            "model": identity.model.model_dump(),
            "policy": identity.policy.model_dump(),
            "audit_id": identity.audit_id,
            "audited_at": identity.audited_at,
            "period": {"start": identity.period_start, "end": identity.period_end},
            "code_version": identity.code_version,
            "input_sha256": identity.input_sha256,
        },
        "data": {
            "runs": [r.model_dump() for r in identity.runs],
            "records": manifest.data.records,
            "groups": manifest.data.groups,
            "unknown_groups": manifest.data.unknown_groups,
        },
        "method": {
            "confidence": manifest.method.confidence,
            "bootstrap_resamples": manifest.method.bootstrap_resamples,
            "tests": manifest.method.tests,
        },
        "results": [
            {
                "rule_id": f.rule_id,
                "metric": f.metric,
                "dimension": f.dimension,
                "group": f.group,
                "severity": f.severity,
                "threshold": f"{f.comparison} {f.threshold}",
                "value": str(f.value),
                "ci": [str(f.ci_low), str(f.ci_high)],
                "n": f.n,
                "verdict": f.verdict,
                "reason": f.reason,
            }
            for f in manifest.findings
        ],
        "signed_off": signoff.signed_off,
        "attestations": [asdict(a) for a in signoff.attestations],
        "regulatory_mapping": [asdict(m) for m in mapping],
    }


def _manifest(uow_factory: UnitOfWorkFactory, report_id: str) -> ReportManifest:
    with uow_factory() as uow:
        report = uow.reports.get(report_id)
        if report is None:
            raise NotFound(
                f"no report '{report_id}'", hint="see the ids with: compliance reports list"
            )
        content = uow.reports.artifacts_of(report.id)["manifest"].content
    return ReportManifest.model_validate_json(content)
