"""METRICS.md section A: ``truth.consistency.max_pair_disagreement``.

``max_{g≠h} mean_i [a_ig ≠ a_ih]`` over pairs of personas of the population (the personas
whose group is known; for an attribute dimension also within each group), the mean over
the items both answered with a parsed answer. With several records in a cell,
``[a_ig ≠ a_ih]`` is the chance that a random answer of each differs: with Q[u, p] the share
of persona p's parsed answers to the item of answer u that are u and P the item × persona
presence matrix, agreements are ``QᵀQ`` and common items ``PᵀP``.

The interval of the maximum is simultaneous (METRICS.md): every pair's disagreement gets
a cluster-robust standard error (the CR1 variance of a ratio of per-unit sums, units the
clusters of items, ``G/(G−1) · Σ_u (d_u − D·b_u)² / (Σ_u b_u)²`` with d_u the unit's
disagreements and b_u its common items), and the J pairs of the population a Bonferroni
critical value ``z_{1−0.025/J}``, so that the intervals [L, U] of all the pairs hold
jointly; the largest disagreement lies in ``[max L, max U]`` (never the percentile
interval of the maximum, which is biased upward). This keeps the promise of the max-t
bootstrap the other comparisons use at a fraction of its cost (no resampling of thousands
of pairs) and is conservative (measured coverage in docs/statistics.md). Standard errors
are shared across dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from compliance.metrics.grouped import undefined_result
from compliance.metrics.objective import ObjectiveData, objective_data
from compliance.metrics.results import Detail, MetricResult
from compliance.metrics.stats import norm_ppf
from compliance.metrics.workspace import Workspace, make_result

__all__ = ["CANDIDATE_PAIRS", "max_pair_disagreement"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CANDIDATE_PAIRS = 16
MARGIN_SE = 8.0
PAIR_BATCH = 128
_Q_BLOCK = 1 << 22


@dataclass(frozen=True, eq=False)
class PairData:
    """Persona-level agreement: Q[u, p] is the share of persona p's parsed answers to the
    item of answer u that are u; agree = QᵀQ, both = PᵀP with P the item × persona
    presence matrix."""

    persona: IntArray  # compact persona index per persona row (-1 not parsed)
    codes: IntArray  # persona code (dimension "persona") of each compact persona
    q: FloatArray
    presence: FloatArray
    disagreement: FloatArray  # P × P, NaN where undefined (diagonal, no common item)
    both: FloatArray
    answer_starts: IntArray  # first row of Q of each item that has rows (Q is item-sorted)
    answer_items: IntArray  # those items
    item_order: IntArray  # items sorted by unit
    unit_starts: IntArray  # first position in item_order of each unit
    ranks: IntArray | None  # item × persona answer rank (-1 none), when cells are single
    items_are_units: bool  # every item its own cluster, in unit order


def _pair_data(ws: Workspace) -> PairData:
    def build() -> PairData:
        data = objective_data(ws)
        codes = ws.dimension("persona").codes[data.rows]
        persona, n_p = _compact(codes)
        rows = data.parsed & (persona >= 0)
        p, ia, item = persona[rows], data.item_answer[rows], data.item[rows]
        cell_n = np.bincount(item * n_p + p, minlength=data.n_items * n_p).astype(np.float64)
        counts = np.bincount(ia * n_p + p, minlength=data.n_item_answers * n_p)
        q = counts.reshape(data.n_item_answers, n_p).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            q /= cell_n.reshape(data.n_items, n_p)[data.item_of_answer]
        q = np.nan_to_num(q, nan=0.0)
        presence = (cell_n.reshape(data.n_items, n_p) > 0).astype(np.float64)
        agree = np.zeros((n_p, n_p))
        for start in range(0, q.shape[0], max(1, _Q_BLOCK // max(n_p, 1))):
            block = q[start : start + max(1, _Q_BLOCK // max(n_p, 1))]
            agree += block.T @ block
        both = presence.T @ presence
        with np.errstate(divide="ignore", invalid="ignore"):
            dis = np.where(both > 0, 1.0 - agree / both, np.nan)
        np.fill_diagonal(dis, np.nan)
        present_codes = np.full(n_p, -1, dtype=np.int64)
        present_codes[persona[persona >= 0]] = codes[persona >= 0]
        ia_item = data.item_of_answer
        answer_starts = _starts(ia_item)
        item_order = np.argsort(data.item_unit, kind="stable")
        sorted_units = data.item_unit[item_order]
        unit_starts = _starts(sorted_units)
        ranks: IntArray | None = None
        if cell_n.max(initial=0.0) <= 1.0:
            flat_ranks = np.full(data.n_items * n_p, -1, dtype=np.int64)
            flat_ranks[item * n_p + p] = data.answer_rank[rows]
            ranks = flat_ranks.reshape(data.n_items, n_p)
        identity = data.n_units == data.n_items and bool(
            np.array_equal(data.item_unit, np.arange(data.n_items))
        )
        return PairData(
            persona,
            present_codes,
            q,
            presence,
            dis,
            both,
            answer_starts,
            ia_item[answer_starts],
            item_order,
            unit_starts,
            ranks,
            identity,
        )

    return ws.memo(("consistency.pairs",), build)


def _starts(sorted_values: IntArray) -> IntArray:
    """The first index of each run of equal values in a sorted array."""
    if sorted_values.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])


def _compact(codes: IntArray) -> tuple[IntArray, int]:
    valid = codes >= 0
    out = np.full(codes.shape, -1, dtype=np.int64)
    if not valid.any():
        return out, 0
    present = np.bincount(codes[valid]) > 0
    remap = np.cumsum(present) - 1
    out[valid] = remap[codes[valid]]
    return out, int(present.sum())


def _candidates(values: FloatArray, both: FloatArray, tiebreak: IntArray) -> tuple[list[int], int]:
    """Flat indices of the pairs within ``MARGIN_SE`` standard errors of the largest
    disagreement (at most ``CANDIDATE_PAIRS``, largest first, ties in label order), and the
    largest's index."""
    flat = values.ravel()
    finite = np.flatnonzero(np.isfinite(flat))
    order = finite[np.lexsort((tiebreak.ravel()[finite], -flat[finite]))]
    top = int(order[0])
    v, n = float(flat[top]), float(both.ravel()[top])
    se = np.sqrt(max(v * (1.0 - v), 1.0 / n) / n)
    close = order[flat[order] >= v - MARGIN_SE * se][:CANDIDATE_PAIRS]
    return close.tolist(), top


