"""Run the API's commands in-process, as the root command will once they are registered."""

from __future__ import annotations

from dataclasses import dataclass

import click
import pytest
import typer

from compliance.bootstrap import build_app
from compliance.cli import context as cli_context
from compliance.cli.api_commands import access_log, serve, tokens_app
from compliance.config import Settings
from compliance.errors import ComplianceError


def api_cli() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.add_typer(tokens_app, name="tokens")
    app.command("access-log")(access_log)
    app.command("serve")(serve)
    return app


@dataclass
class Ran:
    code: int
    out: str
    err: str


def run_cli(settings: Settings, capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """Like ``compliance.cli.main.run``: user errors become one line and exit code 1."""
    capsys.readouterr()
    previous = cli_context.state.factory
    cli_context.state.factory = lambda: build_app(settings)
    code = 0
    try:
        api_cli()(args=list(args), standalone_mode=False, prog_name="compliance")
    except ComplianceError as exc:
        cli_context.err_console.print(f"error: {exc.message}", markup=False)
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    finally:
        cli_context.state.factory = previous
        if cli_context.state.app is not None:
            cli_context.state.app.close()
            cli_context.state.app = None
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)
