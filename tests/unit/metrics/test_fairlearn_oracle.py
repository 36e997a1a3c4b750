"""Group metrics against Fairlearn's MetricFrame (a test-only oracle), to 1e-12.

Fairlearn's named metrics are compositions of one grouped computation; so are ours, and
each is checked against its Fairlearn counterpart on random data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    equalized_odds_difference,
)

from compliance.metrics import RecordColumns, compute

TOL = 1e-12


def _accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true == y_pred))


def _objective(seed: int) -> tuple[RecordColumns, pd.DataFrame, np.ndarray]:
    """Random objective records of 12 personas with two attributes; unscored rows too.
    Returns every row's features and outcome (1 right, 0 wrong, -1 unscored)."""
    rng = np.random.default_rng(seed)
    n_items, n_personas = int(rng.integers(20, 80)), 12
    item = np.repeat(np.arange(n_items), n_personas)
    persona = np.tile(np.arange(n_personas), n_items)
    skill = rng.uniform(0.4, 0.9, n_personas)
    correct = (rng.random(item.size) < skill[persona]).astype(np.int8)
    correct[rng.random(item.size) < 0.05] = -1
    gender_of = rng.integers(0, 3, n_personas)
    age_of = rng.integers(0, 2, n_personas)
    gender_of[:3], age_of[:2] = [0, 1, 2], [0, 1]
    cols = RecordColumns.from_arrays(
        item=item,
        cluster=item // 3,
        persona=persona,
        correct=correct,
        personas=[f"p{i:02d}" for i in range(n_personas)],
        attributes={
            "gender": (gender_of[persona], ("female", "male", "nonbinary")),
            "age": (age_of[persona], ("young", "old")),
        },
    )
    features = pd.DataFrame(
        {
            "persona": np.array([f"p{i:02d}" for i in range(n_personas)])[persona],
            "gender": np.array(["female", "male", "nonbinary"])[gender_of[persona]],
            "age": np.array(["young", "old"])[age_of[persona]],
        }
    )
    return cols, features, correct.astype(np.int64)


def _one(cols: RecordColumns, metric_id: str, dimension: str) -> float:
    (result,) = compute(metric_id, cols, dimension, n_boot=20)
    assert result.estimate is not None
    return result.estimate


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("dimension", ["persona", "gender", "gender×age"])
def test_accuracy_family_matches_metricframe(seed: int, dimension: str) -> None:
    """Strict accuracy: an unscored answer is not a right one (y_pred 0 for it)."""
    cols, features, outcome = _objective(seed)
    y_pred = (outcome == 1).astype(np.int64)
    sensitive = features[dimension.split("×")]
    frame = MetricFrame(
        metrics=_accuracy,
        y_true=np.ones_like(y_pred),
        y_pred=y_pred,
        sensitive_features=sensitive,
    )
    by_group = frame.by_group.dropna()
    ours = {
        r.group: r.estimate
        for r in compute("truth.accuracy", cols, dimension, n_boot=20)
        if r.status != "undefined"
    }
    assert ours.pop(None) == pytest.approx(float(frame.overall), abs=TOL)
    expected = {
        ("×".join(key) if isinstance(key, tuple) else key): float(value)
        for key, value in by_group.items()
    }
    assert set(ours) == set(expected)
    for group, value in expected.items():
        assert abs(ours[group] - value) < TOL
    assert abs(_one(cols, "truth.accuracy.worst_group", dimension) - frame.group_min()) < TOL
    gap = frame.difference(method="between_groups")
    assert abs(_one(cols, "truth.accuracy.gap", dimension) - gap) < TOL
    to_overall = frame.difference(method="to_overall")
    assert abs(_one(cols, "truth.accuracy.gap_to_overall", dimension) - to_overall) < TOL
    assert abs(_one(cols, "truth.accuracy.ratio", dimension) - frame.ratio()) < TOL


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dimension", ["persona", "gender×age"])
def test_answered_accuracy_matches_metricframe_on_the_scored_rows(
    seed: int, dimension: str
) -> None:
    cols, features, outcome = _objective(seed)
    scored = outcome >= 0
    frame = MetricFrame(
        metrics=_accuracy,
        y_true=np.ones(int(scored.sum()), dtype=np.int64),
        y_pred=outcome[scored],
        sensitive_features=features[scored].reset_index(drop=True)[dimension.split("×")],
    )
    ours = {
        r.group: r.estimate
        for r in compute("truth.accuracy.answered", cols, dimension, n_boot=20)
        if r.status != "undefined"
    }
    assert ours.pop(None) == pytest.approx(float(frame.overall), abs=TOL)
    for key, value in frame.by_group.dropna().items():
        group = "×".join(key) if isinstance(key, tuple) else key
        assert abs(ours[group] - float(value)) < TOL


def _decisions(seed: int) -> tuple[RecordColumns, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(200, 600))
    group = rng.integers(0, 4, n)
    group[:8] = [0, 1, 2, 3, 0, 1, 2, 3]
    label = rng.integers(0, 2, n)
    label[:8] = [0, 0, 0, 0, 1, 1, 1, 1]
    rate = np.array([0.3, 0.5, 0.45, 0.7])[group] + 0.2 * label
    outcome = (rng.random(n) < rate).astype(np.int8)
    cols = RecordColumns.from_arrays(
        item=np.arange(n),
        cluster=np.arange(n) // 4,
        persona=group,
        task=np.full(n, 3),
        outcome=outcome,
        label=label,
        personas=["a", "b", "c", "d"],
        attributes={"race": (group, ("a", "b", "c", "d"))},
    )
    return cols, np.array(["a", "b", "c", "d"])[group], outcome.astype(np.int64), label


@pytest.mark.parametrize("seed", range(8))
def test_outcome_metrics_match_fairlearn(seed: int) -> None:
    cols, sensitive, y_pred, y_true = _decisions(seed)
    dpd = demographic_parity_difference(y_true, y_pred, sensitive_features=sensitive)
    eod = equalized_odds_difference(y_true, y_pred, sensitive_features=sensitive)
    assert abs(_one(cols, "outcome.demographic_parity_difference", "race") - dpd) < TOL
    assert abs(_one(cols, "outcome.equalized_odds_difference", "race") - eod) < TOL
    frame = MetricFrame(
        metrics=lambda t, p: float(np.mean(p == 1)),
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sensitive,
    )
    rates = {r.group: r.estimate for r in compute("outcome.selection_rate", cols, "race")}
    for group, value in frame.by_group.items():
        assert abs(rates[group] - value) < TOL
    top = float(frame.by_group.max())
    for r in compute("outcome.impact_ratio", cols, "race", n_boot=20):
        assert r.estimate is not None
        assert abs(r.estimate - frame.by_group[r.group] / top) < TOL
