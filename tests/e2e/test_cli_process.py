"""The installed console script and ``python -m compliance``, as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from compliance import __version__
from tests.conftest import SERVER_URL


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COMPLIANCE_HOME=str(home))
    env.pop("COMPLIANCE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "compliance", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_version_and_help(tmp_path: Path) -> None:
    assert run("--version", home=tmp_path).stdout.strip() == f"compliance {__version__}"
    helped = run("--help", home=tmp_path)
    assert helped.returncode == 0
    for command in ("init", "models", "ingest", "schemas", "demo"):
        assert command in helped.stdout


def test_init_then_user_error_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    assert SERVER_URL is None or SERVER_URL  # this test always uses the embedded database
    first = run("init", home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "compliance.db").exists()
    again = run("init", home=tmp_path)
    assert "up to date" in again.stdout
    missing = run(
        "ingest", str(tmp_path / "x.jsonl"), "--model", "m", "--version", "1", home=tmp_path
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: ")
    assert "Traceback" not in missing.stderr
    journal = run("models", "list", "--json", home=tmp_path)
    assert journal.stdout.strip() == "[]"
