"""Judging: a policy's rules applied to computed metrics, giving findings and a verdict.

METRICS.md, "How a rule turns a metric into a verdict". For a rule ``metric <cmp> t``:

- ``point`` mode compares the point estimate with ``t``;
- ``confidence`` mode: **pass** when the whole interval is on the good side of ``t``,
  **fail** when the whole interval is on the bad side, **inconclusive** otherwise (a result
  without an interval is judged on its point estimate, and the reason says so);
- a group whose ``n`` is below the policy's ``min_sample_per_group`` (or a result the
  engine marked ``insufficient_data``) is not judged: a FAIL of the groups that are judged
  stands, but a PASS needs every group judged, so it becomes **inconclusive**, naming the
  small groups with their own n; a rule whose only groups are small gives
  **insufficient_data**. An aggregate (gap, ratio...) compares the groups large enough and
  lists the others (``small_groups``): the same holds for it. An ``undefined`` result (a
  zero denominator) gives **inconclusive**;
- no result at all for the rule's metric and dimension gives **not_applicable**.

A per-group metric (``truth.accuracy``, ``outcome.impact_ratio``...) must hold for every
group: the rule fails if any group fails, and the finding shows the worst group. The
baseline's own row (group ``(baseline)``) is not a group a rule judges. A whole-dimension
metric (gap, ratio, worst group...) is judged once. When the data has no result for a
rule, the finding says why (the metric's own reason when it gave one, e.g. that no record
was asked with no persona for the baseline rules).

The audit's verdict: ``fail`` if a critical or major rule fails; else ``inconclusive`` if
a critical or major rule is inconclusive or has insufficient data; else ``pass``. Minor
rules are reported and never decide the verdict.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from compliance.domain.metric_catalog import CATALOG
from compliance.domain.policy import PolicySpec, RuleSpec
from compliance.domain.records import BASELINE_GROUP

__all__ = ["FindingVerdict", "JudgedFinding", "MetricLike", "Verdict", "judge", "overall_verdict"]

FindingVerdict = Literal["pass", "fail", "inconclusive", "insufficient_data", "not_applicable"]
Verdict = Literal["pass", "fail", "inconclusive"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}
_ORDER: dict[FindingVerdict, int] = {
    "fail": 0,
    "insufficient_data": 1,
    "inconclusive": 2,
    "pass": 3,
    "not_applicable": 4,
}


class MetricLike(Protocol):
    """What judging reads of a computed metric (``compliance.metrics`` results fit)."""

    @property
    def metric_id(self) -> str: ...
    @property
    def dimension(self) -> str: ...
    @property
    def group(self) -> str | None: ...
    @property
    def estimate(self) -> float | None: ...
    @property
    def ci_low(self) -> float | None: ...
    @property
    def ci_high(self) -> float | None: ...
    @property
    def n(self) -> int: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class JudgedFinding:
    rule_id: str
    metric_id: str
    dimension: str
    group: str | None
    severity: str
    mode: str
    comparison: str
    threshold: float
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    verdict: FindingVerdict
    reason: str
    text: str | None
    detectable: float | None = None
    items_needed: int | None = None
    critical: float | None = None


def judge(
    policy: PolicySpec, results: Iterable[MetricLike], *, items: int | None = None
) -> list[JudgedFinding]:
    """One finding per rule, in the policy's rule order. ``items``, the number of items (or
    clusters) the data asked, lets an inconclusive finding say how many would decide it."""
    by_key: dict[tuple[str, str], list[MetricLike]] = {}
    for result in results:
        by_key.setdefault((result.metric_id, result.dimension), []).append(result)
    return [
        _with_power(_judge_rule(rule, policy, by_key.get((rule.metric, rule.dimension), [])), items)
        for rule in policy.rules
    ]


_Z_POWER = 0.8416212335729143  # Φ⁻¹(0.8)


def _with_power(finding: JudgedFinding, items: int | None) -> JudgedFinding:
    """The finding with what its sample can detect and, when inconclusive, the sample that
    would decide it.

    With the finding's interval of half-width h = c·se (c its critical value, 1.96 or the
    max-t ``critical_t``), the rule fails with probability 0.8 when the true value is
    beyond the threshold by ``detectable = h·(1 + z₀.₈/c)``. An inconclusive interval
    straddles the threshold at distance δ = |estimate − threshold|: intervals narrow as
    1/√items, so about ``items·(h/δ)²`` items would put it on one side."""
    if finding.ci_low is None or finding.ci_high is None or finding.value is None:
        return finding
    half = (finding.ci_high - finding.ci_low) / 2.0
    critical = finding.critical if finding.critical else 1.959963984540054
    detectable = half * (1.0 + _Z_POWER / critical)
    needed = None
    reason = finding.reason
    if finding.verdict == "inconclusive" and half > 0:
        distance = abs(finding.value - finding.threshold)
        if distance == 0.0:
            reason = (
                reason.rstrip(".") + "; the estimate is at the threshold: no sample decides it."
            )
        elif items:
            needed = math.ceil(items * (half / distance) ** 2)
            reason = reason.rstrip(".") + (
                f"; about {needed} items (now {items}) would decide it at this estimate."
            )
    return replace(finding, detectable=detectable, items_needed=needed, reason=reason)


def overall_verdict(findings: Sequence[JudgedFinding]) -> Verdict:
    """``fail`` / ``inconclusive`` / ``pass`` from the critical and major findings."""
    deciding = [f.verdict for f in findings if f.severity in {"critical", "major"}]
    if "fail" in deciding:
        return "fail"
    if "inconclusive" in deciding or "insufficient_data" in deciding:
        return "inconclusive"
    return "pass"


def _judge_rule(rule: RuleSpec, policy: PolicySpec, rows: list[MetricLike]) -> JudgedFinding:
    mode = policy.mode_of(rule)
    per_group = CATALOG[rule.metric].per_group
    shaped = [r for r in rows if (r.group is not None) == per_group and r.group != BASELINE_GROUP]
    # an undefined result over no records at all means the data does not have this metric
    rows = [r for r in shaped if not (r.status == "undefined" and r.n == 0)]
    if not rows:
        reasons = sorted({_reason(r) for r in shaped} - {""})
        why = reasons[0] if len(reasons) == 1 else "the data has no such results"
        return _finding(
            rule,
            mode,
            None,
            "not_applicable",
            f"no {rule.metric} results for dimension '{rule.dimension}': {why}",
        )
    judged = [(row, *_judge_row(rule, mode, policy.min_sample_per_group, row)) for row in rows]
    small = [row for row, v, _ in judged if v == "insufficient_data"]
    decided = [entry for entry in judged if entry[1] != "insufficient_data"] or judged
    worst_verdict = min(_ORDER[v] for _, v, _ in decided)
    candidates = [(row, v, why) for row, v, why in decided if _ORDER[v] == worst_verdict]
    row, verdict, why = _worst(rule, candidates)
    if per_group and len(rows) > 1:
        scope = f"group '{row.group}' (worst of {len(rows) - len(small)} judged)"
        why = f"{scope}: {why}"
    left_out = [f"{r.group} (n = {r.n})" for r in small if r is not row] + _small_groups(row)
    if left_out and verdict == "pass":
        verdict = "inconclusive"
        why += "; a pass needs every group judged"
    if left_out and verdict in {"pass", "inconclusive", "fail"}:
        why += f"; not judged, below the minimum of {policy.min_sample_per_group}: "
        why += ", ".join(sorted(left_out))
    return _finding(rule, mode, row, verdict, why)


def _small_groups(row: MetricLike) -> list[str]:
    """The groups an aggregate left out for their size (``detail["small_groups"]``)."""
    detail = getattr(row, "detail", None)
    listed = detail.get("small_groups") if isinstance(detail, dict) else None
    return [g for g in listed.split("; ") if g] if isinstance(listed, str) else []


def _reason(row: MetricLike) -> str:
    detail = getattr(row, "detail", None)
    reason = detail.get("reason") if isinstance(detail, dict) else None
    return reason if isinstance(reason, str) else ""


def _judge_row(  # noqa: PLR0911 - one return per verdict path of METRICS.md
    rule: RuleSpec, mode: str, min_n: int, row: MetricLike
) -> tuple[FindingVerdict, str]:
    if row.status == "insufficient_data" or row.n < min_n:
        return "insufficient_data", f"n = {row.n} is below the policy's minimum of {min_n}"
    if row.status == "undefined" or row.estimate is None:
        return "inconclusive", "the metric is undefined here (a zero denominator or empty group)"
    holds = _OPS[rule.comparison]
    shown = f"{_fmt(row.estimate)}"
    if mode == "confidence" and row.ci_low is not None and row.ci_high is not None:
        interval = f"{shown} [{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]"
        low_ok, high_ok = holds(row.ci_low, rule.threshold), holds(row.ci_high, rule.threshold)
        if low_ok and high_ok:
            return (
                "pass",
                f"{interval}: the whole interval is {rule.comparison} {_fmt(rule.threshold)}",
            )
        if not low_ok and not high_ok:
            return (
                "fail",
                f"{interval}: the whole interval fails {rule.comparison} {_fmt(rule.threshold)}",
            )
        return (
            "inconclusive",
            f"{interval}: the interval straddles the threshold {_fmt(rule.threshold)}",
        )
    note = " (no interval: judged on the point estimate)" if mode == "confidence" else ""
    if holds(row.estimate, rule.threshold):
        return "pass", f"{shown} is {rule.comparison} {_fmt(rule.threshold)}{note}"
    return "fail", f"{shown} is not {rule.comparison} {_fmt(rule.threshold)}{note}"


def _worst(
    rule: RuleSpec, rows: list[tuple[MetricLike, FindingVerdict, str]]
) -> tuple[MetricLike, FindingVerdict, str]:
    """The row furthest on the bad side of the threshold (unknown estimates last)."""
    sign = 1.0 if rule.comparison in {"<=", "<"} else -1.0

    def badness(entry: tuple[MetricLike, FindingVerdict, str]) -> tuple[int, float, str]:
        row = entry[0]
        if row.estimate is None:
            return (1, 0.0, row.group or "")
        return (0, -sign * row.estimate, row.group or "")

    return min(rows, key=badness)


def _finding(
    rule: RuleSpec, mode: str, row: MetricLike | None, verdict: FindingVerdict, why: str
) -> JudgedFinding:
    title = CATALOG[rule.metric].title
    return JudgedFinding(
        rule_id=rule.id,
        metric_id=rule.metric,
        dimension=rule.dimension,
        group=None if row is None else row.group,
        severity=rule.severity,
        mode=mode,
        comparison=rule.comparison,
        threshold=rule.threshold,
        value=None if row is None else row.estimate,
        ci_low=None if row is None else row.ci_low,
        ci_high=None if row is None else row.ci_high,
        n=None if row is None else row.n,
        verdict=verdict,
        reason=f"{title} by {rule.dimension}: {why}.",
        text=rule.text,
        critical=None if row is None else _critical(row),
    )


def _critical(row: MetricLike) -> float | None:
    detail = getattr(row, "detail", None)
    value = detail.get("critical_t") if isinstance(detail, dict) else None
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _fmt(value: float) -> str:
    return f"{value:.4g}"
