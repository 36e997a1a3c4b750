"""``compliance audit`` and ``compliance metrics``: judge a model version under a policy."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, err_console, get_app, out_console
from compliance.cli.usage import command_group
from compliance.cli.views.audits import (
    AuditSummary,
    audit_manifest,
    list_audits,
    metric_table,
    show_audit,
)
from compliance.domain.metric_catalog import CATALOG
from compliance.errors import InputError
from compliance.services.audit import AuditRequest, AuditResult, run_audit

app = command_group("Run audits and read them back.")

_VERDICT_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "inconclusive": "yellow",
    "insufficient_data": "yellow",
    "not_applicable": "dim",
}


def parse_slot(text: str | None) -> dt.datetime | None:
    """An ISO 8601 time; a naive one is taken as UTC."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            "is not an ISO 8601 time", field="slot", value=text, hint="e.g. 2026-11-23T02:00:00Z"
        ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@app.command("run")
def run(
    model: Annotated[str, typer.Option("--model", help="registered model name")],
    version: Annotated[str, typer.Option("--version", help="registered model version")],
    policy: Annotated[str, typer.Option("--policy", help="NAME or NAME@VERSION")],
    runs: Annotated[
        str | None, typer.Option(help="run ids, comma-separated (default: latest per benchmark)")
    ] = None,
    slot: Annotated[
        str | None, typer.Option(help="schedule slot (ISO 8601 UTC); a slot is audited once")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Compute, judge and store one audit of MODEL VERSION under POLICY."""
    cli_app = get_app()
    request = AuditRequest(
        model=model,
        version=version,
        policy=policy,
        run_ids=tuple(r.strip() for r in runs.split(",") if r.strip()) if runs else (),
        slot=parse_slot(slot),
        trigger="manual" if slot is None else "slot",
    )
    if not json_:
        err_console.print(f"auditing {model} {version} under {policy} ...", markup=False)
    result = run_audit(
        cli_app.uow_factory, cli_app.clock, request, key_path=cli_app.signing_key_path
    )
    if json_:
        emit_json(result)
        return
    print_result(result)


def print_result(result: AuditResult) -> None:
    style = _VERDICT_STYLE.get(result.verdict or "", "")
    out_console.print(
        f"audit {result.id}: [{style}]{(result.verdict or result.status).upper()}[/] "
        f"({result.model} {result.version}, {result.policy})"
    )
    for f in sorted(result.findings, key=lambda f: (f.verdict != "fail", f.severity, f.rule_id)):
        out_console.print(
            f"  [{_VERDICT_STYLE[f.verdict]}]{f.verdict:<17}[/] {f.severity:<8} {f.rule_id}: "
            + f.reason.replace("[", "\\[")
        )


@app.command("list")
def list_(
    model: Annotated[str | None, typer.Option(help="only this model's audits")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    json_: JsonFlag = False,
) -> None:
    """List audits, newest first."""
    audits = list_audits(get_app().uow_factory, model=model, limit=limit)
    if json_:
        emit_json(audits)
        return
    if not audits:
        out_console.print("no audits yet: compliance audit run --model M --version V --policy P")
        return
    table = Table("audit", "model", "version", "policy", "status", "verdict", "started", "slot")
    for a in audits:
        table.add_row(
            a.id,
            a.model,
            a.version,
            a.policy,
            a.status,
            a.verdict or "-",
            a.started_at,
            a.slot or "-",
        )
    out_console.print(table)


@app.command("show")
def show(
    audit_id: Annotated[str, typer.Argument(metavar="AUDIT_ID", help="the audit id (aud_...)")],
    manifest: Annotated[
        bool, typer.Option("--manifest", help="print the canonical manifest JSON")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="with --manifest: write it to this file")] = None,
    json_: JsonFlag = False,
) -> None:
    """Show one audit with its findings (or its manifest)."""
    uow_factory = get_app().uow_factory
    if manifest:
        body = audit_manifest(uow_factory, audit_id)
        if out is None:
            sys.stdout.buffer.write(body + b"\n")
        else:
            out.write_bytes(body)
            err_console.print(f"wrote {out}", markup=False)
        return
    summary = show_audit(uow_factory, audit_id)
    if json_:
        emit_json(summary)
        return
    _print_summary(summary)


def _print_summary(a: AuditSummary) -> None:
    out_console.print(
        f"[bold]{a.id}[/] {a.model} {a.version} under {a.policy}: "
        f"{a.status}, verdict {a.verdict or '-'}",
        markup=True,
    )
    out_console.print(
        f"  started {a.started_at}, finished {a.finished_at or '-'}, "
        f"trigger {a.trigger}, slot {a.slot or '-'}",
        markup=False,
    )
    if a.error:
        out_console.print(f"  error: {a.error}", markup=False)
    out_console.print(f"  runs: {', '.join(a.runs) or '-'}", markup=False)
    if a.manifest_sha256:
        out_console.print(f"  manifest sha256: {a.manifest_sha256}", markup=False)
    for f in a.findings:
        out_console.print(
            f"  {f['verdict']:<17} {f['severity']:<8} {f['rule_id']}: {f['reason']}", markup=False
        )


def metrics(
    model: Annotated[str | None, typer.Option("--model", help="registered model name")] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="registered model version")
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="the metric catalogue: ids, formulas, sources")
    ] = False,
    dimension: Annotated[
        list[str] | None,
        typer.Option(
            help="persona, an attribute or A×B (repeatable; default: persona and each attribute)"
        ),
    ] = None,
    resamples: Annotated[int, typer.Option(min=100, max=100_000, help="bootstrap size")] = 2000,
    json_: JsonFlag = False,
) -> None:
    """Print every metric of the model version's latest runs, before any policy judges them
    (with --list: the catalogue of every metric a policy may name)."""
    if list_:
        _catalogue(json_)
        return
    if model is None or version is None:
        raise InputError(
            "needs --model and --version (or --list for the catalogue)",
            field="--model" if model is None else "--version",
        )
    rows = metric_table(
        get_app().uow_factory, model, version, dimensions=dimension, n_boot=resamples
    )
    if json_:
        emit_json(rows)
        return
    table = Table("metric", "dimension", "group", "estimate", "95% interval", "n", "p", "status")
    for r in rows:
        interval = (
            "-" if r.ci_low is None or r.ci_high is None else f"[{r.ci_low:.3f}, {r.ci_high:.3f}]"
        )
        table.add_row(
            r.metric,
            r.dimension,
            r.group or "(all)",
            "-" if r.estimate is None else f"{r.estimate:.4f}",
            interval,
            str(r.n),
            "-" if r.p_value is None else f"{r.p_value:.3g}",
            r.status,
        )
    out_console.print(table)


def _catalogue(json_: bool) -> None:
    entries = [
        {
            "id": spec.id,
            "section": spec.section,
            "title": spec.title,
            "definition": spec.definition,
            "better": spec.better,
            "per_group": spec.per_group,
            "source": spec.source,
        }
        for spec in CATALOG.values()
    ]
    if json_:
        emit_json(entries)
        return
    table = Table("id", "section", "better", "definition", "source")
    for e in entries:
        table.add_row(
            str(e["id"]),
            str(e["section"]),
            str(e["better"]),
            str(e["definition"]),
            str(e["source"]),
        )
    out_console.print(table)