_MAX_PAIRS_LISTED = 30  # personas: beyond this the detail would outgrow the report


def _all_pairs(values: FloatArray, codes: IntArray, labels: tuple[str, ...]) -> Detail:
    """``pair:<g> | <h>`` → disagreement share of every persona pair (for the heatmap)."""
    listed: Detail = {}
    for a, b in zip(*np.nonzero(np.isfinite(values)), strict=True):
        names = sorted([labels[codes[a]], labels[codes[b]]])
        listed[f"pair:{names[0]} | {names[1]}"] = float(values[a, b])
    return listed


def max_pair_disagreement(ws: Workspace, dimension: str) -> list[MetricResult]:
    """``truth.consistency.max_pair_disagreement``: the most disagreeing persona pair."""
    metric_id = "truth.consistency.max_pair_disagreement"
    data = objective_data(ws)
    pairs = _pair_data(ws)
    dim = ws.dimension(dimension)
    persona_labels = ws.dimension("persona").labels
    n_p = pairs.codes.shape[0]
    n_g = max(dim.size, 1)
    # each persona's group: the most frequent group of its records (attributes are per persona)
    g_rows = dim.codes[data.rows]
    ok = (pairs.persona >= 0) & (g_rows >= 0)
    votes = np.bincount(pairs.persona[ok] * n_g + g_rows[ok], minlength=n_p * n_g)
    votes = votes.reshape(n_p, n_g)
    persona_group = np.where(votes.sum(axis=1) > 0, votes.argmax(axis=1), -1)
    per_group = dimension.strip() != "persona"
    groups: tuple[str | None, ...] = (None, *dim.labels) if per_group else (None,)
    upper = np.triu(np.ones((n_p, n_p), dtype=np.bool_), 1)
    names = [persona_labels[c] for c in pairs.codes.tolist()]
    rank = np.argsort(np.argsort(np.array(names, dtype=object), kind="stable"), kind="stable")
    lo, hi = np.minimum.outer(rank, rank), np.maximum.outer(rank, rank)
    tiebreak = (lo * max(n_p, 1) + hi).astype(np.int64)
    found: list[tuple[FloatArray, list[int], int, int] | None] = []
    for j in range(len(groups)):
        members = persona_group >= 0 if j == 0 else persona_group == j - 1
        values = np.where(members[:, None] & members[None, :] & upper, pairs.disagreement, np.nan)
        if not np.isfinite(values).any():
            found.append(None)
            continue
        _, top = _candidates(values, pairs.both, tiebreak)
        family = np.flatnonzero(np.isfinite(values.ravel())).tolist()
        found.append((values, family, top, int(members.sum())))
    wanted = sorted({divmod(c, n_p) for f in found if f is not None for c in f[1]})
    errors = _pair_errors(ws, data, pairs, wanted)
    out = []
    for group, item in zip(groups, found, strict=True):
        if item is None:
            reason = "fewer than two personas with a common parsed item"
            out.append(undefined_result(metric_id, dimension, group, reason))
            continue
        values, family, top, m = item
        se = np.array([errors[divmod(c, n_p)] for c in family])
        estimate = float(values.ravel()[top])
        critical = norm_ppf(1.0 - (1.0 - ws.level) / (2.0 * len(family)))
        estimates = values.ravel()[family]
        low = float(np.max(np.maximum(estimates - critical * se, 0.0)))
        high = float(np.max(np.minimum(estimates + critical * se, 1.0)))
        a, b = divmod(top, n_p)
        names = sorted([persona_labels[pairs.codes[a]], persona_labels[pairs.codes[b]]])
        detail: Detail = {
            "pair": " | ".join(names),
            "unit": "items",
            "n_pairs": m * (m - 1) // 2,
            "ci_method": "bonferroni_cluster_robust",
            "critical_t": round(float(critical), 6),
        }
        if group is None and not per_group and n_p <= _MAX_PAIRS_LISTED:
            detail.update(_all_pairs(values, pairs.codes, persona_labels))
        out.append(
            make_result(
                metric_id,
                dimension,
                group,
                estimate,
                n=int(pairs.both[a, b]),
                min_n=ws.min_n,
                ci=(min(low, estimate), max(high, estimate)),
                detail=detail,
            )
        )
    return out


