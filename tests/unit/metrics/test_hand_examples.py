"""Small examples computed by hand: BBQ scores, baseline pairs, consistency, preference."""

from __future__ import annotations

from typing import Any

import pytest

from compliance.metrics import MetricResult, RecordColumns, compute

BBQ_ROWS: list[tuple[str, bool, bool, int, int, int]] = [
    # (category, ambiguous, negative question, label, prediction, target); unknown = 2
    ("Age", False, True, 0, 0, 0),  # aligned, correct, biased
    ("Age", False, True, 1, 0, 0),  # against, wrong, biased
    ("Age", False, True, 1, 1, 0),  # against, correct, not biased
    ("Age", False, False, 1, 1, 0),  # aligned, correct, biased
    ("Age", False, False, 0, 2, 0),  # against, wrong, "unknown"
    ("Age", False, False, 0, 0, 0),  # against, correct, not biased
    ("Age", False, True, 0, -1, 0),  # unparsed
    ("Age", False, True, 0, 0, -1),  # no usable target: accuracy only
    ("Age", True, True, 2, 2, 0),  # correct
    ("Age", True, True, 2, 0, 0),  # biased
    ("Age", True, False, 2, 0, 0),  # not biased
    ("Age", True, False, 2, 1, 0),  # biased
    ("Age", True, True, 2, 2, 0),  # correct
    ("Religion", False, True, 0, 0, 0),  # aligned, correct, biased
    ("Religion", False, False, 0, 0, 0),  # against, correct, not biased
]


def _bbq() -> RecordColumns:
    rows: list[dict[str, Any]] = []
    for i, (cat, amb, neg, label, pred, target) in enumerate(BBQ_ROWS):
        rows.append(
            {
                "item": f"q{i}",
                "cluster": f"t{i // 2}",
                "bbq_category": cat,
                "bbq_ambiguous": amb,
                "bbq_negative": neg,
                "bbq_label": label,
                "bbq_pred": None if pred < 0 else pred,
                "bbq_target": None if target < 0 else target,
                "bbq_unknown": 2,
            }
        )
    return RecordColumns.from_python(rows)


def _by_group(results: list[MetricResult]) -> dict[str | None, MetricResult]:
    return {r.group: r for r in results}


def test_bbq_accuracy_by_category_and_condition() -> None:
    acc = _by_group(compute("bbq.accuracy", _bbq(), n_boot=50))
    assert acc[None].estimate == pytest.approx(9 / 14)
    assert acc["Age/disambiguated"].estimate == pytest.approx(5 / 7)
    assert acc["Age/disambiguated"].detail["n_unparsed"] == 1
    assert acc["Age/ambiguous"].estimate == pytest.approx(2 / 5)
    assert acc["Age"].estimate == pytest.approx(7 / 12)
    assert acc["ambiguous"].estimate == pytest.approx(2 / 5)
    assert acc["Religion"].estimate == 1.0
    assert acc["Religion/ambiguous"].status == "undefined"
    assert acc["Religion/ambiguous"].estimate is None


def test_bbq_bias_scores() -> None:
    cols = _bbq()
    dis = _by_group(compute("bbq.bias_score.disambiguated", cols, n_boot=50))
    assert dis["Age"].estimate == pytest.approx(100 * (2 * 3 / 5 - 1))
    assert dis["Age"].detail["n_excluded"] == 1
    assert dis["Age"].detail["n_unparsed"] == 1
    assert dis["Age"].n == 5
    assert dis["Religion"].estimate == pytest.approx(0.0)
    assert dis[None].estimate == pytest.approx(100 * (2 * 4 / 7 - 1))
    assert dis["Age"].p_value == pytest.approx(1.0)
    amb = _by_group(compute("bbq.bias_score.ambiguous", cols, n_boot=50))
    assert amb["Age"].estimate == pytest.approx((1 - 2 / 5) * 100 * (2 * 2 / 3 - 1))
    assert amb[None].estimate == pytest.approx(amb["Age"].estimate)
    assert amb["Religion"].status == "undefined"


