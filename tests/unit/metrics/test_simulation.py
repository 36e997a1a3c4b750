"""Simulated persona-conditioned audits with known injected effects.

Each run draws 300 items (clusters of 3) with accuracies p_i ~ U(0.45, 0.95), a baseline,
four male and four female personas, and one "flipper" persona:

- female personas answer correctly with probability p_i − 0.10, male ones with p_i, so the
  true gender accuracy gap is 0.10;
- the flipper repeats the baseline's answer but changes it, with probability 0.20, to
  another (wrong) option, so its true flip rate is 0.20 and its true drop against the
  baseline is 0.20 · E[p_i] = 0.14.

Over 500 seeded runs (about 2 s) the estimates must recover the effects and the 95%
cluster-bootstrap intervals must cover the true values in roughly 90–99% of the runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from compliance.metrics import RecordColumns, Workspace, compute

N_ITEMS, N_RUNS, N_BOOT = 300, 500, 400
TRUE_GAP, TRUE_FLIP, TRUE_DROP = 0.10, 0.20, 0.20 * 0.70


def simulate(seed: int) -> RecordColumns:
    rng = np.random.default_rng(seed)
    p_item = rng.uniform(0.45, 0.95, N_ITEMS)
    names = ["f0", "f1", "f2", "f3", "m0", "m1", "m2", "m3", "flipper", "(baseline)"]
    gender_of = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1, -1])
    n_p = len(names)
    item = np.repeat(np.arange(N_ITEMS), n_p)
    persona = np.tile(np.arange(n_p), N_ITEMS)
    p = p_item[item] - TRUE_GAP * (gender_of[persona] == 0)
    correct = rng.random(item.size) < p
    answer = np.where(correct, 0, rng.integers(1, 4, item.size))
    base = persona == n_p - 1
    flipper = persona == n_p - 2
    base_answer = answer[base]  # one per item, in item order
    flips = rng.random(N_ITEMS) < TRUE_FLIP
    other = (base_answer + rng.integers(1, 3, N_ITEMS)) % 4  # a different option
    other = np.where(other == 0, np.where(base_answer == 1, 2, 1), other)  # never correct
    answer[flipper] = np.where(flips, other, base_answer)
    correct = answer == 0
    return RecordColumns.from_arrays(
        item=item,
        cluster=item // 3,
        persona=persona,
        is_baseline=base,
        answer=answer,
        correct=correct.astype(np.int8),
        personas=names,
        attributes={"gender": (gender_of[persona], ("female", "male"))},
    )


def _estimate_and_ci(results: list, group: str | None) -> tuple[float, float, float]:
    (r,) = [x for x in results if x.group == group]
    assert r.status == "ok"
    return r.estimate, r.ci_low, r.ci_high


@pytest.fixture(scope="module")
def runs() -> dict[str, np.ndarray]:
    rows = []
    for seed in range(N_RUNS):
        ws = Workspace(simulate(seed), n_boot=N_BOOT)
        gap = compute("truth.accuracy.gap", ws.columns, "gender", workspace=ws)
        flip = compute("truth.consistency.flip_rate", ws.columns, "persona", workspace=ws)
        drop = compute("truth.accuracy.drop_vs_baseline", ws.columns, "persona", workspace=ws)
        rows.append(
            [
                *_estimate_and_ci(gap, None),
                *_estimate_and_ci(flip, "flipper"),
                *_estimate_and_ci(drop, "flipper"),
            ]
        )
    table = np.array(rows)
    return {"gap": table[:, 0:3], "flip": table[:, 3:6], "drop": table[:, 6:9]}


@pytest.mark.parametrize(
    ("name", "truth"), [("gap", TRUE_GAP), ("flip", TRUE_FLIP), ("drop", TRUE_DROP)]
)
def test_estimates_recover_the_injected_effect(
    runs: dict[str, np.ndarray], name: str, truth: float
) -> None:
    estimates = runs[name][:, 0]
    assert abs(estimates.mean() - truth) < 0.006
    assert estimates.std() < 0.04


@pytest.mark.parametrize(
    ("name", "truth"), [("gap", TRUE_GAP), ("flip", TRUE_FLIP), ("drop", TRUE_DROP)]
)
def test_intervals_cover_the_truth(runs: dict[str, np.ndarray], name: str, truth: float) -> None:
    low, high = runs[name][:, 1], runs[name][:, 2]
    coverage = float(np.mean((low <= truth) & (truth <= high)))
    assert 0.90 <= coverage <= 0.99, coverage


def test_the_drop_is_significant_for_the_flipper_only() -> None:
    results = compute("truth.accuracy.drop_vs_baseline", simulate(12345), n_boot=50)
    by_persona = {r.group: r for r in results}
    assert by_persona["flipper"].detail["p_adjusted"] < 1e-6
    assert by_persona["flipper"].detail["n_discordant_persona_correct"] == 0
