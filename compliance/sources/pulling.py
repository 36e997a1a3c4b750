"""What a pull of one registered source would bring: units of work, each one future run.

:func:`plan_pull` turns a source's configuration and its stored cursor into
:class:`PullUnit` s. Each unit yields numbered records and says how the cursor moves once
its run is stored:

- ``files``, ``lm-eval``, ``inspect``: one unit per file that is new or changed since the
  last pull (size and modification time, kept per path in the cursor);
- ``http``: one unit, the endpoint's whole result set walked page by page (cursor
  pagination within the pull): each pull is a complete snapshot, so an unchanged endpoint
  hashes to the run it already gave and a grown one gives a new complete run (the audit
  takes the latest run per benchmark); the last page cursor is kept for information;
- ``probe``: one unit (a re-run pays nothing twice: replies are cached per source);
  its ``prompts`` is how many prompts a pull asks.

Every unit's records carry ``refused`` from the shared classifier
(:mod:`compliance.sources.refusals`, with the source's ``refusal_patterns``): canonical
files and HTTP records that do not say ``refused`` themselves, lm-eval generations and
Inspect completions (in their readers), and every probe reply. The baseline is made
explicit when the records are ingested (:mod:`compliance.sources.baseline`).

Content hashes still decide: a unit whose records were already ingested names the
existing run and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.domain.records import EvaluationRecord
from compliance.errors import InputError
from compliance.sources.canonical import NumberedRecord
from compliance.sources.config import (
    FilesSourceConfig,
    HttpSourceConfig,
    InspectSourceConfig,
    LmEvalSourceConfig,
    ProbeSourceConfig,
    SourceConfig,
)
from compliance.sources.http_source import pull_http_records
from compliance.sources.inspect_logs import find_inspect_logs, read_inspect_log
from compliance.sources.lm_eval import find_samples_files, read_lm_eval_samples
from compliance.sources.local import FileFormat, default_benchmark, open_record_file
from compliance.sources.probe import configured_prompts, run_probe
from compliance.sources.probe_answers import RUN_FORMATS
from compliance.sources.probe_suite import load_personas, load_suite
from compliance.sources.refusals import mark_refusals

__all__ = ["PullUnit", "plan_pull"]

Cursor = dict[str, Any]


@dataclass
class PullUnit:
    """One future evaluation run: its records, benchmark, and the cursor after it."""

    label: str
    records: Callable[[], Iterator[NumberedRecord]]
    benchmark: Callable[[EvaluationRecord], str]
    fmt: str
    origin: str
    advance: Callable[[Cursor], Cursor] = field(default=lambda cursor: cursor)
    prompts: int | None = None
    """A probe's: the prompts a pull asks (those not in the source's cache are sent)."""


def plan_pull(
    name: str,
    config: SourceConfig,
    cursor: Cursor | None,
    *,
    cache_dir: Path,
    probe_progress: Callable[[int, int], None] | None = None,
) -> list[PullUnit]:
    """The units a pull of source ``name`` would ingest now (see the module docstring).
    ``probe_progress(replies, prompts)`` follows a probe as its replies arrive."""
    state = dict(cursor or {})
    if isinstance(config, FilesSourceConfig):
        return _file_units(state, _files(config.path), lambda p: _local(p, config), "files")
    if isinstance(config, LmEvalSourceConfig):
        return _file_units(
            state,
            find_samples_files(config.path, config.tasks),
            lambda p: read_lm_eval_samples(p, config),
            "lm-eval",
        )
    if isinstance(config, InspectSourceConfig):
        return _file_units(
            state,
            find_inspect_logs(config.path),
            lambda p: enumerate(read_inspect_log(p, config), 1),
            "inspect",
        )
    if isinstance(config, HttpSourceConfig):
        return [_http_unit(name, config, state)]
    if isinstance(config, ProbeSourceConfig):
        return [_probe_unit(name, config, cache_dir, probe_progress)]
    raise TypeError(f"no pull for {type(config).__name__}")  # pragma: no cover


def _files(path: Path) -> list[Path]:
    """The files a files source names: a file, every file under a directory, or a glob's
    matches. A match that is (or passes through) a symbolic link resolving outside the
    directory (or the glob's fixed prefix) is refused: a link dropped into a watched
    directory must not read files the source was not pointed at."""
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        return _inside(found, path)
    if any(ch in str(path) for ch in "*?["):
        anchor = Path(path.anchor or ".")
        pattern = str(path.relative_to(anchor)) if path.is_absolute() else str(path)
        parts = Path(pattern).parts
        fixed = next(i for i, part in enumerate(parts) if _wild(part))
        root = Path(anchor, *parts[:fixed])
        return _inside(sorted(p for p in anchor.glob(pattern) if p.is_file()), root)
    return [path]


def _wild(part: str) -> bool:
    return any(ch in part for ch in "*?[")


def _inside(found: list[Path], root: Path) -> list[Path]:
    top = root.resolve()
    for path in found:
        target = path.resolve()
        if not target.is_relative_to(top):
            raise InputError(
                f"is a symbolic link to {target}, outside {root}; nothing was pulled",
                file=str(path),
                hint="copy the file into the source's directory, or point the source at it",
            )
    return found


def _local(path: Path, config: FilesSourceConfig) -> Iterator[NumberedRecord]:
    with open_record_file(
        path,
        FileFormat(config.format),
        prediction_field=config.prediction_field,
        refusal_patterns=config.refusal_patterns,
    ) as records:
        yield from records


def _file_units(
    state: Cursor,
    paths: list[Path],
    read: Callable[[Path], Iterator[NumberedRecord]],
    fmt: str,
) -> list[PullUnit]:
    seen: dict[str, list[int]] = state.get("files", {})
    units = []
    for path in paths:
        stat = path.stat()
        signature = [stat.st_size, stat.st_mtime_ns]
        key = str(path.resolve())
        if seen.get(key) == signature:
            continue

        def advance(cursor: Cursor, key: str = key, signature: list[int] = signature) -> Cursor:
            files = dict(cursor.get("files", {}))
            files[key] = signature
            return {**cursor, "files": files}

        units.append(
            PullUnit(
                label=str(path),
                records=_bind_records(read, path),
                benchmark=_bind_benchmark(path),
                fmt=fmt,
                origin=f"file:{key}",
                advance=advance,
            )
        )
    return units


def _bind_records(
    read: Callable[[Path], Iterator[NumberedRecord]], path: Path
) -> Callable[[], Iterator[NumberedRecord]]:
    return lambda: read(path)


def _bind_benchmark(path: Path) -> Callable[[EvaluationRecord], str]:
    return lambda first: default_benchmark(path, first)


def _http_unit(name: str, config: HttpSourceConfig, state: Cursor) -> PullUnit:
    holder: dict[str, Any] = {}

    def records() -> Iterator[NumberedRecord]:
        stream = pull_http_records(config)
        holder["stream"] = stream
        with stream:
            yield from mark_refusals(enumerate(stream, 1), config.refusal_patterns)

    def advance(cursor: Cursor) -> Cursor:
        stream = holder.get("stream")
        if stream is None:
            return cursor
        return {**cursor, "last_cursor": stream.cursor, "pages": stream.pages}

    return PullUnit(
        label=str(config.url),
        records=records,
        benchmark=lambda first: first.benchmark or name,
        fmt="http",
        origin=f"http:{config.url}",
        advance=advance,
    )


def _probe_unit(
    name: str,
    config: ProbeSourceConfig,
    cache_dir: Path,
    progress: Callable[[int, int], None] | None,
) -> PullUnit:
    suite, personas = load_suite(config.suite), load_personas(config.personas)
    prompts = len(configured_prompts(config, suite, personas))

    def records() -> Iterator[NumberedRecord]:
        cache_dir.mkdir(parents=True, exist_ok=True)
        replies = run_probe(
            config,
            cache_path=cache_dir / f"{name}.sqlite",
            suite=suite,
            personas=personas,
            on_progress=progress,
        )
        # the probe marks what it could not score; the shared classifier also marks a
        # scored reply that is a refusal (its score kept), and applies the extra patterns
        yield from mark_refusals(enumerate(replies, 1), config.refusal_patterns, only_unset=False)

    return PullUnit(
        label=f"{config.base_url} ({config.model})",
        records=records,
        benchmark=lambda first: first.benchmark or f"probe:{name}",
        fmt=RUN_FORMATS[config.mc_scoring],
        origin=f"probe:{config.base_url}#{config.model}",
        prompts=prompts,
    )
