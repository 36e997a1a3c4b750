"""``compliance regimes``: the regulatory catalogue (regimes, their sources and clauses)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, out_console
from compliance.cli.usage import command_group
from compliance.services.regimes import catalogue, show_regime

__all__ = ["app"]

app = command_group("The regulatory catalogue: regimes and the clauses reports give evidence for.")


@app.command("list")
def list_(json_: JsonFlag = False) -> None:
    """List the regimes of the catalogue with their status and catalogue version."""
    regimes = list(catalogue().values())
    if json_:
        emit_json([r.model_dump(mode="json", by_alias=True) for r in regimes])
        return
    table = Table("regime", "name", "status", "catalogue", "clauses")
    for r in regimes:
        status = f"superseded by {r.superseded_by}" if r.superseded_by else r.status
        table.add_row(r.id, r.name, status, r.catalogue_version, str(len(r.clauses)))
    out_console.print(table)


@app.command("show")
def show(
    regime_id: Annotated[str, typer.Argument(metavar="REGIME", help="e.g. eu-ai-act")],
    json_: JsonFlag = False,
) -> None:
    """One regime: its sources, application dates and clauses with their evidence."""
    regime = show_regime(regime_id)
    if json_:
        emit_json(regime.model_dump(mode="json", by_alias=True))
        return
    out_console.print(f"{regime.name} [{regime.status}] catalogue {regime.catalogue_version}",
                      markup=False)  # fmt: skip
    if regime.superseded_by:
        out_console.print(f"  superseded by {regime.superseded_by}", markup=False)
    for applies in regime.applies:
        out_console.print(f"  applies from {applies.from_}: {applies.scope}", markup=False)
    for clause in regime.clauses:
        evidence = ", ".join(clause.evidence) or "no metric"
        out_console.print(f"  {clause.citation}: {clause.title} (evidence: {evidence})",
                          markup=False)  # fmt: skip
    if regime.not_covered:
        out_console.print(f"  {regime.not_covered}", markup=False)
    for source in regime.sources:
        out_console.print(f"  source: {source.title} <{source.url}>", markup=False)
