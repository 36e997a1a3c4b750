"""One grouped computation, many named metrics (Fairlearn's MetricFrame design, vectorized).

A :class:`ProportionTable` holds, for the groups of one dimension, the successes ``k_g`` and
trials ``n_g`` (e.g. correct answers and scored records) and their bootstrap replicates
``W @ S`` (see :mod:`compliance.metrics.bootstrap`). With ``r_g = k_g / n_g`` over the
non-empty groups G⁺:

- per group: ``r_g`` with a Wilson (or Clopper–Pearson) 95% interval; overall
  ``Σk / Σn`` over the records whose group is known;
- worst group: ``min_g r_g`` (Fairlearn ``group_min``);
- gap: ``max_g r_g − min_g r_g`` (``difference(method="between_groups")``), with the
  z / Fisher test of the best against the worst group and the minimum detectable gap;
- gap to overall: ``max_g |r_g − r|`` (``difference(method="to_overall")``);
- ratio: ``min_g r_g / max_g r_g`` (``ratio()``), undefined when the maximum is 0;
- ratio to the highest group per group: ``r_g / max_h r_h`` (impact ratio);
- Nash social welfare: ``(Π_g r_g)^(1/|G⁺|)`` (0 when a rate is 0).

Aggregates need two non-empty groups (one for the minimum and NSW); empty groups are left
out and counted in ``detail["n_groups_empty"]``. Ties between groups are broken by label,
so relabelling codes never changes a result. Aggregate intervals are percentile bootstrap
intervals of the same statistic on each replicate (replicates where it is undefined are
skipped).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from compliance.metrics.bootstrap import percentile_interval
from compliance.metrics.results import Detail, MetricResult
from compliance.metrics.stats import compare_proportions, min_detectable_gap
from compliance.metrics.workspace import Workspace, make_result

__all__ = [
    "ProportionTable",
    "gap_result",
    "gap_to_overall_result",
    "keyed_sums",
    "nsw_result",
    "proportion_tables",
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
    """Per-group successes and trials, with their bootstrap replicates (B × G)."""

    labels: tuple[str, ...]
    k: FloatArray
    n: FloatArray
    boot_k: FloatArray
    boot_n: FloatArray
    n_unknown: int

    @property
    def defined(self) -> BoolArray:
        return self.n > 0

    def rates(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.n > 0, self.k / self.n, np.nan)

    def boot_rates(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.boot_n > 0, self.boot_k / self.boot_n, np.nan)


def proportion_tables(
    ws: Workspace,
    namespace: str,
    unit: IntArray,
    n_units: int,
    group: IntArray,
    labels: tuple[str, ...],
    specs: Sequence[tuple[FloatArray, BoolArray]],
) -> list[ProportionTable]:
    """Tables for several (success, valid) specs over the same rows, with one matrix product.

    ``unit``, ``group`` and every spec's arrays are aligned row by row; rows with group -1
    are counted as unknown.
    """
    n_groups = len(labels)
    known = group >= 0
    keys = unit_group_keys(unit, group, n_units, n_groups)
    blocks: list[FloatArray] = []
    unknown: list[int] = []
    for success, valid in specs:
        blocks.append(keyed_sums(keys, n_units, n_groups, np.where(valid, success, 0.0)))
        blocks.append(keyed_sums(keys, n_units, n_groups, valid.astype(np.float64)))
        unknown.append(int(np.count_nonzero(valid & ~known)))
    stacked = np.hstack(blocks) if blocks else np.zeros((n_units, 0))
    boot = ws.weights(namespace, n_units).matmul(stacked)
    tables = []
    for i in range(len(specs)):
        sk, sn = blocks[2 * i], blocks[2 * i + 1]
        cols = slice(2 * i * n_groups, (2 * i + 1) * n_groups)
        cols_n = slice((2 * i + 1) * n_groups, (2 * i + 2) * n_groups)
        tables.append(
            ProportionTable(
                labels, sk.sum(axis=0), sn.sum(axis=0), boot[:, cols], boot[:, cols_n], unknown[i]
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
    """Overall (group None) and per-group proportions with their 95% intervals."""
    k = np.concatenate(([table.k.sum()], table.k))
    n = np.concatenate(([table.n.sum()], table.n))
    low, high = ws.proportion_interval(k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, k / n, np.nan)
    out = []
    for i, group in enumerate((None, *table.labels)):
        detail: Detail = {"ci_method": ws.proportion_ci, "successes": int(k[i])}
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


def _base_detail(table: ProportionTable) -> Detail:
    return {
        "n_groups": int(np.count_nonzero(table.defined)),
        "n_groups_empty": int(np.count_nonzero(~table.defined)),
        "n_unknown": table.n_unknown,
    }


def _quiet_reduce(fn: str, values: FloatArray) -> FloatArray:
    """``np.<fn>(values, axis=1)`` without warnings; no columns (no groups) gives NaN rows."""
    if values.ndim == 2 and values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(getattr(np, fn)(values, axis=1), dtype=np.float64)


def _aggregate(
    ws: Workspace,
    metric_id: str,
    dimension: str,
    table: ProportionTable,
    estimate: float | None,
    replicates: FloatArray,
    detail: Detail,
    p_value: float | None = None,
) -> MetricResult:
    d = table.defined
    low, high = percentile_interval(replicates)
    full = {**_base_detail(table), **_boot_detail(ws, replicates), **detail}
    return make_result(
        metric_id,
        dimension,
        None,
        estimate,
        n=int(table.n[d].sum()),
        min_n=ws.min_n,
        ci=(float(low), float(high)),
        p_value=p_value,
        detail=full,
        smallest_n=int(table.n[d].min()) if d.any() else 0,
    )


def worst_group_result(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> MetricResult:
    d = table.defined
    if not d.any():
        return undefined_result(metric_id, dimension, None, "no non-empty group")
    r = table.rates()
    worst = _pick(r, table.labels, d, best=False)
    reps = _quiet_reduce("nanmin", table.boot_rates()[:, d])
    return _aggregate(
        ws, metric_id, dimension, table, float(r[worst]), reps, {"worst_group": table.labels[worst]}
    )


def gap_result(
    ws: Workspace,
    metric_id: str,
    dimension: str,
    table: ProportionTable,
    *,
    higher_is_worse: bool = False,
) -> MetricResult:
    """max − min rate, with the best-vs-worst test and the minimum detectable gap. The best
    group has the highest rate, or the lowest when ``higher_is_worse`` (refusals)."""
    d = table.defined
    if np.count_nonzero(d) < 2:
        return undefined_result(
            metric_id, dimension, None, "fewer than two non-empty groups", int(table.n.sum())
        )
    r = table.rates()
    high, low = _pick(r, table.labels, d, True), _pick(r, table.labels, d, False)
    best, worst = (low, high) if higher_is_worse else (high, low)
    kb, nb, kw, nw = (
        int(x) for x in (table.k[best], table.n[best], table.k[worst], table.n[worst])
    )
    p_value, test = compare_proportions(kb, nb, kw, nw)
    detail: Detail = {
        "best_group": table.labels[best],
        "worst_group": table.labels[worst],
        "best_rate": float(r[best]),
        "worst_rate": float(r[worst]),
        "test": test,
    }
    mdg = min_detectable_gap(nb, nw, (kb + kw) / (nb + nw))
    if mdg is not None:
        detail["mdg"] = mdg
    br = table.boot_rates()[:, d]
    reps = _quiet_reduce("nanmax", br) - _quiet_reduce("nanmin", br)
    return _aggregate(
        ws, metric_id, dimension, table, float(r[high] - r[low]), reps, detail, p_value
    )


def gap_to_overall_result(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> MetricResult:
    d = table.defined
    if np.count_nonzero(d) < 2:
        return undefined_result(
            metric_id, dimension, None, "fewer than two non-empty groups", int(table.n.sum())
        )
    r = table.rates()
    overall = float(table.k[d].sum() / table.n[d].sum())
    deviation = np.abs(r[d] - overall)
    far = _pick(np.abs(r - overall), table.labels, d, best=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot_overall = table.boot_k[:, d].sum(axis=1) / table.boot_n[:, d].sum(axis=1)
    reps = _quiet_reduce("nanmax", np.abs(table.boot_rates()[:, d] - boot_overall[:, None]))
    detail: Detail = {"overall_rate": overall, "farthest_group": table.labels[far]}
    return _aggregate(ws, metric_id, dimension, table, float(deviation.max()), reps, detail)


def ratio_result(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> MetricResult:
    d = table.defined
    if np.count_nonzero(d) < 2:
        return undefined_result(
            metric_id, dimension, None, "fewer than two non-empty groups", int(table.n.sum())
        )
    r = table.rates()
    top = float(np.max(r[d]))
    estimate = None if top == 0.0 else float(np.min(r[d]) / top)
    br = table.boot_rates()[:, d]
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = _quiet_reduce("nanmin", br) / _quiet_reduce("nanmax", br)
    detail: Detail = {
        "min_group": table.labels[_pick(r, table.labels, d, False)],
        "max_group": table.labels[_pick(r, table.labels, d, True)],
    }
    if estimate is None:
        detail["reason"] = "the highest group rate is 0"
    return _aggregate(ws, metric_id, dimension, table, estimate, reps, detail)


def nsw_result(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> MetricResult:
    d = table.defined
    if not d.any():
        return undefined_result(metric_id, dimension, None, "no non-empty group")
    r = table.rates()[d]
    estimate = 0.0 if bool((r == 0).any()) else math.exp(float(np.mean(np.log(r))))
    with np.errstate(divide="ignore"):
        reps = np.exp(_quiet_reduce("nanmean", np.log(table.boot_rates()[:, d])))
    return _aggregate(ws, metric_id, dimension, table, estimate, reps, {})


def ratio_to_max_results(
    ws: Workspace, metric_id: str, dimension: str, table: ProportionTable
) -> list[MetricResult]:
    """Per group: r_g / max_h r_h (the impact ratio), bootstrap intervals."""
    d = table.defined
    r = table.rates()
    top = float(np.max(r[d])) if d.any() else 0.0
    br = table.boot_rates()
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = br / _quiet_reduce("nanmax", np.where(d[None, :], br, np.nan))[:, None]
    low, high = percentile_interval(reps)
    highest = table.labels[_pick(r, table.labels, d, True)] if d.any() else ""
    out = []
    for g, label in enumerate(table.labels):
        detail: Detail = {
            "n_unknown": table.n_unknown,
            "highest_group": highest,
            "ci_method": "cluster_bootstrap",
            "n_boot": ws.n_boot,
        }
        if d[g]:
            detail["rate"] = float(r[g])
        estimate = float(r[g] / top) if d[g] and top > 0 else None
        if estimate is None:
            detail["reason"] = "no records" if not d[g] else "the highest group rate is 0"
        out.append(
            make_result(
                metric_id,
                dimension,
                label,
                estimate,
                n=int(table.n[g]),
                min_n=ws.min_n,
                ci=(low[g], high[g]),
                detail=detail,
            )
        )
    return out
