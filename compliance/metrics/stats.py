"""Tests and intervals, in the standard library and NumPy only (no SciPy).

Formulas (z = Φ⁻¹(1 − α/2), Φ the standard normal distribution function):

- **Normal tails**: ``Φ(x) = erfc(−x/√2)/2``; ``Φ⁻¹`` by Acklam's rational approximation
  refined with one Halley step on ``erfc`` (relative error ~1e-15).
- **Wilson interval** for k successes in n trials, p = k/n:
  ``(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)``.
- **Binomial tails**: ``P(X ≤ k) = I_{1−p}(n − k, k + 1)``, the regularized incomplete
  beta function by its continued fraction (Lentz), with ``math.lgamma``; at p = 1/2 and
  n ≤ 2000, exact integer sums ``Σ_{j≤k} C(n, j) / 2ⁿ``.
- **Cluster-robust Wilson interval**: Wilson's with Korn & Graubard's effective sample
  size ``n* = min(n, p(1−p)/v)``, v the cluster-robust variance of p
  (:func:`effective_wilson_interval`).
- **Clopper–Pearson interval**: the p_L with P(X ≥ k; p_L) = α/2 and the p_U with
  P(X ≤ k; p_U) = α/2, X ~ Bin(n, p), found by bisection.
- **χ² tail** ``P(χ²_ν ≥ x) = Q(ν/2, x/2)``, the regularized upper incomplete gamma
  function (series or continued fraction).
- **Cochran's Q** for k paired binary outcomes on b blocks (:func:`cochran_q`): χ²_(k−1)
  or a within-block permutation test when few blocks vary.
- **Exact McNemar test** on b and c discordant pairs: ``min(1, 2·P(X ≤ min(b, c)))`` with
  X ~ Bin(b + c, 1/2) (the two-sided exact binomial / sign test).
- **Holm step-down**: sort the m p-values ascending; the adjusted j-th (0-based) is
  ``max_{i ≤ j} min(1, (m − i)·p_(i))``.
- **Two-proportion z test** (pooled): ``z = (p1 − p2) / √(p̄(1−p̄)(1/n1 + 1/n2))``,
  two-sided p = ``erfc(|z|/√2)``.
- **Fisher's exact test**, two-sided: the sum of the hypergeometric probabilities of all
  tables with the observed margins that are no more likely than the observed one
  (relative tolerance 1e-7, as R and SciPy do).
- **Minimum detectable gap** (α = 0.05, power 0.8): the d with
  ``Φ(d/se − z) + Φ(−d/se − z) = 0.8``, i.e. ``d = t*·se`` with t* ≈ 2.8016, where
  ``se = √(p̄(1−p̄)(1/n1 + 1/n2))`` at the pooled rate p̄ for proportions, or
  ``√(s1²/n1 + s2²/n2)`` for means.

Why one module of this length: the statistical primitives, each a short pure function
with its formula and checked against SciPy or statsmodels in the tests; they are one
library, not one concern each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "betainc",
    "binom_cdf",
    "binom_test_half",
    "chi2_sf",
    "clopper_pearson_interval",
    "cochran_q",
    "cochran_q_statistic",
    "compare_means",
    "compare_proportions",
    "detectable_gap_multiplier",
    "effective_wilson_interval",
    "fisher_exact",
    "holm",
    "mcnemar_exact",
    "min_detectable_gap",
    "min_detectable_gap_means",
    "norm_cdf",
    "norm_ppf",
    "norm_sf",
    "t_ppf",
    "two_proportion_ztest",
    "wilson_interval",
]

FloatArray = npt.NDArray[np.float64]

_SQRT2 = math.sqrt(2.0)
_EXACT_LIMIT = 2000  # up to this n, binomial sums at p = 1/2 use exact integers

# Acklam's coefficients for the inverse normal distribution function.
_A = (
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.3577518672690,
    -30.66479806614716,
    2.506628277459239,
)
_B = (
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
)
_C = (
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
)
_D = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)


def norm_cdf(x: float) -> float:
    """Φ(x) = erfc(−x/√2)/2."""
    return 0.5 * math.erfc(-x / _SQRT2)


def norm_sf(x: float) -> float:
    """1 − Φ(x) = erfc(x/√2)/2, accurate in the upper tail."""
    return 0.5 * math.erfc(x / _SQRT2)


def norm_ppf(p: float) -> float:
    """Φ⁻¹(p) for 0 < p < 1 (Acklam's approximation plus one Halley step)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"norm_ppf needs 0 < p < 1, got {p}")
    if p > 0.5:  # 1 − p is exact for p in [1/2, 1] (Sterbenz), so use the symmetry
        return -norm_ppf(1.0 - p)
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
        )
    for _ in range(2):  # Halley refinement against the erfc-based distribution function
        u = (norm_cdf(x) - p) * math.sqrt(2.0 * math.pi) * math.exp(x * x / 2.0)
        x -= u / (1.0 + x * u / 2.0)
    return x


