"""Building blocks of the report's charts: reading chart data from a manifest, and drawing
with matplotlib into deterministic inline SVG (see :mod:`compliance.reporting.charts`)."""

from __future__ import annotations

import io
import operator
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from compliance.domain.manifest import FindingEntry, MetricEntry, ReportManifest
from compliance.domain.metric_catalog import CATALOG
from compliance.reporting._format import dimension_order, fmt, to_float

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
LineStyle = Literal["-", "--", "-.", ":"]
GREY = "#666666"
WIDTH = 6.3  # inches: the A4 text width of the report
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}


# ---------------------------------------------------------------------------- chart data


def charted(metric: str) -> bool:
    """Charts show the per-group metrics of the catalog (a rule holds for every group);
    per-group breakdowns of whole-dimension metrics stay in the tables."""
    spec = CATALOG.get(metric)
    return spec is not None and spec.per_group


def trend_points(manifest: ReportManifest) -> list[tuple[str, dict[str, float | None]]]:
    """(label, rule id → value) for earlier versions, oldest first, then this version."""

    def order(version: str) -> tuple[int, str]:
        return (int(version), version) if version.isdigit() else (10**9, version)

    current_id = manifest.report.id if manifest.report else None
    earlier = sorted(
        (t for t in manifest.trend if t.report_id != current_id), key=lambda t: order(t.version)
    )
    points = [(f"v{t.version}", {r: to_float(v) for r, v in t.values.items()}) for t in earlier]
    label = f"v{manifest.report.version}" if manifest.report else "this audit"
    points.append((label, {f.rule_id: to_float(f.value) for f in manifest.findings}))
    return points


def pairs(row: MetricEntry | None) -> dict[tuple[str, str], float]:
    """``pair:<g> | <h>`` detail keys → {(g, h): share of items answered differently}."""
    pairs: dict[tuple[str, str], float] = {}
    if row is None:
        return pairs
    for name, text in row.detail.items():
        if not name.startswith("pair:") or " | " not in name:
            continue
        g, h = name.removeprefix("pair:").split(" | ", 1)
        value = to_float(text)
        if value is not None and g != h:
            pairs[(g, h)] = value
    return pairs


def by_dimension(manifest: ReportManifest, metric: str) -> list[MetricEntry]:
    rows = [m for m in manifest.metrics if m.metric == metric]
    order = {d: i for i, d in enumerate(dimension_order(m.dimension for m in rows))}
    return sorted(rows, key=lambda m: order[m.dimension])


def valued_groups(manifest: ReportManifest, metric: str, dimension: str) -> list[MetricEntry]:
    """The per-group rows of (metric, dimension) that have an estimate, in manifest order."""
    return [
        m
        for m in manifest.metrics
        if m.metric == metric
        and m.dimension == dimension
        and m.group is not None
        and to_float(m.estimate) is not None
    ]


def overall(manifest: ReportManifest, metric: str, dimension: str) -> float | None:
    for m in manifest.metrics:
        if m.metric == metric and m.dimension == dimension and m.group is None:
            return to_float(m.estimate)
    return None


def threshold_rule(manifest: ReportManifest, metric: str, dimension: str) -> FindingEntry | None:
    """The finding whose threshold is drawn on (metric, dimension): a rule on the metric,
    or, for ``truth.accuracy``, a ``truth.accuracy.worst_group`` rule (a floor per group)."""
    related = [metric] + (["truth.accuracy.worst_group"] if metric == "truth.accuracy" else [])
    for name in related:
        for finding in manifest.findings:
            if (
                finding.metric == name
                and finding.dimension == dimension
                and finding.comparison in OPS
                and to_float(finding.threshold) is not None
            ):
                return finding
    return None


def holds(rule: FindingEntry, value: float) -> bool:
    return OPS[rule.comparison](value, float(rule.threshold))


def triple(row: MetricEntry) -> tuple[float, float | None, float | None]:
    """(estimate, low, high) of a valued row (see :func:`valued_groups`)."""
    est = to_float(row.estimate)
    if est is None:
        raise ValueError(f"{row.metric} {row.group}: no estimate to draw")
    return est, to_float(row.ci_low), to_float(row.ci_high)


