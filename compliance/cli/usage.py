"""Usage mistakes and help, the same whichever Typer (and click) is installed.

Typer 0.29 and later parse with their own copy of click (``typer._click``), whose
exceptions do not derive from the ``click`` package's; earlier releases raise ``click``'s.
:data:`PARSE_ERRORS` holds the base class of each that is importable, so a usage mistake
(unknown command or option, missing or invalid value, bad choice) is caught whatever
raised it, and :func:`show_usage_error` prints it the same way:

    Usage: compliance audit run [OPTIONS]
    error: Missing option '--model'.
    hint: compliance audit run --help

:class:`WorkflowGroup` lists the root's commands in the order of the workflow rather than
the order they were registered.
"""

from __future__ import annotations

from typing import Any

import typer
import typer.core
from rich.console import Console
from rich.text import Text

__all__ = [
    "PARSE_ERRORS",
    "WORKFLOW_ORDER",
    "CommandGroup",
    "WorkflowGroup",
    "command_group",
    "error_message",
    "is_no_args_help",
    "leading_options",
    "show_usage_error",
]

#: the root's commands, in the order a user meets them; any other command follows them
WORKFLOW_ORDER = (
    "init",
    "demo",
    "models",
    "ingest",
    "sources",
    "pull",
    "metrics",
    "policies",
    "audit",
    "reports",
    "officers",
    "regimes",
    "schedules",
    "scheduler",
    "worker",
    "queue",
    "serve",
    "tokens",
    "access-log",
    "ledger",
    "llm",
    "schemas",
)


def _parse_error_classes() -> tuple[type[Exception], ...]:
    found: list[type[Exception]] = []
    vendored = getattr(typer, "TyperException", None)  # typer >= 0.29 (typer._click)
    if isinstance(vendored, type) and issubclass(vendored, Exception):
        found.append(vendored)
    try:
        import click  # typer < 0.29 parses with the click package
    except ImportError:  # pragma: no cover - typer >= 0.29 without click installed
        pass
    else:
        found.append(click.ClickException)
    return tuple(found)


#: what a parse or usage mistake raises, under any supported Typer
PARSE_ERRORS: tuple[type[Exception], ...] = _parse_error_classes()


def is_no_args_help(exc: BaseException) -> bool:
    """A group run without a subcommand (click >= 8.2 raises this; its message is the help)."""
    return type(exc).__name__ == "NoArgsIsHelpError"


def show_usage_error(exc: Exception, console: Console) -> int:
    """Print the usage line of the command that refused ``exc``, one ``error:`` line and a
    ``hint:`` naming that command's ``--help``; return the exit code (2 for usage)."""
    message = error_message(exc)
    ctx: Any = getattr(exc, "ctx", None)
    if ctx is not None:
        console.print(ctx.get_usage(), markup=False, highlight=False, soft_wrap=True)
    console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    if ctx is not None:
        console.print(f"hint: {ctx.command_path} --help", markup=False, soft_wrap=True)
    code = getattr(exc, "exit_code", 2)
    return code if isinstance(code, int) else 2


def error_message(exc: Exception) -> str:
    """The exception's message as click would show it (after ``Error:``)."""
    formatter = getattr(exc, "format_message", None)
    text = formatter() if callable(formatter) else str(exc)
    return str(text).strip() or type(exc).__name__


def leading_options(argv: list[str]) -> list[str]:
    """The options given before the first command (``--debug`` must count even when the
    command after it is mistyped and the root's callback never runs)."""
    options: list[str] = []
    for arg in argv:
        if not arg.startswith("-"):
            break
        options.append(arg)
    return options


#: a command's summary in its group's ``--help`` is its docstring's first sentence, whole
_SUMMARY_LIMIT = 160


class CommandGroup(typer.core.TyperGroup):
    """A group whose ``--help`` shows each command's whole first sentence, wrapped, where
    click would cut it at the terminal's width with "..."."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=_SUMMARY_LIMIT)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def command_group(summary: str) -> typer.Typer:
    """A subcommand group (``compliance models`` ...): run bare, it prints its help."""
    return typer.Typer(cls=CommandGroup, help=summary, no_args_is_help=True)


class WorkflowGroup(CommandGroup):
    """The root group: ``--help`` lists commands in :data:`WORKFLOW_ORDER`."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(super().list_commands(ctx))
        rank = {name: i for i, name in enumerate(WORKFLOW_ORDER)}
        return sorted(names, key=lambda name: (rank.get(name, len(rank)), names.index(name)))
