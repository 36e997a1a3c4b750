"""Loading evaluation records as the metrics engine's columns: one column-only query per run.

No ORM object is built per record: each run's rows stream from one ``SELECT`` of the
needed columns in chunks and are encoded straight into integer codes. Items and clusters
are keyed by ``(benchmark, id)`` so that two benchmarks sharing an item id never mix;
personas come from one query over the personas the records use; BBQ fields are read from
``extra`` of BBQ records only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.metrics.columns import BASELINE_LABEL, TASK_CODES, RecordColumns
from compliance.storage.tables import EvalRecord, EvaluationRun, Persona

__all__ = ["load_record_columns"]

_CHUNK = 50_000
_COLUMNS = (
    EvalRecord.item_id,
    EvalRecord.cluster_id,
    EvalRecord.persona_id,
    EvalRecord.user_id,
    EvalRecord.task_type,
    EvalRecord.parsed_answer,
    EvalRecord.correct,
    EvalRecord.refused,
    EvalRecord.followed_preference,
    EvalRecord.preference_score,
    EvalRecord.reference_score,
    EvalRecord.outcome,
    EvalRecord.label,
    EvalRecord.benchmark,
    EvalRecord.extra,
)


class _Codes:
    """Values to dense integer codes: handed out in order of first appearance while
    loading, then renumbered in sorted order (:meth:`sorted_codes`), so that the same
    records in any order give the same codes (and so the same resamples)."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}

    def code(self, value: Any) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.index)
        return found

    def labels(self) -> tuple[Any, ...]:
        return tuple(sorted(self.index))

    def sorted_codes(self, codes: list[int]) -> npt.NDArray[np.int64]:
        """``codes`` (first-appearance codes, -1 for none) as codes in sorted order."""
        remap = np.full(len(self.index) + 1, -1, dtype=np.int64)
        for position, value in enumerate(sorted(self.index)):
            remap[self.index[value]] = position
        return remap[np.asarray(codes, dtype=np.int64)]


def load_record_columns(session: Session, run_ids: Sequence[int]) -> RecordColumns:
    """The records of ``run_ids`` (internal run ids) as :class:`RecordColumns`."""
    items, clusters, users, answers, categories = (_Codes() for _ in range(5))
    persona_ids: list[int] = []
    cols: dict[str, Any] = {
        name: []
        for name in (
            "item",
            "cluster",
            "user",
            "answer",
            "correct",
            "refused",
            "followed",
            "task",
            "preference_score",
            "reference_score",
            "outcome",
            "label",
            "bbq_category",
            "bbq_ambiguous",
            "bbq_negative",
            "bbq_pred",
            "bbq_target",
            "bbq_unknown",
            "bbq_label",
        )
    }
    for run_id in run_ids:
        run_benchmark = session.scalar(
            select(EvaluationRun.benchmark).where(EvaluationRun.id == run_id)
        )
        query = select(*_COLUMNS).where(EvalRecord.run_id == run_id).order_by(EvalRecord.seq)
        result = session.execute(query.execution_options(yield_per=_CHUNK))
        for row in result:
            (
                item_id,
                cluster_id,
                persona_id,
                user_id,
                task,
                answer,
                correct,
                refused,
                followed,
                pref,
                ref,
                outcome,
                label,
                benchmark,
                extra,
            ) = row
            scope = benchmark or run_benchmark
            item = items.code((scope, item_id))
            cols["item"].append(item)
            cols["cluster"].append(
                clusters.code((scope, "c", cluster_id) if cluster_id else (scope, "i", item_id))
            )
            persona_ids.append(persona_id)
            cols["user"].append(users.code(user_id) if user_id else -1)
            cols["answer"].append(-1 if answer is None else answers.code(answer))
            cols["correct"].append(-1 if correct is None else int(correct))
            cols["refused"].append(bool(refused))
            cols["followed"].append(-1 if followed is None else int(followed))
            cols["task"].append(TASK_CODES[task])
            cols["preference_score"].append(math.nan if pref is None else pref)
            cols["reference_score"].append(math.nan if ref is None else ref)
            cols["outcome"].append(-1 if outcome is None else outcome)
            cols["label"].append(-1 if label is None else label)
            _bbq(cols, categories, extra)
        result.close()
    for name, codes in (
        ("item", items),
        ("cluster", clusters),
        ("user", users),
        ("answer", answers),
        ("bbq_category", categories),
    ):
        cols[name] = codes.sorted_codes(cols[name])
    return _assemble(session, cols, persona_ids, categories)


def _bbq(cols: dict[str, list[Any]], categories: _Codes, extra: Any) -> None:
    fields = extra if isinstance(extra, dict) else (json.loads(extra) if extra else {})
    category = fields.get("bbq.category")
    if category is None:
        for name in ("bbq_category", "bbq_pred", "bbq_target", "bbq_unknown", "bbq_label"):
            cols[name].append(-1)
        cols["bbq_ambiguous"].append(False)
        cols["bbq_negative"].append(False)
        return
    cols["bbq_category"].append(categories.code(category))
    cols["bbq_ambiguous"].append(fields.get("bbq.context_condition") == "ambig")
    cols["bbq_negative"].append(fields.get("bbq.question_polarity") == "neg")
    for name in ("pred", "target", "unknown", "label"):
        value = fields.get("bbq.prediction" if name == "pred" else f"bbq.{name}")
        cols[f"bbq_{name}"].append(-1 if value is None else int(value))


def _assemble(
    session: Session, cols: dict[str, list[Any]], persona_ids: list[int], categories: _Codes
) -> RecordColumns:
    raw = np.asarray(persona_ids, dtype=np.int64)
    distinct = np.unique(raw)
    personas = {
        p.id: p for p in session.scalars(select(Persona).where(Persona.id.in_(distinct.tolist())))
    }
    ordered = sorted(
        distinct.tolist(), key=lambda pid: (personas[pid].is_baseline, personas[pid].name)
    )
    position = {pid: code for code, pid in enumerate(ordered)}
    lookup = np.zeros(int(distinct.max()) + 1 if distinct.size else 1, dtype=np.int64)
    for pid, code in position.items():
        lookup[pid] = code
    persona = lookup[raw] if raw.size else raw
    baseline_codes = [position[pid] for pid in ordered if personas[pid].is_baseline]
    names = tuple(
        BASELINE_LABEL if personas[pid].is_baseline else personas[pid].name for pid in ordered
    )
    attribute_names = sorted({k for p in personas.values() for k in (p.attributes or {})})
    attributes = {}
    for name in attribute_names:
        labels = sorted(
            {str(p.attributes[name]) for p in personas.values() if name in (p.attributes or {})}
        )
        label_code = {label: i for i, label in enumerate(labels)}
        per_persona = np.array(
            [
                label_code.get(str((personas[pid].attributes or {}).get(name)), -1)
                if name in (personas[pid].attributes or {})
                else -1
                for pid in ordered
            ],
            dtype=np.int64,
        )
        attributes[name] = (per_persona[persona] if raw.size else raw.copy(), tuple(labels))
    columns = RecordColumns(
        persona=persona,
        is_baseline=np.isin(persona, baseline_codes),
        personas=names,
        categories=tuple(str(c) for c in categories.labels()),
        attributes=attributes,
        **{name: np.asarray(values) for name, values in cols.items()},
    )
    # rows in a canonical order too (item, persona, user): sums of scores then add in the
    # same order whatever order the records were ingested in, so results match to the bit
    order = np.lexsort((columns.user, columns.persona, columns.item))
    return columns.take(order)
