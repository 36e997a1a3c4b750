"""Charts: byte-deterministic SVG, every chart drawn for the synthetic manifest, graceful skips."""

from __future__ import annotations

import re

from compliance.domain.manifest import ReportManifest
from compliance.reporting.charts import (
    OKABE_ITO,
    disagreement_heatmap,
    drop_vs_baseline_chart,
    group_interval_chart,
    preference_distribution_chart,
    report_charts,
    trend_chart,
)


def test_same_manifest_same_svg_bytes(synthetic: ReportManifest) -> None:
    first = [c.svg for c in report_charts(synthetic).all()]
    second = [c.svg for c in report_charts(synthetic.model_copy(deep=True)).all()]
    assert first == second
    assert all(svg is not None for svg in first)
    assert len(first) == 7


def test_every_chart_kind_is_drawn(synthetic: ReportManifest) -> None:
    charts = report_charts(synthetic)
    assert set(charts.groups) == {
        ("truth.accuracy", "persona"),
        ("truth.accuracy", "gender×age_band"),
        ("preference.mean", "persona"),
    }
    for chart in (charts.heatmap, charts.drop, charts.preference, charts.trend):
        assert chart is not None and chart.svg is not None and chart.svg.startswith("<svg")
        assert chart.note is None


def test_svg_is_inline_vector_and_carries_no_date(synthetic: ReportManifest) -> None:
    for chart in report_charts(synthetic).all():
        svg = chart.svg or ""
        assert not svg.startswith("<?xml") and "<!DOCTYPE" not in svg
        assert "<dc:date>" not in svg
        assert "<image" not in svg  # no raster: sharp in the PDF
        ids = re.findall(r'\bid="([^"]+)"', svg)
        assert ids and all(i.startswith(chart.key + "--") for i in ids)
        assert "<text" in svg  # text stays text (svg.fonttype = none)


def test_threshold_and_palette_drawn(synthetic: ReportManifest) -> None:
    chart = group_interval_chart(synthetic, "truth.accuracy", "persona")
    assert "rule &#39;worst-group&#39;: &gt;= 0.6" in (chart.svg or "") or "worst-group" in (
        chart.svg or ""
    )
    assert "stroke-dasharray" in (chart.svg or "")  # the dashed threshold
    drop = drop_vs_baseline_chart(synthetic).svg or ""
    assert OKABE_ITO["vermillion"].lower() in drop.lower()  # the significant drop
    assert "significant" in drop


def test_hostile_labels_are_drawn_verbatim(synthetic: ReportManifest) -> None:
    svg = group_interval_chart(synthetic, "truth.accuracy", "persona").svg or ""
    assert "&lt;b&gt;p&amp;c&lt;/b&gt; $x$" in svg
    assert "<b>" not in svg


def test_missing_data_is_skipped_with_a_note(truth_manifest: ReportManifest) -> None:
    heatmap = disagreement_heatmap(truth_manifest)
    assert heatmap.svg is None
    assert heatmap.note is not None and "f-65+-rural | m-65+-rural" in heatmap.note
    preference = preference_distribution_chart(truth_manifest)
    assert preference.svg is None and "per-user" in (preference.note or "")
    assert trend_chart(truth_manifest).svg is None
    assert drop_vs_baseline_chart(truth_manifest).svg is not None


def test_bbq_manifest_charts_only_what_it_has(bbq_manifest: ReportManifest) -> None:
    charts = report_charts(bbq_manifest)
    assert charts.heatmap is None and charts.drop is None and charts.preference is None
    assert {metric for metric, _ in charts.groups} == {
        "bbq.accuracy",
        "bbq.alignment_cost",
        "bbq.bias_score.ambiguous",
        "bbq.bias_score.disambiguated",
    }
