"""Policy YAML validation: every problem is one error with the line of the YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.domain.policy import parse_policy_yaml
from compliance.errors import InputError
from compliance.paths import bundled_data

GOOD = """\
name: truth
version: "1"
rules:
  - id: ratio
    metric: truth.accuracy.ratio
    comparison: ">="
    threshold: 0.8
    severity: major
  - id: gap
    metric: truth.accuracy.gap
    dimension: gender×age_band
    comparison: "<="
    threshold: 0.05
    severity: minor
    mode: point
"""


def test_a_good_policy() -> None:
    policy = parse_policy_yaml(GOOD, file="p.yaml")
    assert policy.decision_mode == "confidence"
    assert [policy.mode_of(r) for r in policy.rules] == ["confidence", "point"]
    assert policy.rules[0].dimension == "persona"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("truth.accuracy.gap", "truth.accuracy.gapp"),
            "p.yaml:10: field 'rules.1.metric' = 'truth.accuracy.gapp': unknown metric id",
        ),
        (
            ("threshold: 0.05", "threshold: 1.5"),
            "p.yaml:13: field 'rules.1.threshold' = 1.5: is outside "
            "truth.accuracy.gap's range [0, 1]",
        ),
        (
            ("id: gap", "id: ratio"),
            "p.yaml:9: field 'rules.1.id' = 'ratio': repeats an earlier rule id",
        ),
        (
            ("    mode: point", "    mode: point\n    colour: red"),
            "p.yaml:16: field 'rules.1.colour' = 'red': is not a policy field",
        ),
        (('comparison: "<="', 'comparison: "=="'), "p.yaml:12: field 'rules.1.comparison' = '=='"),
        (("severity: minor", "severity: huge"), "p.yaml:14: field 'rules.1.severity' = 'huge'"),
        (('version: "1"\n', ""), "p.yaml:1: field 'version': is required but missing"),
        (("threshold: 0.8", "threshold: .nan"), "p.yaml:7: field 'rules.0.threshold'"),
        (
            ("dimension: gender×age_band", "dimension: 'gender age'"),
            "p.yaml:11: field 'rules.1.dimension' = 'gender age'",
        ),
        (("rules:", "colour: red\nrules:"), "p.yaml:3: field 'colour' = 'red': is not a policy"),
        (("name: truth", "name: [truth"), "p.yaml:2: not valid YAML"),
    ],
)
def test_problems_name_their_line(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(InputError) as info:
        parse_policy_yaml(text, file="p.yaml")
    assert str(info.value).startswith(expected), str(info.value)


def test_not_a_mapping() -> None:
    with pytest.raises(InputError, match="a policy is a YAML mapping"):
        parse_policy_yaml("- a\n- b\n", file="p.yaml")


@pytest.mark.parametrize(
    "path", sorted(bundled_data("policies").glob("*.yaml")), ids=lambda p: p.stem
)
def test_shipped_policies_are_valid(path: Path) -> None:
    policy = parse_policy_yaml(path.read_text(), file=str(path))
    assert policy.name == path.stem
    assert all(rule.severity in {"critical", "major", "minor"} for rule in policy.rules)
