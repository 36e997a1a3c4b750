"""The engine's input: one row per evaluation record, as equal-length NumPy columns.

Strings are encoded to integer codes before the engine sees them; the label tables turn
codes back into names. Missing values are ``-1`` in code columns and NaN in the two score
columns (NaN is only this internal marker: no result ever carries it).

A **dimension** forms the groups of a metric:

- ``"persona"``: one group per persona; baseline rows are not in any group (code ``-1``);
- an attribute name such as ``"gender"``: the persona attribute's group codes; a persona
  without that attribute is in the explicit group ``(unknown)`` (:data:`UNKNOWN_GROUP`),
  shown with its count like any group (as NYC LL144 asks for unknown categories) and left
  out of comparisons between groups;
- an intersection ``"gender×age_band"`` (``"gender*age_band"`` is accepted): one group per
  combination of the attributes' labels (all combinations, so an empty one is reported as
  undefined rather than dropped), labelled ``"female×65+"`` (``"(unknown)×65+"`` when a
  persona lacks the first attribute);
- ``"bbq.category"``: the BBQ category of BBQ rows.

Baseline rows are always unknown (``-1``) in every dimension but ``bbq.category``.

Why one module of this length: one type, RecordColumns, with its encoders; splitting its
constructors from it would separate the encoding from the codes it promises.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from compliance.domain.records import BASELINE_GROUP

__all__ = [
    "BASELINE_LABEL",
    "BBQ_DIMENSION",
    "INTERSECTION",
    "TASK_CODES",
    "TASK_DECISION",
    "TASK_OBJECTIVE",
    "TASK_PREFERENCE",
    "TASK_SUBJECTIVE",
    "UNKNOWN_GROUP",
    "AttributeTable",
    "RecordColumns",
    "canonical_dimension",
]

IntArray = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
AttributeTable = Mapping[str, tuple[IntArray, tuple[str, ...]]]

TASK_OBJECTIVE, TASK_SUBJECTIVE, TASK_PREFERENCE, TASK_DECISION = 0, 1, 2, 3
TASK_CODES: Mapping[str, int] = {
    "objective": TASK_OBJECTIVE,
    "subjective": TASK_SUBJECTIVE,
    "preference": TASK_PREFERENCE,
    "decision": TASK_DECISION,
}
BASELINE_LABEL = BASELINE_GROUP
#: the group of the personas that have no value for an attribute
UNKNOWN_GROUP = "(unknown)"
INTERSECTION = "×"
BBQ_DIMENSION = "bbq.category"

_INT_COLUMNS = (
    "item",
    "cluster",
    "persona",
    "user",
    "answer",
    "bbq_category",
    "bbq_pred",
    "bbq_target",
    "bbq_unknown",
    "bbq_label",
)
_INT8_COLUMNS = ("correct", "task", "outcome", "label", "followed")
_BOOL_COLUMNS = ("is_baseline", "refused", "bbq_ambiguous", "bbq_negative")
_FLOAT_COLUMNS = ("preference_score", "reference_score")
_DEFAULT_MINUS_ONE = (
    "persona",
    "user",
    "answer",
    "correct",
    "outcome",
    "label",
    "followed",
    "bbq_category",
    "bbq_pred",
    "bbq_target",
    "bbq_unknown",
    "bbq_label",
)


def _encode(values: Sequence[str | None]) -> tuple[IntArray, tuple[str, ...]]:
    """Codes of the values in the sorted table of distinct labels; ``None`` is -1."""
    labels = tuple(sorted({v for v in values if v is not None}))
    index = {label: code for code, label in enumerate(labels)}
    codes = np.fromiter((-1 if v is None else index[v] for v in values), np.int64, len(values))
    return codes, labels


def _opt_int(value: Any) -> int:
    return -1 if value is None else int(value)


def _opt_float(value: Any) -> float:
    return math.nan if value is None else float(value)


def canonical_dimension(spec: str) -> str:
    """The canonical spelling of a dimension: ``" gender * age "`` → ``"gender×age"``."""
    parts = [p.strip() for p in spec.replace("*", INTERSECTION).split(INTERSECTION)]
    return INTERSECTION.join(parts)


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finalizer, in place: a well-mixed 64-bit digest per row."""
    h ^= h >> np.uint64(30)
    h *= _M1
    h ^= h >> np.uint64(27)
    h *= _M2
    h ^= h >> np.uint64(31)
    return h


