"""Set-up commands: ``init`` and ``schemas export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from compliance.api.openapi import export_openapi
from compliance.bootstrap import App
from compliance.cli.context import JsonFlag, emit_json, get_app, out_console
from compliance.cli.usage import command_group
from compliance.domain.schemas import SCHEMAS, render_schema
from compliance.errors import ComplianceError
from compliance.paths import bundled_dir
from compliance.services.publish import ensure_signing_key
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