def _pair_errors(
    ws: Workspace, data: ObjectiveData, pairs: PairData, wanted: list[tuple[int, int]]
) -> dict[tuple[int, int], float]:
    """Each persona pair's cluster-robust standard error, memoized across dimensions; the
    missing ones are computed ``PAIR_BATCH`` pairs at a time."""
    cache: dict[tuple[int, int], float] = ws.memo(("consistency.pair_se",), dict)
    missing = [p for p in wanted if p not in cache]
    for start in range(0, len(missing), PAIR_BATCH):
        _fill(data, pairs, missing[start : start + PAIR_BATCH], cache)
    return cache


def _fill(
    data: ObjectiveData,
    pairs: PairData,
    wanted: list[tuple[int, int]],
    cache: dict[tuple[int, int], float],
) -> None:
    """Per-unit sums of disagreement and of common items for the pairs, then each pair's
    CR1 standard error of Σ d_u / Σ b_u."""
    a = np.array([p[0] for p in wanted])
    b = np.array([p[1] for p in wanted])
    if pairs.ranks is not None:  # one record per cell: compare the answers directly
        ra, rb = pairs.ranks[:, a], pairs.ranks[:, b]
        common = (ra >= 0) & (rb >= 0)
        disagree = (common & (ra != rb)).astype(np.float64)
        both = common.astype(np.float64)
    else:
        both = pairs.presence[:, a] * pairs.presence[:, b]
        disagree = both.copy()
        if pairs.answer_starts.size:
            agree = np.add.reduceat(pairs.q[:, a] * pairs.q[:, b], pairs.answer_starts, axis=0)
            disagree[pairs.answer_items] -= agree
    if not pairs.items_are_units:
        disagree = np.add.reduceat(disagree[pairs.item_order], pairs.unit_starts, axis=0)
        both = np.add.reduceat(both[pairs.item_order], pairs.unit_starts, axis=0)
    total = both.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = disagree.sum(axis=0) / total
        units = np.count_nonzero(both > 0, axis=0).astype(np.float64)
        residual = ((disagree - share * both) ** 2).sum(axis=0)
        variance = np.where(units > 1, units / (units - 1) * residual / (total * total), np.nan)
    se = np.sqrt(variance)
    for i, pair in enumerate(wanted):
        cache[pair] = float(se[i]) if np.isfinite(se[i]) else 0.0
