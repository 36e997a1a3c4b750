"""The same records in any order give the same run hash, the same resamples and so the
same metrics, findings and data sections, byte for byte; group codes never follow the
order of first appearance."""

from __future__ import annotations

import json
import random
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


def _records() -> list[dict[str, Any]]:
    draw = random.Random(7)
    personas = {
        "p-a": {"gender": "female", "age_band": "65+"},
        "p-b": {"gender": "male", "age_band": "65+"},
        "p-c": {"gender": "female", "age_band": "18-34"},
        "p-d": {"age_band": "18-34"},  # no gender: the (unknown) gender group
    }
    rows = []
    for i in range(60):
        truth = draw.choice("ABCD")
        for persona in (None, *personas):
            answer = truth if draw.random() < 0.8 else draw.choice("ABCD")
            row: dict[str, Any] = {
                "item_id": f"q{i:02d}",
                "cluster_id": f"t{i // 3}",
                "expected_answer": truth,
                "parsed_answer": answer,
                "correct": answer == truth,
                "preference_score": None,
                "benchmark": "facts",
            }
            if persona is not None:
                row |= {"persona_id": persona, "persona_attributes": personas[persona]}
            rows.append(row)
    return rows


def _audit(cli: Cli, tmp_path: Path, version: str, rows: list[dict[str, Any]]) -> ReportManifest:
    path = tmp_path / f"{version}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert cli("models", "register", "m", "--version", version).code == 0
    assert cli("ingest", str(path), "--model", "m", "--version", version).code == 0
    ran = cli("audit", "run", "--model", "m", "--version", version, "--policy", "truth-invariance")
    assert ran.code == 0, ran.err
    audits = json.loads(cli("audit", "list", "--json").out)
    audit = next(a for a in audits if a["version"] == version)
    return ReportManifest.model_validate_json(cli("audit", "show", audit["id"], "--manifest").out)


@pytest.mark.usefixtures("stand_in_pdf")
def test_shuffled_records_give_the_same_audit(cli: Cli, app: App, tmp_path: Path) -> None:
    add_policy(app.uow_factory, app.clock, bundled_data("policies") / "truth-invariance.yaml")
    rows = _records()
    shuffled = rows[::-1]
    random.Random(3).shuffle(shuffled)
    first = _audit(cli, tmp_path, "1", rows)
    second = _audit(cli, tmp_path, "2", shuffled)
    assert [r.sha256 for r in first.identity.runs] == [r.sha256 for r in second.identity.runs]
    assert first.identity.input_sha256 == second.identity.input_sha256
    for section in ("metrics", "findings", "data", "method", "summary"):
        a = json.dumps(first.model_dump(mode="json")[section], sort_keys=True)
        b = json.dumps(second.model_dump(mode="json")[section], sort_keys=True)
        assert a == b, section
    groups = first.data.groups["gender"]
    assert groups == {"female": "120", "male": "60", "(unknown)": "60"}
    unknown = [m for m in first.metrics if m.dimension == "gender" and m.group == "(unknown)"]
    assert {m.metric for m in unknown} >= {"truth.accuracy"}
    gap = next(
        m for m in first.metrics if m.metric == "truth.accuracy.gap" and m.dimension == "gender"
    )
    assert gap.detail["n_groups"] == "2"  # the unknown group is shown, not compared
