"""``compliance policies``: versioned, immutable policy thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, get_app, out_console
from compliance.cli.usage import command_group
from compliance.services.policies import PolicyView, add_policy, list_policies, show_policy

app = command_group("Add, list and show policy versions.")


@app.command("add")
def add(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="the policy's YAML file")],
    json_: JsonFlag = False,
) -> None:
    """Store the policy in FILE as a new version (the same content again: nothing changes)."""
    cli_app = get_app()
    view = add_policy(cli_app.uow_factory, cli_app.clock, path)
    if json_:
        emit_json(view)
    elif view.created:
        out_console.print(
            f"added policy {view.name}@{view.version} ({len(view.rules)} rules, "
            f"sha256 {view.sha256[:12]}…)",
            markup=False,
        )
    else:
        out_console.print(
            f"policy {view.name}@{view.version} is already stored with this "
            "content: nothing changed",
            markup=False,
        )


@app.command("list")
def list_(json_: JsonFlag = False) -> None:
    """List every stored policy version."""
    views = list_policies(get_app().uow_factory)
    if json_:
        emit_json(views)
        return
    if not views:
        out_console.print("no policies yet: compliance policies add FILE")
        return
    table = Table("policy", "version", "rules", "mode", "regimes", "added", "sha256")
    for v in views:
        table.add_row(
            v.name,
            v.version,
            str(len(v.rules)),
            v.decision_mode,
            ", ".join(v.regimes),
            v.added_at,
            v.sha256[:12],
        )
    out_console.print(table)


@app.command("show")
def show(
    reference: Annotated[
        str, typer.Argument(metavar="REFERENCE", help="NAME or NAME@VERSION (default: latest)")
    ],
    json_: JsonFlag = False,
) -> None:
    """Show one policy version and its rules."""
    view = show_policy(get_app().uow_factory, reference)
    if json_:
        emit_json(view)
        return
    _print(view)


def _print(view: PolicyView) -> None:
    out_console.print(f"[bold]{view.name}@{view.version}[/] ({view.id}) sha256 {view.sha256}")
    if view.description:
        out_console.print(view.description.strip(), markup=False)
    out_console.print(
        f"regimes: {', '.join(view.regimes) or '-'}; decision mode "
        f"{view.decision_mode}; minimum sample per group {view.min_sample_per_group}",
        markup=False,
    )
    table = Table("rule", "metric", "dimension", "pass when", "severity", "mode")
    for r in view.rules:
        table.add_row(
            str(r["id"]),
            str(r["metric"]),
            str(r["dimension"]),
            f"{r['comparison']} {r['threshold']}",
            str(r["severity"]),
            str(r["mode"]),
        )
    out_console.print(table)