def test_bbq_alignment_cost() -> None:
    cost = _by_group(compute("bbq.alignment_cost", _bbq(), n_boot=50))
    assert cost["Age"].estimate == pytest.approx(2 / 4 - 2 / 2)
    assert cost["Age"].detail["n_aligned"] == 2
    assert cost["Age"].detail["n_against"] == 4
    assert cost["Religion"].estimate == pytest.approx(0.0)
    assert cost[None].estimate == pytest.approx(3 / 5 - 3 / 3)
    assert cost[None].detail["test"] == "fisher"


PAIRED = {  # item: (correct answer, baseline, persona A, persona B)
    "i1": ("x", "x", "x", "x"),
    "i2": ("x", "x", "y", "x"),
    "i3": ("x", "y", "y", "x"),
    "i4": ("x", "x", "x", "z"),
}


def _paired() -> RecordColumns:
    rows: list[dict[str, Any]] = []
    for item, (truth, *answers) in PAIRED.items():
        for persona, answer in zip((None, "A", "B"), answers, strict=True):
            attributes = {} if persona is None else {"gender": "f" if persona == "A" else "m"}
            rows.append(
                {
                    "item": item,
                    "persona": persona,
                    "answer": answer,
                    "correct": answer == truth,
                    "attributes": attributes,
                }
            )
    return RecordColumns.from_python(rows)


def test_drop_vs_baseline_with_mcnemar_and_holm() -> None:
    drop = _by_group(compute("truth.accuracy.drop_vs_baseline", _paired(), n_boot=50))
    assert set(drop) == {"A", "B"}
    assert drop["A"].estimate == pytest.approx(0.25)
    assert drop["A"].detail["n_discordant_baseline_correct"] == 1
    assert drop["A"].detail["n_discordant_persona_correct"] == 0
    assert drop["A"].p_value == pytest.approx(1.0)
    assert drop["B"].estimate == pytest.approx(0.0)
    assert drop["B"].detail["acc_baseline"] == pytest.approx(0.75)
    assert drop["B"].detail["p_adjusted"] == pytest.approx(1.0)
    assert drop["A"].n == 4
    with pytest.raises(ValueError, match="persona"):
        compute("truth.accuracy.drop_vs_baseline", _paired(), "gender")


def test_consistency_metrics() -> None:
    cols = _paired()
    flip = _by_group(compute("truth.consistency.flip_rate", cols, n_boot=50))
    assert flip["A"].estimate == pytest.approx(1 / 4)
    assert flip["A"].detail["share_correct_to_incorrect"] == pytest.approx(1 / 4)
    assert flip["B"].estimate == pytest.approx(2 / 4)
    assert flip["B"].detail["share_correct_to_incorrect"] == pytest.approx(1 / 4)
    assert flip[None].estimate == pytest.approx(3 / 8)
    (unanimity,) = compute("truth.consistency.unanimity", cols, n_boot=50)
    assert unanimity.estimate == pytest.approx(1 / 4)
    (all_correct,) = compute("truth.consistency.all_correct", cols, n_boot=50)
    assert all_correct.estimate == pytest.approx(1 / 4)
    (pair,) = compute("truth.consistency.max_pair_disagreement", cols, n_boot=50)
    assert pair.estimate == pytest.approx(3 / 4)
    assert pair.detail["pair"] == "A | B"
    by_gender = _by_group(compute("truth.consistency.unanimity", cols, "gender", n_boot=50))
    assert by_gender[None].estimate == pytest.approx(1 / 4)
    assert by_gender["f"].status == "undefined"  # one persona: nothing to compare


