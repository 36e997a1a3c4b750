"""A policy's regimes and its rules' clauses are checked against the catalogue when it is
added, and a report's regulatory mapping follows the clauses its rules declare."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.paths import bundled_data
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def test_an_unknown_regime_is_refused_in_one_line_and_nothing_is_stored(
    cli: Cli, tmp_path: Path
) -> None:
    source = (bundled_data("policies") / "personalization.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace("regimes: [nist-ai-rmf]", "regimes: [nist-ai-rfm]"))
    refused = cli("policies", "add", str(bad))
    assert refused.code == 1
    [line] = [x for x in refused.err.splitlines() if "bad.yaml" in x]
    assert "bad.yaml:8: field 'regimes.0' = 'nist-ai-rfm': unknown regime id" in line
    assert "known: cen-cenelec-pren-18283, colorado-sb24-205, eu-ai-act" in line
    assert json.loads(cli("policies", "list", "--json").out) == []


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_the_mapping_follows_the_clauses_the_rules_declare(cli: Cli) -> None:
    done = cli(
        "audit", "run", "--model", "steady", "--version", "1.0", "--policy", "truth-invariance",
        "--json",
    )  # fmt: skip
    assert done.code == 0, done.err
    report = json.loads(done.out)["report_id"]
    [eu, nist, _] = json.loads(cli("reports", "mapping", report, "--json").out)
    clauses = {c["citation"]: [r["rule_id"] for r in c["rules"]] for c in eu["clauses"]}
    # the gap rules declare bias examination, not accuracy and robustness
    assert "accuracy-gap" in clauses["Art. 10(2)(f)"]
    assert "accuracy-gap-gender" in clauses["Art. 10(2)(g)"]
    assert "accuracy-gap" not in clauses["Art. 15"]
    assert "worst-group-accuracy" in clauses["Art. 15"]  # no declaration: the patterns
    assert "flip-rate" in clauses["Art. 15"]
    nist_clauses = {c["citation"]: [r["rule_id"] for r in c["rules"]] for c in nist["clauses"]}
    assert "accuracy-gap" in nist_clauses["MEASURE 2.11"]
    assert "accuracy-gap" not in nist_clauses["MEASURE 2.5"]
