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


KNOWN = {"eu-ai-act": ["art-9", "art-15"], "nist-ai-rmf": ["measure-2-11"]}
WITH_REGIMES = GOOD.replace('version: "1"\n', 'version: "1"\nregimes: [eu-ai-act, nist-ai-rmf]\n')


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("regimes: [eu-ai-act, nist-ai-rmf]", "regimes: [eu-ai-act, eu-ai-acts]"),
            "p.yaml:3: field 'regimes.1' = 'eu-ai-acts': unknown regime id 'eu-ai-acts' "
            "(known: eu-ai-act, nist-ai-rmf)",
        ),
        (
            ("    mode: point\n", "    mode: point\n    clauses: [eu-ai-act:art-15, eu-ai-act:art-99]\n"),  # noqa: E501
            "p.yaml:17: field 'rules.1.clauses.1' = 'eu-ai-act:art-99': unknown clause of "
            "eu-ai-act (known: eu-ai-act:art-9, eu-ai-act:art-15)",
        ),
        (
            ("    severity: major\n", "    severity: major\n    clauses: [nyc-ll144:rcny-5-301]\n"),
            "p.yaml:10: field 'rules.0.clauses.0' = 'nyc-ll144:rcny-5-301': names regime "
            "'nyc-ll144', not one of the policy's (eu-ai-act, nist-ai-rmf)",
        ),
        (
            ("    severity: major\n", "    severity: major\n    clauses: [art-15]\n"),
            "p.yaml:10: field 'rules.0.clauses.0' = 'art-15': String should match pattern",
        ),
    ],
)  # fmt: skip
def test_regimes_and_clauses_are_checked_against_the_catalogue(
    change: tuple[str, str], expected: str
) -> None:
    text = WITH_REGIMES.replace(*change)
    assert text != WITH_REGIMES
    with pytest.raises(InputError) as info:
        parse_policy_yaml(text, file="p.yaml", regimes=KNOWN)
    assert str(info.value).startswith(expected), str(info.value)


def test_declared_clauses_are_kept_and_a_stored_policy_reads_back_unchecked() -> None:
    text = WITH_REGIMES.replace(
        "    severity: major\n", "    severity: major\n    clauses: [eu-ai-act:art-15]\n"
    )
    policy = parse_policy_yaml(text, file="p.yaml", regimes=KNOWN)
    assert policy.rules[0].clauses == ["eu-ai-act:art-15"] and policy.rules[1].clauses is None
    # a policy stored before the catalogue (free labels) is read as it was accepted
    old = GOOD.replace('version: "1"\n', 'version: "1"\nregimes: [my-own-label]\n')
    assert parse_policy_yaml(old, file="stored").regimes == ["my-own-label"]


@pytest.mark.parametrize(
    "path", sorted(bundled_data("policies").glob("*.yaml")), ids=lambda p: p.stem
)
def test_shipped_policies_name_only_catalogue_regimes_and_clauses(path: Path) -> None:
    from compliance.domain.regimes import load_catalogue

    known = {
        r.id: [c.id for c in r.clauses] for r in load_catalogue(bundled_data("regimes")).values()
    }
    policy = parse_policy_yaml(path.read_text(), file=str(path), regimes=known)
    assert policy.regimes
