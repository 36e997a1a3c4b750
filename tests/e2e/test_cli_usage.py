"""Usage mistakes and help, through the installed ``compliance`` script and in-process.

CI runs this file twice: with the Typer the project installs (0.29 parses with its own
copy of click, ``typer._click``) and with an older Typer that parses with the ``click``
package (``PYTHONPATH`` pointing at it), so a mistake is a usage line under both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from compliance.cli.main import app, run
from compliance.cli.usage import WORKFLOW_ORDER

SCRIPT = Path(sys.executable).with_name("compliance")


def compliance(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a new user runs it."""
    env = dict(os.environ, COMPLIANCE_HOME=str(home), COLUMNS="100")
    env.pop("COMPLIANCE_DATABASE_URL", None)
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


MISTAKES = [
    # (arguments, the command whose usage is shown, what the error line says)
    (["nosuch"], "compliance", "No such command 'nosuch'"),
    (["audit", "run"], "compliance audit run", "Missing option '--model'"),
    (["models", "list", "--bogus"], "compliance models list", "No such option: --bogus"),
    (["models", "show"], "compliance models show", "Missing argument 'NAME'"),
    (["tokens", "create", "x", "--role", "king"], "compliance tokens create", "'king'"),
    (["reports", "list", "--limit", "many"], "compliance reports list", "--limit"),
]


@pytest.mark.parametrize(("args", "command", "message"), MISTAKES, ids=str)
def test_a_usage_mistake_gets_the_usage_line_not_a_traceback(
    tmp_path: Path, args: list[str], command: str, message: str
) -> None:
    done = compliance(*args, home=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"Usage: {command} "), done.stderr
    assert lines[1].startswith("error: ") and message in lines[1], done.stderr
    assert lines[2] == f"hint: {command} --help"
    assert len(lines) == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "compliance.db").exists()  # nothing was set up by a mistake


def test_debug_adds_the_traceback_to_a_usage_mistake(tmp_path: Path) -> None:
    done = compliance("--debug", "nosuch", home=tmp_path)
    assert done.returncode == 2
    assert "Traceback (most recent call last)" in done.stderr
    assert done.stderr.rstrip().endswith("hint: compliance --help")


def test_a_group_without_its_command_prints_its_help(tmp_path: Path) -> None:
    done = compliance("models", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: compliance models [OPTIONS] COMMAND")
    assert "register" in done.stdout
    assert done.stderr == ""


def _command_paths(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _command_paths(sub, (*path, name))
    return found


COMMANDS = _command_paths(typer.main.get_command(app))


def test_the_command_tree_is_the_documented_one() -> None:
    top = {path[0] for path in COMMANDS if path}
    assert top <= set(WORKFLOW_ORDER), top - set(WORKFLOW_ORDER)
    assert len(COMMANDS) > 40  # every group and its commands are walked


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "(root)")
def test_every_command_has_help(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert run([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: {' '.join(('compliance', *path))}")
    assert "<bool>" not in out  # a flag reads as a flag
    assert "--help" in out


def test_root_help_lists_commands_in_workflow_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert run(["--help"]) == 0
    listed = capsys.readouterr().out.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in listed if line.startswith("  ") and line[2] != " "]
    documented = [
        "init", "demo", "models", "ingest", "sources", "pull", "metrics", "policies", "audit",
        "reports", "schedules", "scheduler", "serve", "tokens", "access-log", "ledger",
        "schemas",
    ]  # fmt: skip
    assert [n for n in names if n in documented] == documented
    assert sorted(names) == sorted({p[0] for p in COMMANDS if p})
