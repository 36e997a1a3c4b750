"""Registered sources and ``compliance pull``: new results become runs, a re-pull adds
nothing, and a failing source does not stop the others."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.bootstrap import App
from compliance.sources.probe_suite import build_prompts, load_personas, load_suite
from tests.conftest import CliResult, table_counts
from tests.integration.sources.fake_chat import FakeChat, serve_chat
from tests.integration.sources.test_http_source import PAGES, PER_PAGE, Pages, serve
from tests.integration.test_ingest import records, write_jsonl

Cli = Callable[..., CliResult]
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def registered(cli: Cli) -> None:
    assert cli("models", "register", "acme", "--version", "1").code == 0


def add(cli: Cli, name: str, kind: str, config: dict[str, object]) -> CliResult:
    return cli(
        "sources",
        "add",
        name,
        "--model",
        "acme",
        "--version",
        "1",
        "--kind",
        kind,
        "--config",
        json.dumps(config),
    )


def pull(cli: Cli, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = cli("pull", "--json", *args)
    return result.code, json.loads(result.out)


@pytest.mark.usefixtures("registered")
def test_files_source_pulls_new_and_changed_files_once(cli: Cli, app: App, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    write_jsonl(drop / "a.jsonl", records(3))
    write_jsonl(drop / "b.jsonl", [dict(r, benchmark="other") for r in records(4)])
    assert add(cli, "nightly-files", "files", {"path": str(drop)}).code == 0
    tested = json.loads(cli("sources", "test", "nightly-files", "--json").out)
    assert tested["new_units"] == 2 and {u["records"] for u in tested["units"]} == {9, 12}
    assert table_counts(app)["evaluation_runs"] == 0  # testing writes nothing
    code, outcome = pull(cli)
    assert code == 0 and outcome[0]["new_runs"] == 2
    assert pull(cli)[1][0]["new_runs"] == 0  # nothing new
    write_jsonl(drop / "c.jsonl", [dict(r, benchmark="third") for r in records(2)])
    result = cli("pull")  # progress off a terminal: a logfmt line per written batch
    assert result.code == 0 and "nightly-files: 1 new run(s)" in result.out
    (line,) = [x for x in result.err.splitlines() if x.startswith("event=progress")]
    assert "c.jsonl" in line and "records=6 " in line and "total=" not in line
    rows = records(3)
    rows[0]["correct"] = not rows[0]["correct"]
    write_jsonl(drop / "a.jsonl", rows)
    os.utime(drop / "a.jsonl", ns=(1, 2))  # a changed file, whatever its timestamp
    assert pull(cli)[1][0]["new_runs"] == 1
    shown = json.loads(cli("sources", "show", "nightly-files", "--json").out)
    assert len(shown["cursor"]["files"]) == 3 and shown["last_pulled_at"]


@pytest.mark.usefixtures("registered")
def test_http_lm_eval_and_inspect_sources(cli: Cli, app: App, tmp_path: Path) -> None:
    lm_eval = tmp_path / "lm"
    shutil.copytree(DATA / "lm_eval", lm_eval)
    inspect = tmp_path / "inspect"
    inspect.mkdir()
    shutil.copy(DATA / "inspect" / "persona-mc_inspect-0.3.285.eval", inspect)
    assert add(cli, "harness", "lm-eval", {"path": str(lm_eval)}).code == 0
    assert add(cli, "aisi", "inspect", {"path": str(inspect)}).code == 0
    with serve(Pages()) as url:
        assert add(cli, "results-api", "http", {"url": url}).code == 0
        code, outcomes = pull(cli)
        assert code == 0, outcomes
        by_source = {o["source"]: o for o in outcomes}
        assert by_source["results-api"]["new_runs"] == 1
        assert by_source["results-api"]["runs"][0]["record_count"] == PAGES * PER_PAGE
        assert by_source["harness"]["new_runs"] == 2  # one run per task file
        assert by_source["aisi"]["new_runs"] == 1
        before = table_counts(app)
        code, again = pull(cli)
        assert code == 0 and all(o["new_runs"] == 0 for o in again)
        assert table_counts(app) == before


@pytest.mark.usefixtures("registered")
def test_a_failing_source_is_isolated(cli: Cli, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    write_jsonl(drop / "a.jsonl", records(2))
    assert add(cli, "good", "files", {"path": str(drop)}).code == 0
    assert (
        add(
            cli,
            "down",
            "http",
            {"url": "http://127.0.0.1:9/records", "max_retries": 0, "timeout": 2},
        ).code
        == 0
    )
    code, outcomes = pull(cli)
    assert code == 1
    by_source = {o["source"]: o for o in outcomes}
    assert by_source["good"]["new_runs"] == 1 and by_source["good"]["error"] is None
    assert by_source["down"]["error"]
    human = cli("pull", "--source", "down")
    assert human.code == 1 and "down: failed:" in human.err


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("glob", [False, True])
def test_a_symlink_out_of_a_files_source_is_refused(
    cli: Cli, app: App, tmp_path: Path, glob: bool
) -> None:
    """A link in the watched directory to a file outside it (here a valid records file, so
    only the link's target matters) fails the source's pull; nothing of it is stored."""
    drop, outside = tmp_path / "drop", tmp_path / "private"
    drop.mkdir()
    (drop / "sub").mkdir()
    outside.mkdir()
    write_jsonl(drop / "a.jsonl", records(2))
    write_jsonl(outside / "secret.jsonl", records(3))
    (drop / "sub" / "b.jsonl").symlink_to(outside / "secret.jsonl")
    config = {"path": str(drop / "*" / "*.jsonl" if glob else drop)}
    if glob:
        (drop / "sub2").mkdir()
        write_jsonl(drop / "sub2" / "c.jsonl", records(1))
    assert add(cli, "drop", "files", config).code == 0
    before = table_counts(app)
    code, outcomes = pull(cli)
    assert code == 1
    error = str(outcomes[0]["error"])
    assert f"{drop / 'sub' / 'b.jsonl'}: is a symbolic link to {outside / 'secret.jsonl'}" in error
    assert f"outside {drop}" in error
    assert table_counts(app) == before
    (drop / "sub" / "b.jsonl").unlink()  # a link inside the directory is fine
    (drop / "sub" / "b.jsonl").symlink_to(drop / "a.jsonl")
    assert pull(cli)[0] == 0


@pytest.mark.usefixtures("registered")
def test_source_config_errors_are_clear(cli: Cli) -> None:
    bad = add(cli, "x", "http", {"url": "http://h/r", "headers": {"Authorization": "Bearer s"}})
    assert bad.code == 1 and "token_env" in bad.err
    unknown = add(cli, "y", "ftp", {})
    assert unknown.code == 2 and "'ftp' is not one of 'files', 'http'" in unknown.err
    assert add(cli, "z", "files", {"path": "/tmp"}).code == 0
    again = add(cli, "z", "files", {"path": "/tmp"})
    assert again.code == 1 and "already exists" in again.err


@pytest.mark.usefixtures("registered")
def test_a_probe_source_is_pulled_with_progress(cli: Cli, tmp_path: Path) -> None:
    """The probe asks the model's chat endpoint every persona × question; the pull reports
    its progress against the known total (logfmt lines off a terminal) and a second pull
    is answered from the per-source cache and stores nothing new."""
    full = load_suite("facts-mc-40")
    small = full.model_copy(update={"items": full.items[:12]})
    suite_file = tmp_path / "suite.json"
    suite_file.write_text(small.model_dump_json(), encoding="utf-8")
    personas = load_personas("core-10")
    expected = len(build_prompts(small, personas))
    chat = FakeChat(suite=small, personas=personas)
    with serve_chat(chat) as url:
        config = {"base_url": url, "model": "m", "suite": str(suite_file), "personas": "core-10"}
        assert add(cli, "live", "probe", config).code == 0
        result = cli("pull")
        assert result.code == 0, result.err
        assert "live: 1 new run(s)" in result.out
        progress = [line for line in result.err.splitlines() if line.startswith("event=progress")]
        assert progress and f"total={expected}" in progress[0], result.err
        asked = chat.requests
        code, again = pull(cli)
    assert code == 0 and again[0]["new_runs"] == 0
    assert again[0]["runs"][0]["record_count"] == expected
    assert chat.requests == asked  # every reply came from the cache
