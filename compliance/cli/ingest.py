"""``compliance ingest``: one local file becomes one evaluation run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from compliance.cli.context import JsonFlag, emit_json, get_app, out_console
from compliance.cli.progress import file_progress
from compliance.services.ingest import IngestRequest, IngestResult, ingest_records
from compliance.sources.local import FileFormat, default_benchmark, open_record_file


def ingest(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", help="JSONL, gzip JSONL or CSV file of records")
    ],
    model: Annotated[str, typer.Option("--model", help="registered model name")],
    version: Annotated[str, typer.Option("--version", help="registered model version")],
    fmt: Annotated[
        FileFormat, typer.Option("--format", help="canonical records, or BBQ predictions")
    ] = FileFormat.CANONICAL,
    benchmark: Annotated[
        str | None,
        typer.Option(
            help="benchmark name of the run (default: the records' own, or the file name)"
        ),
    ] = None,
    prediction_field: Annotated[
        str | None,
        typer.Option(
            help="BBQ only: the prediction field to score, e.g. unifiedqa-t5-11b_pred_race"
        ),
    ] = None,
    baseline_persona: Annotated[
        str | None,
        typer.Option(
            "--baseline-persona",
            metavar="ID",
            help="the persona id whose records are the baseline (default: records with no "
            "persona, or the one persona without attributes)",
        ),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Ingest PATH as one evaluation run of MODEL VERSION (the same content twice: no-op)."""
    result = ingest_file(
        path, model, version, fmt, benchmark, prediction_field, baseline_persona=baseline_persona
    )
    if json_:
        emit_json(result)
    elif result.created:
        out_console.print(
            f"ingested {result.record_count:,} records into run {result.run_id} "
            f"({result.model} {result.version}, benchmark {result.benchmark}"
            + (f", {result.unscored_count:,} unparsed" if result.unscored_count else "")
            + ")",
            markup=False,
        )
    else:
        out_console.print(
            f"already ingested as run {result.run_id} on {result.ingested_at}: nothing changed",
            markup=False,
        )


def ingest_file(
    path: Path,
    model: str,
    version: str,
    fmt: FileFormat,
    benchmark: str | None,
    prediction_field: str | None,
    *,
    baseline_persona: str | None = None,
) -> IngestResult:
    """Ingest one file with a progress display; shared by ``ingest`` and ``demo``."""
    cli_app = get_app()
    request = IngestRequest(
        model=model,
        version=version,
        origin=f"file:{path.resolve()}",
        format=fmt.value,
        benchmark=benchmark or (lambda first: default_benchmark(path, first)),
        file=str(path),
        baseline_persona=baseline_persona,
    )
    with (
        open_record_file(path, fmt, prediction_field=prediction_field) as records,
        file_progress(path.name, records.size, lambda: records.position) as progress,
    ):
        return ingest_records(
            cli_app.uow_factory,
            cli_app.clock,
            request,
            records,
            batch_size=cli_app.settings.ingest_batch_size,
            progress=progress,
        )
