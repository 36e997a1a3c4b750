"""METRICS.md section D: personalization and preference — what averaging hides.

Records: subjective or preference records (``task`` 1 or 2) with a preference score. Group
None is every such record (the baseline's and unknown-group ones included: these metrics
are about users); a group holds the records of its known group. A user's score is the mean
of the user's scores (records without a user count in the means only). Resampling unit:
the user (a record without a user: its item cluster).

- ``preference.mean``: ``Σ score / n`` overall and per group.
- ``preference.group_gap``: ``max_g mean_g − min_g mean_g``; p-value: large-sample
  (Welch) z test of the two extreme groups' record scores; ``detail["mdg"]``.
- With ``x_u`` the users' mean scores (overall and per group):
  ``preference.worst_user`` ``min_u x_u``, descriptive: the lowest user observed, with
  no interval (a resampled minimum never falls below the sample's, so its percentile
  interval would claim a certainty it does not have; a rule in ``confidence`` mode judges
  it on the point estimate and says so); ``preference.bottom_decile`` the CVaR at 10%,
  ``(Σ_{j ≤ ⌊m⌋} x_(j) + (m − ⌊m⌋)·x_(⌊m⌋+1)) / m`` with m = 0.1·#users and x_(j) sorted
  ascending (the minimum when there are fewer than 10 users); ``preference.gini``
  ``Σ_u Σ_v |x_u − x_v| / (2 · #users² · mean x)``, undefined for a negative score or a
  zero mean.
- ``preference.harmed_share``: among users with records scored under both models, the
  share whose mean personalized score is below their mean reference score (Wilson).

Under resampling, user u drawn w_u times weighs w_u: the CVaR takes the lowest mass m of
the weighted sorted scores, and the Gini uses ``Σ_u w_u x_u (2C_u − w_u − W) / (W Σ w_u x_u)``
with C_u the cumulative weight in sorted order and W the total.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from compliance.metrics.bootstrap import percentile_interval
from compliance.metrics.columns import TASK_PREFERENCE, TASK_SUBJECTIVE
from compliance.metrics.grouped import sum_by_unit_and_group, undefined_result
from compliance.metrics.results import Detail, MetricResult
from compliance.metrics.stats import compare_means, min_detectable_gap_means
from compliance.metrics.workspace import Workspace, compact_codes, make_result

__all__ = [
    "bottom_decile",
    "gini",
    "group_gap",
    "harmed_share",
    "mean",
    "worst_user",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
NAMESPACE = "D:users"
DECILE = 0.1


@dataclass(frozen=True, eq=False)
class PreferenceData:
    """Per-record arrays and per-population user cells (population 0 overall, then groups)."""

    labels: tuple[str | None, ...]
    n_units: int
    n_users: int
    sums: FloatArray  # populations: Σ score
    sq: FloatArray  # Σ score²
    n: FloatArray  # records
    boot_mean: FloatArray  # B × populations
    cell_user: list[IntArray]  # per population: user of each cell
    cell_score: list[FloatArray]  # per population: user mean score (sorted ascending)
    cell_harmed: list[FloatArray]  # per population: 1 harmed, 0 not, NaN no reference


def _data(ws: Workspace, dimension: str) -> PreferenceData:
    def build() -> PreferenceData:
        c = ws.columns
        task_ok = (c.task == TASK_SUBJECTIVE) | (c.task == TASK_PREFERENCE)
        rows = np.flatnonzero(task_ok & np.isfinite(c.preference_score))
        # a canonical row order (group codes left out), so that floating-point sums do not
        # depend on the order of the input nor on how groups are coded
        ref_key = np.nan_to_num(c.reference_score[rows], nan=np.inf)
        rows = rows[
            np.lexsort(
                (c.item[rows], c.cluster[rows], ref_key, c.preference_score[rows], c.user[rows])
            )
        ]
        dim = ws.dimension(dimension)
        g = dim.codes[rows]
        has_user = c.user[rows] >= 0
        user = np.full(rows.size, -1, dtype=np.int64)
        user[has_user], n_users = compact_codes(c.user[rows][has_user])
        cluster, n_clusters = compact_codes(c.cluster[rows][~has_user])
        unit = user.copy()
        unit[~has_user] = n_users + cluster
        n_units = n_users + n_clusters
        score = c.preference_score[rows]
        ref = c.reference_score[rows]
        pop = np.where(g >= 0, g + 1, 0)  # groups 1..G; 0 only for the overall column
        n_pop = dim.size + 1

        def per_unit(w: FloatArray | None, rows_ok: npt.NDArray[np.bool_]) -> FloatArray:
            s = sum_by_unit_and_group(
                unit[rows_ok], pop[rows_ok], n_units, n_pop, None if w is None else w[rows_ok]
            )
            s[:, 0] = s.sum(axis=1)  # overall: every record
            return s

        every = np.ones(rows.size, dtype=np.bool_)
        s_sum, s_n = per_unit(score, every), per_unit(None, every)
        boot = ws.weights(NAMESPACE, n_units).matmul(np.hstack([s_sum, s_n]))
        with np.errstate(divide="ignore", invalid="ignore"):
            boot_mean = boot[:, :n_pop] / boot[:, n_pop:]
        sq = per_unit(score * score, every).sum(axis=0)

        cell_user, cell_score, cell_harmed = [], [], []
        both = np.isfinite(ref) & has_user
        for j in range(n_pop):
            in_pop = has_user & ((pop == j) | (j == 0))
            n_c = np.bincount(user[in_pop], minlength=n_users)
            s_c = np.bincount(user[in_pop], weights=score[in_pop], minlength=n_users)
            m = both & in_pop
            nb = np.bincount(user[m], minlength=n_users)
            diff = np.bincount(user[m], weights=score[m] - ref[m], minlength=n_users)
            users = np.flatnonzero(n_c > 0)
            x = s_c[users] / n_c[users]
            order = np.lexsort((users, x))
            users, x = users[order], x[order]
            harmed = np.where(nb[users] > 0, (diff[users] < 0) * 1.0, np.nan)
            cell_user.append(users.astype(np.int64))
            cell_score.append(x)
            cell_harmed.append(harmed)
        labels: tuple[str | None, ...] = (None, *dim.labels)
        return PreferenceData(
            labels,
            n_units,
            n_users,
            s_sum.sum(axis=0),
            sq,
            s_n.sum(axis=0),
            boot_mean,
            cell_user,
            cell_score,
            cell_harmed,
        )

    return ws.memo(("preference", dimension.strip()), build)


def _user_histogram(user_means: FloatArray, bins: int = 12) -> Detail:
    """The distribution of users' mean scores: ``user_hist_edges`` (bins + 1 decimals) and
    ``user_hist_counts`` (bins integers), space-separated, for the report's chart."""
    if user_means.size == 0:
        return {}
    low, high = float(user_means.min()), float(user_means.max())
    if high == low:
        high = low + 1.0
    counts, edges = np.histogram(user_means, bins=bins, range=(low, high))
    return {
        "user_hist_edges": " ".join(repr(float(e)) for e in edges),
        "user_hist_counts": " ".join(str(int(c)) for c in counts),
    }