def wilson_interval(
    k: npt.ArrayLike, n: npt.ArrayLike, alpha: float = 0.05
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval, elementwise; entries with n = 0 are NaN (callers map to None)."""
    k_arr = np.asarray(k, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    z = norm_ppf(1.0 - alpha / 2.0)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        denom = 1.0 + z2 / n_arr
        center = (p + z2 / (2.0 * n_arr)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr * n_arr)) / denom
    low = np.clip(center - half, 0.0, 1.0)
    high = np.clip(center + half, 0.0, 1.0)
    return low, high


def effective_wilson_interval(
    k: npt.ArrayLike,
    n: npt.ArrayLike,
    unit_k: npt.ArrayLike,
    unit_n: npt.ArrayLike,
    alpha: float = 0.05,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Cluster-robust Wilson intervals of the proportions k/n, one per column of the
    (units × groups) per-unit sums: Korn & Graubard's (1998) effective sample size.

    With ``r = k/n``, the units u of the group (G of them with records) and
    ``v = G/(G−1) · Σ_u (k_u − r·n_u)² / n²`` the cluster-robust (CR1) variance of the
    ratio estimator, ``n* = min(n, r(1−r)/v) · (z / t_{G−1})²`` (their degrees-of-freedom
    adjustment: G clusters, not n records, estimate the variance) and the interval is
    Wilson's for ``r·n*`` successes in ``n*`` trials. When every unit gives at most one
    record, ``n* = n`` (plain Wilson); when r is 0 or 1 the variance says nothing and
    ``n* = G``, as if every record of a unit were the same answer. Returns (low, high,
    clustered) where ``clustered`` is False for the columns that got plain Wilson."""
    k_arr = np.asarray(k, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    uk = np.asarray(unit_k, dtype=np.float64).reshape(-1, k_arr.size)
    un = np.asarray(unit_n, dtype=np.float64).reshape(-1, k_arr.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(n_arr > 0, k_arr / n_arr, np.nan)
        units = np.count_nonzero(un > 0, axis=0).astype(np.float64)
        resid = ((uk - r * un) ** 2).sum(axis=0)
        v = np.where(units > 1, units / (units - 1.0) * resid / (n_arr * n_arr), np.nan)
        df_factor = np.array([_t_over_z(units_g - 1.0, alpha) for units_g in units.tolist()])
        n_star = np.minimum(n_arr, r * (1.0 - r) / v) * df_factor
    clustered = un.max(axis=0, initial=0.0) > 1.0
    extreme = (r <= 0.0) | (r >= 1.0)
    n_clustered = np.select(
        [extreme | ~np.isfinite(v), v == 0.0],
        [units, n_arr],
        default=np.where(np.isfinite(n_star), n_star, units),
    )
    n_eff = np.where(clustered, n_clustered, n_arr)
    low, high = wilson_interval(r * n_eff, n_eff, alpha)
    return low, high, clustered


def t_ppf(p: float, df: float) -> float:
    """The Student-t quantile by Hill's (1970) expansion around the normal one (absolute
    error below 1e-4 for df ≥ 3; the normal quantile when df is infinite or huge)."""
    z = norm_ppf(p)
    if not math.isfinite(df) or df > 1e7:
        return z
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def _t_over_z(df: float, alpha: float) -> float:
    """``(z / t_df)²`` at the interval's level: 1 without a usable df."""
    if df < 3:
        return 1.0 if df <= 0 else (norm_ppf(1 - alpha / 2) / t_ppf(1 - alpha / 2, 3.0)) ** 2
    return (norm_ppf(1 - alpha / 2) / t_ppf(1 - alpha / 2, df)) ** 2


def _gamma_q(a: float, x: float) -> float:
    """The regularized upper incomplete gamma function Q(a, x) (series for x < a + 1, else
    Lentz's continued fraction)."""
    if x <= 0.0:
        return 1.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(10_000):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(log_front))
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return min(1.0, math.exp(log_front) * h)


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df ≥ x)."""
    return _gamma_q(df / 2.0, x / 2.0)


def cochran_q_statistic(table: npt.ArrayLike) -> float:
    """Cochran's Q of a (blocks × treatments) 0/1 table: with k treatments, column totals
    C_j, row totals R_i and N = ΣR_i, ``Q = (k−1)(k ΣC_j² − N²) / (k N − ΣR_i²)``
    (0 when no row varies)."""
    x = np.asarray(table, dtype=np.float64)
    k = x.shape[1]
    columns, rows = x.sum(axis=0), x.sum(axis=1)
    total = float(rows.sum())
    denominator = k * total - float((rows * rows).sum())
    if denominator <= 0.0:
        return 0.0
    return float((k - 1) * (k * float((columns * columns).sum()) - total * total) / denominator)


def cochran_q(
    table: npt.ArrayLike, *, seed: int = 0, permutations: int = 20_000, exact_below: int = 30
) -> tuple[float, str]:
    """Cochran's Q test that k paired binary outcomes (one column each, one row per block:
    an item asked under every group) have the same success rate: χ² with k − 1 degrees of
    freedom, or, with fewer than ``exact_below`` rows that vary, a permutation test
    (outcomes shuffled within each row, ``permutations`` draws from ``seed``; p = (1 + #{Q* ≥
    Q}) / (1 + draws)). Returns (p, "cochran_q" | "cochran_q_permutation")."""
    x = np.asarray(table, dtype=np.float64)
    k = x.shape[1]
    rows = x.sum(axis=1)
    varying = x[(rows > 0) & (rows < k)]
    q = cochran_q_statistic(varying) if varying.size else 0.0
    if varying.shape[0] >= exact_below:
        return chi2_sf(q, k - 1), "cochran_q"
    if varying.shape[0] == 0:
        return 1.0, "cochran_q_permutation"
    rng = np.random.default_rng(seed)
    ones = varying.sum(axis=1).astype(np.int64)
    at_least = 0
    for start in range(0, permutations, 1000):
        draws = min(1000, permutations - start)
        ranks = rng.random((draws, varying.shape[0], k)).argsort(axis=2).argsort(axis=2)
        shuffled = (ranks < ones[None, :, None]).astype(np.float64)
        columns = shuffled.sum(axis=1)
        total = float(ones.sum())
        denominator = k * total - float((ones * ones).sum())
        q_star = (k - 1) * (k * (columns * columns).sum(axis=1) - total * total) / denominator
        at_least += int(np.count_nonzero(q_star >= q - 1e-9))
    return (at_least + 1) / (permutations + 1), "cochran_q_permutation"


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), a, b > 0."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Bin(n, p), as I_{1−p}(n − k, k + 1)."""
    if k < 0:
        return 0.0
    if k >= n or p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    return min(1.0, max(0.0, betainc(n - k, k + 1.0, 1.0 - p)))


