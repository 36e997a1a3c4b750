"""A fast, fixed-seed subset of ``benchmarks/calibration.py``: the calibration targets hold
on simulated data with a known truth (the full run, with its figures, is in
docs/statistics.md). Deterministic: the seeds are fixed, nothing depends on timing.

A subset of a few dozen replications estimates a rate with a Monte Carlo error of a few
points, so each target is tested one-sided at that error: a coverage fails the test when
it is below 0.93 by more than 1.645 standard errors (a method at the nominal 0.95 passes;
the percentile intervals this replaced, at 0.30-0.78, fail by far), a false-FAIL rate when
above its limit by as much."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _calibration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibration", ROOT / "benchmarks/calibration.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["calibration"] = module
    spec.loader.exec_module(module)
    return module


CAL = _calibration()


def _allowance(target: float, n: int) -> float:
    """1.645 Monte Carlo standard errors of a rate ``target`` estimated from ``n`` draws."""
    return 1.645 * (target * (1.0 - target) / n) ** 0.5


SCENARIOS = {s.name: s for s in CAL.SCENARIOS}


@pytest.mark.parametrize(
    ("name", "reps"),
    [
        ("invariant-deterministic", 12),
        ("invariant-sampled", 80),
        ("gap-at-threshold", 40),
        ("pooled-clustered", 60),
        ("gap-0.15", 20),
    ],
)
def test_calibration_targets_hold(name: str, reps: int) -> None:
    outcome = CAL.run(SCENARIOS[name], reps, n_boot=500, seed=7, spec=CAL.policy())
    assert outcome.coverage, "every scenario checks some interval"
    for key, tally in outcome.coverage.items():
        assert tally.rate >= 0.93 - _allowance(0.93, tally.total), (key, tally.rate, tally.total)
    for rule, tally in outcome.false_fail.items():
        target = 0.025 if "threshold" in name else 0.05  # the boundary is judged one-sided
        assert tally.rate <= target + _allowance(target, tally.total), (rule, tally.rate)
    if SCENARIOS[name].accuracy_null:
        assert outcome.type_i, "the tests of accuracy differences are checked under the null"
    for key, tally in outcome.type_i.items():
        alpha = CAL.ALPHA
        assert tally.rate <= alpha + _allowance(alpha, tally.total), (key, tally.rate)
    if name == "gap-0.15":
        assert outcome.power["(policy verdict)"].rate >= 0.8
