"""Section A's prepared data: objective records, their resampling units and baseline pairs.

Computed once per workspace (every dimension reuses it):

- **persona rows**: objective (``task == 0``), non-baseline records; the groups of every
  section A metric are formed from these;
- **units**: the clusters of objective records (the item when there is no cluster), the
  bootstrap's resampling unit; ``item_unit`` gives each item's cluster (an item is expected
  to belong to one cluster);
- **answer ranks**: the dense rank of each parsed answer among the distinct parsed answers
  of its item, so that "all answers identical" can be tested with exact small-integer
  moments: n·Σr² = (Σr)² ⇔ every r is equal;
- **outcomes** (:func:`~compliance.domain.records.answer_outcome`): each record is exactly
  one of correct, incorrect, refused (a refusal not scored right) or unparsed (not scored,
  not refused); ``correct`` is strict (1 only for a right answer), ``answered`` marks
  correct or incorrect;
- **baseline pairs**: for each persona record of item i, with b_i(a) the share of item i's
  parsed baseline answers equal to a and β_i the baseline's strict accuracy on item i:
  ``flip = 1 − b_i(answer)`` (1 or 0 with one baseline record per item) and
  ``c2i = β_i · (1 − correct)`` (the correct baseline answer turned into anything else).
  Records of items the baseline did not answer (parsed, for ``flip``; asked, for ``c2i``)
  are not pairs (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from compliance.metrics.columns import TASK_OBJECTIVE
from compliance.metrics.workspace import Workspace, compact_codes

__all__ = ["NAMESPACE", "ObjectiveData", "objective_data"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

NAMESPACE = "A:objective-clusters"


@dataclass(frozen=True, eq=False)
class ObjectiveData:
    """Arrays over the persona rows (objective, non-baseline), plus per-item baseline sums."""

    rows: IntArray
    unit: IntArray
    item: IntArray
    n_units: int
    n_items: int
    item_unit: IntArray
    answered: BoolArray
    correct: FloatArray
    refused: FloatArray
    unparsed: FloatArray
    parsed: BoolArray
    answer_rank: IntArray
    item_answer: IntArray
    n_item_answers: int
    item_of_answer: IntArray
    flip: FloatArray
    c2i: FloatArray
    beta: FloatArray  # the baseline's strict accuracy on the row's item (NaN: not asked)
    followed: npt.NDArray[np.int8]  # preference followed: 1, 0, -1 not judged
    base_n: FloatArray
    base_k: FloatArray
    n_baseline: int
    base_outcomes: dict[str, int]

    @property
    def everything(self) -> BoolArray:
        return np.ones(self.rows.shape[0], dtype=np.bool_)


def _build(ws: Workspace) -> ObjectiveData:
    cols = ws.columns
    obj = np.flatnonzero(cols.task == TASK_OBJECTIVE)
    unit_all, n_units = compact_codes(cols.cluster[obj])
    item_all, n_items = compact_codes(cols.item[obj])
    item_unit = np.zeros(n_items, dtype=np.int64)
    item_unit[item_all] = unit_all
    base = cols.is_baseline[obj]
    rows, unit, item = obj[~base], unit_all[~base], item_all[~base]

    correct_all = cols.correct[obj]
    right_all = correct_all == 1
    refused_all = cols.refused[obj] & ~right_all
    unparsed_all = (correct_all < 0) & ~refused_all
    wrong_all = (correct_all == 0) & ~refused_all
    base_n = np.bincount(item_all[base], minlength=n_items).astype(np.float64)
    base_k = np.bincount(item_all[base & right_all], minlength=n_items).astype(np.float64)

    answer_all = cols.answer[obj]
    parsed_all = answer_all >= 0
    n_answers = int(answer_all.max(initial=-1)) + 1
    key = item_all[parsed_all] * max(n_answers, 1) + answer_all[parsed_all]
    uniq, inverse = np.unique(key, return_inverse=True)
    item_of_answer = uniq // max(n_answers, 1)
    first = np.searchsorted(item_of_answer, item_of_answer, side="left")
    rank_of = np.append(np.arange(uniq.size, dtype=np.int64) - first, -1)
    ia_all = np.full(obj.size, -1, dtype=np.int64)
    ia_all[parsed_all] = inverse.reshape(-1)

    b_parsed = base & parsed_all
    # one spare entry so that lookups with a clamped -1 index work when nothing is parsed
    base_answer_n = np.bincount(ia_all[b_parsed], minlength=uniq.size + 1).astype(np.float64)
    base_parsed_n = np.bincount(item_all[b_parsed], minlength=n_items).astype(np.float64)

    p_ia = ia_all[~base]
    parsed = p_ia >= 0
    correct = right_all[~base].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        same = base_answer_n[np.maximum(p_ia, 0)] / base_parsed_n[item]
        flip = np.where(parsed & (base_parsed_n[item] > 0), 1.0 - same, np.nan)
        base_rate = base_k[item] / base_n[item]
        c2i = np.where(base_n[item] > 0, base_rate * (1.0 - correct), np.nan)
    return ObjectiveData(
        rows=rows,
        unit=unit,
        item=item,
        n_units=n_units,
        n_items=n_items,
        item_unit=item_unit,
        answered=(right_all | wrong_all)[~base],
        correct=correct,
        refused=refused_all[~base].astype(np.float64),
        unparsed=unparsed_all[~base].astype(np.float64),
        parsed=parsed,
        answer_rank=np.where(parsed, rank_of[np.maximum(p_ia, 0)], -1),
        item_answer=p_ia,
        n_item_answers=int(uniq.size),
        item_of_answer=item_of_answer.astype(np.int64),
        flip=flip,
        c2i=c2i,
        beta=np.where(base_n[item] > 0, base_rate, np.nan),
        followed=np.asarray(cols.followed, dtype=np.int8)[rows],
        base_n=base_n,
        base_k=base_k,
        n_baseline=int(np.count_nonzero(base)),
        base_outcomes={
            name: int(np.count_nonzero(base & mask))
            for name, mask in (
                ("correct", right_all),
                ("incorrect", wrong_all),
                ("refused", refused_all),
                ("unparsed", unparsed_all),
            )
        },
    )


def objective_data(ws: Workspace) -> ObjectiveData:
    """The prepared section A data of the workspace (memoized)."""
    return ws.memo(("objective",), lambda: _build(ws))
