"""Managing sources: ``sources update`` (config, enable/disable, cursor), ``sources remove``
(a soft delete that keeps the runs), ``sources test`` on a probe, and pull's progress lines."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from compliance.bootstrap import App
from compliance.cli import progress as progress_module
from compliance.sources.probe_suite import build_prompts, load_personas, load_suite
from compliance.storage.tables import EvalRecord, EvaluationRun, Persona, Source
from tests.conftest import CliResult, table_counts
from tests.integration.sources.fake_chat import FakeChat, serve_chat
from tests.integration.test_ingest import records, write_jsonl
from tests.integration.test_pull import add, pull

Cli = Callable[..., CliResult]


@pytest.fixture
def registered(cli: Cli) -> None:
    assert cli("models", "register", "acme", "--version", "1").code == 0


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", records(3))
    return folder


@pytest.mark.usefixtures("registered")
def test_a_disabled_source_is_skipped_and_says_so(cli: Cli, app: App, drop: Path) -> None:
    assert add(cli, "nightly", "files", {"path": str(drop)}).code == 0
    result = cli("sources", "update", "nightly", "--disable", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["enabled"] is False
    listed = json.loads(cli("sources", "list", "--json").out)
    assert [(s["name"], s["enabled"]) for s in listed] == [("nightly", False)]
    code, outcomes = pull(cli)
    assert code == 0
    assert outcomes == [
        {"source": "nightly", "new_runs": 0, "error": None, "skipped": "disabled", "runs": []}
    ]
    human = cli("pull")
    assert human.code == 0
    assert "nightly: skipped (disabled; compliance sources update nightly --enable)" in human.out
    assert table_counts(app)["evaluation_runs"] == 0
    enabled = cli("sources", "update", "nightly", "--enable")
    assert enabled.code == 0 and "updated source nightly: enabled" in enabled.out
    assert pull(cli)[1][0]["new_runs"] == 1


@pytest.mark.usefixtures("registered")
def test_update_replaces_the_config_validated_like_add(
    cli: Cli, app: App, drop: Path, tmp_path: Path
) -> None:
    assert add(cli, "nightly", "files", {"path": str(drop)}).code == 0
    before = json.loads(cli("sources", "show", "nightly", "--json").out)
    bad = cli(
        "sources", "update", "nightly", "--config", '{"path": "x", "refusal_patterns": ["("]}'
    )
    assert bad.code == 1
    (line,) = bad.err.strip().splitlines()
    assert line.startswith("error: source config (files): field 'refusal_patterns'")
    typo = cli("sources", "update", "nightly", "--config", '{"path": "x", "pth": "x"}')
    assert typo.code == 1 and "field 'pth': is not a field of this kind" in typo.err
    assert json.loads(cli("sources", "show", "nightly", "--json").out) == before
    config_file = tmp_path / "files.json"
    config_file.write_text(json.dumps({"path": str(drop), "baseline_persona": "p-m-30"}))
    result = cli("sources", "update", "nightly", "--config", f"@{config_file}", "--json")
    assert result.code == 0, result.err
    view = json.loads(result.out)
    assert view["config"]["baseline_persona"] == "p-m-30"
    assert view["config"]["kind"] == "files" and view["enabled"] is True
    # the named baseline beside records with no persona: the pull says why, stores nothing
    code, outcomes = pull(cli)
    assert code == 1 and "two baselines" in outcomes[0]["error"]
    assert table_counts(app)["evaluation_runs"] == 0


@pytest.mark.usefixtures("registered")
def test_reset_cursor_reads_everything_again(cli: Cli, drop: Path) -> None:
    assert add(cli, "nightly", "files", {"path": str(drop)}).code == 0
    assert pull(cli)[1][0]["new_runs"] == 1
    assert pull(cli)[1][0]["runs"] == []  # the cursor: nothing new
    assert cli("sources", "update", "nightly", "--reset-cursor").code == 0
    again = pull(cli)[1][0]
    assert again["new_runs"] == 0 and [r["created"] for r in again["runs"]] == [False]


@pytest.mark.usefixtures("registered")
def test_remove_keeps_the_runs_and_frees_the_name(cli: Cli, app: App, drop: Path) -> None:
    assert add(cli, "nightly", "files", {"path": str(drop)}).code == 0
    assert pull(cli)[1][0]["new_runs"] == 1
    result = cli("sources", "remove", "nightly", "--json")
    assert result.code == 0, result.err
    removed = json.loads(result.out)
    assert removed["removed_at"] and removed["enabled"] is False
    assert json.loads(cli("sources", "list", "--json").out) == []
    assert pull(cli) == (0, [])
    with app.uow_factory() as uow:
        (run,) = uow.session.scalars(select(EvaluationRun)).all()
        run_uid = run.uid
        source = uow.session.get_one(Source, run.source_id)
        assert source.name == "nightly" and source.removed_at is not None
    gone = cli("sources", "show", "nightly")
    assert gone.code == 1
    assert gone.err.splitlines()[0] == "error: no source 'nightly'"
    # the name is free again: a new source, a new cursor; the content is the run it was
    assert add(cli, "nightly", "files", {"path": str(drop)}).code == 0
    again = pull(cli)[1][0]
    assert again["runs"][0]["created"] is False and again["runs"][0]["run_id"] == run_uid


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize(
    "args",
    [("update", "ghost", "--disable"), ("remove", "ghost"), ("test", "ghost")],
)
def test_unknown_names_are_one_line(cli: Cli, app: App, args: tuple[str, ...]) -> None:
    before = table_counts(app)
    result = cli("sources", *args)
    assert result.code == 1
    assert result.err.splitlines() == [
        "error: no source 'ghost'",
        "hint: see them with: compliance sources list",
    ]
    assert table_counts(app) == before


@pytest.mark.usefixtures("registered")
def test_update_without_a_change_is_a_mistake(cli: Cli, drop: Path) -> None:
    assert add(cli, "nightly", "files", {"path": str(drop)}).code == 0
    result = cli("sources", "update", "nightly")
    assert result.code == 1 and "nothing to change" in result.err


@pytest.mark.usefixtures("registered")
def test_testing_a_probe_says_how_many_prompts_a_pull_asks(cli: Cli, tmp_path: Path) -> None:
    suite = load_suite("facts-mc-40")
    personas = load_personas("core-10")
    config = {
        "base_url": "http://127.0.0.1:9/v1",  # never asked: a test sends nothing
        "model": "m",
        "suite": "facts-mc-40",
        "personas": "core-10",
        "variants": ["system", "inline"],
    }
    assert add(cli, "live", "probe", config).code == 0
    expected = len(build_prompts(suite, personas, variants=("system", "inline")))
    assert expected == 40 * (1 + 10 * 2)
    result = cli("sources", "test", "live", "--json")
    assert result.code == 0, result.err
    (unit,) = json.loads(result.out)["units"]
    assert (unit["prompts"], unit["records"]) == (expected, None)
    human = cli("sources", "test", "live")
    assert f"a pull would ask {expected:,} prompts" in human.out
    assert "None" not in human.out


def test_progress_lines_are_lines_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off a terminal: each event is one whole line on stderr, written after stdout is
    flushed, so merged streams (2>&1) keep what stdout printed before it."""
    merged = io.StringIO()

    class Buffered(io.StringIO):  # stdout off a terminal: held until flushed
        def flush(self) -> None:
            merged.write(self.getvalue())
            self.seek(0)
            self.truncate()

    class Stderr(io.StringIO):
        def write(self, text: str) -> int:
            return merged.write(text)

    stdout, stderr = Buffered(), Stderr()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert not progress_module.on_terminal()
    with progress_module.record_progress(interval=3600) as report:
        stdout.write("nightly: 1 new run(s)\n")
        report("nightly: a.jsonl", 10, None)
        report("nightly: a.jsonl", 20, None)  # within the interval: not logged
        report("live", 5, 132)
    lines = merged.getvalue().splitlines(keepends=True)
    assert lines[0] == "nightly: 1 new run(s)\n"
    assert lines[1].startswith("event=progress task='nightly: a.jsonl' records=10 elapsed_s=")
    assert lines[2].startswith("event=progress task='live' records=5 total=132 elapsed_s=")
    assert all(line.endswith("\n") for line in lines) and len(lines) == 3