def _binom_cdf_half(k: int, n: int) -> float:
    """P(X ≤ k) for X ~ Bin(n, 1/2): exact integer sums up to n = 2000, else I_{1/2}."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if n <= _EXACT_LIMIT:
        total = 0
        term = 1
        for j in range(k + 1):
            total += term
            term = term * (n - j) // (j + 1)
        return total / (1 << n)
    return binom_cdf(k, n, 0.5)


def binom_test_half(k: int, n: int) -> float:
    """Two-sided exact binomial test of k successes in n trials against p = 1/2."""
    if n <= 0:
        return 1.0
    return min(1.0, 2.0 * _binom_cdf_half(min(k, n - k), n))


def mcnemar_exact(b: int, c: int) -> float:
    """Exact McNemar p-value from the two discordant counts (1.0 when there are none)."""
    return binom_test_half(min(b, c), b + c)


def clopper_pearson_interval(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval by bisection on the binomial distribution function."""
    if n <= 0:
        raise ValueError("clopper_pearson_interval needs n > 0")

    def solve(target: float, kk: int) -> float:  # the p where P(X ≤ kk; p) = target
        lo, hi = 0.0, 1.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            if binom_cdf(kk, n, mid) > target:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    low = 0.0 if k == 0 else solve(1.0 - alpha / 2.0, k - 1)
    high = 1.0 if k == n else solve(alpha / 2.0, k)
    return low, high


