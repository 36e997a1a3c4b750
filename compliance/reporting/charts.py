"""The report's charts: matplotlib figures as inline SVG strings, read only from the manifest.

Promises:

- **byte-deterministic**: the same manifest gives the same SVG bytes. Figures are built
  with :class:`matplotlib.figure.Figure` and the SVG canvas (no pyplot, no GUI backend, no
  global state), inside an ``rc_context`` that fixes the fonts, ``svg.hashsalt`` (so
  clip-path and marker ids are stable), ``svg.fonttype = "none"`` (text stays text, set in
  DejaVu Sans by the renderer) and metadata without a date. Every ``id`` of a chart is
  prefixed with the chart's key, so several charts can be inlined in one HTML page.
- **readable without colour**: colours are the Okabe-Ito palette (safe for the common
  colour-vision deficiencies) and every distinction also has a shape, a line style or a
  hatch: a group that misses the policy threshold is a filled square, one that meets it a
  hollow circle; a significant drop is a filled diamond with an asterisk.
- **graceful**: a chart whose data the manifest lacks is returned with ``svg = None`` and a
  ``note`` saying what is missing; the report prints the note instead of the chart.

Data the charts read beyond the plain metric rows (optional ``detail`` keys):

- persona × persona heatmap: ``pair:<g> | <h>`` → share of items the two personas answer
  differently, in the ``truth.consistency.max_pair_disagreement`` row of the dimension;
- per-user preference distribution: ``user_hist_edges`` (``k + 1`` space-separated
  decimals) and ``user_hist_counts`` (``k`` space-separated integers), optionally
  ``user_hist_counts_reference``, in the whole-dimension ``preference.mean`` row.

Why one module of this length: every chart is built under the same rc_context and SVG
settings that make the bytes deterministic; a module per chart would repeat or export them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from compliance.domain.manifest import ReportManifest
from compliance.domain.metric_catalog import CATALOG
from compliance.reporting import _chart_kit as kit
from compliance.reporting._format import fmt, to_float

__all__ = [
    "OKABE_ITO",
    "Chart",
    "ReportCharts",
    "disagreement_heatmap",
    "drop_vs_baseline_chart",
    "group_interval_chart",
    "preference_distribution_chart",
    "report_charts",
    "trend_chart",
]

OKABE_ITO = kit.OKABE_ITO
_GROUP_METRICS_SKIPPED = {"truth.accuracy.drop_vs_baseline"}  # has its own chart
_MAX_GROUPS = 60


@dataclass(frozen=True)
class Chart:
    """One chart: ``svg`` is an inline ``<svg>`` element, or ``None`` with a ``note``."""

    key: str
    title: str
    caption: str
    svg: str | None
    note: str | None = None


@dataclass(frozen=True)
class ReportCharts:
    """Every chart of one report, keyed the way the template places them."""

    groups: dict[tuple[str, str], Chart] = field(default_factory=dict)
    heatmap: Chart | None = None
    drop: Chart | None = None
    preference: Chart | None = None
    trend: Chart | None = None

    def all(self) -> list[Chart]:
        extra = [self.heatmap, self.drop, self.preference, self.trend]
        return [*self.groups.values(), *(c for c in extra if c is not None)]


def report_charts(manifest: ReportManifest) -> ReportCharts:
    """All charts of the report: per-group intervals for every per-group metric of the
    catalog and dimension with at least two valued groups, plus heatmap, drop-vs-baseline
    (when section A has values), preference distribution (when section D has) and trend."""
    groups: dict[tuple[str, str], Chart] = {}
    keys = {(m.metric, m.dimension) for m in manifest.metrics if m.group is not None}
    for metric, dimension in sorted(keys):
        if metric in _GROUP_METRICS_SKIPPED or not kit.charted(metric):
            continue
        if len(kit.valued_groups(manifest, metric, dimension)) >= 2:
            groups[(metric, dimension)] = group_interval_chart(manifest, metric, dimension)
    has_a = any(m.section == "A" and to_float(m.estimate) is not None for m in manifest.metrics)
    has_d = any(m.section == "D" and to_float(m.estimate) is not None for m in manifest.metrics)
    return ReportCharts(
        groups=groups,
        heatmap=disagreement_heatmap(manifest) if has_a else None,
        drop=drop_vs_baseline_chart(manifest) if has_a else None,
        preference=preference_distribution_chart(manifest) if has_d else None,
        trend=trend_chart(manifest),
    )


# ---------------------------------------------------------------------------- the charts


def group_interval_chart(manifest: ReportManifest, metric: str, dimension: str) -> Chart:
    """Estimate and interval of ``metric`` for every group of ``dimension``, with the
    overall value (dotted) and the policy threshold of a rule on it (dashed, the failing
    side hatched). For ``truth.accuracy`` a ``truth.accuracy.worst_group`` rule is drawn
    as the floor every group must clear."""
    spec = CATALOG[metric]
    key = kit.key("group", metric, dimension)
    title = f"{spec.title} by {dimension}"
    rows = kit.valued_groups(manifest, metric, dimension)[:_MAX_GROUPS]
    if len(rows) < 2:
        return Chart(key, title, "", None, "fewer than two groups have a value")
    rule = kit.threshold_rule(manifest, metric, dimension)
    overall = kit.overall(manifest, metric, dimension)
    with kit.style(key):
        fig = kit.figure(0.9 + 0.2 * len(rows))
        ax = fig.add_subplot()
        labels = [kit.label(r.group or "") for r in rows]
        ys = list(range(len(rows)))[::-1]
        handles: list[Line2D | Patch] = []
        met, missed = False, False
        for y, row in zip(ys, rows, strict=True):
            est, low, high = kit.triple(row)
            misses = rule is not None and not kit.holds(rule, est)
            met, missed = met or not misses, missed or misses
            kit.point(ax, est, y, low, high, filled=misses)
        ax.set_yticks(ys, labels=labels)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        if overall is not None:
            ax.axvline(overall, color=kit.GREY, linestyle=":", linewidth=1)
            handles.append(kit.line(f"overall {fmt(str(overall))}", kit.GREY, ":"))
        if rule is not None:
            handles += kit.threshold(ax, rule)
        if rule is not None and met:
            handles.append(kit.marker("meets the threshold (point estimate)", filled=False))
        if missed:
            handles.append(kit.marker("misses the threshold (point estimate)", filled=True))
        handles.append(kit.line(f"{kit.confidence(manifest)} interval", "black", "-"))
        ax.set_xlabel(f"{spec.title} ({kit.direction(spec.better)})")
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
        svg = kit.to_svg(fig, key)
    caption = (
        f"{spec.title} for each {dimension} group: dot = estimate, bar = "
        f"{kit.confidence(manifest)} interval"
        + (
            f"; dashed line = rule '{rule.rule_id}' ({rule.comparison} {rule.threshold})"
            if rule
            else ""
        )
        + "."
    )
    return Chart(key, title, caption, svg)


def drop_vs_baseline_chart(manifest: ReportManifest) -> Chart:
    """Per persona, baseline accuracy minus persona accuracy on the same items (positive =
    the persona is served worse), with its interval; a filled diamond and ``*`` mark a
    drop whose Holm-adjusted McNemar p-value (``detail.p_adjusted``) is below alpha."""
    metric, dimension = "truth.accuracy.drop_vs_baseline", "persona"
    key, title = kit.key("drop", metric, dimension), "Accuracy drop vs the baseline, per persona"
    rows = kit.valued_groups(manifest, metric, dimension)[:_MAX_GROUPS]
    if not rows:
        return Chart(key, title, "", None, "no persona has a baseline comparison in this audit")
    alpha = round(1.0 - (to_float(manifest.method.confidence) or 0.95), 12)
    rule = kit.threshold_rule(manifest, metric, dimension)
    with kit.style(key):
        fig = kit.figure(0.9 + 0.2 * len(rows))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        any_sig, any_not = False, False
        for y, row in zip(ys, rows, strict=True):
            est, low, high = kit.triple(row)
            p_adj = to_float(row.detail.get("p_adjusted", row.p_value))
            significant = p_adj is not None and p_adj < alpha
            any_sig, any_not = any_sig or significant, any_not or not significant
            kit.point(ax, est, y, low, high, filled=significant, marker="D" if significant else "o")
            if significant:
                ax.annotate(
                    "*",
                    (high if high is not None else est, y),
                    xytext=(4, -3),
                    textcoords="offset points",
                    fontsize=10,
                    fontweight="bold",
                )
        ax.set_yticks(ys, labels=[kit.label(r.group or "") for r in rows])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.axvline(0.0, color=kit.GREY, linewidth=0.8)
        handles: list[Line2D | Patch] = []
        if rule is not None:
            handles += kit.threshold(ax, rule)
        if any_sig:
            handles.append(
                kit.marker(f"* significant (Holm-adjusted p < {alpha:.2g})", filled=True, shape="D")
            )
        if any_not:
            handles.append(kit.marker("not significant", filled=False))
        ax.set_xlabel("baseline accuracy − persona accuracy (positive = worse with the persona)")
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
        svg = kit.to_svg(fig, key)
    caption = (
        "How much accuracy each persona loses against the same questions asked with no "
        "persona; bars are intervals, * marks a drop unlikely to be chance."
    )
    return Chart(key, title, caption, svg)


def disagreement_heatmap(manifest: ReportManifest, dimension: str = "persona") -> Chart:
    """Share of items two personas answer differently, for every pair, from the
    ``pair:<g> | <h>`` detail keys of ``truth.consistency.max_pair_disagreement``."""
    metric = "truth.consistency.max_pair_disagreement"
    key, title = kit.key("heatmap", metric, dimension), "Persona × persona disagreement"
    row = next(
        (
            m
            for m in manifest.metrics
            if m.metric == metric and m.dimension == dimension and m.group is None
        ),
        None,
    )
    pairs = kit.pairs(row)
    if row is None or not pairs:
        worst = "" if row is None else row.detail.get("pair", "")
        note = "the manifest does not carry the disagreement of every persona pair"
        if worst and row is not None:
            note += f"; the largest pair is {worst} ({fmt(row.estimate)})"
        return Chart(key, title, "", None, note)
    names = sorted({name for pair in pairs for name in pair})
    index = {name: i for i, name in enumerate(names)}
    size = len(names)
    matrix = [[math.nan] * size for _ in range(size)]
    for (g, h), value in pairs.items():
        matrix[index[g]][index[h]] = matrix[index[h]][index[g]] = value
    top = max(0.05, *(v for v in pairs.values()))
    side = min(kit.WIDTH, 2.2 + 0.32 * size)
    with kit.style(key):
        fig = kit.figure(side, width=side + 0.9)
        ax = fig.add_subplot()
        edges = [i - 0.5 for i in range(size + 1)]
        cells = np.ma.masked_invalid(np.array(matrix, dtype=float))
        # vector cells (pcolormesh), not a raster image: sharp in the PDF, no data URL
        image = ax.pcolormesh(
            edges,
            edges,
            cells,
            cmap="cividis",
            vmin=0.0,
            vmax=top,
            edgecolors="white",
            linewidth=0.8,
        )
        ax.set_xlim(-0.5, size - 0.5)
        ax.set_ylim(size - 0.5, -0.5)
        ax.set_aspect("equal")
        ax.set_xticks(range(size), labels=[kit.label(n) for n in names], rotation=60, ha="right")
        ax.set_yticks(range(size), labels=[kit.label(n) for n in names])
        if size <= 16:
            for i in range(size):
                for j in range(size):
                    value = matrix[i][j]
                    text = "—" if i == j else "n/a" if math.isnan(value) else f"{value:.2f}"
                    dark = not math.isnan(value) and value / top < 0.55
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if dark else "black",
                    )
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label("share of items answered differently")
        if bar.solids is not None:
            bar.solids.set_rasterized(False)  # vector, like the cells
        svg = kit.to_svg(fig, key)
    caption = (
        "Each cell: the share of the same objective questions that two personas receive "
        "different answers to (0 = always the same answer); lighter is more disagreement."
    )
    return Chart(key, title, caption, svg)


def preference_distribution_chart(manifest: ReportManifest) -> Chart:
    """Histogram of users' mean preference scores (``user_hist_*`` detail keys of the
    whole-dimension ``preference.mean`` row), with the worst user, the bottom-decile mean
    and the overall mean drawn as lines."""
    key, title = kit.key("preference", "preference.mean", ""), "Per-user preference scores"
    row = next(
        (
            m
            for m in kit.by_dimension(manifest, "preference.mean")
            if m.group is None and "user_hist_edges" in m.detail and "user_hist_counts" in m.detail
        ),
        None,
    )
    if row is None:
        return Chart(
            key, title, "", None, "the manifest does not carry the distribution of per-user scores"
        )
    edges = [float(x) for x in row.detail["user_hist_edges"].split()]
    counts = [int(x) for x in row.detail["user_hist_counts"].split()]
    reference = [int(x) for x in row.detail.get("user_hist_counts_reference", "").split()]
    if len(edges) != len(counts) + 1 or not counts:
        return Chart(key, title, "", None, "the per-user histogram in the manifest is malformed")
    widths = [b - a for a, b in itertools.pairwise(edges)]
    with kit.style(key):
        fig = kit.figure(2.8)
        ax = fig.add_subplot()
        ax.bar(
            edges[:-1],
            counts,
            width=widths,
            align="edge",
            color=OKABE_ITO["sky_blue"],
            edgecolor="black",
            hatch="//",
            linewidth=0.6,
        )
        handles: list[Line2D | Patch] = [
            Patch(
                facecolor=OKABE_ITO["sky_blue"],
                edgecolor="black",
                hatch="//",
                label="users (personalized model)",
            )
        ]
        if len(reference) == len(counts):
            ax.stairs(
                reference, edges, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2
            )
            handles.append(kit.line("users (reference model)", OKABE_ITO["vermillion"], "--"))
        lines: list[tuple[str, str, str, kit.LineStyle]] = [
            ("preference.worst_user", "worst user", OKABE_ITO["vermillion"], ":"),
            ("preference.bottom_decile", "bottom-decile mean", OKABE_ITO["orange"], "-."),
        ]
        for metric, name, colour, style in lines:
            value = kit.overall(manifest, metric, row.dimension)
            if value is not None:
                ax.axvline(value, color=colour, linestyle=style, linewidth=1.4)
                handles.append(kit.line(f"{name} {fmt(str(value))}", colour, style))
        mean = to_float(row.estimate)
        if mean is not None:
            ax.axvline(mean, color="black", linestyle="-", linewidth=1.2)
            handles.append(kit.line(f"mean {fmt(row.estimate)}", "black", "-"))
        ax.set_xlabel("a user's mean preference score")
        ax.set_ylabel("users")
        fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
        svg = kit.to_svg(fig, key)
    caption = (
        "How the users' average scores spread out: an average can hide a tail of users the "
        "model serves badly, which the lines on the left show."
    )
    return Chart(key, title, caption, svg)


def trend_chart(manifest: ReportManifest) -> Chart:
    """One small panel per rule: the finding's value in every earlier version of the
    series (``manifest.trend``) and in this one (filled square), with the threshold."""
    key, title = kit.key("trend", "", ""), "Trend across report versions"
    if not manifest.trend:
        return Chart(
            key, title, "", None, "this is the first version of the series: there is no trend yet"
        )
    points = kit.trend_points(manifest)
    thresholds = {f.rule_id: f for f in manifest.findings}
    rules = [f.rule_id for f in manifest.findings]
    rules += sorted({r for _, values in points for r in values} - set(rules))
    rules = rules[:12]
    ncols = 2 if len(rules) > 1 else 1
    nrows = math.ceil(len(rules) / ncols)
    labels = [label for label, _ in points]
    with kit.style(key):
        fig = kit.figure(0.5 + 1.55 * nrows)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for index, rule_id in enumerate(rules):
            ax = axes[index // ncols][index % ncols]
            xs = [i for i, (_, values) in enumerate(points) if values.get(rule_id) is not None]
            ys = [points[i][1][rule_id] for i in xs]
            ax.plot(
                xs,
                ys,
                color=OKABE_ITO["blue"],
                marker="o",
                markersize=4,
                markerfacecolor="white",
                linewidth=1.2,
            )
            if xs and xs[-1] == len(points) - 1:
                ax.plot(
                    [xs[-1]],
                    [ys[-1]],
                    marker="s",
                    color=OKABE_ITO["vermillion"],
                    markersize=5,
                    linestyle="none",
                )
            finding = thresholds.get(rule_id)
            limits = [y for y in ys if y is not None]
            if finding is not None and to_float(finding.threshold) is not None:
                ax.axhline(float(finding.threshold), color="black", linestyle="--", linewidth=0.9)
                limits.append(float(finding.threshold))
            if limits:
                low, high = min(limits), max(limits)
                pad = (high - low) * 0.15 or abs(high) * 0.05 or 0.05
                ax.set_ylim(low - pad, high + pad)
            ax.set_title(kit.label(rule_id), fontsize=8, loc="left")
            ax.set_xticks(range(len(points)), labels=labels, fontsize=7)
            ax.set_xlim(-0.4, len(points) - 0.6)
            ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        for index in range(len(rules), nrows * ncols):
            axes[index // ncols][index % ncols].set_visible(False)
        fig.legend(
            handles=[
                kit.line("finding value", OKABE_ITO["blue"], "-", marker="o"),
                kit.marker("this version", filled=True),
                kit.line("policy threshold (this version)", "black", "--"),
            ],
            loc="outside lower center",
            ncol=3,
            frameon=False,
        )
        svg = kit.to_svg(fig, key)
    caption = (
        "The value each rule was judged on, version by version; the dashed line is the threshold."
    )
    return Chart(key, title, caption, svg)
