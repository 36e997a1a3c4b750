"""One grouped computation, many named metrics (Fairlearn's MetricFrame design, vectorized).

A :class:`ProportionTable` holds, for the groups of one dimension, the successes ``k_g`` and
trials ``n_g`` (e.g. correct answers and records asked), their per-unit sums (units: the
items, or their clusters) and their bootstrap replicates ``W @ S`` (see
:mod:`compliance.metrics.bootstrap`). With ``r_g = k_g / n_g``:

- per group: ``r_g`` with a 95% interval: Wilson when every unit gives the group at most
  one record (one persona, one answer per item); otherwise (a group pooled over personas
  answering the same items, or items in clusters) the **cluster-robust** Wilson interval
  of :func:`compliance.metrics.stats.effective_wilson_interval` (Korn & Graubard's
  effective sample size); overall ``Σk / Σn`` over the records whose group is known, with
  the cluster-robust interval;
- worst group ``min_g r_g`` (Fairlearn ``group_min``), gap ``max_g r_g − min_g r_g``
  (``difference(method="between_groups")``), gap to overall ``max_g |r_g − r|``
  (``difference(method="to_overall")``), ratio ``min_g r_g / max_g r_g`` (``ratio()``,
  undefined when the maximum is 0) and, per group, the ratio to the highest group (the
  impact ratio): their intervals are **simultaneous** (studentized max-t bootstrap over
  the units; :mod:`compliance.metrics.simultaneous`), never the percentile interval of a
  maximum or minimum, which is biased and covers nothing when there is no true gap;
- the gap's p-value tests that no group differs: Cochran's Q when the caller has paired
  binary answers (one record per item and group), the max-t bootstrap p-value otherwise;
- Nash social welfare ``(Π_g r_g)^(1/|G|)`` (0 when a rate is 0), a smooth function of the
  rates: percentile cluster bootstrap.

Aggregates compare the groups with at least ``min_n`` records (the policy's minimum
sample per group); smaller groups are left out of the comparison and listed in
``detail["small_groups"]`` with their own n (a rule can then not pass on the aggregate,
only fail). With fewer than two such groups the aggregate is computed over every
non-empty group and marked ``insufficient_data``. Empty groups are counted in
``detail["n_groups_empty"]``. Ties between groups are broken by label, so relabelling
codes never changes a result.

Why one module of this length: one ProportionTable feeds every grouped metric and their
simultaneous intervals; the metrics are a few lines each over the shared table and
bootstrap.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from compliance.metrics.bootstrap import percentile_interval
from compliance.metrics.results import Detail, MetricResult
from compliance.metrics.simultaneous import (
    SimultaneousIntervals,
    gap_bounds,
    max_t,
    max_t_p_value,
    pair_indices,
)
from compliance.metrics.workspace import Workspace, make_result

__all__ = [
    "ProportionTable",
    "gap_result",
    "gap_to_overall_result",
    "keyed_sums",
    "nsw_result",
    "pairwise_differences",
    "proportion_tables",
    "rate_intervals",
    "rate_results",
    "ratio_result",
    "ratio_to_max_results",
    "sum_by_unit_and_group",
    "undefined_result",
    "unit_group_keys",
    "worst_group_result",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


def sum_by_unit_and_group(
    unit: IntArray, group: IntArray, n_units: int, n_groups: int, weights: FloatArray | None
) -> FloatArray:
    """The (n_units × n_groups) matrix of per-unit, per-group sums (counts without weights).

    Rows whose group is negative are left out.
    """
    return keyed_sums(unit_group_keys(unit, group, n_units, n_groups), n_units, n_groups, weights)


def unit_group_keys(unit: IntArray, group: IntArray, n_units: int, n_groups: int) -> IntArray:
    """``unit · n_groups + group`` per row; rows with a negative group go to a spare bin."""
    key = unit * n_groups + group
    key[group < 0] = n_units * n_groups
    return key


def keyed_sums(
    keys: IntArray, n_units: int, n_groups: int, weights: FloatArray | None
) -> FloatArray:
    """Sums by :func:`unit_group_keys` keys, as an (n_units × n_groups) matrix."""
    size = n_units * n_groups
    sums = np.bincount(keys, weights=weights, minlength=size + 1)[:size]
    return sums.astype(np.float64, copy=False).reshape(n_units, n_groups)


@dataclass(frozen=True, eq=False)
class ProportionTable:
    """Per-group successes and trials, their per-unit sums (U × G) and their bootstrap
    replicates (B × G)."""

    labels: tuple[str, ...]
    k: FloatArray
    n: FloatArray
    boot_k: FloatArray
    boot_n: FloatArray
    n_unknown: int
    unit_k: FloatArray
    unit_n: FloatArray
    comparable: BoolArray  # the groups comparisons may include (not "(unknown)")

    @property
    def defined(self) -> BoolArray:
        return self.n > 0

    @property
    def comparable_defined(self) -> BoolArray:
        return self.defined & self.comparable

    def rates(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.n > 0, self.k / self.n, np.nan)

    def boot_rates(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.boot_n > 0, self.boot_k / self.boot_n, np.nan)

    def compared(self, min_n: int) -> BoolArray:
        """The groups an aggregate compares: those with at least ``min_n`` records, or
        every non-empty group when fewer than two have that many."""
        large = self.comparable_defined & (self.n >= min_n)
        return large if np.count_nonzero(large) >= 2 else self.comparable_defined


def proportion_tables(
    ws: Workspace,
    namespace: str,
    unit: IntArray,
    n_units: int,
    group: IntArray,
    labels: tuple[str, ...],
    specs: Sequence[tuple[FloatArray, BoolArray]],
    comparable: BoolArray | None = None,
) -> list[ProportionTable]:
    """Tables for several (success, valid) specs over the same rows, with one matrix product.

    ``unit``, ``group`` and every spec's arrays are aligned row by row; rows with group -1
    are counted as unknown; ``comparable`` marks the groups comparisons include (default
    all). ``valid`` is a boolean mask (a row is one trial), or float trial weights (a row
    is a weighted trial, e.g. a pair weighted by the baseline's accuracy on its item; the
    success then already carries the weight).
    """
    if comparable is None:
        comparable = np.ones(len(labels), dtype=np.bool_)
    n_groups = len(labels)
    known = group >= 0
    keys = unit_group_keys(unit, group, n_units, n_groups)
    # one block per distinct array: specs sharing a ``valid`` (or a success) array share
    # its sums and its columns of the matrix product
    position: dict[tuple[str, int, int], int] = {}
    blocks: list[FloatArray] = []
    index = []
    for success, valid in specs:
        k_key, n_key = ("k", id(success), id(valid)), ("n", id(valid), 0)
        weighted = valid.dtype != np.bool_  # trial weights, the success already weighted
        if k_key not in position:
            position[k_key] = len(blocks)
            numerator = success if weighted else np.where(valid, success, 0.0)
            blocks.append(keyed_sums(keys, n_units, n_groups, numerator))
        if n_key not in position:
            position[n_key] = len(blocks)
            blocks.append(keyed_sums(keys, n_units, n_groups, valid.astype(np.float64)))
        unknown = int(np.count_nonzero((valid > 0) & ~known))
        index.append((position[k_key], position[n_key], unknown))
    stacked = np.hstack(blocks) if blocks else np.zeros((n_units, 0))
    boot = ws.weights(namespace, n_units).matmul(stacked)
    tables = []
    for k_at, n_at, unknown in index:
        sk, sn = blocks[k_at], blocks[n_at]
        tables.append(
            ProportionTable(
                labels,
                sk.sum(axis=0),
                sn.sum(axis=0),
                boot[:, k_at * n_groups : (k_at + 1) * n_groups],
                boot[:, n_at * n_groups : (n_at + 1) * n_groups],
                unknown,
                sk,
                sn,
                comparable,
            )
        )
    return tables


def undefined_result(
    metric_id: str, dimension: str, group: str | None, reason: str, n: int = 0
) -> MetricResult:
    return MetricResult(
        metric_id, dimension, group, None, None, None, n, None, "undefined", {"reason": reason}
    )


def _boot_detail(ws: Workspace, replicates: FloatArray) -> Detail:
    detail: Detail = {"ci_method": "cluster_bootstrap", "n_boot": ws.n_boot}
    undefined = int(np.count_nonzero(~np.isfinite(replicates)))
    if undefined:
        detail["n_boot_undefined"] = undefined
    return detail


def rate_results(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> list[MetricResult]:
    """Overall (group None) and per-group proportions with their 95% intervals (Wilson for
    one record per unit, the cluster-robust Wilson otherwise)."""
    k = np.concatenate(([table.k.sum()], table.k))
    n = np.concatenate(([table.n.sum()], table.n))
    unit_k = np.hstack([table.unit_k.sum(axis=1, keepdims=True), table.unit_k])
    unit_n = np.hstack([table.unit_n.sum(axis=1, keepdims=True), table.unit_n])
    low, high, method = ws.clustered_proportion_interval(k, n, unit_k, unit_n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, k / n, np.nan)
    out = []
    for i, group in enumerate((None, *table.labels)):
        detail: Detail = {"ci_method": method[i], "successes": int(k[i])}
        if group is None:
            detail["n_unknown"] = table.n_unknown
        if n[i] == 0:
            detail["reason"] = "no records"
        out.append(
            make_result(
                metric_id,
                dimension,
                group,
                rate[i],
                n=int(n[i]),
                min_n=ws.min_n,
                ci=(low[i], high[i]),
                detail=detail,
            )
        )
    return out


def _pick(rates: FloatArray, labels: tuple[str, ...], defined: BoolArray, best: bool) -> int:
    idx = np.flatnonzero(defined).tolist()
    sign = -1.0 if best else 1.0
    return int(min(idx, key=lambda g: (sign * float(rates[g]), labels[g])))


def _base_detail(table: ProportionTable, compared: BoolArray) -> Detail:
    detail: Detail = {
        "n_groups": int(np.count_nonzero(compared)),
        "n_groups_empty": int(np.count_nonzero(~table.defined)),
        "n_unknown": table.n_unknown + int(table.n[~table.comparable].sum()),
    }
    small = table.comparable_defined & ~compared
    if small.any():
        detail["n_groups_small"] = int(np.count_nonzero(small))
        detail["small_groups"] = "; ".join(
            sorted(f"{table.labels[g]} (n = {int(table.n[g])})" for g in np.flatnonzero(small))
        )
    return detail


def _quiet_reduce(fn: str, values: FloatArray) -> FloatArray:
    """``np.<fn>(values, axis=1)`` without warnings; no columns (no groups) gives NaN rows."""
    if values.ndim == 2 and values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(getattr(np, fn)(values, axis=1), dtype=np.float64)


def _containing(
    estimate: float | None, low: float, high: float, bounds: tuple[float, float] = (0.0, 1.0)
) -> tuple[float, float]:
    """The interval cut to the metric's range (``bounds``) and widened, if needed, to
    contain its point estimate."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return (low, high)
    low, high = max(low, bounds[0]), min(high, bounds[1])
    if estimate is None:
        return (low, high)
    return (min(low, estimate), max(high, estimate))


