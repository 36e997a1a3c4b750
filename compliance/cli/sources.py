"""``compliance sources`` and ``compliance pull``: where results come from, and fetching them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, err_console, get_app, out_console
from compliance.cli.progress import record_progress
from compliance.cli.usage import command_group
from compliance.services.sources import (
    add_source,
    list_sources,
    pull_sources,
    read_config_argument,
    remove_source,
    show_source,
    test_source,
    update_source,
)

app = command_group("Register, inspect, change and remove sources of evaluation results.")


class SourceKind(StrEnum):
    """``--kind``: :data:`compliance.sources.config.SOURCE_KINDS`."""

    files = "files"
    http = "http"
    lm_eval = "lm-eval"
    inspect = "inspect"
    probe = "probe"


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="a unique name for the source")],
    model: Annotated[str, typer.Option("--model", help="registered model name")],
    version: Annotated[str, typer.Option("--version", help="registered model version")],
    kind: Annotated[SourceKind, typer.Option("--kind", help="how results are pulled")],
    config: Annotated[str, typer.Option("--config", help="JSON, or @FILE holding JSON")],
    json_: JsonFlag = False,
) -> None:
    """Register a source; secrets are named by environment variable, never stored."""
    cli_app = get_app()
    view = add_source(
        cli_app.uow_factory,
        cli_app.clock,
        name,
        model=model,
        version=version,
        kind=kind.value,
        config=read_config_argument(config),
    )
    if json_:
        emit_json(view)
    else:
        out_console.print(f"added source {view.name} ({view.kind}) for {view.model} {view.version}")


@app.command("list")
def list_(
    model: Annotated[str | None, typer.Option(help="only this model's sources")] = None,
    json_: JsonFlag = False,
) -> None:
    """List registered sources."""
    views = list_sources(get_app().uow_factory, model=model)
    if json_:
        emit_json(views)
        return
    table = Table("source", "kind", "model", "version", "enabled", "last pulled")
    for v in views:
        enabled = "yes" if v.enabled else "no"
        table.add_row(v.name, v.kind, v.model, v.version, enabled, v.last_pulled_at or "never")
    out_console.print(table)


@app.command("show")
def show(name: Annotated[str, typer.Argument()], json_: JsonFlag = False) -> None:
    """Show a source's configuration and cursor."""
    view = show_source(get_app().uow_factory, name)
    if json_:
        emit_json(view)
        return
    state = "" if view.enabled else " [disabled]"
    out_console.print(
        f"[bold]{view.name}[/] ({view.kind}) → {view.model} {view.version}{state}",
        highlight=False,
    )
    out_console.print(f"  config: {view.config}", markup=False)
    out_console.print(f"  cursor: {view.cursor}; last pulled {view.last_pulled_at}", markup=False)


@app.command("test")
def check(name: Annotated[str, typer.Argument()], json_: JsonFlag = False) -> None:
    """Connect and report what a pull would bring; writes nothing."""
    cli_app = get_app()
    report = test_source(cli_app.uow_factory, name, cache_dir=cli_app.settings.home / "probe-cache")
    if json_:
        emit_json(report)
        return
    out_console.print(f"{name}: {report['new_units']} new unit(s) to pull", markup=False)
    for unit in report["units"]:
        if unit["prompts"] is not None:
            out_console.print(
                f"  {unit['unit']}: a pull would ask {unit['prompts']:,} prompts "
                "(replies already in the source's cache are not asked again)",
                markup=False,
            )
        else:
            out_console.print(f"  {unit['unit']}: {unit['records']:,} records", markup=False)


@app.command("update")
def update(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    config: Annotated[
        str | None,
        typer.Option("--config", help="the whole new config: JSON, or @FILE holding JSON"),
    ] = None,
    enabled: Annotated[
        bool | None,
        typer.Option("--enable/--disable", help="pull the source, or skip it", show_default=False),
    ] = None,
    reset_cursor: Annotated[
        bool, typer.Option("--reset-cursor", help="forget what was pulled: read everything again")
    ] = False,
    json_: JsonFlag = False,
) -> None:
    """Change a source: its config (validated like add), enabled or disabled; one transaction."""
    view = update_source(
        get_app().uow_factory,
        name,
        config=None if config is None else read_config_argument(config),
        enabled=enabled,
        reset_cursor=reset_cursor,
    )
    if json_:
        emit_json(view)
        return
    changed = [
        *(["config"] if config is not None else []),
        *([("enabled" if enabled else "disabled")] if enabled is not None else []),
        *(["cursor reset"] if reset_cursor else []),
    ]
    out_console.print(f"updated source {view.name}: {', '.join(changed)}", markup=False)


@app.command("remove")
def remove(name: Annotated[str, typer.Argument(metavar="NAME")], json_: JsonFlag = False) -> None:
    """Remove a source; the runs it pulled stay (and keep naming it); the name is free again."""
    cli_app = get_app()
    view = remove_source(cli_app.uow_factory, cli_app.clock, name)
    if json_:
        emit_json(view)
        return
    out_console.print(
        f"removed source {view.name} ({view.kind}, {view.model} {view.version}); "
        "the runs it pulled stay",
        markup=False,
    )


def pull(
    model: Annotated[str | None, typer.Option(help="only this model's sources")] = None,
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    json_: JsonFlag = False,
) -> None:
    """Pull every new result from the registered sources (each one run); exit 1 if any failed."""
    cli_app = get_app()
    with record_progress() as progress:
        outcomes = pull_sources(
            cli_app.uow_factory,
            cli_app.clock,
            cache_dir=cli_app.settings.home / "probe-cache",
            model=model,
            source=source,
            batch_size=cli_app.settings.ingest_batch_size,
            on_progress=progress,
        )
    if json_:
        emit_json(
            [
                {
                    "source": o.source,
                    "new_runs": o.new_runs,
                    "error": o.error,
                    "skipped": o.skipped,
                    "runs": o.runs,
                }
                for o in outcomes
            ]
        )
    else:
        for o in outcomes:
            if o.skipped:
                out_console.print(
                    f"{o.source}: skipped ({o.skipped}; "
                    f"compliance sources update {o.source} --enable)",
                    markup=False,
                )
            elif o.error:
                err_console.print(f"{o.source}: failed: {o.error}", markup=False)
            else:
                out_console.print(
                    f"{o.source}: {o.new_runs} new run(s), "
                    f"{len(o.runs) - o.new_runs} already ingested",
                    markup=False,
                )
    if any(o.error for o in outcomes):
        raise typer.Exit(1)
