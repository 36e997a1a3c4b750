"""What every command shares: the application (built lazily), output helpers and error exits."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from compliance.bootstrap import App, build_app
from compliance.logline import capped

__all__ = [
    "JsonFlag",
    "State",
    "cell",
    "emit_json",
    "err_console",
    "get_app",
    "out_console",
    "state",
]

# piped output is not cut to 80 columns: tables stay readable in logs and files
out_console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class State:
    """Process-wide command-line options (``--debug``) and the lazily built application."""

    debug: bool = False
    app: App | None = None
    factory: Callable[[], App] = build_app


state = State()


def get_app(*, schema: bool = True) -> App:
    """The application; with ``schema``, refuses a database ``compliance init`` has not set up."""
    if state.app is None:
        state.app = state.factory()
    if schema:
        state.app.require_schema()
    return state.app


def cell(value: object) -> Text:
    """A table cell showing ``value`` literally: no Rich markup, every character that is not
    printable (CR, LF, ANSI escapes, Unicode line separators) written as its escape, and cut
    to the log's cap, so a value a client chose cannot add rows or redraw the terminal."""
    text = str(value)
    if not text.isprintable():
        text = "".join(
            ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
        )
    return Text(capped(text))


def emit_json(data: Any) -> None:
    """Print ``data`` (dataclasses, lists, dicts) as indented JSON on stdout."""
    sys.stdout.write(json.dumps(_plain(data), indent=2, ensure_ascii=False) + "\n")


def _plain(data: Any) -> Any:
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return {f.name: _plain(getattr(data, f.name)) for f in dataclasses.fields(data)}
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    return data


JsonFlag = Annotated[bool, typer.Option("--json", help="print machine-readable JSON on stdout")]