def _aggregate(
    ws: Workspace,
    metric_id: str,
    dimension: str,
    table: ProportionTable,
    compared: BoolArray,
    estimate: float | None,
    ci: tuple[float, float],
    detail: Detail,
    p_value: float | None = None,
) -> MetricResult:
    return make_result(
        metric_id,
        dimension,
        None,
        estimate,
        n=int(table.n[compared].sum()),
        min_n=ws.min_n,
        ci=_containing(estimate, *ci),
        p_value=p_value,
        detail={**_base_detail(table, compared), **detail},
        smallest_n=int(table.n[compared].min()) if compared.any() else 0,
    )


def _simultaneous_detail(ws: Workspace, family: SimultaneousIntervals) -> Detail:
    return {
        "ci_method": "max_t_bootstrap",
        "n_boot": ws.n_boot,
        "critical_t": round(float(family.critical), 6) if np.isfinite(family.critical) else 0.0,
    }


def rate_intervals(
    ws: Workspace, table: ProportionTable, groups: BoolArray
) -> SimultaneousIntervals:
    """Simultaneous intervals of the rates of ``groups``."""
    return max_t(table.rates()[groups], table.boot_rates()[:, groups], ws.level)


def pairwise_differences(
    ws: Workspace, tables: Sequence[tuple[ProportionTable, BoolArray]], *, log: bool = False
) -> list[SimultaneousIntervals]:
    """Simultaneous intervals of every pairwise difference ``r_g − r_h`` (``log``: of the
    continuity-corrected log rates) of the compared groups of each table, all tables in one
    family (so that, say, a TPR gap and an FPR gap hold jointly)."""
    estimates, replicates, sizes = [], [], []
    for table, groups in tables:
        if log:
            rate = np.log((table.k[groups] + 0.5) / (table.n[groups] + 1.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                boot = np.log((table.boot_k[:, groups] + 0.5) / (table.boot_n[:, groups] + 1.0))
        else:
            rate, boot = table.rates()[groups], table.boot_rates()[:, groups]
        g, h = pair_indices(int(np.count_nonzero(groups)))
        estimates.append(rate[g] - rate[h])
        replicates.append(boot[:, g] - boot[:, h])
        sizes.append(g.size)
    family = max_t(np.concatenate(estimates), np.hstack(replicates), ws.level)
    out, start = [], 0
    for size in sizes:
        part = slice(start, start + size)
        out.append(
            SimultaneousIntervals(
                family.estimate[part],
                family.low[part],
                family.high[part],
                family.se[part],
                family.critical,
                family.t_max,
            )
        )
        start += size
    return out


def worst_group_result(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> MetricResult:
    """``min_g r_g`` in ``[min_g l_g, min_g u_g]`` (simultaneous intervals of the rates)."""
    if not table.comparable_defined.any():
        return undefined_result(metric_id, dimension, None, "no non-empty group")
    compared = table.compared(ws.min_n)
    r = table.rates()
    worst = _pick(r, table.labels, compared, best=False)
    family = rate_intervals(ws, table, compared)
    ci = (float(np.min(family.low)), float(np.min(family.high)))
    detail: Detail = {"worst_group": table.labels[worst], **_simultaneous_detail(ws, family)}
    return _aggregate(ws, metric_id, dimension, table, compared, float(r[worst]), ci, detail)


def gap_result(
    ws: Workspace,
    metric_id: str,
    dimension: str,
    table: ProportionTable,
    *,
    higher_is_worse: bool = False,
    test: Callable[[BoolArray], tuple[float, str] | None] | None = None,
) -> MetricResult:
    """max − min rate, with simultaneous bounds, a global test (``test`` of the compared
    groups: the caller's (p, test name) when it applies, else the max-t bootstrap p-value)
    and the minimum detectable gap. The best group has the highest rate, or the lowest when
    ``higher_is_worse`` (refusals)."""
    if np.count_nonzero(table.comparable_defined) < 2:
        return undefined_result(
            metric_id, dimension, None, "fewer than two non-empty groups", int(table.n.sum())
        )
    compared = table.compared(ws.min_n)
    r = table.rates()
    high, low = _pick(r, table.labels, compared, True), _pick(r, table.labels, compared, False)
    best, worst = (low, high) if higher_is_worse else (high, low)
    (family,) = pairwise_differences(ws, [(table, compared)])
    given = test(compared) if test is not None else None
    p_value, test_name = given if given is not None else (max_t_p_value(family), "max_t_bootstrap")
    detail: Detail = {
        "best_group": table.labels[best],
        "worst_group": table.labels[worst],
        "best_rate": float(r[best]),
        "worst_rate": float(r[worst]),
        "test": test_name,
        **_simultaneous_detail(ws, family),
    }
    mdg = _detectable(family)
    if mdg is not None:
        detail["mdg"] = mdg
    return _aggregate(
        ws,
        metric_id,
        dimension,
        table,
        compared,
        float(r[high] - r[low]),
        gap_bounds(family.low, family.high),
        detail,
        p_value,
    )


def _detectable(family: SimultaneousIntervals) -> float | None:
    """The smallest pairwise difference that would be detected (its simultaneous lower bound
    above 0) with probability 0.8: ``(c + z_0.8) · se`` for the pair with the largest se."""
    if not family.se.size or not np.isfinite(family.critical) or float(family.se.max()) <= 0:
        return None
    return float((family.critical + 0.8416212335729143) * float(family.se.max()))


def gap_to_overall_result(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> MetricResult:
    if np.count_nonzero(table.comparable_defined) < 2:
        return undefined_result(
            metric_id, dimension, None, "fewer than two non-empty groups", int(table.n.sum())
        )
    compared = table.compared(ws.min_n)
    d = compared
    r = table.rates()
    overall = float(table.k[d].sum() / table.n[d].sum())
    deviation = np.abs(r[d] - overall)
    far = _pick(np.abs(r - overall), table.labels, d, best=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot_overall = table.boot_k[:, d].sum(axis=1) / table.boot_n[:, d].sum(axis=1)
    family = max_t(r[d] - overall, table.boot_rates()[:, d] - boot_overall[:, None], ws.level)
    detail: Detail = {
        "overall_rate": overall,
        "farthest_group": table.labels[far],
        **_simultaneous_detail(ws, family),
    }
    ci = gap_bounds(family.low, family.high)
    return _aggregate(ws, metric_id, dimension, table, d, float(deviation.max()), ci, detail)


def ratio_result(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> MetricResult:
    if np.count_nonzero(table.comparable_defined) < 2:
        return undefined_result(
            metric_id, dimension, None, "fewer than two non-empty groups", int(table.n.sum())
        )
    compared = table.compared(ws.min_n)
    r = table.rates()
    top = float(np.max(r[compared]))
    estimate = None if top == 0.0 else float(np.min(r[compared]) / top)
    (family,) = pairwise_differences(ws, [(table, compared)], log=True)
    lo, hi = gap_bounds(family.low, family.high)
    detail: Detail = {
        "min_group": table.labels[_pick(r, table.labels, compared, False)],
        "max_group": table.labels[_pick(r, table.labels, compared, True)],
        **_simultaneous_detail(ws, family),
        "ci_scale": "log",
    }
    if estimate is None:
        detail["reason"] = "the highest group rate is 0"
    ci = (float(np.exp(-hi)), float(np.exp(-lo)))
    return _aggregate(ws, metric_id, dimension, table, compared, estimate, ci, detail)


def nsw_result(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> MetricResult:
    d = table.comparable_defined
    if not d.any():
        return undefined_result(metric_id, dimension, None, "no non-empty group")
    compared = table.compared(ws.min_n) if np.count_nonzero(d) >= 2 else d
    r = table.rates()[compared]
    estimate = 0.0 if bool((r == 0).any()) else math.exp(float(np.mean(np.log(r))))
    with np.errstate(divide="ignore"):
        reps = np.exp(_quiet_reduce("nanmean", np.log(table.boot_rates()[:, compared])))
    low, high = percentile_interval(reps, ws.level)
    detail = _boot_detail(ws, reps)
    return _aggregate(
        ws, metric_id, dimension, table, compared, estimate, (float(low), float(high)), detail
    )


def ratio_to_max_results(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> list[MetricResult]:
    """Per group: r_g / max_h r_h (the impact ratio), with simultaneous intervals from the
    pairwise log-rate differences: ``exp(min_h (log r_g − log r_h))``. The unknown group
    has no ratio (it is compared with nothing)."""
    d = table.comparable_defined
    r = table.rates()
    top = float(np.max(r[d])) if d.any() else 0.0
    highest = table.labels[_pick(r, table.labels, d, True)] if d.any() else ""
    index = np.flatnonzero(d)
    low = np.full(len(table.labels), np.nan)
    high = np.full(len(table.labels), np.nan)
    if index.size >= 2:
        (family,) = pairwise_differences(ws, [(table, d)], log=True)
        g, h = pair_indices(index.size)
        # the interval of log r_a − log r_b for every ordered pair (a, b); (a, a) is [0, 0]
        lower = np.zeros((index.size, index.size))
        upper = np.zeros((index.size, index.size))
        lower[g, h], upper[g, h] = family.low, family.high
        lower[h, g], upper[h, g] = -family.high, -family.low
        low[index] = np.exp(lower.min(axis=1))
        high[index] = np.exp(upper.min(axis=1))
    elif index.size == 1:
        low[index] = high[index] = 1.0
    out = []
    for grp, label in enumerate(table.labels):
        detail: Detail = {
            "n_unknown": table.n_unknown,
            "highest_group": highest,
            "ci_method": "max_t_bootstrap",
            "ci_scale": "log",
            "n_boot": ws.n_boot,
        }
        if d[grp]:
            detail["rate"] = float(r[grp])
        estimate = float(r[grp] / top) if d[grp] and top > 0 else None
        if estimate is None:
            detail["reason"] = (
                "the unknown group is not compared"
                if not table.comparable[grp]
                else "no records"
                if not d[grp]
                else "the highest group rate is 0"
            )
        out.append(
            make_result(
                metric_id,
                dimension,
                label,
                estimate,
                n=int(table.n[grp]),
                min_n=ws.min_n,
                ci=_containing(estimate, float(low[grp]), float(high[grp])),
                detail=detail,
            )
        )
    return out
