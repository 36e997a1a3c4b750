"""Every answer is correct, incorrect, refused or unparsed, end to end: ingest, metrics,
the judged policy, the manifest's examples, the report and the API's breakdown."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance.bootstrap import App
from compliance.domain.manifest import ReportManifest
from compliance.paths import bundled_data
from compliance.services.policies import add_policy
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
ITEMS = 60
PERSONAS = {
    "p-good": {"gender": "female"},
    "p-refuser": {"gender": "male"},
    "p-sloppy": {"gender": "nonbinary"},
}


def _record(item: int, persona: str | None) -> dict[str, Any]:
    """The baseline and p-good answer right; p-refuser refuses everything; p-sloppy answers
    items 0-9 wrong and cannot be read on items 10-14."""
    row: dict[str, Any] = {"item_id": f"q{item:02d}", "expected_answer": "B", "benchmark": "qa"}
    if persona is not None:
        row |= {"persona_id": persona, "persona_attributes": PERSONAS[persona]}
    if persona == "p-refuser":
        return row | {"raw_response": "I cannot answer that.", "refused": True}
    if persona == "p-sloppy" and item < 10:
        return row | {"raw_response": "C", "parsed_answer": "C", "correct": False}
    if persona == "p-sloppy" and item < 15:
        return row | {"raw_response": "Hmm, let me think."}
    return row | {"raw_response": "B", "parsed_answer": "B", "correct": True}


@pytest.fixture
def audited(cli: Cli, app: App, tmp_path: Path, stand_in_pdf: None) -> dict[str, Any]:
    path = tmp_path / "answers.jsonl"
    path.write_text(
        "".join(json.dumps(_record(i, p)) + "\n" for i in range(ITEMS) for p in (None, *PERSONAS))
    )
    assert cli("models", "register", "m", "--version", "1").code == 0
    assert cli("ingest", str(path), "--model", "m", "--version", "1").code == 0
    add_policy(app.uow_factory, app.clock, bundled_data("policies") / "truth-invariance.yaml")
    ran = cli("audit", "run", "--model", "m", "--version", "1", "--policy", "truth-invariance")
    assert ran.code == 0, ran.err
    (audit,) = json.loads(cli("audit", "list", "--json").out)
    shown = cli("audit", "show", audit["id"], "--manifest")
    return {"audit": audit, "manifest": ReportManifest.model_validate_json(shown.out)}


def test_a_refusing_persona_fails_truth_invariance(audited: dict[str, Any]) -> None:
    manifest: ReportManifest = audited["manifest"]
    assert manifest.summary.verdict == "fail"
    verdicts = {f.rule_id: f.verdict for f in manifest.findings}
    assert verdicts["worst-group-accuracy"] == "fail"  # strict: refusals are not right
    assert verdicts["refusal-gap"] == "fail"
    refusal = next(f for f in manifest.findings if f.rule_id == "refusal-gap")
    assert refusal.value == "1.0"


def test_accuracy_rows_carry_the_four_outcomes(audited: dict[str, Any]) -> None:
    manifest: ReportManifest = audited["manifest"]
    rows = {
        m.group: m
        for m in manifest.metrics
        if m.metric == "truth.accuracy" and m.dimension == "persona"
    }
    outcomes = ("correct", "incorrect", "refused", "unparsed")
    assert [rows["p-refuser"].detail[k] for k in outcomes] == ["0", "0", "60", "0"]
    assert [rows["p-sloppy"].detail[k] for k in outcomes] == ["45", "10", "0", "5"]
    assert rows["p-refuser"].estimate == "0.0"
    assert rows["p-sloppy"].estimate == "0.75"
    assert rows["(baseline)"].estimate == "1.0" and rows["(baseline)"].n == str(ITEMS)
    assert manifest.data.refused_records == "60" and manifest.data.unparsed_records == "5"


def test_the_manifest_and_report_show_examples_of_what_went_wrong(
    audited: dict[str, Any], cli: Cli, tmp_path: Path
) -> None:
    manifest: ReportManifest = audited["manifest"]
    examples = manifest.examples or []
    seen = {(e.persona, e.outcome) for e in examples}
    assert seen == {("p-refuser", "refused"), ("p-sloppy", "incorrect"), ("p-sloppy", "unparsed")}
    refused = next(e for e in examples if e.outcome == "refused")
    assert refused.response == "I cannot answer that." and refused.expected == "B"
    assert len(examples) == 6  # two per persona and outcome
    (report,) = json.loads(cli("reports", "list", "--json").out)
    out = tmp_path / "report.html"
    assert cli("reports", "export", report["id"], "--format", "html", "--out", str(out)).code == 0
    html = out.read_text()
    assert "Answers that were not correct" in html and "I cannot answer that." in html
    assert '<th class="num">Refused</th>' in html


def test_a_preference_following_judgement_is_stored_and_measured(cli: Cli, tmp_path: Path) -> None:
    """followed_preference round-trips through the store: 10 items right at baseline, the
    persona right on all and following the preference on 7 of the 10 it was judged on."""
    rows = []
    for i in range(12):
        rows.append({"item_id": f"q{i}", "correct": i < 10})
        judged = {"followed_preference": i < 7} if i < 10 else {}
        rows.append(
            {
                "item_id": f"q{i}",
                "persona_id": "p",
                "persona_attributes": {"relevance": "relevant"},
                "correct": True,
                **judged,
            }
        )
    path = tmp_path / "judged.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert cli("models", "register", "m", "--version", "1").code == 0
    assert cli("ingest", str(path), "--model", "m", "--version", "1").code == 0
    out = cli("metrics", "--model", "m", "--version", "1", "--resamples", "100", "--json")
    table = {(r["metric"], r["dimension"], r["group"]): r for r in json.loads(out.out)}
    failure = table[("preference.alignment_failure", "persona", "p")]
    assert failure["estimate"] == pytest.approx(3 / 10) and failure["n"] == 10
    error = table[("truth.robustness_error", "persona", "p")]
    assert error["estimate"] == pytest.approx(3 / 10)
    assert table[("truth.consistency.breakage_rate", "persona", "p")]["estimate"] == 0.0
