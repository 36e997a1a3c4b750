"""``compliance reports`` and ``compliance ledger``: issued reports, exports, verification."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, err_console, get_app, out_console
from compliance.cli.officers import read_officer_key
from compliance.cli.usage import command_group
from compliance.cli.views.reports import (
    diff_reports,
    export_report,
    list_reports,
    show_report,
)
from compliance.errors import ComplianceError, InputError
from compliance.reporting.verify import main_verify
from compliance.services.attestations import report_attestations, sign_report
from compliance.services.certificates import write_certificate
from compliance.services.publish import append_checkpoint, rotate_key
from compliance.services.regimes import report_mapping
from compliance.services.rerender import Rerendering, rerender_report

app = command_group(
    "Issued audit reports: list, show, diff, export, verify, rerender, sign, attestations,"
    " certificate."
)
ledger_app = command_group("The signed, append-only report ledger.")


class ExportFormat(StrEnum):
    """``reports export --format``: :data:`~compliance.cli.views.reports.EXPORT_FORMATS`."""

    pdf = "pdf"
    html = "html"
    json = "json"
    bundle = "bundle"
    annex_iv = "annex-iv"


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
    """Write a report's PDF, HTML, JSON manifest, a verifiable bundle (zip), or the EU AI
    Act Annex IV 2(g) test-report extract (annex-iv: JSON with the attestations)."""
    target = export_report(get_app().uow_factory, report_id, fmt.value, out)
    out_console.print(f"wrote {target}", markup=False)


@app.command("verify", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def verify(ctx: typer.Context) -> None:
    """Check an exported bundle offline: PATH [--pin SEQ:HASH] [--key FINGERPRINT] [--json].
    Exit 0 intact, 1 altered, removed or reordered, 2 malformed input."""
    raise typer.Exit(main_verify(list(ctx.args)))


@app.command("rerender")
def rerender(
    report_id: Annotated[str, typer.Argument(metavar="REPORT", help="rep_...")],
    check: Annotated[
        bool, typer.Option("--check", help="compare with the stored artifacts (exit 0 or 1)")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="directory to write the new HTML and PDF to")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Render a report's stored manifest again. With --check: exit 0 when the manifest, HTML
    and PDF equal the stored bytes, 1 when one differs (named, with the first differing
    byte offset), 2 when it cannot be checked (unknown report, bad option)."""
    try:
        if not check and out is None:
            raise InputError(
                "nothing to do", hint="pass --check to compare, or --out DIR to write the files"
            )
        result = rerender_report(get_app().uow_factory, report_id)
        written = [] if out is None else _write_rerendered(result, out)
    except ComplianceError as exc:
        exc.exit_code = 2  # 1 means "differs"
        raise
    if json_:
        emit_json(
            {
                "report_id": result.report_id,
                "version": result.version,
                "equal": result.equal,
                "artifacts": result.artifacts,
                "rendering_stack": result.rendering_stack,
                "written": [str(p) for p in written],
            }
        )
    else:
        _print_rerendering(result, written)
    if check and not result.equal:
        raise typer.Exit(1)


