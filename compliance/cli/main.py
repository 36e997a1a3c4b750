"""The root command, global options and the error boundary of the command line."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import click
import typer
from rich.text import Text

from compliance import __version__
from compliance.cli import (
    admin,
    api_commands,
    audits,
    ingest,
    models,
    policies,
    reports,
    scheduling,
    sources,
)
from compliance.cli.context import err_console, state
from compliance.errors import ComplianceError

__all__ = ["app", "main"]

app = typer.Typer(
    name="compliance",
    help="Audit personalized LLMs: truth under personalization, fairness, signed reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(models.app, name="models")
app.add_typer(policies.app, name="policies")
app.add_typer(audits.app, name="audit")
app.add_typer(reports.app, name="reports")
app.add_typer(sources.app, name="sources")
app.command("pull")(sources.pull)
app.add_typer(scheduling.schedules_app, name="schedules")
app.add_typer(scheduling.scheduler_app, name="scheduler")
app.add_typer(api_commands.tokens_app, name="tokens")
app.command("access-log")(api_commands.access_log)
app.command("serve")(api_commands.serve)
app.add_typer(reports.ledger_app, name="ledger")
app.command("metrics")(audits.metrics)
app.add_typer(admin.schemas_app, name="schemas")
app.command("init")(admin.init)
app.command("demo")(admin.demo)
app.command("ingest")(ingest.ingest)


def _version(value: bool) -> None:
    if value:
        print(f"compliance {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="show tracebacks of errors")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    state.debug = debug


def main(argv: list[str] | None = None) -> None:
    """Run the command line; user errors become one line on stderr and a non-zero exit."""
    code = run(argv)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """Like :func:`main`, returning the exit code (for tests and embedding)."""
    state.debug = False
    try:
        result = app(args=argv, standalone_mode=False, prog_name="compliance")
    except ComplianceError as exc:
        if state.debug:
            traceback.print_exc()
        err_console.print(Text.assemble(("error: ", "bold red"), exc.message), soft_wrap=True)
        if exc.hint:
            err_console.print(f"hint: {exc.hint}", markup=False, soft_wrap=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        err_console.print("aborted")
        return 130
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written by the unfinished step")
        return 130
    finally:
        if state.app is not None:
            state.app.close()
            state.app = None
    return result if isinstance(result, int) else 0
