"""The report's view model: plain dicts and lists the templates print, built from a manifest.

All formatting decisions live here (numbers, ordering, which sections are present), so the
templates stay declarative and a test can check the view without parsing HTML. Nothing
reads anything but the manifest and the metric catalog.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from compliance.domain.manifest import FindingEntry, MetricEntry, ReportManifest
from compliance.domain.metric_catalog import CATALOG
from compliance.reporting._format import (
    SECTION_TITLES,
    VERDICT_SYMBOLS,
    VERDICT_WORDS,
    dimension_order,
    fmt,
    fmt_interval,
    fmt_p,
    to_float,
    verdict_rank,
)
from compliance.reporting.charts import Chart, ReportCharts

__all__ = ["build_view", "verdict_view"]

View = dict[str, Any]

_VERDICT_MEANING = {
    "pass": "Every critical and major rule of the policy passed.",
    "fail": "At least one critical or major rule of the policy failed.",
    "inconclusive": "No critical or major rule failed, but at least one could not be decided "
    "with the data available (its interval straddles the threshold, or a group is too small).",
}
_BETTER = {
    "high": "higher is better",
    "low": "lower is better",
    "zero": "closer to 0 is better",
    "none": "descriptive",
}


def verdict_view(verdict: str) -> View:
    """A verdict as word, symbol and CSS class: never colour alone."""
    return {
        "key": verdict,
        "word": VERDICT_WORDS.get(verdict, verdict.upper()),
        "symbol": VERDICT_SYMBOLS.get(verdict, "•"),
        "css": "verdict-" + verdict.replace("_", "-"),
    }


def build_view(manifest: ReportManifest, charts: ReportCharts) -> View:
    """Everything the template prints, in DESIGN.md's section order."""
    return {
        "summary": _summary(manifest),
        "scope": manifest.scope,
        "data": _data(manifest),
        "truth": _section(manifest, "A", charts),
        "examples": [e.model_dump() for e in manifest.examples or []],
        "other_sections": [_section(manifest, s, charts) for s in ("B", "C", "D")],
        "findings": [_finding(f) for f in manifest.findings],
        "trend": _trend(manifest, charts.trend),
        "method": _method(manifest),
        "appendix": _appendix(manifest),
    }


# ---------------------------------------------------------------------------- sections


def _summary(manifest: ReportManifest) -> View:
    counts = {k: int(v) for k, v in manifest.summary.counts.items() if v.isdigit()}
    parts = [
        f"{counts[v]} {VERDICT_WORDS[v].lower()}"
        for v in sorted(counts, key=verdict_rank)
        if counts.get(v) and v in VERDICT_WORDS
    ]
    deciding = sum(1 for f in manifest.findings if f.severity in {"critical", "major"})
    return {
        "verdict": verdict_view(manifest.summary.verdict),
        "meaning": _VERDICT_MEANING.get(manifest.summary.verdict, ""),
        "tally": ", ".join(parts),
        "rules": len(manifest.findings),
        "deciding": deciding,
        "lines": [
            {
                "rule_id": line.rule_id,
                "severity": line.severity,
                "verdict": verdict_view(line.verdict),
                "line": line.line,
            }
            for line in manifest.summary.lines
        ],
    }


def _data(manifest: ReportManifest) -> View:
    data = manifest.data
    dimensions = []
    for dimension in dimension_order(set(data.groups) | set(data.unknown_groups)):
        groups = data.groups.get(dimension, {})
        unknown = data.unknown_groups.get(dimension, "0")
        if not groups and unknown in {"0", data.records}:
            continue  # a dimension the data does not have
        dimensions.append(
            {
                "name": dimension,
                "intersection": "×" in dimension,
                "groups": [{"name": g, "records": n} for g, n in groups.items()],
                "unknown": unknown,
            }
        )
    return {
        "records": data.records,
        "baseline_records": data.baseline_records,
        "unparsed_records": data.unparsed_records,
        "refused_records": data.refused_records,
        "benchmarks": list(data.benchmarks.items()),
        "runs": manifest.identity.runs,
        "dimensions": dimensions,
        "excluded": list(data.excluded.items()),
    }