def test_accuracy_family_on_the_paired_example() -> None:
    cols = _paired()
    acc = _by_group(compute("truth.accuracy", cols, "gender"))
    assert acc["f"].estimate == 0.5
    assert acc["m"].estimate == 0.75
    assert acc[None].estimate == pytest.approx(5 / 8)
    (gap,) = compute("truth.accuracy.gap", cols, "gender", n_boot=50)
    assert gap.estimate == pytest.approx(0.25)
    assert gap.detail["worst_group"] == "f"
    # each gender is one persona asked every item once: paired, Cochran's Q (few items vary:
    # a permutation test); with 2 groups Q is McNemar's statistic
    assert gap.detail["test"] == "cochran_q_permutation"
    assert gap.p_value is not None and 0.0 < gap.p_value <= 1.0
    (ratio,) = compute("truth.accuracy.ratio", cols, "gender", n_boot=50)
    assert ratio.estimate == pytest.approx(2 / 3)
    (nsw,) = compute("truth.welfare.nsw", cols, "gender", n_boot=50)
    assert nsw.estimate == pytest.approx((0.5 * 0.75) ** 0.5)


def _preference() -> RecordColumns:
    scores = {  # user: (group, [(personalized, reference), ...])
        "u1": ("f", [(0.9, 0.5), (0.7, 0.5)]),
        "u2": ("f", [(0.2, 0.6)]),
        "u3": ("m", [(0.5, None), (0.3, None)]),
        "u4": ("m", [(0.6, 0.7), (0.8, 0.5)]),
    }
    rows: list[dict[str, Any]] = []
    for user, (group, pairs) in scores.items():
        for k, (pref, ref) in enumerate(pairs):
            rows.append(
                {
                    "item": f"s{k}",
                    "persona": f"P{group}",
                    "user": user,
                    "task": "preference",
                    "attributes": {"gender": group},
                    "preference_score": pref,
                    "reference_score": ref,
                }
            )
    return RecordColumns.from_python(rows)


def test_preference_metrics() -> None:
    cols = _preference()
    mean = _by_group(compute("preference.mean", cols, "gender", n_boot=50))
    assert mean[None].estimate == pytest.approx(4.0 / 7)
    assert mean["f"].estimate == pytest.approx(1.8 / 3)
    (gap,) = compute("preference.group_gap", cols, "gender", n_boot=50)
    assert gap.estimate == pytest.approx(1.8 / 3 - 2.2 / 4)
    worst = _by_group(compute("preference.worst_user", cols, "gender", n_boot=50))
    assert worst[None].estimate == pytest.approx(0.2)
    assert worst["m"].estimate == pytest.approx(0.4)
    decile = _by_group(compute("preference.bottom_decile", cols, "gender", n_boot=50))
    assert decile[None].estimate == pytest.approx(0.2)  # fewer than 10 users: the minimum
    users = [0.8, 0.2, 0.4, 0.7]
    gini = sum(abs(a - b) for a in users for b in users) / (2 * 16 * sum(users) / 4)
    (g,) = [r for r in compute("preference.gini", cols, "gender", n_boot=50) if r.group is None]
    assert g.estimate == pytest.approx(gini)
    harmed = _by_group(compute("preference.harmed_share", cols, "gender", n_boot=50))
    assert harmed[None].estimate == pytest.approx(1 / 3)  # u2 harmed; u3 has no reference
    assert harmed[None].detail["n_users_without_reference"] == 1
    assert harmed["m"].estimate == pytest.approx(0.0)


def test_data_without_personas_gives_undefined_not_errors() -> None:
    """BBQ-style data: every record is a baseline record, so persona groups are empty."""
    from compliance.metrics import RecordColumns, compute_all

    rows = [{"item": f"q{i}", "correct": i % 2 == 0} for i in range(20)]
    results = compute_all(RecordColumns.from_python(rows), ["persona"], n_boot=200)
    by_id = {r.metric_id: r for r in results if r.group is None}
    assert by_id["truth.accuracy.gap"].status == "undefined"
    assert by_id["truth.accuracy.ratio"].estimate is None
    assert all(r.status == "undefined" for r in results if r.n == 0)


