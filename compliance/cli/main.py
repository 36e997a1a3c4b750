"""The root command, global options and the error boundary of the command line."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer
from rich.text import Text

from compliance import __version__
from compliance.cli import (
    admin,
    api_commands,
    audits,
    demo,
    ingest,
    llm,
    models,
    officers,
    policies,
    queue_commands,
    regimes,
    reports,
    scheduling,
    sources,
)
from compliance.cli.context import err_console, out_console, state
from compliance.cli.usage import (
    PARSE_ERRORS,
    WorkflowGroup,
    error_message,
    is_no_args_help,
    leading_options,
    show_usage_error,
)
from compliance.errors import ComplianceError

__all__ = ["app", "main"]

app = typer.Typer(
    name="compliance",
    help="Audit personalized LLMs: truth under personalization, fairness, signed reports.",
    cls=WorkflowGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: flags read as flags (no ``<bool>``), the same under every Typer release
    rich_markup_mode=None,
)
app.add_typer(models.app, name="models")
app.add_typer(policies.app, name="policies")
app.add_typer(audits.app, name="audit")
app.add_typer(reports.app, name="reports")
app.add_typer(officers.app, name="officers")
app.add_typer(regimes.app, name="regimes")
app.add_typer(sources.app, name="sources")
app.command("pull")(sources.pull)
app.add_typer(scheduling.schedules_app, name="schedules")
app.add_typer(scheduling.scheduler_app, name="scheduler")
app.command("worker")(queue_commands.worker)
app.add_typer(queue_commands.queue_app, name="queue")
app.add_typer(api_commands.tokens_app, name="tokens")
app.command("access-log")(api_commands.access_log)
app.command("serve")(api_commands.serve)
app.add_typer(reports.ledger_app, name="ledger")
app.command("metrics")(audits.metrics)
app.add_typer(admin.schemas_app, name="schemas")
app.command("init")(admin.init)
app.command("demo")(demo.demo)
app.command("ingest")(ingest.ingest)
app.add_typer(llm.app, name="llm")


#: what :func:`run` turns into an ``error:`` line and an exit code
_REPORTED: tuple[type[Exception], ...] = (ComplianceError, *PARSE_ERRORS)


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
    """Like :func:`main`, returning the exit code (for tests and embedding).

    Exit codes: 0 done, 1 a user error (one ``error:`` line, a ``hint:`` when there is
    one), 2 a usage mistake (the usage line, the error, the command's ``--help``), 130
    interrupted. A traceback is printed only with ``--debug``.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    state.debug = "--debug" in leading_options(args)
    try:
        result = app(args=args, standalone_mode=False, prog_name="compliance")
    except typer.Exit as exc:  # typer.Exit is click's Exit under older Typer releases
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written by the unfinished step")
        return 130
    except _REPORTED as exc:
        return _report(exc)
    finally:
        if state.app is not None:
            state.app.close()
            state.app = None
    return result if isinstance(result, int) else 0


def _report(exc: Exception) -> int:
    """Print a user error or a usage mistake on stderr; its exit code."""
    if is_no_args_help(exc):  # a group run without its subcommand: its help, as asked
        out_console.print(error_message(exc), markup=False, highlight=False)
        return 0
    if state.debug:
        traceback.print_exc()
    if not isinstance(exc, ComplianceError):
        return show_usage_error(exc, err_console)
    err_console.print(Text.assemble(("error: ", "bold red"), exc.message), soft_wrap=True)
    if exc.hint:
        err_console.print(f"hint: {exc.hint}", markup=False, soft_wrap=True)
    return exc.exit_code
