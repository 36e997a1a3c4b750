"""diff_manifests: exact metric deltas, rule verdict flips, the overall verdict."""

from __future__ import annotations

from compliance.domain.manifest import ReportManifest
from compliance.reporting.diff import diff_manifests, exact_delta


def changed(manifest: ReportManifest) -> ReportManifest:
    metrics = [
        m.model_copy(update={"estimate": "0.8275"})
        if (m.metric, m.group) == ("truth.accuracy", "p-young")
        else m
        for m in manifest.metrics
        if m.metric != "truth.consistency.unanimity"
    ]
    findings = [
        f.model_copy(update={"verdict": "pass", "value": "0.01"}) if f.rule_id == "drop" else f
        for f in manifest.findings
        if f.rule_id != "unanimity"
    ]
    summary = manifest.summary.model_copy(update={"verdict": "inconclusive"})
    return manifest.model_copy(
        update={"metrics": metrics, "findings": findings, "summary": summary}
    )


def test_same_manifest_has_no_changes(synthetic: ReportManifest) -> None:
    diff = diff_manifests(synthetic, synthetic)
    assert diff.changed_metrics == () and diff.verdict_changes == ()
    assert not diff.verdict_changed
    assert all(m.delta == "0" for m in diff.metrics if m.old is not None)


def test_deltas_flips_and_overall(synthetic: ReportManifest) -> None:
    diff = diff_manifests(synthetic, changed(synthetic))
    deltas = {(m.metric, m.dimension, m.group): m for m in diff.changed_metrics}
    young = deltas[("truth.accuracy", "persona", "p-young")]
    assert (young.old, young.new, young.delta) == ("0.83", "0.8275", "-0.0025")  # exact
    gone = deltas[("truth.consistency.unanimity", "persona", None)]
    assert gone.new is None and gone.delta is None
    flips = {r.rule_id: (r.old_verdict, r.new_verdict) for r in diff.verdict_changes}
    assert flips == {"drop": ("fail", "pass"), "unanimity": ("pass", None)}
    drop = next(r for r in diff.rules if r.rule_id == "drop")
    assert drop.delta == "-0.2025"
    assert diff.verdict_changed and (diff.old_verdict, diff.new_verdict) == ("fail", "inconclusive")
    data = diff.to_dict()
    assert data["verdict_changed"] is True and data["new_report"] == "rep_toy_v3"


def test_different_audits(bbq_manifest: ReportManifest, truth_manifest: ReportManifest) -> None:
    diff = diff_manifests(bbq_manifest, truth_manifest)
    keys = {(m.metric, m.dimension, m.group) for m in diff.metrics}
    assert len(keys) == len(diff.metrics)
    assert {(m.metric, m.dimension, m.group) for m in bbq_manifest.metrics} <= keys
    assert {r.rule_id for r in diff.rules} == {
        f.rule_id for f in bbq_manifest.findings + truth_manifest.findings
    }


def test_exact_delta() -> None:
    assert exact_delta("0.1", "0.3") == "0.2"
    assert exact_delta("1e-05", "2e-05") == "0.00001"
    assert exact_delta(None, "1") is None and exact_delta("x", "1") is None
