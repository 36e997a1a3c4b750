"""PERG's per-item results, released by its authors (Okite et al. 2025), read in place from
``COMPLIANCE_TEST_PERG_DIR`` (never copied: the files have no license), turned into
records by code here, ingested as a user would and measured: the breakage rate equals the
authors' own figure, and every metric equals an independent pandas computation."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import BACKEND, CliResult
from tests.shared_data import dataset_dir

Cli = Callable[..., CliResult]
pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the database does not matter here")


@pytest.fixture(scope="module")
def perg_dir() -> Path:
    return dataset_dir("perg")


def _icl(perg_dir: Path) -> tuple[pd.DataFrame, float]:
    """The few-shot chunk, and the authors' figure in its name: the preference accuracy on
    the questions answered right without one (1 − breakage rate)."""
    (path,) = sorted((perg_dir / "relevant" / "icl" / "full").glob("*.csv.gz"))
    return pd.read_csv(path), float(path.name.removesuffix(".csv.gz").split("_")[-1])


def _record(item: str, answer: Any, gold: str, persona: str | None) -> dict[str, Any]:
    """The authors' scoring: right when the extracted letter is the gold one; an empty
    extraction is wrong."""
    letter = answer if isinstance(answer, str) and answer.strip() else None
    row: dict[str, Any] = {
        "item_id": item,
        "expected_answer": gold,
        "parsed_answer": letter,
        "correct": letter == gold,
        "benchmark": "perg",
    }
    if persona is not None:
        row |= {"persona_id": persona, "persona_attributes": {"relevance": "relevant"}}
    return row


def _ingest(cli: Cli, tmp_path: Path, records: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    path = tmp_path / "perg.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    assert cli("models", "register", "mixtral", "--version", "icl").code == 0
    assert cli("ingest", str(path), "--model", "mixtral", "--version", "icl").code == 0
    out = cli("metrics", "--model", "mixtral", "--version", "icl", "--resamples", "200", "--json")
    assert out.code == 0, out.err
    return {(r["metric"], r["dimension"], r["group"]): r for r in json.loads(out.out)}


def test_icl_breakage_rate_is_the_authors_figure(cli: Cli, tmp_path: Path, perg_dir: Path) -> None:
    """One preference per question (PERG's own design): 1,442 questions, each asked without
    and with its preference."""
    frame, kept = _icl(perg_dir)
    records = []
    for index, row in frame.iterrows():
        item = f"{row['source']}:{index}"
        persona = "pref-" + hashlib.sha256(str(row["preference"]).encode()).hexdigest()[:12]
        records.append(_record(item, row["no_pref_ans"], row["gold_option"], None))
        records.append(_record(item, row["pref_ans"], row["gold_option"], persona))
    table = _ingest(cli, tmp_path, records)
    pooled = table[("truth.consistency.breakage_rate", "persona", None)]
    assert pooled["estimate"] == pytest.approx(1 - kept, abs=1e-12)
    assert pooled["n"] == int((frame.no_pref_ans == frame.gold_option).sum())
    relevant = table[("truth.consistency.breakage_rate", "relevance", "relevant")]
    assert relevant["estimate"] == pytest.approx(1 - kept, abs=1e-12)
    # the Jaccard distance, computed independently
    base = frame.no_pref_ans == frame.gold_option
    pref = frame.pref_ans == frame.gold_option
    variation = table[("truth.consistency.performance_variation", "persona", None)]
    assert variation["estimate"] == pytest.approx(1 - (base & pref).sum() / (base | pref).sum())
    # no preference-following judgements in these files: not measured, never a zero
    assert not any(key[0] == "truth.robustness_error" for key in table)


def test_direct_prompting_crossed_over_fourteen_preferences(
    cli: Cli, tmp_path: Path, perg_dir: Path
) -> None:
    """Zero-shot TruthfulQA: every question asked with no preference and under each of 14
    preferences (a crossed design); per preference and pooled, against pandas."""
    parts = sorted((perg_dir / "relevant" / "direct" / "truthful_qa").glob("*.csv.gz"))
    frame = pd.concat([pd.read_csv(p) for p in parts], ignore_index=True)
    assert len(frame) == 817
    records = []
    for index, row in frame.iterrows():
        item = f"tqa:{index}"
        records.append(_record(item, row["profile_0_answer"], row["gold_option"], None))
        for k in range(1, 15):
            records.append(
                _record(item, row[f"profile_{k}_answer"], row["gold_option"], f"pref-{k:02d}")
            )
    table = _ingest(cli, tmp_path, records)
    base = frame.profile_0_answer == frame.gold_option
    broken_all, right_all = 0, 0
    for k in range(1, 15):
        under = frame[f"profile_{k}_answer"] == frame.gold_option
        breakage = table[("truth.consistency.breakage_rate", "persona", f"pref-{k:02d}")]
        assert breakage["estimate"] == pytest.approx(1 - under[base].mean(), abs=1e-12)
        variation = table[("truth.consistency.performance_variation", "persona", f"pref-{k:02d}")]
        assert variation["estimate"] == pytest.approx(
            1 - (base & under).sum() / (base | under).sum(), abs=1e-12
        )
        low, high = breakage["ci_low"], breakage["ci_high"]
        assert low <= breakage["estimate"] <= high
        broken_all += int((base & ~under).sum())
        right_all += int(base.sum())
    pooled = table[("truth.consistency.breakage_rate", "persona", None)]
    assert pooled["estimate"] == pytest.approx(broken_all / right_all, abs=1e-12)
