"""The statistics of compliance.metrics.stats against SciPy and statsmodels (test-only oracles)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from compliance.metrics import stats

RNG = np.random.default_rng(20240611)


@pytest.mark.parametrize("p", [1e-12, 1e-6, 0.001, 0.02, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999999])
def test_norm_ppf_matches_scipy(p: float) -> None:
    assert stats.norm_ppf(p) == pytest.approx(sps.norm.ppf(p), rel=1e-14, abs=1e-14)


def test_normal_tails_match_scipy() -> None:
    for x in (-8.0, -3.1, -1.0, 0.0, 0.7, 2.5, 9.0):
        assert stats.norm_cdf(x) == pytest.approx(sps.norm.cdf(x), rel=1e-13)
        assert stats.norm_sf(x) == pytest.approx(sps.norm.sf(x), rel=1e-13)


def test_wilson_matches_statsmodels() -> None:
    n = RNG.integers(1, 5000, 300)
    k = RNG.integers(0, n + 1)
    k[:5], n[:5] = [0, 1, 5, 7, 10], [1, 1, 5, 8, 10]
    low, high = stats.wilson_interval(k, n)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=0, atol=1e-12)
    np.testing.assert_allclose(high, ref_high, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (1, 1), (47, 180), (999, 4000)])
def test_clopper_pearson_matches_statsmodels(k: int, n: int) -> None:
    low, high = stats.clopper_pearson_interval(k, n)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.05, method="beta")
    assert low == pytest.approx(ref_low, abs=1e-10)
    assert high == pytest.approx(ref_high, abs=1e-10)


@pytest.mark.parametrize(
    ("b", "c"),
    [(0, 0), (0, 5), (3, 12), (12, 3), (25, 25), (40, 61), (700, 810), (1500, 1620), (2600, 2400)],
)
def test_mcnemar_exact_matches_statsmodels(b: int, c: int) -> None:
    ref = mcnemar([[17, b], [c, 9]], exact=True).pvalue
    assert stats.mcnemar_exact(b, c) == pytest.approx(ref, rel=1e-9, abs=1e-300)


def test_binomial_cdf_matches_scipy() -> None:
    for k, n, p in [(3, 10, 0.5), (30, 100, 0.2), (0, 50, 0.3), (7000, 50000, 0.14), (9, 9, 0.4)]:
        assert stats.binom_cdf(k, n, p) == pytest.approx(sps.binom.cdf(k, n, p), rel=1e-9)


def test_fisher_exact_matches_scipy() -> None:
    tables = [[[8, 2], [1, 5]], [[0, 5], [3, 0]], [[3, 3], [3, 3]], [[0, 0], [4, 6]]]
    for _ in range(200):
        tables.append(RNG.integers(0, 40, (2, 2)).tolist())
    for table in tables:
        ref = sps.fisher_exact(table, alternative="two-sided").pvalue
        assert stats.fisher_exact(table) == pytest.approx(ref, rel=1e-9, abs=1e-14), table


def test_two_proportion_ztest_matches_statsmodels() -> None:
    for _ in range(200):
        n1, n2 = (int(x) for x in RNG.integers(20, 3000, 2))
        k1, k2 = int(RNG.integers(1, n1)), int(RNG.integers(1, n2))
        _, ref = proportions_ztest([k1, k2], [n1, n2])
        assert stats.two_proportion_ztest(k1, n1, k2, n2) == pytest.approx(ref, rel=1e-10)


def test_compare_proportions_chooses_fisher_for_small_expected_counts() -> None:
    p, test = stats.compare_proportions(2, 10, 7, 12)
    assert test == "fisher"
    assert p == pytest.approx(sps.fisher_exact([[2, 8], [7, 5]]).pvalue, rel=1e-9)
    p, test = stats.compare_proportions(300, 1000, 350, 1000)
    assert test == "z"
    assert p == pytest.approx(proportions_ztest([300, 350], [1000, 1000])[1], rel=1e-10)


def test_holm_matches_statsmodels() -> None:
    for size in (1, 2, 5, 50):
        p = RNG.random(size) ** 3
        _, ref, _, _ = multipletests(p, alpha=0.05, method="holm")
        np.testing.assert_allclose(stats.holm(p), ref, rtol=1e-15, atol=0)
    assert stats.holm([]).size == 0


@pytest.mark.parametrize(("n1", "n2", "rate"), [(100, 100, 0.5), (400, 1200, 0.8), (37, 90, 0.1)])
def test_minimum_detectable_gap_has_power_080(n1: int, n2: int, rate: float) -> None:
    gap = stats.min_detectable_gap(n1, n2, rate)
    assert gap is not None
    effect = gap / np.sqrt(rate * (1 - rate))
    power = NormalIndPower().power(effect_size=effect, nobs1=n1, alpha=0.05, ratio=n2 / n1)
    assert power == pytest.approx(0.8, abs=1e-9)
    solved = NormalIndPower().solve_power(nobs1=n1, alpha=0.05, power=0.8, ratio=n2 / n1)
    assert effect == pytest.approx(solved, rel=1e-6)


def test_minimum_detectable_gap_degenerate_cases() -> None:
    assert stats.min_detectable_gap(0, 10, 0.5) is None
    assert stats.min_detectable_gap(10, 10, 0.0) is None
    assert stats.min_detectable_gap_means(1.0, 10, 1.0, 10) == pytest.approx(
        stats.detectable_gap_multiplier() * np.sqrt(0.2)
    )


@pytest.mark.parametrize(
    ("x", "df"), [(0.5, 1), (3.84, 1), (10.0, 5), (100.0, 50), (0.01, 10), (250.0, 3), (7.2, 11)]
)
def test_chi2_tail_matches_scipy(x: float, df: int) -> None:
    assert stats.chi2_sf(x, df) == pytest.approx(sps.chi2.sf(x, df), rel=1e-11, abs=1e-300)


@pytest.mark.parametrize("seed", range(6))
def test_cochran_q_matches_statsmodels(seed: int) -> None:
    from statsmodels.stats.contingency_tables import cochrans_q

    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 8))
    table = (rng.random((int(rng.integers(40, 200)), k)) < rng.uniform(0.3, 0.9, k)).astype(int)
    oracle = cochrans_q(table)
    assert stats.cochran_q_statistic(table) == pytest.approx(oracle.statistic, rel=1e-12)
    p, test = stats.cochran_q(table)
    assert test == "cochran_q"
    assert p == pytest.approx(oracle.pvalue, rel=1e-10)


def test_cochran_q_permutation_when_few_items_vary() -> None:
    """Few varying rows: the within-row permutation p-value; with two treatments it is the
    exact McNemar (sign) test's, up to Monte Carlo error."""
    table = np.array([[1, 0]] * 7 + [[0, 1]] * 1 + [[1, 1]] * 20 + [[0, 0]] * 5)
    p, test = stats.cochran_q(table, seed=3, permutations=40_000)
    assert test == "cochran_q_permutation"
    assert p == pytest.approx(stats.mcnemar_exact(7, 1), abs=0.01)
    assert stats.cochran_q(np.ones((5, 3)))[0] == 1.0  # nothing varies: no evidence


