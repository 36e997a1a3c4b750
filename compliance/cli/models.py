"""``compliance models``: the registry of models and their versions."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, get_app, out_console
from compliance.cli.usage import command_group
from compliance.services.registry import (
    ModelView,
    list_models,
    register_model_version,
    show_model,
)

app = command_group("Register models and their versions.")


@app.command("register")
def register(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="the model's stable slug, e.g. acme-chat")
    ],
    version: Annotated[str, typer.Option("--version", help="the version to register")],
    owner: Annotated[str | None, typer.Option(help="team or person accountable")] = None,
    intended_use: Annotated[str | None, typer.Option(help="what the model is deployed for")] = None,
    risk_tier: Annotated[
        str | None, typer.Option(help="risk classification, e.g. high (EU AI Act)")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Register VERSION of model NAME (the model is created with its first version)."""
    cli_app = get_app()
    view = register_model_version(
        cli_app.uow_factory,
        cli_app.clock,
        name,
        version.strip(),
        owner=owner,
        intended_use=intended_use,
        risk_tier=risk_tier,
    )
    if json_:
        emit_json(view)
    else:
        out_console.print(f"registered {view.name} version {version} ({view.versions[-1].id})")


@app.command("list")
def list_(json_: JsonFlag = False) -> None:
    """List the registered models with their versions."""
    views = list_models(get_app().uow_factory)
    if json_:
        emit_json(views)
        return
    if not views:
        out_console.print("no models yet: compliance models register NAME --version V")
        return
    table = Table("model", "versions", "owner", "risk tier", "registered")
    for view in views:
        versions = ", ".join(v.version for v in view.versions)
        table.add_row(
            view.name, versions, view.owner or "", view.risk_tier or "", view.registered_at
        )
    out_console.print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(metavar="NAME", help="the model's slug")],
    json_: JsonFlag = False,
) -> None:
    """Show one model, its versions and how many evaluation runs each has."""
    view = show_model(get_app().uow_factory, name)
    if json_:
        emit_json(view)
        return
    _print_model(view)


def _print_model(view: ModelView) -> None:
    out_console.print(f"[bold]{view.name}[/] ({view.id})")
    for label, value in (
        ("owner", view.owner),
        ("intended use", view.intended_use),
        ("risk tier", view.risk_tier),
        ("registered", view.registered_at),
    ):
        out_console.print(f"  {label}: {value or '-'}", markup=False)
    table = Table("version", "id", "evaluation runs", "registered")
    for v in view.versions:
        table.add_row(v.version, v.id, str(v.run_count), v.registered_at)
    out_console.print(table)