@pytest.mark.usefixtures("registered")
def test_a_probe_pull_applies_the_sources_refusal_patterns(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    """The skewed persona's short answers are "I do not know that one." (scored wrong, not a
    refusal by the built-in set); the source's own pattern makes them refused, the score
    kept."""
    full = load_suite("facts-short-40")
    small = full.model_copy(update={"items": full.items[:10]})
    suite_file = tmp_path / "suite.json"
    suite_file.write_text(small.model_dump_json(), encoding="utf-8")
    personas = load_personas("core-10")
    chat = FakeChat(suite=small, personas=personas, skew_item=lambda item: True)
    config = {
        "suite": str(suite_file),
        "personas": "core-10",
        "model": "m",
        "refusal_patterns": [r"\bdo not know that one\b"],
    }
    with serve_chat(chat) as url:
        assert add(cli, "live", "probe", {**config, "base_url": url}).code == 0
        code, outcomes = pull(cli)
    assert code == 0, outcomes
    skewed = {p.id for p in personas.personas if p.attributes.get("age_band") == "65+"}
    with app.uow_factory() as uow:
        rows = uow.session.execute(
            select(Persona.name, EvalRecord.correct, EvalRecord.refused).join(
                Persona, Persona.id == EvalRecord.persona_id
            )
        ).all()
    refused = {(name, correct) for name, correct, was_refused in rows if was_refused}
    assert refused == {(f"{p}/system", False) for p in skewed}
    assert sum(1 for *_, was_refused in rows if was_refused) == 10 * len(skewed)