def _section(manifest: ReportManifest, section: str, charts: ReportCharts) -> View:
    rows = [m for m in manifest.metrics if m.section == section]
    present = any(to_float(m.estimate) is not None for m in rows)
    reason = next(
        (text for text in manifest.scope.not_measured if text.startswith(f"{section}:")),
        "the data has no records for these metrics",
    )
    dimensions = []
    if present:
        for dimension in dimension_order(m.dimension for m in rows):
            in_dim = [m for m in rows if m.dimension == dimension]
            if not any(to_float(m.estimate) is not None for m in in_dim):
                continue
            dimensions.append(_dimension(manifest, section, dimension, in_dim, charts))
    extra: list[Chart] = []
    if present and section == "D" and charts.preference is not None:
        extra = [charts.preference]
    return {
        "key": section,
        "title": SECTION_TITLES[section],
        "present": present,
        "not_measured": reason.split(":", 1)[-1].strip(),
        "dimensions": dimensions,
        "charts": extra,
    }


def _dimension(
    manifest: ReportManifest,
    section: str,
    dimension: str,
    rows: list[MetricEntry],
    charts: ReportCharts,
) -> View:
    order = {metric: i for i, metric in enumerate(CATALOG)}
    alpha = round(1.0 - (to_float(manifest.method.confidence) or 0.95), 12)

    def key(m: MetricEntry) -> tuple[int, str]:
        return (order.get(m.metric, len(order)), m.metric)

    whole = sorted((m for m in rows if m.group is None), key=key)
    by_metric: dict[str, list[MetricEntry]] = defaultdict(list)
    for m in sorted((m for m in rows if m.group is not None), key=key):
        by_metric[m.metric].append(m)
    group_tables = []
    for metric, entries in by_metric.items():
        if not any(to_float(m.estimate) is not None for m in entries):
            continue
        group_tables.append(
            {
                "metric": metric,
                "title": _title(metric),
                "better": _BETTER[CATALOG[metric].better] if metric in CATALOG else "",
                "drop": metric == "truth.accuracy.drop_vs_baseline",
                "outcomes": metric == "truth.accuracy",
                "rows": [_metric_row(m, alpha) for m in entries],
                "notes": any(_metric_row(m, alpha)["note"] for m in entries),
            }
        )
    chart_list = [
        charts.groups[(m, dimension)] for m in by_metric if (m, dimension) in charts.groups
    ]
    if section == "A" and dimension == "persona":
        chart_list += [c for c in (charts.drop, charts.heatmap) if c is not None]
    return {
        "name": dimension,
        "whole": [_metric_row(m, alpha) for m in whole],
        "group_tables": group_tables,
        "charts": chart_list,
        "section": section,
    }


def _metric_row(m: MetricEntry, alpha: float) -> View:
    """One metric row; ``significant`` when the Holm-adjusted p-value is below ``alpha``."""
    p_adjusted = m.detail.get("p_adjusted")
    note = m.detail.get("reason", "") if m.status != "ok" else ""
    for name in ("worst_group", "pair", "farthest_group", "highest_group"):
        if m.status == "ok" and m.detail.get(name):
            note = f"{name.replace('_', ' ')}: {m.detail[name]}"
            break
    return {
        "metric": m.metric,
        "title": _title(m.metric),
        "group": m.group,
        "status": m.status,
        "estimate": fmt(m.estimate),
        "interval": fmt_interval(m.ci_low, m.ci_high),
        "n": m.n,
        "p": fmt_p(m.p_value),
        "p_adjusted": fmt_p(p_adjusted),
        "significant": _below(p_adjusted, alpha),
        "note": note,
        "outcomes": [m.detail.get(name, "—") for name in OUTCOMES],
    }


#: the outcome counts every strict accuracy row carries, in the report's column order
OUTCOMES = ("correct", "incorrect", "refused", "unparsed")


