"""Which records are the baseline (the question asked with no persona), for every source.

The metrics compare each persona with the **baseline**, the records whose ``persona_id``
is null (and whose attributes are empty). Tools do not always write it so: a persona QA
task gives its no-persona condition an id (``persona_id: "baseline"``, ``persona:
null``). :func:`resolve_baseline` wraps any stream of records, applied once on every
ingest path (``compliance ingest``, and pulls of every source kind, through
:func:`compliance.services.ingest.ingest_records`), with these rules:

1. **Named baseline.** When the source names one (``baseline_persona`` in its config,
   ``--baseline-persona`` on ``compliance ingest``), that persona's records are the
   baseline, whatever their attributes; other personas without attributes stay
   personas (the source said which is the baseline).
2. **Implicit baseline.** Otherwise a persona whose attributes are null, empty or absent
   is the baseline: when exactly one persona id has none, its records are the baseline.
   Two such ids (or such an id beside records that have no persona at all) are
   ambiguous, and the ingest stops with one line naming them and the fix.
3. Records with no ``persona_id`` are the baseline, as always.

A baseline record gets ``persona_id = null`` and ``persona_attributes = {}``; its
original id is kept in ``extra["persona.source_id"]`` (and non-empty attributes of a
named baseline in ``extra["persona.source_attributes"]``).

Refused, each as one :class:`InputError` (the ingest writes nothing):

- two baselines: records with no persona *and* records of the named or implicit
  baseline persona (they would answer the same question twice as the baseline);
- two personas without attributes and no ``baseline_persona``;
- a named ``baseline_persona`` that no record has: a typo would otherwise leave the
  audit without a baseline. It is an error, not a warning: the audit's baseline rules
  need it, and a pull that stores a run without one cannot be taken back.

The stream is checked as it goes (flat memory): an ambiguity stops the ingest at the
record that shows it, and the transaction keeps nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from compliance.domain.records import EvaluationRecord
from compliance.errors import InputError
from compliance.sources.canonical import NumberedRecord

__all__ = ["SOURCE_ID_KEY", "resolve_baseline"]

SOURCE_ID_KEY = "persona.source_id"
SOURCE_ATTRIBUTES_KEY = "persona.source_attributes"
_SHOWN = 8
_FIX = (
    "name the baseline: baseline_persona in the source's config "
    "(compliance ingest: --baseline-persona ID); or give the other personas their attributes"
)


def resolve_baseline(
    records: Iterable[NumberedRecord],
    baseline_persona: str | None = None,
    *,
    file: str | None = None,
) -> Iterator[NumberedRecord]:
    """``records`` with the baseline made explicit (see the module docstring).

    ``file`` names the source in errors (a path, a URL, a log). The check that a named
    ``baseline_persona`` appears happens when the stream is exhausted.
    """
    state = _State(baseline_persona, file)
    for line, record in records:
        yield line, state.resolve(line, record)
    state.finish()


class _State:
    def __init__(self, named: str | None, file: str | None) -> None:
        self.named = named
        self.file = file
        self.implicit: str | None = None  # the persona id taken as the baseline
        self.implicit_line = 0
        self.anonymous_line: int | None = None  # first record with no persona_id
        self.named_line: int | None = None
        self.personas: dict[str, None] = {}  # seen persona ids, in order (for errors)
        self.seen_any = False

    def resolve(self, line: int, record: EvaluationRecord) -> EvaluationRecord:
        self.seen_any = True
        persona = record.persona_id
        if persona is None:
            if self.anonymous_line is None:
                self.anonymous_line = line
                self._check_two_baselines(line)
            return record
        if len(self.personas) < 1000:
            self.personas.setdefault(persona, None)
        if self.named is not None:
            if persona != self.named:
                return record
            if self.named_line is None:
                self.named_line = line
                self._check_two_baselines(line)
            return _as_baseline(record)
        if record.persona_attributes:
            return record
        if self.implicit is None:
            self.implicit, self.implicit_line = persona, line
            self._check_two_baselines(line)
        elif persona != self.implicit:
            raise InputError(
                f"personas '{self.implicit}' (line {self.implicit_line}) and '{persona}' both "
                "have no attributes: which one is the baseline?",
                file=self.file,
                line=line,
                field="persona_id",
                value=persona,
                hint=_FIX,
            )
        return _as_baseline(record)

    def _check_two_baselines(self, line: int) -> None:
        persona = self.named if self.named_line is not None else self.implicit
        if persona is None or self.anonymous_line is None:
            return
        first = self.named_line if self.named is not None else self.implicit_line
        if self.named is not None:
            why = f"the baseline persona '{persona}' (line {first})"
            hint = (
                "records with no persona are the baseline already: drop baseline_persona "
                "(or, for a probe, set include_baseline to false)"
            )
        else:
            why = f"persona '{persona}' with no attributes (line {first}), which reads as one"
            hint = (
                f"give persona '{persona}' its attributes, or drop the records with no persona "
                "and name the baseline with baseline_persona (--baseline-persona)"
            )
        raise InputError(
            f"two baselines: records with no persona (line {self.anonymous_line}) and {why}",
            file=self.file,
            line=line,
            field="persona_id",
            hint=hint,
        )

    def finish(self) -> None:
        if self.named is None or self.named_line is not None or not self.seen_any:
            return  # no records at all: the ingest says so itself
        seen = list(self.personas)
        shown = ", ".join(f"'{p}'" for p in seen[:_SHOWN]) + (", ..." if len(seen) > _SHOWN else "")
        raise InputError(
            f"the baseline persona does not appear in the records "
            f"(their personas: {shown or 'none'})",
            file=self.file,
            field="baseline_persona",
            value=self.named,
            hint="set baseline_persona (--baseline-persona) to the id the records use, or drop it",
        )


def _as_baseline(record: EvaluationRecord) -> EvaluationRecord:
    extra: dict[str, Any] = {**record.extra, SOURCE_ID_KEY: record.persona_id}
    if record.persona_attributes:
        extra[SOURCE_ATTRIBUTES_KEY] = dict(record.persona_attributes)
    return record.model_copy(update={"persona_id": None, "persona_attributes": {}, "extra": extra})
