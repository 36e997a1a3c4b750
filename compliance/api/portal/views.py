"""Pure helpers of the portal pages: the dashboard grid, the diff between two versions of a
series, and the trend chart (inline SVG, numbers only: nothing from the data is inserted
as markup except through escaping)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from compliance.api.views.responses import Dashboard, ModelOut, ReportOut, SeriesPoint

__all__ = ["DashboardRow", "RuleChange", "RuleTrend", "dashboard_rows", "diff", "trends"]

VERDICT_COLORS = {
    "pass": "#1a7f37",
    "fail": "#cf222e",
    "inconclusive": "#9a6700",
    "insufficient_data": "#9a6700",
    "not_applicable": "#57606a",
}


@dataclass(frozen=True)
class DashboardRow:
    model: ModelOut
    cells: list[ReportOut | None]


def dashboard_rows(board: Dashboard) -> list[DashboardRow]:
    """One row per model, one cell per policy: the newest report of that series, or None."""
    latest = {(r.model.id, r.policy.name): r for r in board.latest}
    return [
        DashboardRow(model=m, cells=[latest.get((m.id, p)) for p in board.policies])
        for m in board.models
    ]


@dataclass(frozen=True)
class RuleChange:
    rule_id: str
    metric: str
    dimension: str
    before_verdict: str | None
    after_verdict: str | None
    before_value: float | None
    after_value: float | None
    delta: float | None
    flipped: bool


def diff(previous: SeriesPoint | None, current: SeriesPoint) -> list[RuleChange]:
    """Each rule of either version: verdicts and values before and after; flips first."""
    before = {f.rule_id: f for f in previous.findings} if previous else {}
    after = {f.rule_id: f for f in current.findings}
    changes = []
    for rule_id in sorted(before.keys() | after.keys()):
        old, new = before.get(rule_id), after.get(rule_id)
        some = new or old
        assert some is not None
        old_value = old.value if old else None
        new_value = new.value if new else None
        delta = new_value - old_value if new_value is not None and old_value is not None else None
        old_verdict = old.verdict if old else None
        new_verdict = new.verdict if new else None
        changes.append(
            RuleChange(
                rule_id=rule_id,
                metric=some.metric,
                dimension=some.dimension,
                before_verdict=old_verdict,
                after_verdict=new_verdict,
                before_value=old_value,
                after_value=new_value,
                delta=delta,
                flipped=previous is not None and old_verdict != new_verdict,
            )
        )
    return sorted(changes, key=lambda c: (not c.flipped, c.rule_id))


@dataclass(frozen=True)
class RuleTrend:
    rule_id: str
    metric: str
    comparison: str
    threshold: float
    latest: float | None
    latest_verdict: str | None
    chart: Markup


def trends(points: list[SeriesPoint]) -> list[RuleTrend]:
    """One chart per rule of the newest version, across every version of the series."""
    if not points:
        return []
    result = []
    for finding in points[-1].findings:
        series = []
        for point in points:
            match = next((f for f in point.findings if f.rule_id == finding.rule_id), None)
            series.append(
                (
                    point.report.version,
                    match.value if match else None,
                    match.verdict if match else None,
                )
            )
        result.append(
            RuleTrend(
                rule_id=finding.rule_id,
                metric=finding.metric,
                comparison=finding.comparison,
                threshold=finding.threshold,
                latest=finding.value,
                latest_verdict=finding.verdict,
                chart=trend_svg(finding.rule_id, series, finding.threshold),
            )
        )
    return result


def trend_svg(
    label: str,
    series: list[tuple[int, float | None, str | None]],
    threshold: float,
    *,
    width: int = 260,
    height: int = 84,
) -> Markup:
    """A small line chart: one point per version (labelled below), the threshold dashed; the
    y axis is labelled with the threshold and the lowest and highest values (a label too
    close to the threshold's is left out)."""
    pad_left, pad_right, pad_y, axis = 40.0, 12.0, 8.0, 14.0
    observed = [v for _, v, _ in series if v is not None]
    values = [*observed, threshold]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    span = high - low
    low, high = low - 0.1 * span, high + 0.1 * span

    def x(i: int) -> float:
        if len(series) == 1:
            return (pad_left + width - pad_right) / 2
        return pad_left + i * (width - pad_left - pad_right) / (len(series) - 1)

    def y(value: float) -> float:
        return pad_y + (high - value) * (height - 2 * pad_y - axis) / (high - low)

    points = [
        (x(i), y(v), verdict, ver, v) for i, (ver, v, verdict) in enumerate(series) if v is not None
    ]
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py, *_ in points)
    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}: trend across {len(series)} versions">',
        f"<title>{escape(label)}: value per version; dashed line: threshold {threshold:g}</title>",
        f'<line x1="{pad_left}" x2="{width - pad_right}" y1="{y(threshold):.1f}" '
        f'y2="{y(threshold):.1f}" stroke="#57606a" stroke-width="1" stroke-dasharray="4 3"/>',
    ]
    ticks = [threshold]
    for value in (max(observed, default=threshold), min(observed, default=threshold)):
        if all(abs(y(value) - y(tick)) >= 10 for tick in ticks):
            ticks.append(value)
    for tick in ticks:
        parts.append(
            f'<text class="tick" x="{pad_left - 4}" y="{y(tick) + 3:.1f}" font-size="9" '
            f'fill="#57606a" text-anchor="end">{tick:.3g}</text>'
        )
    if len(points) > 1:
        parts.append(f'<polyline points="{line}" fill="none" stroke="#0b5cad" stroke-width="2"/>')
    for i, (version, _, _) in enumerate(series):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 2}" font-size="10" fill="#57606a" '
            f'text-anchor="middle">v{version}</text>'
        )
    for px, py, verdict, version, value in points:
        color = VERDICT_COLORS.get(verdict or "", "#57606a")
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{color}">'
            f"<title>v{version}: {value:.4g} ({escape(verdict or '-')})</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers and escaped text only