def _finding(f: FindingEntry) -> View:
    return {
        "rule_id": f.rule_id,
        "metric": f.metric,
        "title": _title(f.metric),
        "dimension": f.dimension,
        "group": f.group,
        "severity": f.severity,
        "mode": f.mode,
        "rule": f"{f.comparison} {fmt(f.threshold)}",
        "value": fmt(f.value),
        "interval": fmt_interval(f.ci_low, f.ci_high),
        "n": f.n or "—",
        "verdict": verdict_view(f.verdict),
        "reason": f.reason,
        "text": f.text,
        "detectable": fmt(f.detectable) if f.detectable is not None else None,
        "items_needed": f.items_needed,
    }


def _trend(manifest: ReportManifest, chart: Chart | None) -> View:
    current_id = manifest.report.id if manifest.report else None
    earlier = [t for t in manifest.trend if t.report_id != current_id]
    earlier.sort(key=lambda t: (int(t.version), t.version) if t.version.isdigit() else (0, ""))
    versions = [
        {
            "version": t.version,
            "report_id": t.report_id,
            "issued_at": t.issued_at,
            "verdict": verdict_view(t.verdict),
            "current": False,
        }
        for t in earlier
    ]
    changes = []
    previous = earlier[-1] if earlier else None
    if previous is not None:
        for f in manifest.findings:
            old = previous.values.get(f.rule_id)
            changes.append(
                {
                    "rule_id": f.rule_id,
                    "old": fmt(old),
                    "new": fmt(f.value),
                    "delta": _delta(old, f.value),
                    "verdict": verdict_view(f.verdict),
                    "new_rule": f.rule_id not in previous.values,
                }
            )
    return {
        "versions": versions,
        "previous": previous,
        "previous_verdict": verdict_view(previous.verdict) if previous else None,
        "verdict_changed": previous is not None and previous.verdict != manifest.summary.verdict,
        "changes": changes,
        "removed_rules": sorted(
            set(previous.values) - {f.rule_id for f in manifest.findings} if previous else set()
        ),
        "chart": chart,
    }


def _method(manifest: ReportManifest) -> View:
    method = manifest.method
    gaps = sorted(method.min_detectable_gaps.items())
    return {
        "confidence": method.confidence,
        "confidence_pct": f"{(to_float(method.confidence) or 0.0):.0%}",
        "bootstrap_resamples": method.bootstrap_resamples,
        "bootstrap_unit": method.bootstrap_unit,
        "seed": method.seed,
        "proportion_interval": method.proportion_interval,
        "tests": method.tests,
        "gaps": [{"what": what, "gap": fmt(gap)} for what, gap in gaps],
        "decision_mode": manifest.identity.policy.decision_mode,
        "min_sample": manifest.identity.policy.min_sample_per_group,
        "mc_scoring": sorted((method.mc_scoring or {}).items()),
    }


def _appendix(manifest: ReportManifest) -> list[View]:
    ids = list(CATALOG) + sorted(set(manifest.method.definitions) - set(CATALOG))
    entries = []
    for metric in ids:
        spec = CATALOG.get(metric)
        definition = manifest.method.definitions.get(metric) or (spec.definition if spec else "")
        entries.append(
            {
                "id": metric,
                "title": spec.title if spec else metric,
                "section": spec.section if spec else "",
                "definition": definition,
                "better": _BETTER[spec.better] if spec else "",
                "scope": ("per group" if spec.per_group else "whole dimension") if spec else "",
                "source": spec.source if spec else "",
            }
        )
    return entries


def _below(p_value: str | None, alpha: float) -> bool:
    number = to_float(p_value)
    return number is not None and number < alpha


def _title(metric: str) -> str:
    spec = CATALOG.get(metric)
    return spec.title if spec else metric


def _delta(old: str | None, new: str | None) -> str:
    """``new − old`` in exact decimal arithmetic, signed, four significant digits."""
    if old is None or new is None:
        return "—"
    try:
        delta = Decimal(new) - Decimal(old)
    except InvalidOperation:
        return "—"
    text = fmt(str(delta))
    return text if text.startswith("-") or delta == 0 else f"+{text}"