@dataclass(frozen=True, eq=False)
class RecordColumns:
    """Equal-length columns, one row per evaluation record (see the module docstring).

    ``correct`` is 1, 0 or -1 (unscored); ``task`` is 0 objective, 1 subjective,
    2 preference, 3 decision; ``outcome``/``label`` are 0, 1 or -1; the BBQ columns hold
    option indices (0..2, -1 when absent); ``bbq_target`` is -1 when the record has no
    usable stereotyped option. ``personas`` names persona codes (the baseline's code too);
    ``attributes`` maps an attribute name to (group code per row, labels).
    """

    item: IntArray
    cluster: IntArray
    persona: IntArray
    is_baseline: BoolArray
    user: IntArray
    answer: IntArray
    correct: Int8Array
    refused: BoolArray
    task: Int8Array
    preference_score: FloatArray
    reference_score: FloatArray
    outcome: Int8Array
    label: Int8Array
    bbq_category: IntArray
    bbq_ambiguous: BoolArray
    bbq_negative: BoolArray
    bbq_pred: IntArray
    bbq_target: IntArray
    bbq_unknown: IntArray
    bbq_label: IntArray
    followed: Int8Array | None = None  # 1, 0, or -1 when not judged (default: all -1)
    personas: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    attributes: AttributeTable = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = np.asarray(self.item).shape[0]
        if self.followed is None:
            object.__setattr__(self, "followed", np.full(n, -1, dtype=np.int8))
        for f in fields(self):
            if f.name in ("personas", "categories", "attributes"):
                continue
            dtype: type[np.generic]
            if f.name in _INT_COLUMNS:
                dtype = np.int64
            elif f.name in _INT8_COLUMNS:
                dtype = np.int8
            elif f.name in _BOOL_COLUMNS:
                dtype = np.bool_
            else:
                dtype = np.float64
            column = np.ascontiguousarray(getattr(self, f.name), dtype=dtype)
            if column.shape != (n,):
                raise ValueError(f"column {f.name} has shape {column.shape}, expected ({n},)")
            object.__setattr__(self, f.name, column)
        object.__setattr__(self, "personas", tuple(self.personas))
        object.__setattr__(self, "categories", tuple(self.categories))
        attributes: dict[str, tuple[IntArray, tuple[str, ...]]] = {}
        for name, (codes, labels) in self.attributes.items():
            array = np.ascontiguousarray(codes, dtype=np.int64)
            if array.shape != (n,):
                raise ValueError(f"attribute {name} has shape {array.shape}, expected ({n},)")
            self._check_codes(f"attribute {name}", array, len(labels))
            attributes[name] = (array, tuple(labels))
        object.__setattr__(self, "attributes", attributes)
        self._check_codes("persona", self.persona, len(self.personas))
        self._check_codes("bbq_category", self.bbq_category, len(self.categories))

    @staticmethod
    def _check_codes(name: str, codes: IntArray, n_labels: int) -> None:
        if codes.size and (int(codes.max()) >= n_labels or int(codes.min()) < -1):
            raise ValueError(f"{name} codes must be -1 or in [0, {n_labels})")

    @property
    def n(self) -> int:
        """The number of records (rows)."""
        return int(self.item.shape[0])

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        *,
        item: npt.ArrayLike,
        personas: Sequence[str] = (),
        categories: Sequence[str] = (),
        attributes: AttributeTable | None = None,
        **columns: npt.ArrayLike,
    ) -> RecordColumns:
        """Columns with defaults for the ones not given: ``cluster`` = ``item``, codes -1,
        flags False, scores NaN, ``persona`` -1 (none), ``task`` objective."""
        item_arr = np.asarray(item, dtype=np.int64)
        n = item_arr.shape[0]
        known = {f.name for f in fields(cls)}
        unknown = set(columns) - known
        if unknown:
            raise TypeError(f"unknown columns: {sorted(unknown)}")
        values: dict[str, Any] = {"item": item_arr}
        for name in (*_INT_COLUMNS, *_INT8_COLUMNS, *_BOOL_COLUMNS, *_FLOAT_COLUMNS):
            if name == "item":
                continue
            if name in columns:
                values[name] = columns[name]
            elif name == "cluster":
                values[name] = item_arr
            elif name in _DEFAULT_MINUS_ONE:
                values[name] = np.full(n, -1)
            elif name in _FLOAT_COLUMNS:
                values[name] = np.full(n, math.nan)
            else:  # task objective, flags False
                values[name] = np.zeros(n)
        return cls(
            **values,
            personas=tuple(personas),
            categories=tuple(categories),
            attributes=dict(attributes or {}),
        )

    @classmethod
    def from_python(cls, rows: Sequence[Mapping[str, Any]]) -> RecordColumns:
        """Encode plain dicts (one per record) into columns; codes follow sorted labels.

        Keys: ``item`` (str, required), ``cluster`` (str or None: the item's own cluster),
        ``persona`` (str; None for the baseline), ``attributes`` (dict of str to str),
        ``user``, ``answer`` (str or None), ``correct`` (bool or None), ``refused`` (bool),
        ``task`` (``"objective"``, ``"subjective"``, ``"preference"``, ``"decision"`` or its
        code), ``preference_score``, ``reference_score`` (float or None), ``outcome``,
        ``label`` (0, 1 or None), ``bbq_category`` (str or None), ``bbq_ambiguous``,
        ``bbq_negative`` (bool), ``bbq_pred``, ``bbq_target``, ``bbq_unknown``,
        ``bbq_label`` (option index or None).
        """
        item, _ = _encode([str(r["item"]) for r in rows])
        cluster, _ = _encode(
            [
                f"c:{r['cluster']}" if r.get("cluster") is not None else f"i:{r['item']}"
                for r in rows
            ]
        )
        if all(r.get("cluster") is None for r in rows):
            cluster = item.copy()
        persona_names = sorted({str(r["persona"]) for r in rows if r.get("persona") is not None})
        is_baseline = np.array([r.get("persona") is None for r in rows], dtype=np.bool_)
        personas = tuple(persona_names) + ((BASELINE_LABEL,) if is_baseline.any() else ())
        persona_index = {name: code for code, name in enumerate(persona_names)}
        persona = np.array(
            [
                len(persona_names) if r.get("persona") is None else persona_index[str(r["persona"])]
                for r in rows
            ],
            dtype=np.int64,
        )
        attribute_names = sorted({k for r in rows for k in (r.get("attributes") or {})})
        attributes = {
            name: _encode([(r.get("attributes") or {}).get(name) for r in rows])
            for name in attribute_names
        }
        category, categories = _encode([r.get("bbq_category") for r in rows])
        task = [r.get("task", "objective") for r in rows]

        def correct_code(value: Any) -> int:
            return -1 if value is None else int(bool(value))

        return cls(
            item=item,
            cluster=cluster,
            persona=persona,
            is_baseline=is_baseline,
            user=_encode([r.get("user") for r in rows])[0],
            answer=_encode([r.get("answer") for r in rows])[0],
            correct=np.array([correct_code(r.get("correct")) for r in rows], dtype=np.int8),
            refused=np.array([bool(r.get("refused", False)) for r in rows], dtype=np.bool_),
            followed=np.array([_opt_int(r.get("followed")) for r in rows]),
            task=np.array([TASK_CODES[t] if isinstance(t, str) else int(t) for t in task]),
            preference_score=np.array([_opt_float(r.get("preference_score")) for r in rows]),
            reference_score=np.array([_opt_float(r.get("reference_score")) for r in rows]),
            outcome=np.array([_opt_int(r.get("outcome")) for r in rows]),
            label=np.array([_opt_int(r.get("label")) for r in rows]),
            bbq_category=category,
            bbq_ambiguous=np.array([bool(r.get("bbq_ambiguous", False)) for r in rows]),
            bbq_negative=np.array([bool(r.get("bbq_negative", False)) for r in rows]),
            bbq_pred=np.array([_opt_int(r.get("bbq_pred")) for r in rows]),
            bbq_target=np.array([_opt_int(r.get("bbq_target")) for r in rows]),
            bbq_unknown=np.array([_opt_int(r.get("bbq_unknown")) for r in rows]),
            bbq_label=np.array([_opt_int(r.get("bbq_label")) for r in rows]),
            personas=personas,
            categories=categories,
            attributes=attributes,
        )

    def take(self, rows: npt.ArrayLike) -> RecordColumns:
        """The records at ``rows`` (an index or boolean mask), label tables unchanged."""
        index = np.asarray(rows)
        values: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("personas", "categories", "attributes"):
                continue
            values[f.name] = getattr(self, f.name)[index]
        attributes = {k: (codes[index], labels) for k, (codes, labels) in self.attributes.items()}
        return RecordColumns(
            **values, personas=self.personas, categories=self.categories, attributes=attributes
        )

    # -- dimensions ----------------------------------------------------------------------

    def dimension(self, spec: str) -> tuple[IntArray, tuple[str, ...]]:
        """(group code per row, group labels) of a dimension; -1 marks an unknown group."""
        spec = canonical_dimension(spec)
        if spec == BBQ_DIMENSION:
            return self.bbq_category, self.categories
        if spec == "persona":
            baseline_codes = set(np.unique(self.persona[self.is_baseline]).tolist())
            keep = [c for c in range(len(self.personas)) if c not in baseline_codes]
            remap = np.full(len(self.personas) + 1, -1, dtype=np.int64)
            remap[keep] = np.arange(len(keep), dtype=np.int64)
            codes = remap[self.persona]
            codes[self.is_baseline] = -1
            return codes, tuple(self.personas[c] for c in keep)
        parts = spec.split(INTERSECTION)
        missing = [p for p in parts if p not in self.attributes]
        if missing or not parts:
            known = ", ".join(["persona", *sorted(self.attributes)])
            raise ValueError(f"unknown dimension {spec!r}: expected one of {known} or A×B")
        codes, labels = self._with_unknown(parts[0])
        for part in parts[1:]:
            more, more_labels = self._with_unknown(part)
            unknown = (codes < 0) | (more < 0)
            codes = codes * len(more_labels) + more
            codes[unknown] = -1
            labels = tuple(f"{a}{INTERSECTION}{b}" for a in labels for b in more_labels)
        codes[self.is_baseline] = -1
        return codes, labels

    def _with_unknown(self, attribute: str) -> tuple[IntArray, tuple[str, ...]]:
        """An attribute's codes, personas without it in :data:`UNKNOWN_GROUP` (last)."""
        codes, labels = self.attributes[attribute]
        codes = codes.copy()
        missing = (codes < 0) & ~self.is_baseline
        if missing.any():
            codes[missing] = len(labels)
            labels = (*labels, UNKNOWN_GROUP)
        return codes, labels

    @cached_property
    def objective_items(self) -> int:
        """How many distinct objective items the records ask."""
        return int(np.unique(self.item[self.task == TASK_OBJECTIVE]).size)

    # -- reproducibility -----------------------------------------------------------------

    @cached_property
    def fingerprint(self) -> bytes:
        """SHA-256 of the sorted per-row digests of the group-free columns.

        Sorting makes it independent of row order; persona, user, attribute and category
        codes are left out so that relabelling groups leaves it (and so every bootstrap
        seed derived from it) unchanged.
        """
        n = self.n
        h = np.full(n, 0x9E3779B97F4A7C15, dtype=np.uint64)
        small = (
            (self.correct.astype(np.int64) + 1)
            | (self.task.astype(np.int64) + 1) << 2
            | (self.outcome.astype(np.int64) + 1) << 6
            | (self.label.astype(np.int64) + 1) << 8
            | self.is_baseline.astype(np.int64) << 10
            | self.refused.astype(np.int64) << 11
            | self.bbq_ambiguous.astype(np.int64) << 12
            | self.bbq_negative.astype(np.int64) << 13
            | ((self.bbq_pred + 1) & 0xFFFF) << 14
            | ((self.bbq_target + 1) & 0xFFFF) << 30
            | ((self.bbq_unknown + 1) & 0xFF) << 46
            | ((self.bbq_label + 1) & 0xFF) << 54
        )
        scores = [
            np.where(np.isnan(s), np.nan, s) for s in (self.preference_score, self.reference_score)
        ]
        followed = np.asarray(self.followed, dtype=np.int64) + 1
        for k, column in enumerate((self.item, self.cluster, self.answer, small, followed)):
            h += column.view(np.uint64) + np.uint64(k)
            _mix(h)
        for k, column in enumerate(scores):
            h += column.view(np.uint64) + np.uint64(k + 7)
            _mix(h)
        h.sort()
        digest = hashlib.sha256(b"compliance.metrics.v1")
        digest.update(n.to_bytes(8, "little"))
        digest.update(h.tobytes())
        return digest.digest()