def direction(better: str) -> str:
    return {
        "high": "higher is better",
        "low": "lower is better",
        "zero": "closer to 0 is better",
    }.get(better, "descriptive")


def confidence(manifest: ReportManifest) -> str:
    level = to_float(manifest.method.confidence)
    return "confidence" if level is None else f"{level:.0%}"


# ---------------------------------------------------------------------------- drawing


_ID_REF = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def point(
    ax: Axes,
    est: float,
    y: float,
    low: float | None,
    high: float | None,
    *,
    filled: bool,
    marker: str | None = None,
) -> None:
    colour = OKABE_ITO["vermillion"] if filled else OKABE_ITO["blue"]
    xerr = None
    if low is not None and high is not None:
        xerr = [[max(est - low, 0.0)], [max(high - est, 0.0)]]
    ax.errorbar(
        [est],
        [y],
        xerr=xerr,
        fmt=marker or ("s" if filled else "o"),
        color="black",
        ecolor="black",
        elinewidth=1,
        capsize=2,
        markersize=5,
        markerfacecolor=colour if filled else "white",
        markeredgecolor=colour,
    )


def threshold(ax: Axes, rule: FindingEntry) -> list[Line2D | Patch]:
    threshold = float(rule.threshold)
    ax.axvline(threshold, color="black", linestyle="--", linewidth=1)
    low, high = ax.get_xlim()
    bad_low, bad_high = (
        (threshold, max(high, threshold))
        if rule.comparison in {"<=", "<"}
        else (min(low, threshold), threshold)
    )
    ax.axvspan(
        bad_low,
        bad_high,
        facecolor="none",
        edgecolor="#bbbbbb",
        hatch="///",
        linewidth=0,
    )
    ax.set_xlim(low, high)
    return [
        line(f"rule '{rule.rule_id}': {rule.comparison} {fmt(rule.threshold)}", "black", "--"),
        Patch(facecolor="none", edgecolor="#bbbbbb", hatch="///", label="failing side"),
    ]


def line(label: str, colour: str, style: LineStyle, marker: str | None = None) -> Line2D:
    return Line2D(
        [], [], color=colour, linestyle=style, marker=marker, markerfacecolor="white", label=label
    )


def marker(label: str, *, filled: bool, shape: str | None = None) -> Line2D:
    colour = OKABE_ITO["vermillion"] if filled else OKABE_ITO["blue"]
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=shape or ("s" if filled else "o"),
        markerfacecolor=colour if filled else "white",
        markeredgecolor=colour,
        label=label,
    )


def label(text: str) -> str:
    """Data text shown verbatim: ``$`` would otherwise start matplotlib math mode."""
    return text.replace("$", r"\$")


def key(kind: str, metric: str, dimension: str) -> str:
    raw = "-".join(part for part in (kind, metric, dimension) if part)
    return re.sub(r"[^A-Za-z0-9_-]+", "-", raw)


def figure(height: float, width: float = WIDTH) -> Figure:
    """A figure (inches) with the SVG canvas and constrained layout: no pyplot, no GUI."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasSVG(fig)
    return fig


@contextmanager
def style(key: str) -> Iterator[None]:
    with matplotlib.rc_context(
        {
            "font.family": "DejaVu Sans",
            "font.size": 8,
            "axes.titlesize": 9,
            "axes.labelsize": 8,
            "legend.fontsize": 7,
            "xtick.labelsize": 7,
            "ytick.labelsize": 7,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "hatch.linewidth": 0.5,
            "svg.fonttype": "none",
            "svg.hashsalt": f"compliance-report:{key}",
            "svg.image_inline": True,
            "text.usetex": False,
        }
    ):
        yield


def to_svg(fig: Figure, key: str) -> str:
    """The figure as an inline ``<svg>`` (no XML prolog), every id prefixed with ``key``."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "compliance report"})
    text = buffer.getvalue()
    text = text[text.index("<svg") :].strip()
    return _ID_REF.sub(lambda m: f"{m.group(1)}{key}--{m.group(2)}", text)
