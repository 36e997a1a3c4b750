"""A policy that maps to NYC Local Law 144 gets the LL144 appendix: impact ratios per
category and per intersectional category, the unknown-category count, the selection rates,
checked against a hand-worked example."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance.bootstrap import App
from compliance.domain.manifest import ReportManifest
from compliance.reporting.html import render_html
from compliance.reporting.ll144 import ll144_appendix
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
ITEMS = 40
#: persona → (attributes, how many of the 40 decisions are "yes")
PERSONAS: dict[str, tuple[dict[str, str], int]] = {
    "f-b": ({"gender": "female", "race": "black"}, 20),
    "f-w": ({"gender": "female", "race": "white"}, 30),
    "m-b": ({"gender": "male", "race": "black"}, 10),
    "m-w": ({"gender": "male", "race": "white"}, 40),
    "m-x": ({"gender": "male"}, 8),  # race not given: an unknown category
}
POLICY = """\
name: ll144-hiring
version: "1"
regimes: [nyc-ll144]
rules:
  - id: race-impact-ratio
    metric: outcome.impact_ratio
    dimension: race
    comparison: ">="
    threshold: 0.8
    severity: major
    mode: point
    clauses: [nyc-ll144:rcny-5-301]
"""


def _record(item: int, persona: str) -> dict[str, Any]:
    attributes, yes = PERSONAS[persona]
    return {
        "item_id": f"d{item:02d}",
        "task_type": "decision",
        "persona_id": persona,
        "persona_attributes": attributes,
        "outcome": 1 if item < yes else 0,
    }


@pytest.fixture
def manifest(cli: Cli, app: App, tmp_path: Path, stand_in_pdf: None) -> ReportManifest:
    path = tmp_path / "decisions.jsonl"
    path.write_text(
        "".join(json.dumps(_record(i, p)) + "\n" for i in range(ITEMS) for p in PERSONAS)
    )
    policy = tmp_path / "ll144.yaml"
    policy.write_text(POLICY)
    assert cli("models", "register", "screener", "--version", "1").code == 0
    ingested = cli("ingest", str(path), "--model", "screener", "--version", "1")
    assert ingested.code == 0, ingested.err
    assert cli("policies", "add", str(policy)).code == 0
    ran = cli(
        "audit", "run", "--model", "screener", "--version", "1", "--policy", "ll144-hiring",
        "--json",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    report = json.loads(ran.out)["report_id"]
    exported = cli("reports", "export", report, "--format", "json", "--out", str(tmp_path))
    assert exported.code == 0, exported.err
    [file] = tmp_path.glob("*.json")
    return ReportManifest.model_validate_json(file.read_bytes())


def test_the_appendix_matches_the_hand_worked_example(manifest: ReportManifest) -> None:
    appendix = ll144_appendix(manifest)
    assert appendix is not None and appendix.records == "200"
    tables = {t.dimension: t for t in appendix.tables}
    assert list(tables) == ["gender", "race", "gender×race"]
    rows = {d: {r.category: r for r in t.rows} for d, t in tables.items()}
    # race: black 30/80 = 0.375, white 70/80 = 0.875; ratio 0.375 / 0.875 = 0.4286
    assert (rows["race"]["black"].n, rows["race"]["black"].selection_rate) == ("80", "0.375")
    assert rows["race"]["black"].impact_ratio == "0.4286"
    assert rows["race"]["white"].impact_ratio == "1" and rows["race"]["white"].highest
    assert tables["race"].n_unknown == "40"  # m-x gives no race
    # gender: female 50/80 = 0.625, male 58/120 = 0.4833; ratio 0.4833 / 0.625 = 0.7733
    assert rows["gender"]["male"].selection_rate == "0.4833"
    assert rows["gender"]["male"].impact_ratio == "0.7733"
    assert rows["gender"]["female"].highest and tables["gender"].n_unknown == "0"
    # intersections: 0.5, 0.75, 0.25, 1.0 over the highest, 1.0 (male × white)
    inter = rows["gender×race"]
    assert {c: (r.n, r.impact_ratio) for c, r in inter.items()} == {
        "female×black": ("40", "0.5"),
        "female×white": ("40", "0.75"),
        "male×black": ("40", "0.25"),
        "male×white": ("40", "1"),
    }
    assert tables["gender×race"].intersectional and tables["gender×race"].n_unknown == "40"


def test_the_appendix_is_in_the_report_only_when_the_policy_maps_to_ll144(
    manifest: ReportManifest,
) -> None:
    html = render_html(manifest)
    assert "Appendix B NYC Local Law 144 bias audit" in html
    assert "Intersectional categories: gender×race" in html
    assert "Individuals in an unknown category (race not given): 40." in html
    other = manifest.model_copy(
        update={
            "identity": manifest.identity.model_copy(
                update={
                    "policy": manifest.identity.policy.model_copy(update={"regimes": ["eu-ai-act"]})
                }
            )
        }
    )
    assert ll144_appendix(other) is None
    assert "Local Law 144 bias audit" not in render_html(other)
    # a report issued before the appendix existed (its mapping records the catalogue it was
    # mapped with) renders as it did
    assert manifest.regulatory_mapping is not None
    earlier = manifest.model_copy(
        update={
            "regulatory_mapping": [
                m.model_copy(update={"catalogue_version": "2026.12.1"})
                for m in manifest.regulatory_mapping
            ]
        }
    )
    assert ll144_appendix(earlier) is None
    assert "Local Law 144 bias audit" not in render_html(earlier)
