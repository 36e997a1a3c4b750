"""Judging: every verdict path of METRICS.md's rule semantics, and the overall verdict."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from compliance.domain.judge import judge, overall_verdict
from compliance.domain.policy import PolicySpec, RuleSpec


@dataclass(frozen=True)
class Result:
    metric_id: str
    dimension: str
    group: str | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int = 500
    status: str = "ok"


def policy(*rules: RuleSpec, min_n: int = 30) -> PolicySpec:
    return PolicySpec(name="p", version="1", rules=list(rules), min_sample_per_group=min_n)


RATIO = RuleSpec(
    id="r", metric="truth.accuracy.ratio", comparison=">=", threshold=0.8, severity="major"
)


def ratio(estimate: float | None, low: float | None, high: float | None, **kw: object) -> Result:
    return Result("truth.accuracy.ratio", "persona", None, estimate, low, high, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("result", "verdict", "reason"),
    [
        (ratio(0.9, 0.85, 0.95), "pass", "the whole interval is >= 0.8"),
        (ratio(0.7, 0.65, 0.75), "fail", "the whole interval fails >= 0.8"),
        (ratio(0.82, 0.75, 0.88), "inconclusive", "straddles the threshold 0.8"),
        (
            ratio(0.9, 0.85, 0.95, n=10),
            "insufficient_data",
            "n = 10 is below the policy's minimum of 30",
        ),
        (ratio(0.9, 0.85, 0.95, status="insufficient_data"), "insufficient_data", "below"),
        (ratio(None, None, None, status="undefined"), "inconclusive", "undefined"),
        (ratio(0.9, None, None), "pass", "no interval: judged on the point estimate"),
    ],
)
def test_confidence_mode(result: Result, verdict: str, reason: str) -> None:
    (finding,) = judge(policy(RATIO), [result])
    assert finding.verdict == verdict
    assert reason in finding.reason
    assert finding.reason.startswith("Accuracy ratio by persona: ")


def test_point_mode_ignores_the_interval() -> None:
    rule = RATIO.model_copy(update={"mode": "point"})
    (finding,) = judge(policy(rule), [ratio(0.82, 0.75, 0.88)])
    assert finding.verdict == "pass"
    (finding,) = judge(policy(rule), [ratio(0.79, 0.75, 0.88)])
    assert finding.verdict == "fail"


def test_strict_comparisons_at_the_threshold() -> None:
    rule = RATIO.model_copy(update={"comparison": ">", "mode": "point"})
    assert judge(policy(rule), [ratio(0.8, 0.7, 0.9)])[0].verdict == "fail"
    rule = rule.model_copy(update={"comparison": ">="})
    assert judge(policy(rule), [ratio(0.8, 0.7, 0.9)])[0].verdict == "pass"


def test_not_applicable_without_results() -> None:
    other = Result("truth.accuracy.gap", "persona", None, 0.1, 0.0, 0.2)
    (finding,) = judge(
        policy(RATIO),
        [
            other,
            ratio(0.9, 0.8, 0.95).__class__(
                "truth.accuracy.ratio", "gender", None, 0.9, 0.85, 0.95
            ),
        ],
    )
    assert finding.verdict == "not_applicable"
    assert finding.value is None
    # the engine reports a metric without data as undefined over n = 0: not applicable
    empty = ratio(None, None, None, n=0, status="undefined")
    assert judge(policy(RATIO), [empty])[0].verdict == "not_applicable"


def test_per_group_metric_holds_for_every_group_and_shows_the_worst() -> None:
    rule = RuleSpec(
        id="acc", metric="truth.accuracy", comparison=">=", threshold=0.6, severity="critical"
    )
    rows = [
        Result("truth.accuracy", "persona", None, 0.8, 0.78, 0.82, n=5000),  # overall: ignored
        Result("truth.accuracy", "persona", "a", 0.9, 0.85, 0.95),
        Result("truth.accuracy", "persona", "b", 0.55, 0.50, 0.58),
        Result("truth.accuracy", "persona", "c", 0.5, 0.45, 0.55),
    ]
    (finding,) = judge(policy(rule), rows)
    assert finding.verdict == "fail"
    assert finding.group == "c"
    assert "group 'c' (worst of 3 judged)" in finding.reason
    rows[3] = Result("truth.accuracy", "persona", "c", 0.7, 0.65, 0.75, n=5)
    (finding,) = judge(policy(rule), rows)
    assert (finding.verdict, finding.group) == ("fail", "b")  # a failure among judged stands
    assert "not judged, below the minimum of 30: c (n = 5)" in finding.reason


def test_a_pass_needs_every_group_judged() -> None:
    rule = RuleSpec(
        id="acc", metric="truth.accuracy", comparison=">=", threshold=0.6, severity="critical"
    )
    rows = [
        Result("truth.accuracy", "persona", "a", 0.9, 0.85, 0.95),
        Result("truth.accuracy", "persona", "tiny", 0.2, 0.05, 0.5, n=7),
    ]
    (finding,) = judge(policy(rule), rows)
    assert finding.verdict == "inconclusive" and finding.group == "a"
    assert "a pass needs every group judged" in finding.reason
    assert "tiny (n = 7)" in finding.reason
    only_small = judge(policy(rule), rows[1:])[0]
    assert only_small.verdict == "insufficient_data" and "n = 7" in only_small.reason


def test_an_aggregate_over_the_large_groups_fails_but_cannot_pass() -> None:
    gap = RuleSpec(
        id="gap", metric="truth.accuracy.gap", comparison="<=", threshold=0.05, severity="major"
    )
    small = {"small_groups": "tiny (n = 7)", "n_groups_small": 1}
    failing = WithDetail("truth.accuracy.gap", "persona", None, 0.3, 0.2, 0.4, detail=small)
    assert judge(policy(gap), [failing])[0].verdict == "fail"
    passing = WithDetail("truth.accuracy.gap", "persona", None, 0.0, 0.0, 0.01, detail=small)
    (finding,) = judge(policy(gap), [passing])
    assert finding.verdict == "inconclusive" and "tiny (n = 7)" in finding.reason


def test_overall_verdict() -> None:
    minor = RATIO.model_copy(update={"id": "m", "severity": "minor"})
    assert overall_verdict(judge(policy(RATIO, minor), [ratio(0.9, 0.85, 0.95)])) == "pass"
    assert overall_verdict(judge(policy(RATIO), [ratio(0.7, 0.6, 0.75)])) == "fail"
    assert overall_verdict(judge(policy(RATIO), [ratio(0.8, 0.7, 0.9)])) == "inconclusive"
    assert overall_verdict(judge(policy(RATIO), [ratio(0.9, 0.8, 0.95, n=3)])) == "inconclusive"
    # a failing minor rule is reported but does not fail the audit
    findings = judge(policy(minor), [ratio(0.7, 0.6, 0.75)])
    assert findings[0].verdict == "fail"
    assert overall_verdict(findings) == "pass"
    assert overall_verdict(judge(policy(RATIO), [])) == "pass"  # not applicable only


@dataclass(frozen=True)
class WithDetail(Result):
    detail: dict[str, object] | None = None


def test_the_baseline_row_is_not_a_group_a_rule_judges() -> None:
    rule = RuleSpec(
        id="acc", metric="truth.accuracy", comparison=">=", threshold=0.6, severity="critical"
    )
    rows = [
        Result("truth.accuracy", "persona", "p1", 0.9, 0.85, 0.95),
        Result("truth.accuracy", "persona", "(baseline)", 0.2, 0.1, 0.3),  # would fail
    ]
    (finding,) = judge(policy(rule), rows)
    assert finding.verdict == "pass" and finding.group == "p1"


def test_a_rule_without_results_says_why() -> None:
    rule = RuleSpec(
        id="drop",
        metric="truth.accuracy.drop_vs_baseline",
        comparison="<=",
        threshold=0.03,
        severity="major",
    )
    why = "no baseline records: the items were never asked with no persona"
    rows = [
        WithDetail("truth.accuracy.drop_vs_baseline", "persona", p, None, None, None, n=0,
                   status="undefined", detail={"reason": why})
        for p in ("p1", "p2")
    ]  # fmt: skip
    (finding,) = judge(policy(rule), rows)
    assert finding.verdict == "not_applicable"
    assert why in finding.reason
