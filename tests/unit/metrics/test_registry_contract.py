"""The registry's contract: the ids of METRICS.md, the entry points, input encoding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from compliance.metrics import (
    METRIC_IDS,
    REGISTRY,
    MetricResult,
    RecordColumns,
    compute,
    compute_all,
)

# The contract with METRICS.md (sections A–D), hard-coded: policies refer to these ids.
CONTRACT_IDS = (
    "truth.accuracy",
    "truth.accuracy.worst_group",
    "truth.accuracy.gap",
    "truth.accuracy.gap_to_overall",
    "truth.accuracy.ratio",
    "truth.accuracy.drop_vs_baseline",
    "truth.accuracy.answered",
    "truth.refusal.rate",
    "truth.unparsed.rate",
    "truth.refusal.gap",
    "truth.unparsed.gap",
    "truth.consistency.unanimity",
    "truth.consistency.all_correct",
    "truth.consistency.flip_rate",
    "truth.consistency.max_pair_disagreement",
    "truth.welfare.nsw",
    "truth.consistency.breakage_rate",
    "truth.consistency.performance_variation",
    "truth.robustness_error",
    "bbq.accuracy",
    "bbq.bias_score.disambiguated",
    "bbq.bias_score.ambiguous",
    "bbq.alignment_cost",
    "outcome.selection_rate",
    "outcome.impact_ratio",
    "outcome.demographic_parity_difference",
    "outcome.equalized_odds_difference",
    "preference.mean",
    "preference.worst_user",
    "preference.bottom_decile",
    "preference.gini",
    "preference.harmed_share",
    "preference.group_gap",
    "preference.alignment_failure",
)


def test_every_metrics_md_id_is_registered_exactly() -> None:
    assert len(CONTRACT_IDS) == 34
    assert set(METRIC_IDS) == set(CONTRACT_IDS)
    assert len(METRIC_IDS) == len(set(METRIC_IDS))
    for metric_id in CONTRACT_IDS:
        assert REGISTRY[metric_id].metric_id == metric_id
        assert (
            metric_id.split(".")[0]
            == {"A": "truth", "B": "bbq", "C": "outcome", "D": "preference"}[
                REGISTRY[metric_id].section
            ]
        )


def test_compute_all_on_empty_data_is_explicitly_undefined() -> None:
    cols = RecordColumns.from_arrays(item=np.zeros(0, dtype=np.int64), personas=["p"])
    results = compute_all(cols, n_boot=10)
    assert {r.metric_id for r in results} == set(CONTRACT_IDS)
    for r in results:
        assert r.status == "undefined"
        assert r.estimate is None and r.ci_low is None and r.p_value is None


def _mixed() -> RecordColumns:
    rows = []
    for i in range(6):
        for persona, gender in ((None, None), ("ann", "f"), ("bob", "m"), ("cy", "m")):
            attributes = {} if gender is None else {"gender": gender, "age": "young"}
            rows.append(
                {
                    "item": f"q{i}",
                    "cluster": f"c{i // 2}",
                    "persona": persona,
                    "attributes": attributes,
                    "answer": "a" if (i + len(persona or "")) % 3 else "b",
                    "correct": bool((i + len(persona or "")) % 3),
                    "refused": i == 5,
                }
            )
            rows.append(
                {
                    "item": f"d{i}",
                    "persona": persona,
                    "attributes": attributes,
                    "task": "decision",
                    "outcome": (i + len(persona or "")) % 2,
                    "label": i % 2,
                }
            )
            rows.append(
                {
                    "item": f"s{i}",
                    "persona": persona,
                    "attributes": attributes,
                    "task": "subjective",
                    "user": f"u{i % 3}",
                    "preference_score": i / 10,
                    "reference_score": 0.25,
                }
            )
    rows.append(
        {
            "item": "b1",
            "bbq_category": "Age",
            "bbq_ambiguous": False,
            "bbq_negative": True,
            "bbq_label": 0,
            "bbq_pred": 0,
            "bbq_target": 0,
            "bbq_unknown": 2,
        }
    )
    return RecordColumns.from_python(rows)


def _all_finite(result: MetricResult) -> bool:
    numbers = [result.estimate, result.ci_low, result.ci_high, result.p_value]
    numbers += [v for v in result.detail.values() if isinstance(v, float)]
    return all(x is None or math.isfinite(x) for x in numbers)


def test_compute_all_covers_every_metric_and_dimension() -> None:
    cols = _mixed()
    results = compute_all(cols, n_boot=30, min_n=5)
    assert {r.metric_id for r in results} == set(CONTRACT_IDS)
    dims = {r.dimension for r in results}
    assert dims == {"persona", "gender", "age", "bbq.category"}
    assert all(_all_finite(r) for r in results)
    drop = [r for r in results if r.metric_id == "truth.accuracy.drop_vs_baseline"]
    assert {r.dimension for r in drop} == {"persona"}
    assert {r.group for r in drop} == {"ann", "bob", "cy"}
    bbq = [r for r in results if r.metric_id == "bbq.accuracy" and r.group == "Age"]
    assert bbq[0].status == "insufficient_data"  # 1 record < min_n, estimate still given
    assert bbq[0].estimate == 1.0


def test_same_data_gives_same_numbers() -> None:
    first = compute_all(_mixed(), n_boot=40)
    second = compute_all(_mixed(), n_boot=40)
    assert first == second


def test_from_python_encodes_sorted_codes_and_baseline() -> None:
    cols = _mixed()
    assert cols.personas == ("ann", "bob", "cy", "(baseline)")
    assert cols.attributes["gender"][1] == ("f", "m")
    codes, labels = cols.dimension("persona")
    assert labels == ("ann", "bob", "cy")
    assert set(codes[cols.is_baseline].tolist()) == {-1}
    codes, labels = cols.dimension("gender×age")
    assert labels == ("f×young", "m×young")
    assert cols.dimension("gender*age")[1] == labels
    assert set(codes[cols.is_baseline].tolist()) == {-1}
    with pytest.raises(ValueError, match="unknown dimension"):
        cols.dimension("height")


def test_columns_validate_shapes_and_codes() -> None:
    with pytest.raises(ValueError, match="shape"):
        RecordColumns.from_arrays(item=[0, 1], correct=[1])
    with pytest.raises(ValueError, match="persona codes"):
        RecordColumns.from_arrays(item=[0, 1], persona=[0, 3], personas=["a"])
    with pytest.raises(TypeError, match="unknown columns"):
        RecordColumns.from_arrays(item=[0], colour=[1])


def test_result_refuses_nan() -> None:
    with pytest.raises(ValueError, match="finite"):
        MetricResult("truth.accuracy", "persona", None, math.nan, None, None, 1, None, "ok")
    with pytest.raises(ValueError, match="undefined"):
        MetricResult("truth.accuracy", "persona", None, 0.5, None, None, 1, None, "undefined")


def test_dimension_spelling_is_canonical() -> None:
    cols = _mixed()
    star = compute("truth.accuracy", cols, " gender * age ", n_boot=10)
    cross = compute("truth.accuracy", cols, "gender×age", n_boot=10)
    assert star == cross
    assert {r.dimension for r in star} == {"gender×age"}


def test_clopper_pearson_option() -> None:
    """The option applies where each unit gives a group one record (one persona, items not
    clustered); pooled or clustered groups keep the cluster-robust interval."""
    rows = [
        {"item": f"q{i}", "persona": p, "attributes": {"g": g}, "correct": (i * 7 + j) % 3 > 0}
        for i in range(12)
        for j, (p, g) in enumerate((("ann", "f"), ("bob", "m"), ("cy", "m")))
    ]
    cols = RecordColumns.from_python(rows)
    pooled = compute("truth.accuracy", cols, "g", proportion_ci="clopper-pearson")
    assert {r.group: r.detail["ci_method"] for r in pooled} == {
        None: "wilson_clustered",
        "f": "clopper-pearson",  # one persona: one record per item
        "m": "wilson_clustered",  # two personas answer each item
    }
    results = compute("truth.accuracy", cols, "persona", proportion_ci="clopper-pearson")
    results = [r for r in results if r.group is not None]
    assert len(results) == 3
    for r in results:
        assert r.detail["ci_method"] == "clopper-pearson"
        k = int(r.detail["successes"])
        low, high = proportion_confint(k, r.n, alpha=0.05, method="beta")
        assert r.ci_low == pytest.approx(low, abs=1e-9)
        assert r.ci_high == pytest.approx(high, abs=1e-9)
