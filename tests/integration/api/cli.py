"""Run the API's commands (tokens, access-log, serve) in-process through the real root."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from compliance.bootstrap import build_app
from compliance.cli import context as cli_context
from compliance.cli.main import run
from compliance.config import Settings


@dataclass
class Ran:
    code: int
    out: str
    err: str


def run_cli(settings: Settings, capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """``compliance.cli.main.run`` on ``settings``' database: its exit code and output."""
    capsys.readouterr()
    previous = cli_context.state.factory
    cli_context.state.factory = lambda: build_app(settings)
    try:
        code = run(list(args))
    finally:
        cli_context.state.factory = previous
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)
