"""Reading canonical evaluation records from JSONL, gzip JSONL and CSV files.

JSONL: one JSON object per line, exactly the fields of
``schemas/evaluation-record.schema.json``; blank lines are skipped.

CSV: a header row naming record fields. Persona attributes are columns named
``persona.<attribute>`` and extra fields ``extra.<key>``; an empty cell means "absent".
``item_id`` is required; an unknown column is refused (a typo would otherwise drop data).

Every bad value is an :class:`InputError` naming file, line, field and value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.domain.records import RECORD_FIELDS, EvaluationRecord
from compliance.errors import InputError
from compliance.sources.files import GZIP_ERRORS, LineReader, content_kind

__all__ = ["NumberedRecord", "input_error_from_validation", "read_canonical"]

NumberedRecord = tuple[int, EvaluationRecord]

_PERSONA_PREFIX = "persona."
_EXTRA_PREFIX = "extra."
_CSV_REQUIRED = ("item_id",)
_CSV_SCALARS = frozenset(RECORD_FIELDS) - {"persona_attributes", "extra"}
_CSV_INTEGERS = frozenset({"outcome", "label"})

_HINTS = {
    "json_invalid": "each line must be one complete JSON object",
    "missing": "add the field (see schemas/evaluation-record.schema.json)",
    "extra_forbidden": "remove the field, or put it under 'extra'",
    "finite_number": "NaN and Infinity are not numbers here: leave the field out instead",
    "model_type": "each line must be a JSON object",
}


def read_canonical(reader: LineReader) -> Iterator[NumberedRecord]:
    """Yield ``(line, record)`` for every record of the file, streaming, in file order."""
    if content_kind(reader.path) == "csv":
        yield from _read_csv(reader)
    else:
        yield from _read_jsonl(reader)


def _read_jsonl(reader: LineReader) -> Iterator[NumberedRecord]:
    validate = EvaluationRecord.model_validate_json
    for line_no, raw in reader:
        if not raw.strip():
            continue
        try:
            yield line_no, validate(raw)
        except ValidationError as exc:
            raise input_error_from_validation(exc, file=str(reader.path), line=line_no) from None


def _read_csv(reader: LineReader) -> Iterator[NumberedRecord]:
    rows = csv.reader(reader.text_lines())
    try:
        header = next(rows)
    except StopIteration:
        raise InputError("the CSV file has no header", file=str(reader.path)) from None
    columns = _check_header(header, reader.path)
    line_no = rows.line_num
    try:
        for cells in rows:
            line_no = rows.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                raise InputError(
                    f"the row has {len(cells)} cells but the header names {len(columns)} columns",
                    file=str(reader.path),
                    line=line_no,
                    hint="quote cells that contain commas",
                )
            data = _csv_row(columns, cells, reader.path, line_no)
            try:
                yield line_no, EvaluationRecord.model_validate(data)
            except ValidationError as exc:
                raise input_error_from_validation(
                    exc, file=str(reader.path), line=line_no
                ) from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV ({exc})", file=str(reader.path), line=line_no) from None
    except GZIP_ERRORS as exc:
        raise reader.truncated(line_no, exc) from None


def _check_header(header: list[str], path: Path) -> list[str]:
    columns = [name.strip() for name in header]
    for name in _CSV_REQUIRED:
        if name not in columns:
            raise InputError(
                f"the CSV header has no '{name}' column",
                file=str(path),
                line=1,
                field=name,
                hint=f"add a '{name}' column (see schemas/evaluation-record.schema.json)",
            )
    seen: set[str] = set()
    for name in columns:
        known = name in _CSV_SCALARS or (
            name.startswith((_PERSONA_PREFIX, _EXTRA_PREFIX)) and "." in name[:-1]
        )
        if not known:
            raise InputError(
                "unknown CSV column",
                file=str(path),
                line=1,
                field=name,
                value=name,
                hint="use record field names, 'persona.<attribute>' or 'extra.<key>'",
            )
        if name in seen:
            raise InputError("the column appears twice", file=str(path), line=1, field=name)
        seen.add(name)
    return columns


def _csv_row(columns: list[str], cells: list[str], path: Path, line_no: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    extra: dict[str, str] = {}
    for name, cell in zip(columns, cells, strict=True):
        value = cell.strip()
        if value == "":
            continue
        if name.startswith(_PERSONA_PREFIX):
            attributes[name.removeprefix(_PERSONA_PREFIX)] = value
        elif name.startswith(_EXTRA_PREFIX):
            extra[name.removeprefix(_EXTRA_PREFIX)] = value
        elif name in _CSV_INTEGERS:
            data[name] = _csv_binary(value, name, path, line_no)
        else:
            data[name] = value
    if attributes:
        data["persona_attributes"] = attributes
    if extra:
        data["extra"] = extra
    return data


def _csv_binary(value: str, field: str, path: Path, line_no: int) -> int:
    if value in {"0", "1"}:
        return int(value)
    raise InputError(
        "must be 0 or 1",
        file=str(path),
        line=line_no,
        field=field,
        value=value,
        hint="decision outcomes and labels are 0 or 1; leave the cell empty when absent",
    )


def input_error_from_validation(
    exc: ValidationError, *, file: str | None, line: int | None
) -> InputError:
    """The first problem pydantic found, as one located :class:`InputError`."""
    first = exc.errors(include_url=False)[0]
    kind = first["type"]
    field = ".".join(str(part) for part in first["loc"]) or None
    value = first.get("input")
    if kind in {"json_invalid", "model_type", "missing"} or isinstance(value, dict):
        value = None
    problem = first["msg"]
    if kind == "missing":
        problem = "is required but missing"
    elif kind == "json_invalid":
        problem = f"malformed JSON ({first.get('ctx', {}).get('error', problem)})"
    return InputError(
        problem,
        file=file,
        line=line,
        field=field,
        value=value,
        hint=_HINTS.get(kind, "fix the value (see schemas/evaluation-record.schema.json)"),
    )
