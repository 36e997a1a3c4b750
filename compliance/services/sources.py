"""Registered sources and pulling from them: every new result becomes its own run.

A pull handles each source alone: a failing source is reported and the others go on; a
disabled source is skipped, and its outcome says so (``skipped: "disabled"``).
Within a source, each unit (a new file, the endpoint's next pages, a probe) is ingested
in its own transaction (idempotent by content hash) and the source's cursor advances only
after its run is stored, so an interrupted pull resumes where it stopped.

Managing sources: :func:`update_source` replaces a source's config (validated for its
kind, as :func:`add_source` does), enables or disables it, or forgets its cursor (the
next pull reads everything again; content hashes skip what is stored). :func:`remove_source`
is a soft delete: the source disappears from lists and pulls and its name is free again,
while the runs it pulled, and their link to it, stay. Each is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.clock import Clock, isoformat_z
from compliance.errors import ComplianceError, ConfigError, InputError, NotFound
from compliance.services.ingest import IngestRequest, IngestResult, ingest_records
from compliance.services.registry import require_version
from compliance.sources.baseline import resolve_baseline
from compliance.sources.config import SOURCE_KINDS, parse_source_config
from compliance.sources.pulling import plan_pull
from compliance.storage.tables import Source
from compliance.storage.uow import UnitOfWorkFactory

__all__ = [
    "PullOutcome",
    "PullProgress",
    "SourceView",
    "add_source",
    "list_sources",
    "pull_sources",
    "read_config_argument",
    "remove_source",
    "show_source",
    "test_source",
    "update_source",
]


@dataclass(frozen=True)
class SourceView:
    id: str
    name: str
    model: str
    version: str
    kind: str
    config: dict[str, Any]
    cursor: dict[str, Any] | None
    last_pulled_at: str | None
    enabled: bool = True
    removed_at: str | None = None


@dataclass
class PullOutcome:
    source: str
    runs: list[IngestResult] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None
    """Why the source was not pulled (``"disabled"``), else ``None``."""

    @property
    def new_runs(self) -> int:
        return sum(1 for r in self.runs if r.created)


def read_config_argument(text: str) -> dict[str, Any]:
    """``--config``: inline JSON, or ``@FILE`` holding JSON."""
    where = "--config"
    if text.startswith("@"):
        path = Path(text[1:])
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the config file ({exc.strerror})", file=where) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON ({exc.msg})", file=where, line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("the config is a JSON object", file=where)
    return data


def add_source(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    name: str,
    *,
    model: str,
    version: str,
    kind: str,
    config: dict[str, Any],
) -> SourceView:
    """Register a source; the config is validated for its kind (secrets by env var name)."""
    if kind not in SOURCE_KINDS:
        raise ConfigError(
            f"unknown source kind '{kind}'", hint=f"one of: {', '.join(SOURCE_KINDS)}"
        )
    parsed = parse_source_config(kind, {**config, "kind": kind})
    stored = parsed.model_dump(mode="json")
    with uow_factory(write=True) as uow:
        found = require_version(uow, model, version)
        source = uow.sources.add(name, found, kind, stored, now=clock())
        view = _view(uow, source)
        uow.commit()
    return view


def update_source(
    uow_factory: UnitOfWorkFactory,
    name: str,
    *,
    config: dict[str, Any] | None = None,
    enabled: bool | None = None,
    reset_cursor: bool = False,
) -> SourceView:
    """Change a source in one transaction: a new config (the whole config, validated for
    the source's kind), enabled or disabled, its cursor forgotten."""
    if config is None and enabled is None and not reset_cursor:
        raise InputError(
            "nothing to change", hint="give --config, --enable or --disable, or --reset-cursor"
        )
    with uow_factory(write=True) as uow:
        source = _get(uow, name)
        stored = None
        if config is not None:
            parsed = parse_source_config(source.kind, {**config, "kind": source.kind})
            stored = parsed.model_dump(mode="json")
        uow.sources.update(source, config=stored, enabled=enabled, reset_cursor=reset_cursor)
        view = _view(uow, source)
        uow.commit()
    return view


def remove_source(uow_factory: UnitOfWorkFactory, clock: Clock, name: str) -> SourceView:
    """Remove a source (a soft delete, see the module docstring); one transaction."""
    with uow_factory(write=True) as uow:
        source = _get(uow, name)
        uow.sources.remove(source, now=clock())
        view = _view(uow, source)
        uow.commit()
    return view


def list_sources(uow_factory: UnitOfWorkFactory, *, model: str | None = None) -> list[SourceView]:
    with uow_factory() as uow:
        return [_view(uow, s) for s in uow.sources.all(model=model)]


def show_source(uow_factory: UnitOfWorkFactory, name: str) -> SourceView:
    with uow_factory() as uow:
        return _view(uow, _get(uow, name))


def test_source(uow_factory: UnitOfWorkFactory, name: str, *, cache_dir: Path) -> dict[str, Any]:
    """Connect and count what a pull would bring, writing nothing: per unit, its
    ``records`` (read and checked as a pull would, the baseline included), or for a probe
    the ``prompts`` a pull asks (replies in the source's cache are not asked again)."""
    with uow_factory() as uow:
        source = _get(uow, name)
        kind = source.kind
        config = parse_source_config(kind, source.config)
        cursor = source.cursor
    units = plan_pull(name, config, cursor, cache_dir=cache_dir)
    report: list[dict[str, Any]] = []
    for unit in units:
        if unit.prompts is not None:  # a probe is not run by a test: it would pay per prompt
            report.append({"unit": unit.label, "records": None, "prompts": unit.prompts})
            continue
        records = resolve_baseline(unit.records(), config.baseline_persona, file=unit.label)
        report.append({"unit": unit.label, "records": sum(1 for _ in records), "prompts": None})
    return {"source": name, "kind": kind, "new_units": len(units), "units": report}


PullProgress = Callable[[str, int, int | None], None]
"""``(what, records so far, total records or None)``: per written batch of a run (no
total), per reply of a probe (with the number of prompts)."""


def pull_sources(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    cache_dir: Path,
    model: str | None = None,
    source: str | None = None,
    batch_size: int = 10_000,
    on_progress: PullProgress | None = None,
) -> list[PullOutcome]:
    """Pull every new result of the chosen sources; one outcome per source."""
    with uow_factory() as uow:
        chosen = [_get(uow, source)] if source else uow.sources.all(model=model)
        plans = []
        for s in chosen:
            found = uow.sources.version_of(s)
            plans.append(
                (
                    s.id,
                    s.name,
                    s.kind,
                    s.config,
                    s.cursor,
                    found.model.name,
                    found.version,
                    s.enabled,
                )
            )
    outcomes = []
    for source_id, name, kind, config_data, cursor, model_name, version, enabled in plans:
        outcome = PullOutcome(name)
        if not enabled:
            outcome.skipped = "disabled"
            outcomes.append(outcome)
            continue
        try:
            config = parse_source_config(kind, config_data)
            state = dict(cursor or {})
            probing = kind == "probe"  # a probe reports its replies, the others their batches
            replies = _replies(name, on_progress) if probing else None
            for unit in plan_pull(name, config, state, cache_dir=cache_dir, probe_progress=replies):
                request = IngestRequest(
                    model=model_name, version=version, origin=unit.origin, format=unit.fmt,
                    benchmark=unit.benchmark, file=unit.label, source_id=source_id,
                    baseline_persona=config.baseline_persona,
                )  # fmt: skip
                batches = None if probing else _batches(f"{name}: {unit.label}", on_progress)
                outcome.runs.append(
                    ingest_records(
                        uow_factory,
                        clock,
                        request,
                        unit.records(),
                        batch_size=batch_size,
                        progress=batches,
                    )
                )
                state = unit.advance(state)
                with uow_factory(write=True) as uow:
                    uow.sources.save_cursor(source_id, state, now=clock())
                    uow.commit()
        except ComplianceError as exc:
            outcome.error = str(exc)
        except Exception as exc:  # a source's bug or outage must not stop the others
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcomes.append(outcome)
    return outcomes


def _replies(what: str, on_progress: PullProgress | None) -> Callable[[int, int], None] | None:
    if on_progress is None:
        return None
    return lambda done, total: on_progress(what, done, total)


def _batches(what: str, on_progress: PullProgress | None) -> Callable[[int], None] | None:
    if on_progress is None:
        return None
    return lambda count: on_progress(what, count, None)


def _get(uow: Any, name: str) -> Source:
    found: Source | None = uow.sources.get(name)
    if found is None:
        raise NotFound(f"no source '{name}'", hint="see them with: compliance sources list")
    return found


def _view(uow: Any, source: Source) -> SourceView:
    version = uow.sources.version_of(source)
    return SourceView(
        id=source.uid,
        name=source.name,
        model=version.model.name,
        version=version.version,
        kind=source.kind,
        config=source.config,
        cursor=source.cursor,
        last_pulled_at=None
        if source.last_pulled_at is None
        else isoformat_z(source.last_pulled_at),
        enabled=source.enabled,
        removed_at=None if source.removed_at is None else isoformat_z(source.removed_at),
    )
