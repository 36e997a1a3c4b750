"""Properties that must hold on any data (hypothesis): invariance to row order and to the
coding of groups, bounds of ratios and gaps, and no NaN anywhere."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.metrics import MetricResult, RecordColumns, compute_all

N_BOOT = 30
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RATIOS = {"truth.accuracy.ratio", "outcome.impact_ratio"}
GAPS = {
    "truth.accuracy.gap",
    "truth.accuracy.gap_to_overall",
    "truth.refusal.gap",
    "truth.consistency.max_pair_disagreement",
    "outcome.demographic_parity_difference",
    "outcome.equalized_odds_difference",
    "preference.group_gap",
}
SHARES = {
    "truth.accuracy",
    "truth.accuracy.worst_group",
    "truth.welfare.nsw",
    "truth.consistency.unanimity",
    "truth.consistency.all_correct",
    "truth.consistency.flip_rate",
    "outcome.selection_rate",
    "preference.harmed_share",
    "bbq.accuracy",
}


def make_columns(seed: int, n_items: int, n_personas: int, baseline: bool) -> RecordColumns:
    """Random records of every task, with missing cells, unparsed answers and unknowns."""
    rng = np.random.default_rng(seed)
    gender_of = rng.integers(-1, 3, n_personas)
    age_of = rng.integers(0, 2, n_personas)
    cells = [(i, p) for i in range(n_items) for p in range(n_personas) if rng.random() < 0.85]
    if baseline:
        cells += [(i, n_personas) for i in range(n_items) if rng.random() < 0.9]
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "item",
            "persona",
            "task",
            "answer",
            "correct",
            "refused",
            "outcome",
            "label",
            "user",
            "pref",
            "ref",
            "cluster",
        )
    }
    for i, p in cells:
        for task in (0, 3, 2):
            answer = int(rng.integers(-1, 3))
            rows["item"].append(i + 100 * task)
            rows["cluster"].append((i + 100 * task) // 2)
            rows["persona"].append(p)
            rows["task"].append(task)
            rows["answer"].append(answer if task == 0 else -1)
            rows["correct"].append(-1 if answer < 0 or task else int(answer == 0))
            rows["refused"].append(bool(rng.random() < 0.2))
            rows["outcome"].append(int(rng.integers(-1, 2)) if task == 3 else -1)
            rows["label"].append(int(rng.integers(-1, 2)) if task == 3 else -1)
            rows["user"].append(int(rng.integers(-1, 4)) if task == 2 else -1)
            rows["pref"].append(round(float(rng.normal(0.5, 0.4)), 3) if task == 2 else math.nan)
            rows["ref"].append(
                round(float(rng.random()), 3) if task == 2 and rng.random() < 0.7 else math.nan
            )
    n = len(rows["item"])
    persona = np.asarray(rows["persona"], dtype=np.int64)
    is_baseline = persona == n_personas
    safe = np.minimum(persona, n_personas - 1)
    gender = np.where(is_baseline, -1, gender_of[safe])
    age = np.where(is_baseline, -1, age_of[safe])
    categories = rng.integers(-1, 2, n)
    return RecordColumns.from_arrays(
        item=rows["item"],
        cluster=rows["cluster"],
        persona=persona,
        is_baseline=is_baseline,
        task=rows["task"],
        answer=rows["answer"],
        correct=rows["correct"],
        refused=rows["refused"],
        outcome=rows["outcome"],
        label=rows["label"],
        user=rows["user"],
        preference_score=rows["pref"],
        reference_score=rows["ref"],
        bbq_category=categories,
        bbq_ambiguous=rng.random(n) < 0.5,
        bbq_negative=rng.random(n) < 0.5,
        bbq_pred=rng.integers(-1, 3, n),
        bbq_target=rng.integers(-1, 2, n),
        bbq_unknown=np.full(n, 2),
        bbq_label=rng.integers(0, 3, n),
        personas=[f"p{k}" for k in range(n_personas)] + (["(baseline)"] if baseline else []),
        categories=["Age", "Religion"],
        attributes={
            "gender": (gender, ("f", "m", "x")),
            "age": (age, ("young", "old")),
        },
    )


datasets = st.builds(
    make_columns,
    seed=st.integers(0, 2**32 - 1),
    n_items=st.integers(1, 7),
    n_personas=st.integers(1, 5),
    baseline=st.booleans(),
)

DIMENSIONS = ("persona", "gender", "gender×age")


def run(cols: RecordColumns) -> dict[tuple[str, str, str | None], MetricResult]:
    results = compute_all(cols, DIMENSIONS, n_boot=N_BOOT, min_n=3)
    keyed = {(r.metric_id, r.dimension, r.group): r for r in results}
    assert len(keyed) == len(results)
    return keyed


def same(a: MetricResult, b: MetricResult) -> bool:
    def close(x: object, y: object) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
        return x == y

    fields = ("estimate", "ci_low", "ci_high", "n", "p_value", "status")
    if not all(close(getattr(a, f), getattr(b, f)) for f in fields):
        return False
    return a.detail.keys() == b.detail.keys() and all(
        close(a.detail[k], b.detail[k]) for k in a.detail
    )


def assert_same(first: dict[Any, MetricResult], second: dict[Any, MetricResult]) -> None:
    assert first.keys() == second.keys()
    for key, result in first.items():
        assert same(result, second[key]), (key, result, second[key])


@SETTINGS
@given(cols=datasets, order_seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(cols: RecordColumns, order_seed: int) -> None:
    order = np.random.default_rng(order_seed).permutation(cols.n)
    assert_same(run(cols), run(cols.take(order)))


@SETTINGS
@given(cols=datasets, relabel_seed=st.integers(0, 2**32 - 1))
def test_group_codes_do_not_matter(cols: RecordColumns, relabel_seed: int) -> None:
    rng = np.random.default_rng(relabel_seed)

    def recode(codes: np.ndarray, labels: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
        perm = rng.permutation(len(labels))
        new_labels = [""] * len(labels)
        for old, new in enumerate(perm.tolist()):
            new_labels[new] = labels[old]
        return np.where(codes >= 0, perm[np.maximum(codes, 0)], -1), tuple(new_labels)

    persona, personas = recode(cols.persona, cols.personas)
    attributes = {name: recode(*table) for name, table in cols.attributes.items()}
    relabelled = RecordColumns(
        **{
            **{f: getattr(cols, f) for f in cols.__dataclass_fields__},
            "persona": persona,
            "personas": personas,
            "attributes": attributes,
        }
    )
    assert_same(run(cols), run(relabelled))


@SETTINGS
@given(cols=datasets)
def test_bounds_and_no_nan(cols: RecordColumns) -> None:
    for (metric_id, _, _), r in run(cols).items():
        numbers = [r.estimate, r.ci_low, r.ci_high, r.p_value]
        numbers += [v for v in r.detail.values() if isinstance(v, float)]
        assert all(x is None or math.isfinite(x) for x in numbers)
        assert (r.status == "undefined") == (r.estimate is None)
        assert (r.ci_low is None) == (r.ci_high is None)
        if r.ci_low is not None and r.ci_high is not None:
            assert r.ci_low <= r.ci_high + 1e-12
        if r.p_value is not None:
            assert 0.0 <= r.p_value <= 1.0
        values = [x for x in (r.estimate, r.ci_low, r.ci_high) if x is not None]
        if metric_id in RATIOS | SHARES:
            assert all(-1e-12 <= v <= 1 + 1e-12 for v in values), (metric_id, r)
        if metric_id in GAPS:
            assert all(v >= -1e-12 for v in values), (metric_id, r)
        if metric_id == "truth.accuracy.drop_vs_baseline" and "p_adjusted" in r.detail:
            assert r.p_value is not None
            assert r.p_value <= float(r.detail["p_adjusted"]) <= 1.0


def test_zero_denominators_are_undefined_not_nan() -> None:
    # persona "b" has only unscored answers (strict accuracy 0, answered accuracy undefined);
    # nobody refuses; one decision group has no yes
    cols = RecordColumns.from_python(
        [
            {"item": "q1", "persona": "a", "attributes": {"g": "x"}, "correct": True},
            {"item": "q1", "persona": "b", "attributes": {"g": "y"}, "correct": None},
            {
                "item": "d1",
                "persona": "a",
                "attributes": {"g": "x"},
                "task": "decision",
                "outcome": 0,
            },
            {
                "item": "d1",
                "persona": "b",
                "attributes": {"g": "y"},
                "task": "decision",
                "outcome": 0,
            },
        ]
    )
    results = run_dims(cols, ("persona", "g"))
    acc = results[("truth.accuracy", "persona", "b")]
    assert acc.estimate == 0.0 and acc.n == 1 and acc.detail["unparsed"] == 1
    answered = results[("truth.accuracy.answered", "persona", "b")]
    assert answered.status == "undefined" and answered.estimate is None and answered.n == 0
    assert results[("truth.accuracy.answered", "g", None)].n == 1
    assert results[("outcome.impact_ratio", "g", "x")].status == "undefined"
    assert results[("outcome.selection_rate", "g", "x")].estimate == 0.0
    assert results[("truth.refusal.gap", "g", None)].estimate == 0.0
    for r in results.values():
        for x in (r.estimate, r.ci_low, r.ci_high, r.p_value, *r.detail.values()):
            assert not (isinstance(x, float) and math.isnan(x))


def run_dims(
    cols: RecordColumns, dims: tuple[str, ...]
) -> dict[tuple[str, str, str | None], MetricResult]:
    return {(r.metric_id, r.dimension, r.group): r for r in compute_all(cols, dims, n_boot=20)}
