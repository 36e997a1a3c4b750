"""PERG's robustness metrics (Okite et al. 2025): hand-worked cases, and agreement with an
independent pandas computation on simulated data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from compliance.metrics import MetricResult, RecordColumns, compute

IDS = (
    "truth.consistency.breakage_rate",
    "truth.consistency.performance_variation",
    "truth.robustness_error",
    "preference.alignment_failure",
)


def _rows(table: dict[str | None, list[tuple[Any, ...]]]) -> RecordColumns:
    """``{persona: [(item, correct, refused, followed), ...]}``; None is the baseline."""
    rows: list[dict[str, Any]] = []
    for persona, answers in table.items():
        for item, correct, refused, followed in answers:
            row: dict[str, Any] = {"item": item, "correct": correct, "refused": refused}
            if followed is not None:
                row["followed"] = int(followed)
            if persona is not None:
                row |= {"persona": persona, "attributes": {"relevance": "relevant"}}
            rows.append(row)
    return RecordColumns.from_python(rows)


def _by_group(
    metric: str, cols: RecordColumns, dimension: str = "persona"
) -> dict[Any, MetricResult]:
    return {r.group: r for r in compute(metric, cols, dimension, n_boot=50)}


CROSSED = {
    None: [("q1", True, False, None), ("q2", True, False, None), ("q3", True, False, None),
           ("q4", False, False, None)],
    "P1": [("q1", True, False, True), ("q2", False, False, False), ("q3", None, True, None),
           ("q4", True, False, True)],
    "P2": [("q1", True, False, True), ("q2", True, False, True), ("q3", True, False, False),
           ("q4", False, False, None)],
}  # fmt: skip


def test_breakage_rate_crossed() -> None:
    """Baseline right on q1-q3. P1 breaks q2 (wrong) and q3 (refused: not right): 2/3;
    P2 breaks nothing; pooled over the six baseline-right pairs: 2/6. q4, wrong at baseline,
    counts for no one."""
    result = _by_group(IDS[0], _rows(CROSSED))
    assert result["P1"].estimate == pytest.approx(2 / 3)
    assert result["P2"].estimate == 0.0
    assert result[None].estimate == pytest.approx(2 / 6)
    assert result["P1"].detail["baseline_correct_pairs"] == 3
    assert result["P1"].detail["broken_pairs"] == 2
    assert result[None].detail["pooled"] == "all personas (every pair)"
    assert "2509.19358" in str(result[None].detail["source"])


def test_performance_variation_crossed() -> None:
    """P1: right on {q1, q4}, baseline on {q1, q2, q3}: 1 − 1/4. P2: the same set: 0.
    Pooled: 1 − (1 + 3)/(4 + 3)."""
    result = _by_group(IDS[1], _rows(CROSSED))
    assert result["P1"].estimate == pytest.approx(0.75)
    assert result["P2"].estimate == 0.0
    assert result[None].estimate == pytest.approx(1 - 4 / 7)
    assert result["P1"].detail["either_correct"] == 4


def test_robustness_error_and_alignment_failure() -> None:
    """Over baseline-right pairs with a judgement. P1: q1 (right, followed), q2 (wrong, not
    followed): error 1/2, failure 1/2 (q3 has no judgement). P2: q1, q2 right and followed,
    q3 right but not followed: error 1/3, failure 1/3. Pooled: 2/5 and 2/5."""
    cols = _rows(CROSSED)
    error, failure = _by_group(IDS[2], cols), _by_group(IDS[3], cols)
    assert error["P1"].estimate == pytest.approx(1 / 2)
    assert failure["P1"].estimate == pytest.approx(1 / 2)
    assert error["P2"].estimate == pytest.approx(1 / 3)
    assert failure["P2"].estimate == pytest.approx(1 / 3)
    assert error[None].estimate == pytest.approx(2 / 5)
    assert failure[None].estimate == pytest.approx(2 / 5)


def test_without_judgements_they_are_not_applicable_never_zero() -> None:
    cols = _rows({p: [(i, c, r, None) for i, c, r, _ in a] for p, a in CROSSED.items()})
    for metric in IDS[2:]:
        for row in compute(metric, cols, "persona", n_boot=20):
            assert row.status == "undefined" and row.n == 0 and row.estimate is None
            assert "followed_preference" in str(row.detail["reason"])


def test_one_persona_per_item_as_in_perg() -> None:
    """Each item asked under one persona only. P1 on q1 (kept), q2 (broken): 1/2; P2 on q3
    (broken) and q4 (baseline wrong: not a pair that counts): 1/1; pooled 2/3."""
    cols = _rows({
        None: [("q1", True, False, None), ("q2", True, False, None), ("q3", True, False, None),
               ("q4", False, False, None)],
        "P1": [("q1", True, False, None), ("q2", False, False, None)],
        "P2": [("q3", False, False, None), ("q4", True, False, None)],
    })  # fmt: skip
    result = _by_group(IDS[0], cols)
    assert (result["P1"].estimate, result["P2"].estimate) == (0.5, 1.0)
    assert result[None].estimate == pytest.approx(2 / 3)
    by_relevance = _by_group(IDS[0], cols, "relevance")
    assert by_relevance["relevant"].estimate == pytest.approx(2 / 3)  # an attribute dimension


@pytest.mark.parametrize("seed", range(4))
def test_agreement_with_pandas_on_simulated_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    items, personas = 120, ["p0", "p1", "p2", "p3", "p4"]
    rows: list[dict[str, Any]] = []
    for i in range(items):
        base = rng.random() < 0.7
        rows.append({"item": f"q{i}", "persona": None, "correct": bool(base)})
        asked = personas if seed % 2 == 0 else [personas[i % len(personas)]]  # crossed or not
        for p in asked:
            outcome = rng.choice(
                ["right", "wrong", "refused", "unparsed"], p=[0.6, 0.25, 0.1, 0.05]
            )
            rows.append(
                {
                    "item": f"q{i}",
                    "persona": p,
                    "attributes": {"relevance": "relevant" if p < "p3" else "irrelevant"},
                    "correct": {"right": True, "wrong": False}.get(str(outcome)),
                    "refused": outcome == "refused",
                    "followed": int(rng.random() < 0.8) if rng.random() < 0.9 else None,
                }
            )
    cols = RecordColumns.from_python(
        [{k: v for k, v in r.items() if v is not None or k == "correct"} for r in rows]
    )
    frame = pd.DataFrame(rows)
    base = frame[frame.persona.isna()].set_index("item")["correct"].astype(bool)
    pairs = frame[frame.persona.notna()].copy()
    pairs["b"] = pairs["item"].map(base)
    pairs["c"] = pairs["correct"].eq(True)
    right = pairs[pairs.b]
    expected_breakage = right.groupby("persona")["c"].apply(lambda c: 1 - c.mean())
    jaccard = pairs.groupby("persona").apply(
        lambda g: 1 - (g.b & g.c).sum() / (g.b | g.c).sum(), include_groups=False
    )
    judged = right[right.followed.notna()]
    error = judged.groupby("persona").apply(
        lambda g: 1 - (g.c & g.followed.eq(1)).mean(), include_groups=False
    )
    ours = {metric: _by_group(metric, cols) for metric in IDS[:3]}
    for persona in expected_breakage.index:
        assert ours[IDS[0]][persona].estimate == pytest.approx(expected_breakage[persona])
        assert ours[IDS[1]][persona].estimate == pytest.approx(jaccard[persona])
        assert ours[IDS[2]][persona].estimate == pytest.approx(error[persona])
    assert ours[IDS[0]][None].estimate == pytest.approx(1 - right.c.mean())
