"""METRICS.md section C: outcome fairness of yes/no decisions.

Records: decision records (``task == 3``) with an outcome (0 or 1), baseline records left
out; personas without the dimension's attribute form the ``(unknown)`` group, shown with
its count and left out of every comparison (``detail["n_unknown"]``). ``label`` is the true
yes/no where known. Resampling unit: the cluster of decision items. Intervals of
comparisons are simultaneous (:mod:`compliance.metrics.grouped`).

- ``outcome.selection_rate``: ``P(outcome = 1)`` overall and per group (Wilson, or
  cluster-robust Wilson when a unit gives a group several records).
- ``outcome.impact_ratio``: per group, ``sr_g / max_h sr_h`` (NYC Local Law 144 bias
  audits, 6 RCNY §5-300; pass an intersection dimension such as ``"sex×race"`` for the
  intersectional table), with ``detail["n_unknown"]``.
- ``outcome.demographic_parity_difference``: ``max_g sr_g − min_g sr_g`` (Fairlearn),
  with the max-t bootstrap test that no group differs and ``detail["mdg"]``.
- ``outcome.equalized_odds_difference``: ``max(max_g TPR_g − min_g TPR_g,
  max_g FPR_g − min_g FPR_g)`` with ``TPR_g = P(outcome = 1 | label = 1, g)`` and
  ``FPR_g = P(outcome = 1 | label = 0, g)`` (Fairlearn, ``agg="worst_case"``); the TPR
  and FPR pairwise differences form one max-t family, so both gaps' bounds hold jointly;
  the test and ``mdg`` are those of the component that attains the maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compliance.metrics.columns import TASK_DECISION
from compliance.metrics.grouped import (
    ProportionTable,
    gap_result,
    pairwise_differences,
    proportion_tables,
    rate_results,
    ratio_to_max_results,
    undefined_result,
)
from compliance.metrics.results import MetricResult
from compliance.metrics.simultaneous import gap_bounds
from compliance.metrics.workspace import Workspace, compact_codes, make_result

__all__ = [
    "demographic_parity_difference",
    "equalized_odds_difference",
    "impact_ratio",
    "selection_rate",
]

NAMESPACE = "C:decision-clusters"


@dataclass(frozen=True, eq=False)
class OutcomeTables:
    selection: ProportionTable
    tpr: ProportionTable
    fpr: ProportionTable


def outcome_tables(ws: Workspace, dimension: str) -> OutcomeTables:
    """Selection, TPR and FPR tables of a dimension (one matrix product, memoized)."""

    def build() -> OutcomeTables:
        c = ws.columns
        rows = np.flatnonzero((c.task == TASK_DECISION) & (c.outcome >= 0) & ~c.is_baseline)
        unit, n_units = compact_codes(c.cluster[rows])
        dim = ws.dimension(dimension)
        selected = (c.outcome[rows] == 1).astype(np.float64)
        label = c.label[rows]
        every = np.ones(rows.size, dtype=np.bool_)
        sel, tpr, fpr = proportion_tables(
            ws,
            NAMESPACE,
            unit,
            n_units,
            dim.codes[rows],
            dim.labels,
            [(selected, every), (selected, label == 1), (selected, label == 0)],
            dim.comparable,
        )
        return OutcomeTables(sel, tpr, fpr)

    return ws.memo(("outcome.tables", dimension.strip()), build)


def selection_rate(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``outcome.selection_rate``: P(outcome = 1) overall and per group."""
    table = outcome_tables(ws, dimension).selection
    return rate_results(ws, "outcome.selection_rate", dimension, table)


def impact_ratio(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``outcome.impact_ratio``: each group's selection rate over the highest group's."""
    table = outcome_tables(ws, dimension).selection
    results = ratio_to_max_results(ws, "outcome.impact_ratio", dimension, table)
    if not results:
        return [undefined_result("outcome.impact_ratio", dimension, None, "no groups")]
    return results


def demographic_parity_difference(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``outcome.demographic_parity_difference``: max − min selection rate."""
    table = outcome_tables(ws, dimension).selection
    return [gap_result(ws, "outcome.demographic_parity_difference", dimension, table)]


def equalized_odds_difference(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``outcome.equalized_odds_difference``: max of the TPR gap and the FPR gap."""
    metric_id = "outcome.equalized_odds_difference"
    tables = outcome_tables(ws, dimension)
    tpr = gap_result(ws, metric_id, dimension, tables.tpr)
    fpr = gap_result(ws, metric_id, dimension, tables.fpr)
    if tpr.estimate is None or fpr.estimate is None:
        reason = "a TPR or FPR gap is undefined (fewer than two groups with that label)"
        return [undefined_result(metric_id, dimension, None, reason, tpr.n + fpr.n)]
    worst = tpr if tpr.estimate >= fpr.estimate else fpr
    # the two gaps' pairwise differences as one family: their bounds hold jointly
    groups = [(t, t.compared(ws.min_n)) for t in (tables.tpr, tables.fpr)]
    tpr_family, fpr_family = pairwise_differences(ws, groups)
    tpr_bounds = gap_bounds(tpr_family.low, tpr_family.high)
    fpr_bounds = gap_bounds(fpr_family.low, fpr_family.high)
    low, high = max(tpr_bounds[0], fpr_bounds[0]), min(1.0, max(tpr_bounds[1], fpr_bounds[1]))
    detail = {k: v for k, v in worst.detail.items() if k not in ("n_boot_undefined",)}
    detail.update(
        {
            "tpr_gap": tpr.estimate,
            "fpr_gap": fpr.estimate,
            "component": "tpr" if worst is tpr else "fpr",
            "critical_t": round(float(tpr_family.critical), 6),
        }
    )
    smallest = min(int(t.n[t.defined].min()) for t in (tables.tpr, tables.fpr))
    return [
        make_result(
            metric_id,
            dimension,
            None,
            max(tpr.estimate, fpr.estimate),
            n=int(tables.tpr.n.sum() + tables.fpr.n.sum()),
            min_n=ws.min_n,
            ci=(float(low), float(high)),
            p_value=worst.p_value,
            detail=detail,
            smallest_n=smallest,
        )
    ]
