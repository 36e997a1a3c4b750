"""Opening a local result file in one of the formats ``compliance ingest`` reads.

:func:`open_record_file` returns a :class:`RecordFile`: the numbered records of the file,
streamed, with the file's size and how far into it reading has got (for progress bars).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from compliance.domain.records import EvaluationRecord
from compliance.errors import InputError
from compliance.sources.bbq import BBQ_BENCHMARK, read_bbq
from compliance.sources.canonical import NumberedRecord, read_canonical
from compliance.sources.files import LineReader, open_lines
from compliance.sources.refusals import mark_refusals

__all__ = ["FileFormat", "RecordFile", "default_benchmark", "open_record_file"]


class FileFormat(StrEnum):
    CANONICAL = "canonical"
    BBQ = "bbq"


@dataclass
class RecordFile:
    """The records of one file; iterate once, then :meth:`close` (or use ``with``)."""

    path: Path
    format: FileFormat
    reader: LineReader
    records: Iterator[NumberedRecord]

    @property
    def size(self) -> int:
        return self.reader.size

    @property
    def position(self) -> int:
        return self.reader.position

    def __iter__(self) -> Iterator[NumberedRecord]:
        return self.records

    def __enter__(self) -> RecordFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.reader.close()


def open_record_file(
    path: Path,
    fmt: FileFormat,
    *,
    prediction_field: str | None = None,
    refusal_patterns: Sequence[str] = (),
) -> RecordFile:
    """Open ``path`` as ``fmt``; the BBQ format needs the prediction field to score.

    A canonical record with a ``raw_response`` and no ``refused`` of its own is marked
    refused when the shared classifier (:mod:`compliance.sources.refusals`, plus
    ``refusal_patterns``) reads its response as a refusal. BBQ predictions are not
    classified: BBQ's "unknown" answers ("Can't answer") are answers there."""
    if fmt is FileFormat.BBQ and not prediction_field:
        raise InputError(
            "the BBQ format needs the prediction to score",
            field="prediction-field",
            hint="pass --prediction-field, e.g. unifiedqa-t5-11b_pred_race",
        )
    if fmt is FileFormat.CANONICAL and prediction_field:
        raise InputError(
            "--prediction-field applies to the BBQ format only",
            field="prediction-field",
            hint="add --format bbq, or drop --prediction-field",
        )
    reader = open_lines(path)
    records = (
        read_bbq(reader, prediction_field=prediction_field or "")
        if fmt is FileFormat.BBQ
        else mark_refusals(read_canonical(reader), refusal_patterns)
    )
    return RecordFile(path=path, format=fmt, reader=reader, records=records)


def default_benchmark(path: Path, first: EvaluationRecord) -> str:
    """The run's benchmark when none is given: ``bbq:<category>`` for BBQ (so that each
    category file is its own latest run), else the records' own benchmark, else the file's
    name without its suffixes."""
    category = first.extra.get("bbq.category")
    if first.benchmark == BBQ_BENCHMARK and isinstance(category, str):
        return f"{BBQ_BENCHMARK}:{category}"
    if first.benchmark:
        return first.benchmark
    return path.name.split(".")[0] or "default"