def holm(p_values: Sequence[float] | FloatArray) -> FloatArray:
    """Holm-adjusted p-values, in the input order."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate(p[order] * np.arange(m, 0, -1, dtype=np.float64))
    out = np.empty(m, dtype=np.float64)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def two_proportion_ztest(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided pooled two-proportion z test; 1.0 when the pooled variance is zero."""
    p_pool = (k1 + k2) / (n1 + n2)
    var = p_pool * (1.0 - p_pool) * (1.0 / n1 + 1.0 / n2)
    if var <= 0.0:
        return 1.0
    z = (k1 / n1 - k2 / n2) / math.sqrt(var)
    return math.erfc(abs(z) / _SQRT2)


def fisher_exact(table: Sequence[Sequence[int]]) -> float:
    """Two-sided Fisher exact p-value of a 2×2 table ``[[a, b], [c, d]]``."""
    (a, b), (c, d) = table
    if min(a, b, c, d) < 0:
        raise ValueError("table entries must be non-negative")
    row1, row2, col1 = a + b, c + d, a + c
    if 0 in (row1, row2, col1, b + d):
        return 1.0
    lo, hi = max(0, col1 - row2), min(col1, row1)
    x = np.arange(lo, hi, dtype=np.float64)  # ratio pmf(x+1)/pmf(x) for x in [lo, hi)
    log_ratio = np.log((row1 - x) * (col1 - x)) - np.log((x + 1.0) * (row2 - col1 + x + 1.0))
    log_pmf = np.concatenate(([0.0], np.cumsum(log_ratio)))
    pmf = np.exp(log_pmf - float(log_pmf.max()))
    pmf /= pmf.sum()
    observed = pmf[a - lo]
    return float(min(1.0, pmf[pmf <= observed * (1.0 + 1e-7)].sum()))


def compare_proportions(k1: int, n1: int, k2: int, n2: int) -> tuple[float, str]:
    """p-value for two independent proportions: Fisher's exact test when an expected cell
    count is below 5, the pooled two-proportion z test otherwise. Returns (p, test name)."""
    total = n1 + n2
    successes = k1 + k2
    expected = [
        n * s / total for n in (n1, n2) for s in (successes, total - successes) if total > 0
    ]
    if not expected or min(expected) < 5.0:
        return fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]), "fisher"
    return two_proportion_ztest(k1, n1, k2, n2), "z"


def compare_means(
    mean1: float, var1: float, n1: int, mean2: float, var2: float, n2: int
) -> float | None:
    """Large-sample (Welch) z test of two means; None when the standard error is zero."""
    se = math.sqrt(var1 / n1 + var2 / n2)
    if not se > 0.0:
        return None
    return math.erfc(abs(mean1 - mean2) / se / _SQRT2)


def detectable_gap_multiplier(alpha: float = 0.05, power: float = 0.8) -> float:
    """t* with Φ(t* − z) + Φ(−t* − z) = power, z = Φ⁻¹(1 − α/2) (Newton's method)."""
    z = norm_ppf(1.0 - alpha / 2.0)
    t = z + norm_ppf(power)
    for _ in range(50):
        f = norm_cdf(t - z) + norm_cdf(-t - z) - power
        slope = (math.exp(-((t - z) ** 2) / 2.0) - math.exp(-((t + z) ** 2) / 2.0)) / math.sqrt(
            2.0 * math.pi
        )
        step = f / slope
        t -= step
        if abs(step) < 1e-15:
            break
    return t


_T_STAR = detectable_gap_multiplier()


def min_detectable_gap(n1: int, n2: int, pooled_rate: float) -> float | None:
    """Smallest difference of two proportions detectable at α = 0.05, power 0.8 (two-sided
    z test, pooled rate). None when a group is empty or the pooled rate is 0 or 1."""
    if n1 <= 0 or n2 <= 0 or not 0.0 < pooled_rate < 1.0:
        return None
    return _T_STAR * math.sqrt(pooled_rate * (1.0 - pooled_rate) * (1.0 / n1 + 1.0 / n2))


def min_detectable_gap_means(var1: float, n1: int, var2: float, n2: int) -> float | None:
    """Smallest difference of two means detectable at α = 0.05, power 0.8 (large sample)."""
    if n1 <= 0 or n2 <= 0:
        return None
    se = math.sqrt(var1 / n1 + var2 / n2)
    return _T_STAR * se if se > 0.0 else None
