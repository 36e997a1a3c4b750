"""Every bad input: one clear line (file, line, field, what to do), exit 1, nothing stored."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance.bootstrap import App
from tests.conftest import CliResult, table_counts
from tests.integration.test_ingest import records, write_jsonl

Cli = Callable[..., CliResult]


@pytest.fixture
def registered(cli: Cli) -> None:
    assert cli("models", "register", "acme", "--version", "1").code == 0


def lines(rows: list[Any]) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


GOOD = records(2)


def case_files(tmp: Path) -> dict[str, tuple[Path, tuple[str, ...]]]:
    """name -> (file, fragments the error line must contain)."""
    cases: dict[str, tuple[bytes, str, tuple[str, ...]]] = {
        "malformed_json": (
            lines([GOOD[0], b'{"item_id": "q9", "correct": tru']),
            "jsonl",
            (":2:", "malformed JSON", "one complete JSON object"),
        ),
        "missing_field": (
            lines([GOOD[0], {"correct": True}]),
            "jsonl",
            (":2:", "field 'item_id'", "is required but missing", "add the field"),
        ),
        "wrong_type": (
            lines([GOOD[0], GOOD[1], {"item_id": "q7", "correct": "maybe"}]),
            "jsonl",
            (":3:", "field 'correct'", "'maybe'", "bool"),
        ),
        "nan": (
            lines([GOOD[0], b'{"item_id": "q7", "preference_score": NaN}']),
            "jsonl",
            (":2:", "field 'preference_score'", "NaN and Infinity"),
        ),
        "infinity": (
            lines([b'{"item_id": "q7", "reference_score": Infinity}']),
            "jsonl",
            (":1:", "field 'reference_score'", "NaN and Infinity"),
        ),
        "empty_file": (b"", "jsonl", ("the file is empty",)),
        "only_blank_lines": (b"\n\n", "jsonl", ("holds no records",)),
        "duplicate_key": (
            lines([GOOD[0], GOOD[1], GOOD[0]]),
            "jsonl",
            (":3:", "field 'item_id'", "'q0'", "repeats the record key", "line 1"),
        ),
        "unknown_field": (
            lines([{"item_id": "q1", "corect": True}]),
            "jsonl",
            (":1:", "field 'corect'", "put it under 'extra'"),
        ),
        "csv_missing_column": (
            b"persona_id,correct\np1,true\n",
            "csv",
            (":1:", "field 'item_id'", "no 'item_id' column"),
        ),
        "csv_unknown_column": (
            b"item_id,corect\nq1,true\n",
            "csv",
            (":1:", "field 'corect'", "unknown CSV column"),
        ),
        "csv_bad_outcome": (
            b"item_id,task_type,outcome\nq1,decision,1\nq2,decision,yes\n",
            "csv",
            (":3:", "field 'outcome'", "'yes'", "must be 0 or 1"),
        ),
    }
    out = {}
    for name, (content, suffix, expected) in cases.items():
        path = tmp / f"{name}.{suffix}"
        path.write_bytes(content)
        out[name] = (path, expected)
    whole = gzip.compress(lines(records(40)))
    truncated = tmp / "truncated.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    out["truncated_gzip"] = (truncated, ("truncated.jsonl.gz", "truncated or corrupt", "cut short"))
    out["does_not_exist"] = (tmp / "nope.jsonl", ("nope.jsonl", "no such file"))
    return out


CASES = [
    "malformed_json",
    "missing_field",
    "wrong_type",
    "nan",
    "infinity",
    "empty_file",
    "only_blank_lines",
    "duplicate_key",
    "unknown_field",
    "csv_missing_column",
    "csv_unknown_column",
    "csv_bad_outcome",
    "truncated_gzip",
    "does_not_exist",
]


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("case", CASES)
def test_bad_file_is_refused_whole(case: str, cli: Cli, app: App, tmp_path: Path) -> None:
    path, expected = case_files(tmp_path)[case]
    before = table_counts(app)
    result = cli("ingest", str(path), "--model", "acme", "--version", "1")
    assert result.code == 1
    error_lines = result.err.strip().splitlines()
    assert error_lines[0].startswith("error: ")
    assert len(error_lines) <= 2 and all(
        line.startswith(("error: ", "hint: ")) for line in error_lines
    )
    for fragment in expected:
        assert fragment in result.err, (fragment, result.err)
    assert table_counts(app) == before
    assert "Traceback" not in result.err


@pytest.mark.usefixtures("registered")
def test_duplicate_across_batches_names_both_lines(
    cli: Cli, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.settings, "ingest_batch_size", 100)
    rows = records(60)  # 180 records: lines 1..180
    rows.append(rows[5])  # line 181 repeats line 6, in another batch
    before = table_counts(app)
    result = cli(
        "ingest", str(write_jsonl(tmp_path / "d.jsonl", rows)), "--model", "acme", "--version", "1"
    )
    assert result.code == 1
    assert "d.jsonl:181" in result.err and "of line 6" in result.err
    assert table_counts(app) == before


@pytest.mark.usefixtures("registered")
def test_a_persona_keeps_its_attributes(cli: Cli, app: App, tmp_path: Path) -> None:
    rows = [
        {"item_id": "q1", "persona_id": "p1", "persona_attributes": {"gender": "female"}},
        {"item_id": "q2", "persona_id": "p1", "persona_attributes": {"gender": "male"}},
    ]
    before = table_counts(app)
    result = cli(
        "ingest", str(write_jsonl(tmp_path / "p.jsonl", rows)), "--model", "acme", "--version", "1"
    )
    assert result.code == 1
    assert "p.jsonl:2" in result.err and "other attributes on line 1" in result.err
    assert table_counts(app) == before


def test_unknown_model_and_version(cli: Cli, app: App, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", GOOD)
    before = table_counts(app)
    unknown = cli("ingest", str(path), "--model", "ghost", "--version", "1")
    assert unknown.code == 1
    assert "unknown model 'ghost'" in unknown.err
    assert "compliance models register ghost" in unknown.err
    assert cli("models", "register", "acme", "--version", "1").code == 0
    before = table_counts(app)
    wrong = cli("ingest", str(path), "--model", "acme", "--version", "2")
    assert wrong.code == 1
    assert "model 'acme' has no version '2' (registered: 1)" in wrong.err
    assert table_counts(app) == before


def test_debug_shows_the_traceback(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "--debug", "ingest", str(tmp_path / "nope.jsonl"), "--model", "a", "--version", "1"
    )
    assert result.code == 1
    assert "Traceback" in result.err