def mean(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``preference.mean``: mean score overall and per group."""
    d = _data(ws, dimension)
    low, high = percentile_interval(d.boot_mean)
    out = []
    for j, group in enumerate(d.labels):
        n = int(d.n[j])
        detail: Detail = {
            "n_users": int(d.cell_user[j].size),
            "ci_method": "unit_bootstrap",
            "n_boot": ws.n_boot,
        }
        estimate = d.sums[j] / n if n > 0 else None
        if estimate is None:
            detail["reason"] = "no scored records"
        elif group is None:
            detail.update(_user_histogram(d.cell_score[j]))
        out.append(
            make_result(
                "preference.mean",
                dimension,
                group,
                estimate,
                n=n,
                min_n=ws.min_n,
                ci=(low[j], high[j]),
                detail=detail,
            )
        )
    return out


def group_gap(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``preference.group_gap``: max − min per-group mean score."""
    metric_id = "preference.group_gap"
    d = _data(ws, dimension)
    n = d.n[1:]
    defined = np.flatnonzero(n > 0)
    if defined.size < 2:
        return [
            undefined_result(
                metric_id, dimension, None, "fewer than two non-empty groups", int(n.sum())
            )
        ]
    means = d.sums[1:] / np.where(n > 0, n, 1.0)
    names = d.labels[1:]
    best = min(defined.tolist(), key=lambda g: (-means[g], str(names[g])))
    worst = min(defined.tolist(), key=lambda g: (means[g], str(names[g])))

    def var(g: int) -> float:
        if n[g] < 2:
            return 0.0
        return max(0.0, float((d.sq[g + 1] - n[g] * means[g] ** 2) / (n[g] - 1)))

    nb, nw = int(n[best]), int(n[worst])
    p_value = compare_means(means[best], var(best), nb, means[worst], var(worst), nw)
    detail: Detail = {
        "best_group": str(names[best]),
        "worst_group": str(names[worst]),
        "test": "welch_z",
        "n_groups": int(defined.size),
        "n_groups_empty": int(n.size - defined.size),
        "ci_method": "unit_bootstrap",
        "n_boot": ws.n_boot,
    }
    mdg = min_detectable_gap_means(var(best), nb, var(worst), nw)
    if mdg is not None:
        detail["mdg"] = mdg
    reps_g = d.boot_mean[:, 1:][:, defined]
    with warnings.catch_warnings():  # a replicate without any group stays NaN (skipped)
        warnings.simplefilter("ignore", RuntimeWarning)
        reps = np.nanmax(reps_g, axis=1) - np.nanmin(reps_g, axis=1)
    low, high = percentile_interval(reps)
    return [
        make_result(
            metric_id,
            dimension,
            None,
            float(means[best] - means[worst]),
            n=int(n[defined].sum()),
            min_n=ws.min_n,
            ci=(float(low), float(high)),
            p_value=p_value,
            detail=detail,
            smallest_n=int(n[defined].min()),
        )
    ]


UserStat = Callable[[FloatArray, FloatArray], FloatArray]  # (weights R × n, sorted x) → R


def _worst(w: FloatArray, x: FloatArray) -> FloatArray:
    return np.asarray(np.where(w > 0, x[None, :], np.inf).min(axis=1), dtype=np.float64)


def _cvar(w: FloatArray, x: FloatArray) -> FloatArray:
    cum = np.cumsum(w, axis=1)
    mass = DECILE * cum[:, -1:]
    take = np.clip(mass - (cum - w), 0.0, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((take * x[None, :]).sum(axis=1) / mass[:, 0], dtype=np.float64)


def _gini(w: FloatArray, x: FloatArray) -> FloatArray:
    cum = np.cumsum(w, axis=1)
    total = cum[:, -1:]
    wx = w * x[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (wx * (2.0 * cum - w - total)).sum(axis=1) / (total[:, 0] * wx.sum(axis=1))
    return np.asarray(g, dtype=np.float64)


def _user_metric(
    ws: Workspace, dimension: str, metric_id: str, stat: UserStat, needs_positive: bool
) -> list[MetricResult]:
    d = _data(ws, dimension)
    weights = ws.weights(NAMESPACE, d.n_units)
    n_pop = len(d.labels)
    reps = np.full((ws.n_boot, n_pop), np.nan)
    start = 0
    for block in weights.blocks(max_rows=max(1, (1 << 22) // max(d.n_users, 1))):
        w_users = block[:, : d.n_users].astype(np.float64)
        for j in range(n_pop):
            if d.cell_user[j].size:
                reps[start : start + block.shape[0], j] = stat(
                    w_users[:, d.cell_user[j]], d.cell_score[j]
                )
        start += block.shape[0]
    low, high = percentile_interval(reps)
    out = []
    for j, group in enumerate(d.labels):
        x = d.cell_score[j]
        detail: Detail = {"unit": "users", "ci_method": "user_bootstrap", "n_boot": ws.n_boot}
        estimate: float | None = None
        if x.size == 0:
            detail["reason"] = "no user with a scored record"
        elif needs_positive and (bool((x < 0).any()) or float(x.sum()) == 0.0):
            detail["reason"] = "Gini needs non-negative scores with a positive mean"
        else:
            estimate = float(stat(np.ones((1, x.size)), x)[0])
        ci = (low[j], high[j]) if estimate is not None else (None, None)
        if metric_id == "preference.worst_user" and estimate is not None:
            # the bootstrap of a sample minimum is degenerate (it never goes below it):
            # the lowest user's score is reported as observed, without an interval
            ci = (None, None)
            detail = {"unit": "users", "ci_method": "none (a minimum: descriptive)"}
        out.append(
            make_result(
                metric_id,
                dimension,
                group,
                estimate,
                n=int(x.size),
                min_n=ws.min_n,
                ci=ci,
                detail=detail,
            )
        )
    return out


def worst_user(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``preference.worst_user``: the lowest user mean score."""
    return _user_metric(ws, dimension, "preference.worst_user", _worst, False)


def bottom_decile(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``preference.bottom_decile``: mean of the lowest 10% of user scores (CVaR 10%)."""
    return _user_metric(ws, dimension, "preference.bottom_decile", _cvar, False)


def gini(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``preference.gini``: Gini coefficient of the user mean scores."""
    return _user_metric(ws, dimension, "preference.gini", _gini, True)


def harmed_share(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``preference.harmed_share``: share of users scoring the personalized model lower."""
    d = _data(ws, dimension)
    k = np.array([float(np.nansum(h)) for h in d.cell_harmed])
    n = np.array([float(np.count_nonzero(~np.isnan(h))) for h in d.cell_harmed])
    low, high = ws.proportion_interval(k, n)
    out = []
    for j, group in enumerate(d.labels):
        detail: Detail = {
            "unit": "users",
            "ci_method": ws.proportion_ci,
            "n_users_without_reference": int(d.cell_user[j].size - n[j]),
        }
        estimate = k[j] / n[j] if n[j] > 0 else None
        if estimate is None:
            detail["reason"] = "no user scored under both models"
        out.append(
            make_result(
                "preference.harmed_share",
                dimension,
                group,
                estimate,
                n=int(n[j]),
                min_n=ws.min_n,
                ci=(low[j], high[j]),
                detail=detail,
            )
        )
    return out