def _outcomes() -> RecordColumns:
    """Four items asked of the baseline and of two personas (attribute g):

    item   baseline   p-steady (g=x)   p-refuser (g=y)
    q1     right      right            refused
    q2     right      right            refused ("I cannot", scored wrong by the tool)
    q3     wrong      wrong            right
    q4     unparsed   right            unparsed
    """
    table = {
        None: [(True, False), (True, False), (False, False), (None, False)],
        "p-steady": [(True, False), (True, False), (False, False), (True, False)],
        "p-refuser": [(None, True), (False, True), (True, False), (None, False)],
    }
    rows: list[dict[str, Any]] = []
    for persona, answers in table.items():
        for i, (correct, refused) in enumerate(answers, start=1):
            row: dict[str, Any] = {"item": f"q{i}", "correct": correct, "refused": refused}
            if persona is not None:
                row |= {"persona": persona, "attributes": {"g": persona[2]}}
            rows.append(row)
    return RecordColumns.from_python(rows)


def test_every_answer_has_one_outcome_and_accuracy_is_strict() -> None:
    cols = _outcomes()
    acc = _by_group(compute("truth.accuracy", cols, "persona", n_boot=50))
    counts = ("correct", "incorrect", "refused", "unparsed")
    assert [acc["p-steady"].detail[c] for c in counts] == [3, 1, 0, 0]
    assert [acc["p-refuser"].detail[c] for c in counts] == [1, 0, 2, 1]
    assert acc["p-steady"].estimate == pytest.approx(3 / 4)
    assert acc["p-refuser"].estimate == pytest.approx(1 / 4)  # correct / all asked
    assert acc[None].estimate == pytest.approx(4 / 8) and acc[None].n == 8
    # the baseline has a row of its own, outside the persona comparisons
    assert acc["(baseline)"].estimate == pytest.approx(2 / 4)
    assert [acc["(baseline)"].detail[c] for c in counts] == [2, 1, 0, 1]
    answered = _by_group(compute("truth.accuracy.answered", cols, "persona", n_boot=50))
    assert answered["p-refuser"].estimate == 1.0 and answered["p-refuser"].n == 1
    assert answered["(baseline)"].estimate == pytest.approx(2 / 3)
    refusal = _by_group(compute("truth.refusal.rate", cols, "persona", n_boot=50))
    assert refusal["p-refuser"].estimate == pytest.approx(2 / 4)
    assert refusal["p-steady"].estimate == 0.0
    unparsed = _by_group(compute("truth.unparsed.rate", cols, "persona", n_boot=50))
    assert unparsed["p-refuser"].estimate == pytest.approx(1 / 4)
    assert unparsed["(baseline)"].estimate == pytest.approx(1 / 4)
    (gap,) = compute("truth.accuracy.gap", cols, "persona", n_boot=50)
    assert gap.estimate == pytest.approx(3 / 4 - 1 / 4)  # the baseline is not compared
    (refusal_gap,) = compute("truth.refusal.gap", cols, "persona", n_boot=50)
    assert refusal_gap.estimate == pytest.approx(2 / 4)
    assert refusal_gap.detail["worst_group"] == "p-refuser"  # the most refusals is worst
    assert refusal_gap.detail["best_group"] == "p-steady"
    # drop vs the baseline, strict on both sides: baseline 2/4 right, p-refuser 1/4
    drop = _by_group(compute("truth.accuracy.drop_vs_baseline", cols, "persona", n_boot=50))
    assert drop["p-refuser"].estimate == pytest.approx(2 / 4 - 1 / 4)
    assert drop["p-steady"].estimate == pytest.approx(2 / 4 - 3 / 4)
    assert drop["p-refuser"].n == 4


def test_without_a_baseline_the_drop_says_why() -> None:
    cols = RecordColumns.from_python(
        [{"item": "q1", "persona": "p", "attributes": {"g": "x"}, "correct": True}]
    )
    (drop,) = compute("truth.accuracy.drop_vs_baseline", cols, "persona", n_boot=20)
    assert drop.status == "undefined"
    assert "no baseline records" in str(drop.detail["reason"])
    acc = _by_group(compute("truth.accuracy", cols, "persona", n_boot=20))
    assert "(baseline)" not in acc
