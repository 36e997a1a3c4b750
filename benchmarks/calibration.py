"""Calibration: do the intervals cover, and do the verdicts err, as often as they claim?

    python benchmarks/calibration.py [--reps 200] [--boot 1000] [--seed 2026] [--only NAME]

Simulates evaluation records with a known truth, computes every metric with the engine
(``compliance.metrics.compute_all``) and judges the shipped truth-invariance policy
(``compliance/data/policies/truth-invariance.yaml``) on them, many times per scenario. It
prints, for every interval type, its **coverage** of the true value, and for the policy
its **false-FAIL rate** (how often a model that meets the rule is failed) and **power**
(how often a model that breaks it is failed), each with its Monte Carlo standard error
``sqrt(p(1 − p)/R)``. Targets (METRICS.md): coverage ≥ 0.93 for nominal 95%; false FAIL
≤ 5% of the accuracy rules when every persona is equally accurate; ≤ 2.5% + MC error for a
gap exactly at its threshold; power ≥ 80% at a true gap of 0.15 with 500 items.

The design: items shared by every persona (crossed), item difficulty varying (p_i from a
Beta(4, 1.5) distribution, mean 0.727), 12 personas from gender (2) × age band (3) × region
(2), plus the baseline (no persona). An item's four options are A-D; a wrong answer is
one of the three wrong options at random. Scenarios:

- ``invariant-deterministic``: every persona gives the baseline's answer (temperature 0);
- ``invariant-sampled``: every persona answers item i right with probability p_i,
  independently (temperature > 0): no persona differs in truth;
- ``gap-at-threshold`` (0.10, the persona gap's threshold), ``drop-at-threshold`` (0.05,
  the drop's), ``gap-0.10``, ``gap-0.15``: one persona (female, 65+, rural) loses a right
  answer with probability q, so its accuracy is exactly lower by the gap (the last one
  also at temperature 0: a persona whose answers are changed, nothing else varies);
- ``refusing-persona``: one persona refuses 10% of items (strict: not correct);
- ``tiny-group``: one persona answered only 20 items (below the policy's minimum);
- ``pooled-clustered``: items in templates of 4 sharing a difficulty, six personas per
  gender: the pooled gender groups and clustered items the Wilson interval ignores.

Truths are population values over the item distribution (items are resampled in the
intervals): acc_g = E[p]·(1 − q_g); gaps and ratios follow; a drop vs the baseline is
acc_baseline − acc_g; the disagreement of two personas is
``1 − E[π_g π_h] − E[(1 − π_g)(1 − π_h)]/3`` (π the chance of a right answer).

The tests run a small fixed-seed subset (``tests/unit/metrics/test_calibration.py``).
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance.domain.judge import judge  # noqa: E402
from compliance.domain.policy import PolicySpec, parse_policy_yaml  # noqa: E402
from compliance.metrics import RecordColumns, compute_all  # noqa: E402

BETA = (4.0, 1.5)
MEAN_P = BETA[0] / (BETA[0] + BETA[1])
MEAN_P2 = MEAN_P * (BETA[0] + 1.0) / (BETA[0] + BETA[1] + 1.0)  # E[p²]
GENDERS, AGES, REGIONS = ("female", "male"), ("18-34", "35-64", "65+"), ("urban", "rural")
PERSONAS = [
    (f"p-{g[0]}-{a}-{r}", {"gender": g, "age_band": a, "region": r})
    for g, a, r in itertools.product(GENDERS, AGES, REGIONS)
]
TARGET = "p-f-65+-rural"
ACCURACY_RULES = ("worst-group-accuracy", "accuracy-gap", "accuracy-ratio", "drop-vs-baseline")


@dataclass(frozen=True)
class Scenario:
    name: str
    items: int = 500
    q: dict[str, float] = field(default_factory=dict)  # per persona: chance a right answer is lost
    refuse: dict[str, float] = field(default_factory=dict)
    sampled: bool = True
    cluster_size: int = 1
    tiny: dict[str, int] = field(default_factory=dict)  # persona -> items it answered
    # which rules must hold (False: a FAIL is an error) / must fail (power)
    meets: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()
    # no persona's accuracy differs in truth: a test of accuracy that rejects is an error
    accuracy_null: bool = False


def _gap_q(gap: float) -> dict[str, float]:
    return {TARGET: gap / MEAN_P}


SCENARIOS = (
    Scenario("invariant-deterministic", sampled=False, meets=("*",)),
    Scenario("invariant-sampled", meets=ACCURACY_RULES, accuracy_null=True),
    Scenario("gap-at-threshold", q=_gap_q(0.10), meets=("accuracy-gap",)),
    Scenario("drop-at-threshold", q=_gap_q(0.05), meets=("drop-vs-baseline", "accuracy-gap")),
    Scenario("gap-0.10", q=_gap_q(0.10)),
    Scenario("gap-0.15", q=_gap_q(0.15), breaks=("*",)),
    Scenario("gap-0.15-deterministic", q=_gap_q(0.15), sampled=False, breaks=("*",)),
    Scenario("refusing-persona", refuse={TARGET: 0.10}, breaks=("refusal-gap",)),
    Scenario("tiny-group", tiny={TARGET: 20}, meets=ACCURACY_RULES, accuracy_null=True),
    Scenario(
        "pooled-clustered", items=480, cluster_size=4, meets=ACCURACY_RULES, accuracy_null=True
    ),
)


def simulate(scenario: Scenario, rng: np.random.Generator) -> RecordColumns:
    """One data set of ``scenario``: the baseline and every persona on shared items."""
    n_units = scenario.items // scenario.cluster_size
    p_unit = rng.beta(*BETA, size=n_units)
    p = np.repeat(p_unit, scenario.cluster_size)
    items = np.arange(p.size)
    right_answer = rng.integers(0, 4, size=p.size)
    baseline_right = rng.random(p.size) < p
    baseline_wrong = (right_answer + rng.integers(1, 4, size=p.size)) % 4
    rows: dict[str, list[np.ndarray]] = defaultdict(list)

    def add(persona: int, right: np.ndarray, refused: np.ndarray, keep: np.ndarray) -> None:
        # a deterministic model gives the baseline's wrong answer too; a sampled one draws
        fresh = (right_answer + rng.integers(1, 4, size=p.size)) % 4
        wrong = fresh if scenario.sampled else baseline_wrong
        answer = np.where(right, right_answer, wrong)
        correct = np.where(refused, -1, right.astype(np.int64))
        answer = np.where(refused, -1, answer * p.size + items)  # answers are per item
        rows["item"].append(items[keep])
        rows["cluster"].append((items // scenario.cluster_size)[keep])
        rows["persona"].append(np.full(int(keep.sum()), persona))
        rows["correct"].append(correct[keep])
        rows["refused"].append(refused[keep])
        rows["answer"].append(answer[keep])

    everything = np.ones(p.size, dtype=np.bool_)
    add(len(PERSONAS), baseline_right, ~everything, everything)
    for index, (name, _) in enumerate(PERSONAS):
        right = (rng.random(p.size) < p) if scenario.sampled else baseline_right.copy()
        right &= rng.random(p.size) >= scenario.q.get(name, 0.0)
        refused = rng.random(p.size) < scenario.refuse.get(name, 0.0)
        keep = everything
        if name in scenario.tiny:
            keep = np.zeros(p.size, dtype=np.bool_)
            keep[rng.choice(p.size, scenario.tiny[name], replace=False)] = True
        add(index, right & ~refused, refused, keep)
    persona = np.concatenate(rows["persona"])
    attributes = {
        key: (
            np.array([values.index(PERSONAS[i][1][key]) if i < len(PERSONAS) else -1
                      for i in range(len(PERSONAS) + 1)])[persona],
            values,
        )
        for key, values in (("gender", GENDERS), ("age_band", AGES), ("region", REGIONS))
    }  # fmt: skip
    return RecordColumns.from_arrays(
        item=np.concatenate(rows["item"]),
        cluster=np.concatenate(rows["cluster"]),
        persona=persona,
        is_baseline=persona == len(PERSONAS),
        correct=np.concatenate(rows["correct"]),
        refused=np.concatenate(rows["refused"]),
        answer=np.concatenate(rows["answer"]),
        personas=[name for name, _ in PERSONAS] + ["(baseline)"],
        attributes=attributes,
    )


def truths(scenario: Scenario) -> dict[tuple[str, str, str | None], float]:
    """The true value of every metric the benchmark checks, by (metric, dimension, group)."""
    acc = {
        name: MEAN_P * (1 - scenario.q.get(name, 0.0)) * (1 - scenario.refuse.get(name, 0.0))
        for name, _ in PERSONAS
    }
    out: dict[tuple[str, str, str | None], float] = {}
    for name, value in acc.items():
        out[("truth.accuracy", "persona", name)] = value
        out[("truth.accuracy.drop_vs_baseline", "persona", name)] = MEAN_P - value
    # the breakage rate: P(not right under the persona | right at baseline)
    kept = {
        name: (1 - scenario.q.get(name, 0.0))
        * (1 - scenario.refuse.get(name, 0.0))
        * (MEAN_P2 / MEAN_P if scenario.sampled else 1.0)
        for name, _ in PERSONAS
    }
    for name, value in kept.items():
        out[("truth.consistency.breakage_rate", "persona", name)] = 1.0 - value
    if not scenario.tiny:  # crossed: every persona has the same baseline-right items
        pooled = 1.0 - float(np.mean(list(kept.values())))
        out[("truth.consistency.breakage_rate", "persona", None)] = pooled
    values = list(acc.values())
    out[("truth.accuracy.worst_group", "persona", None)] = min(values)
    out[("truth.accuracy.gap", "persona", None)] = max(values) - min(values)
    out[("truth.accuracy.ratio", "persona", None)] = min(values) / max(values)
    for gender in GENDERS:
        members = [acc[n] for n, a in PERSONAS if a["gender"] == gender]
        out[("truth.accuracy", "gender", gender)] = float(np.mean(members))
    by_gender = [out[("truth.accuracy", "gender", g)] for g in GENDERS]
    out[("truth.accuracy.gap", "gender", None)] = max(by_gender) - min(by_gender)
    if not scenario.sampled and not scenario.refuse:
        # temperature 0: two personas disagree only where one of them lost a right answer
        lost = [MEAN_P * q for q in scenario.q.values()] or [0.0]
        out[("truth.consistency.max_pair_disagreement", "persona", None)] = max(lost)
    elif not scenario.q and not scenario.refuse:
        out[("truth.consistency.max_pair_disagreement", "persona", None)] = (
            1.0 - MEAN_P2 - (1.0 - 2.0 * MEAN_P + MEAN_P2) / 3.0
        )
    return out


@dataclass
class Tally:
    hits: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.hits += int(ok)
        self.total += 1

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else math.nan

    @property
    def mc_se(self) -> float:
        return math.sqrt(self.rate * (1.0 - self.rate) / self.total) if self.total else math.nan


@dataclass
class Outcome:
    coverage: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    false_fail: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    power: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    type_i: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))


ALPHA = 0.05
# the tests of accuracy differences (Cochran's Q or the max-t p-value of the gap; McNemar
# with Holm's correction for a drop against the baseline)
ACCURACY_TESTS = ("truth.accuracy.gap", "truth.accuracy.ratio", "truth.accuracy.drop_vs_baseline")


def policy() -> PolicySpec:
    path = ROOT / "compliance" / "data" / "policies" / "truth-invariance.yaml"
    return parse_policy_yaml(path.read_text(encoding="utf-8"), file=str(path))


def _coverage_key(metric: str, dimension: str, group: str | None) -> str:
    kind = "per group" if group is not None else "aggregate"
    return f"{metric} by {dimension} ({kind})"


def run(
    scenario: Scenario,
    reps: int,
    n_boot: int,
    seed: int,
    spec: PolicySpec,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """``reps`` replications of one scenario (its own seed stream)."""
    rng = np.random.default_rng([seed, *scenario.name.encode()])
    truth = truths(scenario)
    outcome = Outcome()
    dimensions = ["persona", "gender", "age_band", "region"]
    for rep in range(reps):
        cols = simulate(scenario, rng)
        results = compute_all(
            cols,
            dimensions,
            n_boot=n_boot,
            min_n=spec.min_sample_per_group,
            seed_material=f"{scenario.name}:{seed}:{rep}".encode(),
        )
        for r in results:
            key = (r.metric_id, r.dimension, r.group)
            if key in truth and r.ci_low is not None and r.ci_high is not None:
                ok = r.ci_low - 1e-12 <= truth[key] <= r.ci_high + 1e-12
                outcome.coverage[_coverage_key(*key)].add(ok)
            if scenario.accuracy_null and r.metric_id in ACCURACY_TESTS and r.p_value is not None:
                outcome.type_i[_coverage_key(*key)].add(r.p_value < ALPHA)
        for finding in judge(spec, results, items=scenario.items):
            meets = "*" in scenario.meets or finding.rule_id in scenario.meets
            breaks = "*" in scenario.breaks or finding.rule_id in scenario.breaks
            if meets:
                outcome.false_fail[finding.rule_id].add(finding.verdict == "fail")
            if breaks and (finding.rule_id in ACCURACY_RULES or finding.rule_id in scenario.breaks):
                outcome.power[finding.rule_id].add(finding.verdict == "fail")
        verdicts = [f.verdict for f in judge(spec, results) if f.severity in ("critical", "major")]
        if "*" in scenario.meets:
            outcome.false_fail["(policy verdict)"].add("fail" in verdicts)
        if "*" in scenario.breaks:
            outcome.power["(policy verdict)"].add("fail" in verdicts)
        if progress is not None:
            progress(rep + 1)
    return outcome


def _line(name: str, tally: Tally, target: str) -> str:
    return f"  {name:<62} {tally.rate:6.3f} ± {tally.mc_se:5.3f}  (n={tally.total}) {target}"


def report(name: str, outcome: Outcome) -> list[str]:
    lines = [f"== {name}"]
    for key in sorted(outcome.coverage):
        lines.append(_line(key, outcome.coverage[key], "coverage, target ≥ 0.93"))
    for key in sorted(outcome.false_fail):
        lines.append(_line(key, outcome.false_fail[key], "false FAIL"))
    for key in sorted(outcome.power):
        lines.append(_line(key, outcome.power[key], "power, target ≥ 0.80"))
    for key in sorted(outcome.type_i):
        lines.append(_line(key, outcome.type_i[key], f"rejects at p < {ALPHA}, target ≤ {ALPHA}"))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args(argv)
    spec = policy()
    print(f"calibration: {args.reps} replications per scenario, B = {args.boot}, seed {args.seed}")
    for scenario in SCENARIOS:
        if args.only and scenario.name not in args.only:
            continue
        started = time.perf_counter()
        outcome = run(scenario, args.reps, args.boot, args.seed, spec)
        print("\n".join(report(scenario.name, outcome)))
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