def _write_rerendered(result: Rerendering, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in ("html", "pdf"):
        path = out / f"{result.report_id}-v{result.version}.rerendered.{kind}"
        path.write_bytes(result.contents[kind])
        paths.append(path)
    return paths


def _print_rerendering(result: Rerendering, written: list[Path]) -> None:
    stack = ", ".join(f"{name} {value}" for name, value in result.rendering_stack.items())
    if result.equal:
        out_console.print(
            f"{result.report_id} v{result.version}: the manifest, HTML and PDF rendered again "
            f"equal the stored bytes ({stack})",
            markup=False,
        )
    else:
        out_console.print(
            f"{result.report_id} v{result.version}: {' and '.join(result.differing)} "
            f"differ from the stored bytes ({stack})",
            markup=False,
        )
    for kind, c in result.artifacts.items():
        line = (
            "equal"
            if c.equal
            else f"differs at byte {c.first_difference} (stored {c.stored_size:,} bytes, "
            f"rendered again {c.rendered_size:,})"
        )
        out_console.print(f"  {kind:<8} {line}", markup=False)
    for path in written:
        out_console.print(f"wrote {path}", markup=False)


class Statement(StrEnum):
    """``reports sign --statement``: :data:`~compliance.reporting.attestation.STATEMENTS`."""

    reviewed = "reviewed"
    approved = "approved"
    approved_with_exceptions = "approved-with-exceptions"
    rejected = "rejected"
    withdrawn = "withdrawn"


@app.command("sign")
def sign(
    report_id: Annotated[str, typer.Argument(metavar="REPORT", help="rep_...")],
    officer: Annotated[str, typer.Option(help="the signing officer's id (off_...)")],
    key: Annotated[str, typer.Option(help="the officer's private key file, or - for stdin")],
    statement: Annotated[Statement, typer.Option(help="what the officer attests")],
    justification: Annotated[
        str | None,
        typer.Option(help="required for approved-with-exceptions and withdrawn"),
    ] = None,
    note: Annotated[str | None, typer.Option(help="a free-text note signed with it")] = None,
    withdraws: Annotated[
        str | None, typer.Option(help="withdrawn: the entry hash of the attestation withdrawn")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Sign a report off as an officer: an attestation signed with the officer's own key
    (read here, never stored) and appended to the ledger. A withdrawal is a new one."""
    officer_key = read_officer_key(key)
    cli_app = get_app()
    view = sign_report(
        cli_app.uow_factory, cli_app.clock, cli_app.signing_key_path, report_id, officer,
        officer_key, statement=statement.value, justification=justification, note=note,
        withdraws=withdraws,
    )  # fmt: skip
    if json_:
        emit_json(view)
    else:
        out_console.print(
            f"{view.officer_name} ({view.officer_role}) {view.statement} {report_id}: "
            f"ledger entry {view.ledger_seq} ({view.entry_hash})",
            markup=False,
        )


@app.command("attestations")
def attestations(
    report_id: Annotated[str, typer.Argument(metavar="REPORT", help="rep_...")],
    json_: JsonFlag = False,
) -> None:
    """Who signed the report off, with what statement and when, each verified again."""
    result = report_attestations(get_app().uow_factory, report_id)
    if json_:
        emit_json(result)
        return
    state = "signed off" if result.signed_off else "NOT SIGNED OFF (no standing approval)"
    out_console.print(f"{result.report_id}: {state}", markup=False)
    if not result.attestations:
        out_console.print("  no attestations yet: compliance reports sign REPORT ...")
        return
    table = Table("entry", "officer", "role", "statement", "time", "verified", "note")
    for a in result.attestations:
        text = a.justification or a.note or ""
        if a.withdraws:
            text = f"withdraws {a.withdraws[:12]}…: {text}"
        table.add_row(
            str(a.ledger_seq), a.officer_name, a.officer_role, a.statement, a.time,
            "✓" if a.verified else "✗ " + "; ".join(a.problems), text,
        )  # fmt: skip
    out_console.print(table)


@app.command("certificate")
def certificate(
    report_id: Annotated[str, typer.Argument(metavar="REPORT", help="rep_...")],
    attestation: Annotated[
        str, typer.Option(help="the attestation's id (see: compliance reports attestations)")
    ],
    out: Annotated[Path, typer.Option(help="file or directory to write")] = Path("."),
) -> None:
    """Write one attestation as its own one-page PDF certificate (the report's stored PDF
    never changes): report, entry hash, officer, statement, time, verification."""
    target = write_certificate(get_app().uow_factory, report_id, attestation, out)
    out_console.print(f"wrote {target}", markup=False)


@app.command("mapping")
def mapping(
    report_id: Annotated[str, typer.Argument(metavar="REPORT", help="rep_...")],
    json_: JsonFlag = False,
) -> None:
    """The report's regulatory mapping: per regime its policy names, each clause, the rules
    that give evidence and their verdicts, and what the report does not cover."""
    _, mappings = report_mapping(get_app().uow_factory, report_id)
    if json_:
        emit_json(mappings)
        return
    for m in mappings:
        status = f"superseded by {m.superseded_by}" if m.superseded_by else m.status
        out_console.print(f"{m.name} [{status}] catalogue {m.catalogue_version}", markup=False)
        for line in m.applicable:
            out_console.print(f"  applies on the issue date: {line}", markup=False)
        for line in m.not_yet_applicable:
            out_console.print(f"  not yet applicable on the issue date: {line}", markup=False)
        for c in m.clauses:
            rules = ", ".join(f"{r.rule_id} {r.verdict}" for r in c.rules) or "no evidence"
            out_console.print(f"  {c.citation} {c.title}: {rules}", markup=False)
        for line in m.not_covered:
            out_console.print(f"  not covered: {line}", markup=False)


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