@pytest.mark.parametrize("seed", range(5))
def test_cluster_robust_variance_matches_statsmodels(seed: int) -> None:
    """The variance behind the cluster-robust Wilson interval is statsmodels' CR1 variance
    of an intercept-only regression with clusters (K = 1)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    clusters = int(rng.integers(20, 80))
    size = rng.integers(1, 9, clusters)
    y = np.concatenate([rng.random(m) < rng.uniform(0.2, 0.95) for m in size]).astype(float)
    group = np.repeat(np.arange(clusters), size)
    fit = sm.OLS(y, np.ones_like(y)).fit(
        cov_type="cluster", cov_kwds={"groups": group, "use_correction": True}
    )
    r = y.mean()
    unit_k, unit_n = np.bincount(group, weights=y), np.bincount(group).astype(float)
    ours = clusters / (clusters - 1) * ((unit_k - r * unit_n) ** 2).sum() / y.size**2
    assert ours == pytest.approx(fit.bse[0] ** 2, rel=1e-10)
    low, high, clustered = stats.effective_wilson_interval(
        [y.sum()], [y.size], unit_k[:, None], unit_n[:, None]
    )
    df_factor = (sps.norm.ppf(0.975) / sps.t.ppf(0.975, clusters - 1)) ** 2
    n_star = min(y.size, r * (1 - r) / ours) * df_factor
    ref_low, ref_high = proportion_confint(r * n_star, n_star, alpha=0.05, method="wilson")
    assert bool(clustered[0]) is bool(size.max() > 1)
    if size.max() > 1:
        assert low[0] == pytest.approx(ref_low, abs=1e-6) and high[0] == pytest.approx(ref_high)


@pytest.mark.parametrize("df", [3, 5, 12, 40, 119, 5000])
def test_t_quantile_matches_scipy(df: int) -> None:
    assert stats.t_ppf(0.975, df) == pytest.approx(
        sps.t.ppf(0.975, df), abs=5e-3 if df < 10 else 1e-5
    )


def test_one_record_per_unit_is_plain_wilson() -> None:
    unit_k = (np.arange(40) < 30).astype(float)[:, None]
    low, high, clustered = stats.effective_wilson_interval([30], [40], unit_k, np.ones((40, 1)))
    ref = proportion_confint(30, 40, alpha=0.05, method="wilson")
    assert not clustered[0]
    assert (low[0], high[0]) == pytest.approx(ref, abs=1e-12)
    # the same answers copied 6 times per unit: no more information, n* = the 40 units
    low6, high6, _ = stats.effective_wilson_interval(
        [180], [240], unit_k * 6, np.full((40, 1), 6.0)
    )
    assert (low6[0], high6[0]) == pytest.approx(ref, abs=0.015)
