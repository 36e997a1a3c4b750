"""The max-t construction of simultaneous intervals, on replicates with a known law."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from compliance.metrics.simultaneous import gap_bounds, max_t, max_t_p_value, pair_indices


def test_one_statistic_gives_the_normal_interval() -> None:
    rng = np.random.default_rng(1)
    reps = rng.normal(0.3, 0.02, size=(200_000, 1))
    family = max_t(np.array([0.3]), reps)
    assert family.critical == pytest.approx(1.96, abs=0.02)
    assert family.low[0] == pytest.approx(0.3 - 1.96 * 0.02, abs=5e-4)


def test_independent_statistics_give_the_sidak_critical_value() -> None:
    """J independent standard normal replicates: P(max |Z| ≤ c) = (2Φ(c) − 1)^J = 0.95."""
    rng = np.random.default_rng(2)
    j = 10
    family = max_t(np.zeros(j), rng.normal(size=(200_000, j)))
    sidak = sps.norm.ppf((1 + 0.95 ** (1 / j)) / 2)
    assert family.critical == pytest.approx(sidak, abs=0.02)


def test_perfectly_correlated_statistics_need_no_correction() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=(100_000, 1))
    family = max_t(np.zeros(5), np.hstack([z, z, 2 * z, -z, z]))
    assert family.critical == pytest.approx(1.96, abs=0.02)
    assert family.high[2] == pytest.approx(2 * family.high[0], rel=1e-9)


def test_a_statistic_without_spread_keeps_its_point() -> None:
    rng = np.random.default_rng(4)
    reps = np.hstack([np.full((1000, 1), 0.0), rng.normal(0.1, 0.01, (1000, 1))])
    family = max_t(np.array([0.0, 0.1]), reps)
    assert (family.low[0], family.high[0]) == (0.0, 0.0)
    assert family.low[1] < 0.1 < family.high[1]
    assert max_t(np.zeros(0), np.zeros((10, 0))).low.size == 0


def test_gap_bounds_from_pairwise_intervals() -> None:
    low = np.array([-0.02, 0.03, -0.10])
    high = np.array([0.04, 0.09, -0.01])
    assert gap_bounds(low, high) == (0.03, 0.10)  # farthest from 0; largest reach
    assert gap_bounds(np.array([-0.1]), np.array([0.2])) == (0.0, 0.2)


def test_the_global_p_value_is_uniform_under_the_null() -> None:
    rng = np.random.default_rng(5)
    p_values = []
    for _ in range(400):
        estimate = rng.normal(size=3)  # the truth is 0; replicates spread around the estimate
        p = max_t_p_value(max_t(estimate, estimate + rng.normal(size=(999, 3))))
        assert p is not None
        p_values.append(p)
    rejected = np.mean(np.array(p_values) <= 0.05)
    assert rejected == pytest.approx(0.05, abs=3 * math.sqrt(0.05 * 0.95 / 400))


def test_pairs() -> None:
    g, h = pair_indices(4)
    assert list(zip(g.tolist(), h.tolist(), strict=True)) == [
        (0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)
    ]  # fmt: skip
