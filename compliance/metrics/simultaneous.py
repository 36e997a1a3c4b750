"""Simultaneous intervals for comparisons of several groups (METRICS.md, "Statistics").

**Studentized max-t bootstrap** (the single-step max-T of Westfall & Young 1993, as used
for simultaneous inference by Romano & Wolf 2005). For J statistics θ_j with estimates θ̂_j
and cluster-bootstrap replicates θ*_bj, all computed from the *same* resamples of items
(or clusters), so that the pairing of groups on an item is kept:

    se_j = sd_b(θ*_bj),   T*_b = max_j |θ*_bj − θ̂_j| / se_j,   c = the (1 − α) quantile of T*,
    θ_j ∈ [θ̂_j − c·se_j, θ̂_j + c·se_j]   for every j at once, with probability ≈ 1 − α.

A statistic with se_j = 0 (every resample gives the same value, e.g. two personas that
answered every item alike) keeps its point as interval and does not enter the maximum.

Intervals of comparisons follow from these, so they hold jointly too:

- the **gap** ``max_g r_g − min_g r_g = max_{g<h} |d_gh|`` with ``d_gh = r_g − r_h``: from
  simultaneous intervals I_gh of the d_gh, ``[max dist(0, I_gh), max_gh max |I_gh|]``; so
  "gap ≤ τ" holds for the interval exactly when every pairwise bound is below τ, and fails
  exactly when some pairwise lower bound is above τ;
- the **worst group** ``min_g r_g``: ``[min_g l_g, min_g u_g]`` from intervals of the r_g;
- the **ratio** ``min_g r_g / max_g r_g = exp(−max |log r_g − log r_h|)``: the gap of the
  log rates (each with 0.5 added to its successes and 1 to its trials, so that a zero rate
  has a logarithm), mapped back;
- the **gap to overall** ``max_g |r_g − r|``: ``[max dist(0, I_g), max_g max |I_g|]`` from
  intervals of the r_g − r.

Every interval contains its point estimate (a bound is moved to the estimate if the
construction left it outside, which only happens for the continuity-corrected ratio).
The global test that no group differs is the max-t bootstrap p-value
``P(T*_b ≥ max_j |θ̂_j| / se_j)`` where no better test applies (Cochran's Q for paired
binary answers, :func:`compliance.metrics.stats.cochran_q`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "SimultaneousIntervals",
    "gap_bounds",
    "max_t",
    "max_t_p_value",
    "pair_indices",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class SimultaneousIntervals:
    """Intervals [low_j, high_j] holding jointly; ``critical`` is c, ``se`` the se_j."""

    estimate: FloatArray
    low: FloatArray
    high: FloatArray
    se: FloatArray
    critical: float
    t_max: FloatArray  # T*_b, for p-values


def pair_indices(n_groups: int) -> tuple[IntArray, IntArray]:
    """The (g, h) index arrays of every pair g < h."""
    g, h = np.triu_indices(n_groups, k=1)
    return g.astype(np.int64), h.astype(np.int64)


def _nan_std(replicates: FloatArray) -> FloatArray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        defined = np.isfinite(replicates).sum(axis=0)
        sd = np.nanstd(np.where(np.isfinite(replicates), replicates, np.nan), axis=0, ddof=1)
    return np.where(defined >= 2, sd, np.nan)


def max_t(
    estimate: FloatArray, replicates: FloatArray, level: float = 0.95
) -> SimultaneousIntervals:
    """Simultaneous ``level`` intervals of the J statistics (``replicates`` is B × J)."""
    est = np.asarray(estimate, dtype=np.float64).reshape(-1)
    if est.size == 0:
        empty = np.zeros(0)
        return SimultaneousIntervals(empty, empty, empty, empty, 0.0, empty)
    reps = np.asarray(replicates, dtype=np.float64).reshape(-1, est.size)
    se = _nan_std(reps) if reps.shape[0] else np.full(est.size, np.nan)
    scaled = np.isfinite(se) & (se > 1e-12) & np.isfinite(est)
    if scaled.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.abs(reps[:, scaled] - est[scaled]) / se[scaled]
        t = np.where(np.isfinite(t), t, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            t_max = np.nanmax(t, axis=1)
        t_max = t_max[np.isfinite(t_max)]
        critical = float(np.quantile(t_max, level, method="higher")) if t_max.size else np.nan
    else:
        t_max = np.zeros(0)
        critical = 0.0
    half = np.where(scaled, critical * np.where(scaled, se, 0.0), 0.0)
    low = np.where(np.isfinite(est), est - half, np.nan)
    high = np.where(np.isfinite(est), est + half, np.nan)
    if not np.isfinite(critical):
        low = high = np.full(est.size, np.nan)
    return SimultaneousIntervals(est, low, high, np.where(scaled, se, 0.0), critical, t_max)


def max_t_p_value(intervals: SimultaneousIntervals, null: float = 0.0) -> float | None:
    """The single-step max-t p-value of "every θ_j equals ``null``" (None without spread)."""
    scaled = intervals.se > 0
    if not scaled.any() or intervals.t_max.size == 0:
        return None
    observed = float(np.max(np.abs(intervals.estimate[scaled] - null) / intervals.se[scaled]))
    return float((np.count_nonzero(intervals.t_max >= observed) + 1) / (intervals.t_max.size + 1))


def gap_bounds(low: FloatArray, high: FloatArray) -> tuple[float, float]:
    """Bounds of ``max_j |θ_j|`` from simultaneous intervals [low_j, high_j] of the θ_j."""
    if low.size == 0 or not (np.isfinite(low).all() and np.isfinite(high).all()):
        return (np.nan, np.nan)
    distance = np.where(low > 0, low, np.where(high < 0, -high, 0.0))
    reach = np.maximum(np.abs(low), np.abs(high))
    return (float(distance.max()), float(reach.max()))
