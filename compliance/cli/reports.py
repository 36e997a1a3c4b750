"""``compliance reports`` and ``compliance ledger``: issued reports, exports, verification."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, err_console, get_app, out_console
from compliance.cli.usage import command_group
from compliance.reporting.verify import main_verify
from compliance.services.publish import append_checkpoint, rotate_key
from compliance.services.report_views import (
    diff_reports,
    export_report,
    list_reports,
    show_report,
)

app = command_group("Issued audit reports: list, show, diff, export, verify.")
ledger_app = command_group("The signed, append-only report ledger.")


class ExportFormat(StrEnum):
    """``reports export --format``: :data:`~compliance.services.report_views.EXPORT_FORMATS`."""

    pdf = "pdf"
    html = "html"
    json = "json"
    bundle = "bundle"


@app.command("list")
def list_(
    model: Annotated[str | None, typer.Option(help="only this model's reports")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    json_: JsonFlag = False,
) -> None:
    """List issued reports, newest first."""
    views = list_reports(get_app().uow_factory, model=model, limit=limit)
    if json_:
        emit_json(views)
        return
    if not views:
        out_console.print("no reports yet: a successful 'compliance audit run' issues one")
        return
    table = Table("report", "series", "version", "verdict", "issued", "supersedes", "ledger")
    for v in views:
        table.add_row(
            v.id,
            v.series,
            str(v.version),
            v.verdict,
            v.issued_at,
            v.supersedes or "-",
            str(v.ledger_seq),
        )
    out_console.print(table)


@app.command("show")
def show(
    report_id: Annotated[str, typer.Argument(metavar="REPORT_ID", help="rep_...")],
    json_: JsonFlag = False,
) -> None:
    """Show one report: series, version, verdict, artifacts and their sha256."""
    view = show_report(get_app().uow_factory, report_id)
    if json_:
        emit_json(view)
        return
    out_console.print(f"[bold]{view.id}[/] {view.series} v{view.version}: {view.verdict.upper()}")
    out_console.print(
        f"  issued {view.issued_at}; supersedes {view.supersedes or '-'}; audit "
        f"{view.audit_id}; ledger entry {view.ledger_seq}",
        markup=False,
    )
    for kind, info in view.artifacts.items():
        out_console.print(f"  {kind:<8} {info['sha256']}  {info['size']:>9} bytes", markup=False)


@app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(metavar="OLD", help="the earlier report id")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="the later report id")],
    json_: JsonFlag = False,
) -> None:
    """Metric deltas and verdicts that changed between two reports."""
    result = diff_reports(get_app().uow_factory, old, new)
    if json_:
        emit_json(result)
        return
    out_console.print(f"{old} → {new}", markup=False)
    for change in result.get("verdict_changes", []):
        out_console.print(f"  verdict changed: {change}", markup=False)
    for metric in result.get("changed_metrics", [])[:50]:
        out_console.print(f"  {metric}", markup=False)


@app.command("export")
def export(
    report_id: Annotated[str, typer.Argument(metavar="REPORT_ID", help="rep_...")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="what to write")] = ExportFormat.pdf,
    out: Annotated[Path, typer.Option(help="file or directory to write")] = Path("."),
) -> None:
    """Write a report's PDF, HTML, JSON manifest, or a verifiable bundle (zip)."""
    target = export_report(get_app().uow_factory, report_id, fmt.value, out)
    out_console.print(f"wrote {target}", markup=False)


@app.command("verify", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def verify(ctx: typer.Context) -> None:
    """Check an exported bundle offline: PATH [--pin SEQ:HASH] [--key FINGERPRINT] [--json].
    Exit 0 intact, 1 altered, removed or reordered, 2 malformed input."""
    raise typer.Exit(main_verify(list(ctx.args)))


@ledger_app.command("checkpoint")
def checkpoint(json_: JsonFlag = False) -> None:
    """Append a signed checkpoint entry now (the scheduler does it nightly)."""
    cli_app = get_app()
    seq = append_checkpoint(cli_app.uow_factory, cli_app.clock, cli_app.signing_key_path)
    if json_:
        emit_json({"seq": seq})
    else:
        out_console.print(f"checkpoint appended as ledger entry {seq}")


@ledger_app.command("rotate-key")
def rotate(json_: JsonFlag = False) -> None:
    """Replace the signing key: an entry signed by both the old and the new key."""
    cli_app = get_app()
    old, new = rotate_key(cli_app.uow_factory, cli_app.clock, cli_app.signing_key_path)
    if json_:
        emit_json({"old_key_id": old, "new_key_id": new})
    else:
        err_console.print(f"rotated the signing key {old[:16]}… → {new[:16]}…", markup=False)
