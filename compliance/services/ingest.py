"""Ingestion: a stream of canonical records becomes one immutable evaluation run.

The promise:

- **one transaction**: the run and all its records are written in one unit of work; any
  bad record leaves the database exactly as it was;
- **idempotent by content, in any order**: the run's ``content_sha256`` is
  ``sha256(b"compliance-run-v2\\n" + benchmark + "\\n" + the sorted sha256 digests of
  every record.model_dump_json())``, so the same records ingested again (from JSONL, gzip
  or CSV alike, in any order) write nothing and name the run that already holds it, and an
  audit of them (whose resamples are seeded from the runs' hashes) gives the same numbers;
  32 bytes a record are kept until the end to sort them;
- **flat memory**: records are written in batches of ``batch_size`` as they are read;
  repeated record keys are found by the database's unique key, not an in-memory set; a
  run of more than ``COMPLIANCE_MAX_RECORDS_PER_RUN`` records is refused (nothing stored);
- personas are stored once (by fingerprint) and referenced by id;
- **the baseline made explicit**, on every path (files, pulls of every kind): the
  records pass through :func:`compliance.sources.baseline.resolve_baseline` with the
  request's ``baseline_persona``, so the baseline is ``persona_id`` null whatever id the
  tool gave it, and an ambiguous one is refused before anything is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from compliance.clock import Clock, isoformat_z
from compliance.config import InputLimits
from compliance.domain.records import EvaluationRecord
from compliance.errors import InputError
from compliance.services.registry import require_version
from compliance.sources.baseline import resolve_baseline
from compliance.sources.canonical import NumberedRecord
from compliance.storage.repositories import DuplicateRecordKey, RecordRow
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = ["IngestRequest", "IngestResult", "Progress", "RunContentHash", "ingest_records"]

Progress = Callable[[int], None]
"""Called after each written batch with the number of records read so far."""

_HASH_PREFIX = b"compliance-run-v2\n"


@dataclass(frozen=True)
class IngestRequest:
    """What to ingest and where it goes. ``benchmark`` may be a function of the first record."""

    model: str
    version: str
    origin: str
    format: str
    benchmark: str | Callable[[EvaluationRecord], str]
    file: str | None = None
    source_id: int | None = None
    baseline_persona: str | None = None


@dataclass(frozen=True)
class IngestResult:
    run_id: str
    created: bool
    model: str
    version: str
    benchmark: str
    record_count: int
    unscored_count: int
    content_sha256: str
    ingested_at: str


class RunContentHash:
    """A run's content hash, independent of the records' order (see the module docstring)."""

    def __init__(self, benchmark: str) -> None:
        self._benchmark = benchmark
        self._digests = bytearray()

    def update(self, record: EvaluationRecord) -> None:
        self._digests += hashlib.sha256(record.model_dump_json().encode("utf-8")).digest()

    def hexdigest(self) -> str:
        ordered = np.sort(np.frombuffer(bytes(self._digests), dtype="S32"))
        digest = hashlib.sha256(_HASH_PREFIX)
        digest.update(self._benchmark.encode("utf-8") + b"\n")
        digest.update(ordered.tobytes())
        return digest.hexdigest()


def ingest_records(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    request: IngestRequest,
    records: Iterable[NumberedRecord],
    *,
    batch_size: int = 10_000,
    progress: Progress | None = None,
) -> IngestResult:
    """Write ``records`` as one new evaluation run of the model version, or name the run
    that already has the same content. See the module docstring for the guarantees."""
    now = clock()
    stream = resolve_baseline(records, request.baseline_persona, file=request.file)
    with uow_factory(write=True) as uow:
        version = require_version(uow, request.model, request.version)
        first = next(stream, None)
        if first is None:
            raise InputError(
                "holds no records", file=request.file, hint="give a file with at least one record"
            )
        benchmark = (
            request.benchmark if isinstance(request.benchmark, str) else request.benchmark(first[1])
        )
        run = uow.runs.start(
            version,
            benchmark=benchmark,
            fmt=request.format,
            origin=request.origin,
            now=now,
            source_id=request.source_id,
        )
        writer = _BatchWriter(uow, run.id, benchmark, batch_size, request.file, progress)
        writer.add(first)
        for numbered in stream:
            writer.add(numbered)
        writer.flush()
        content_sha256 = writer.digest.hexdigest()
        existing = uow.runs.find_by_content(version.id, content_sha256)
        if existing is not None:
            uow.rollback()
            return IngestResult(
                run_id=existing.uid,
                created=False,
                model=request.model,
                version=request.version,
                benchmark=existing.benchmark,
                record_count=existing.record_count,
                unscored_count=writer.unscored,
                content_sha256=content_sha256,
                ingested_at=isoformat_z(existing.created_at),
            )
        uow.runs.seal(run, content_sha256=content_sha256, record_count=writer.count)
        uow.commit()
    return IngestResult(
        run_id=run.uid,
        created=True,
        model=request.model,
        version=request.version,
        benchmark=benchmark,
        record_count=writer.count,
        unscored_count=writer.unscored,
        content_sha256=content_sha256,
        ingested_at=isoformat_z(now),
    )


class _BatchWriter:
    """Turns records into rows, hashes them, and writes them ``batch_size`` at a time."""

    def __init__(
        self,
        uow: UnitOfWork,
        run_id: int,
        benchmark: str,
        batch_size: int,
        file: str | None,
        progress: Progress | None,
    ) -> None:
        self._uow = uow
        self._run_id = run_id
        self._batch_size = batch_size
        self._file = file
        self._progress = progress
        self._rows: list[RecordRow] = []
        self._personas: dict[str | None, tuple[dict[str, str], int, int]] = {}
        self.digest = RunContentHash(benchmark)
        self.count = 0
        self.unscored = 0
        self._max_records = InputLimits().max_records_per_run

    def add(self, numbered: NumberedRecord) -> None:
        line, record = numbered
        self.count += 1
        if self.count > self._max_records:
            raise InputError(
                f"the run has more than {self._max_records} records "
                "(COMPLIANCE_MAX_RECORDS_PER_RUN); nothing was stored",
                file=self._file,
                line=line,
                hint="split the run into several files, or raise COMPLIANCE_MAX_RECORDS_PER_RUN",
            )
        self.digest.update(record)
        if record.correct is None and record.task_type == "objective":
            self.unscored += 1
        self._rows.append(self._row(line, record))
        if len(self._rows) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        try:
            self._uow.records.insert(self._rows)
        except DuplicateRecordKey as dup:
            item, _, user = dup.key
            raise InputError(
                f"repeats the record key (item, persona, user) of line {dup.first_seq}",
                file=self._file,
                line=dup.seq,
                field="item_id",
                value=item if not user else f"{item} (user {user})",
                hint="each (item_id, persona_id, user_id) may appear once per file",
            ) from None
        self._rows.clear()
        if self._progress is not None:
            self._progress(self.count)

    def _persona(self, line: int, record: EvaluationRecord) -> int:
        """The stored id of the record's persona; one name must keep one set of attributes."""
        name, attributes = record.persona_id, record.persona_attributes
        known = self._personas.get(name)
        if known is None:
            persona_id = self._uow.personas.get_or_add(name, attributes)
            self._personas[name] = (attributes, persona_id, line)
            return persona_id
        known_attributes, persona_id, first_line = known
        if known_attributes != attributes:
            raise InputError(
                f"persona '{name}' has other attributes on line {first_line}",
                file=self._file,
                line=line,
                field="persona_attributes",
                value=attributes,
                hint="give each persona one set of attributes, or a new persona_id",
            )
        return persona_id

    def _row(self, line: int, r: EvaluationRecord) -> RecordRow:
        """``RECORD_COLUMNS`` order; ``seq`` is the record's line (or position) in its source."""
        return (
            self._run_id,
            line,
            r.item_id,
            r.cluster_id,
            self._persona(line, r),
            r.user_id or "",
            r.task_type.value,
            r.expected_answer,
            r.raw_response,
            r.parsed_answer,
            r.correct,
            r.refused,
            r.followed_preference,
            r.preference_score,
            r.reference_score,
            r.outcome,
            r.label,
            r.benchmark,
            json.dumps(r.extra, ensure_ascii=False, separators=(",", ":")) if r.extra else None,
        )
