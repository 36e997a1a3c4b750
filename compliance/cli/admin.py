"""Set-up commands: ``init``, ``schemas export`` and ``demo``."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from compliance.api.openapi import export_openapi
from compliance.bootstrap import App
from compliance.cli.context import JsonFlag, emit_json, err_console, get_app, out_console
from compliance.cli.ingest import ingest_file
from compliance.cli.usage import command_group
from compliance.domain.schemas import SCHEMAS, render_schema
from compliance.errors import AlreadyExists, ComplianceError
from compliance.paths import bundled_data, bundled_dir
from compliance.services.audit import AuditRequest, run_audit
from compliance.services.audit_views import audit_manifest
from compliance.services.ingest import IngestResult
from compliance.services.policies import add_policy
from compliance.services.publish import ensure_signing_key
from compliance.services.registry import register_model_version
from compliance.services.report_views import export_report
from compliance.sources.local import FileFormat
from compliance.storage.migrate import current_revision, upgrade

schemas_app = command_group("The JSON Schemas of the published contracts.")


def init(json_: JsonFlag = False) -> None:
    """Create the database or upgrade it to the latest schema (safe to run again)."""
    cli_app = get_app(schema=False)
    before = _revision_or_none(cli_app)
    upgrade(cli_app.engine)
    after = current_revision(cli_app.engine)
    key_id = ensure_signing_key(cli_app.uow_factory, cli_app.clock, cli_app.signing_key_path)
    summary = {
        "database": cli_app.engine.url.render_as_string(hide_password=True),
        "revision_before": before,
        "revision": after,
        "changed": before != after,
        "signing_key": str(cli_app.signing_key_path),
        "signing_key_id": key_id,
    }
    if json_:
        emit_json(summary)
    elif before == after:
        out_console.print(f"database is up to date (revision {after}): {summary['database']}")
    else:
        out_console.print(
            f"database {'created' if before is None else 'upgraded'} at revision {after}: "
            f"{summary['database']}",
            markup=False,
        )


def _revision_or_none(cli_app: App) -> str | None:
    try:
        return current_revision(cli_app.engine)
    except Exception as exc:
        raise ComplianceError(
            f"cannot reach the database ({type(exc).__name__}: {exc})",
            hint="check COMPLIANCE_DATABASE_URL and that the server is running",
        ) from exc


@schemas_app.command("export")
def export(
    out: Annotated[
        Path | None, typer.Option(help="directory to write to (default: the project's schemas/)")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="write nothing; exit 1 when a file is stale")
    ] = False,
) -> None:
    """Write schemas/*.schema.json and openapi.json from the code (or check they are current)."""
    directory = out or bundled_dir("schemas")
    stale = []
    for name in SCHEMAS:
        target = directory / name
        text = render_schema(name)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check:
            directory.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if export_openapi(check=check, path=directory / "openapi.json"):
        stale.append("openapi.json")
    if check and stale:
        raise ComplianceError(
            f"stale schemas in {directory}: {', '.join(stale)}",
            hint="run 'compliance schemas export' and commit the result",
        )
    verb = "checked" if check else "wrote"
    count = len(SCHEMAS) + 1  # and the OpenAPI document of the regulator API
    out_console.print(f"{verb} {count} schemas in {directory} ({len(stale)} changed)")


DEMO_BBQ_MODEL = "unifiedqa-t5-11b"
DEMO_BBQ_VERSIONS = {
    "race": "unifiedqa-t5-11b_pred_race",
    "arc": "unifiedqa-t5-11b_pred_arc",
}
DEMO_SIMULATED = {"steady-assistant": "steady", "pleaser-assistant": "pleaser"}
DEMO_AUDITS = (
    *((DEMO_BBQ_MODEL, version, "bias-benchmark") for version in DEMO_BBQ_VERSIONS),
    *(
        (model, "1.0", policy)
        for model in DEMO_SIMULATED
        for policy in ("truth-invariance", "personalization")
    ),
)


def demo(json_: JsonFlag = False) -> None:
    """The whole flow on the embedded database and the bundled data.

    Registers UnifiedQA T5-11B (one version per BBQ prompt format) and two simulated
    personalized assistants, ingests their results (again: nothing new), adds the shipped
    policies, audits each model under its policies and writes each audit's manifest to
    ``<home>/manifests/``.
    """
    if json_:
        cli_app = get_app(schema=False)
        upgrade(cli_app.engine)
        ensure_signing_key(cli_app.uow_factory, cli_app.clock, cli_app.signing_key_path)
    else:
        init(json_=False)
    cli_app = get_app()
    runs = _demo_ingest(cli_app, quiet=json_)
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(cli_app.uow_factory, cli_app.clock, path)
    manifests = cli_app.settings.home / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    reports = cli_app.settings.home / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    audits = []
    for model, version, policy in DEMO_AUDITS:
        request = AuditRequest(model=model, version=version, policy=policy)
        result = run_audit(
            cli_app.uow_factory, cli_app.clock, request, key_path=cli_app.signing_key_path
        )
        target = manifests / f"{result.id}.json"
        target.write_bytes(audit_manifest(cli_app.uow_factory, result.id))
        assert result.report_id is not None  # every demo audit issues a report
        pdf = export_report(cli_app.uow_factory, result.report_id, "pdf", reports)
        bundle = export_report(cli_app.uow_factory, result.report_id, "bundle", reports)
        audits.append(
            {
                "audit": result.id,
                "model": model,
                "version": version,
                "policy": result.policy,
                "verdict": result.verdict,
                "manifest": str(target),
                "report": result.report_id,
                "pdf": str(pdf),
                "bundle": str(bundle),
            }
        )
    if json_:
        emit_json({"runs": runs, "audits": audits})
        return
    table = Table("model", "version", "policy", "verdict", "report (PDF)", title="demo audits")
    for a in audits:
        style = {"pass": "green", "fail": "bold red"}.get(str(a["verdict"]), "yellow")
        table.add_row(
            str(a["model"]),
            str(a["version"]),
            str(a["policy"]),
            f"[{style}]{str(a['verdict']).upper()}[/]",
            str(a["pdf"]),
        )
    out_console.print(table)
    out_console.print(
        f"manifests: {manifests}/<audit>.json; details: compliance audit show <audit>",
        markup=False,
    )
    out_console.print(
        f"verify a report offline: compliance reports verify {audits[-1]['bundle']}",
        markup=False,
    )
    out_console.print(
        "the two assistants' results are simulated (compliance/data/personalized)", markup=False
    )


def _demo_ingest(cli_app: App, *, quiet: bool) -> list[IngestResult]:
    """Register the demo models and ingest their bundled results (idempotent)."""
    plan: list[tuple[str, str, Path, FileFormat, str | None]] = []  # model, version, file
    for version, prediction_field in DEMO_BBQ_VERSIONS.items():
        for path in sorted(bundled_data("bbq").glob("preds_*.jsonl.gz")):
            plan.append((DEMO_BBQ_MODEL, version, path, FileFormat.BBQ, prediction_field))
    for model, stem in DEMO_SIMULATED.items():
        plan.append(
            (
                model,
                "1.0",
                bundled_data("personalized") / f"{stem}.jsonl.gz",
                FileFormat.CANONICAL,
                None,
            )
        )
    results = []
    for model, version, path, fmt, field in plan:
        with contextlib.suppress(AlreadyExists):
            register_model_version(
                cli_app.uow_factory,
                cli_app.clock,
                model,
                version,
                owner="demo",
                intended_use="question answering for a personalized assistant (demo)",
                risk_tier="limited",
            )
        result = ingest_file(path, model, version, fmt, None, field)
        results.append(result)
        if not quiet:
            state = "new run" if result.created else "already ingested"
            err_console.print(
                f"{model} {version}: {result.benchmark} {result.record_count:,} records "
                f"({result.unscored_count} unparsed), {state} {result.run_id}",
                markup=False,
            )
    return results
