"""The metric registry: stable metric ids (METRICS.md) to functions, and the entry points.

Every metric function takes a :class:`~compliance.metrics.workspace.Workspace` and a
dimension and returns a list of :class:`MetricResult` (one per group, or one aggregate).
Ids are stable strings that policies refer to; they are never renamed.

``applies_to`` says which dimensions a metric takes: ``"any"`` (persona, an attribute or an
intersection), ``"persona"`` (only the persona: ``truth.accuracy.drop_vs_baseline``) or
``"bbq.category"`` (section B, whose groups are BBQ categories).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from compliance.metrics import (
    bbq,
    consistency,
    outcome,
    pairs,
    preference,
    robustness,
    truth,
)
from compliance.metrics.bootstrap import DEFAULT_N_BOOT
from compliance.metrics.columns import BBQ_DIMENSION, RecordColumns, canonical_dimension
from compliance.metrics.results import MetricResult
from compliance.metrics.workspace import ProportionCI, Workspace

__all__ = [
    "METRIC_IDS",
    "REGISTRY",
    "MetricFunction",
    "MetricSpec",
    "compute",
    "compute_all",
    "default_dimensions",
]

MetricFunction = Callable[[Workspace, str], list[MetricResult]]
AppliesTo = Literal["any", "persona", "bbq.category"]
Good = Literal["high", "low", "near 0", "none"]


@dataclass(frozen=True)
class MetricSpec:
    """A registered metric: id, section of METRICS.md, function, dimensions, direction."""

    metric_id: str
    section: Literal["A", "B", "C", "D"]
    function: MetricFunction
    applies_to: AppliesTo
    good: Good


_SPECS: tuple[MetricSpec, ...] = (
    MetricSpec("truth.accuracy", "A", truth.accuracy, "any", "high"),
    MetricSpec("truth.accuracy.worst_group", "A", truth.worst_group, "any", "high"),
    MetricSpec("truth.accuracy.gap", "A", truth.accuracy_gap, "any", "low"),
    MetricSpec("truth.accuracy.gap_to_overall", "A", truth.accuracy_gap_to_overall, "any", "low"),
    MetricSpec("truth.accuracy.ratio", "A", truth.accuracy_ratio, "any", "high"),
    MetricSpec("truth.accuracy.drop_vs_baseline", "A", truth.drop_vs_baseline, "persona", "low"),
    MetricSpec("truth.accuracy.answered", "A", truth.answered_accuracy, "any", "high"),
    MetricSpec("truth.refusal.rate", "A", truth.refusal_rate, "any", "low"),
    MetricSpec("truth.unparsed.rate", "A", truth.unparsed_rate, "any", "low"),
    MetricSpec("truth.refusal.gap", "A", truth.refusal_gap, "any", "low"),
    MetricSpec("truth.unparsed.gap", "A", truth.unparsed_gap, "any", "low"),
    MetricSpec("truth.consistency.unanimity", "A", consistency.unanimity, "any", "high"),
    MetricSpec("truth.consistency.all_correct", "A", consistency.all_correct, "any", "high"),
    MetricSpec("truth.consistency.flip_rate", "A", consistency.flip_rate, "any", "low"),
    MetricSpec(
        "truth.consistency.max_pair_disagreement",
        "A",
        pairs.max_pair_disagreement,
        "any",
        "low",
    ),
    MetricSpec("truth.welfare.nsw", "A", truth.welfare_nsw, "any", "high"),
    MetricSpec("truth.consistency.breakage_rate", "A", robustness.breakage_rate, "any", "low"),
    MetricSpec(
        "truth.consistency.performance_variation",
        "A",
        robustness.performance_variation,
        "any",
        "low",
    ),
    MetricSpec("truth.robustness_error", "A", robustness.robustness_error, "any", "low"),
    MetricSpec("bbq.accuracy", "B", bbq.accuracy, "bbq.category", "high"),
    MetricSpec(
        "bbq.bias_score.disambiguated", "B", bbq.bias_score_disambiguated, "bbq.category", "near 0"
    ),
    MetricSpec("bbq.bias_score.ambiguous", "B", bbq.bias_score_ambiguous, "bbq.category", "near 0"),
    MetricSpec("bbq.alignment_cost", "B", bbq.alignment_cost, "bbq.category", "near 0"),
    MetricSpec("outcome.selection_rate", "C", outcome.selection_rate, "any", "none"),
    MetricSpec("outcome.impact_ratio", "C", outcome.impact_ratio, "any", "high"),
    MetricSpec(
        "outcome.demographic_parity_difference",
        "C",
        outcome.demographic_parity_difference,
        "any",
        "low",
    ),
    MetricSpec(
        "outcome.equalized_odds_difference", "C", outcome.equalized_odds_difference, "any", "low"
    ),
    MetricSpec("preference.mean", "D", preference.mean, "any", "high"),
    MetricSpec("preference.worst_user", "D", preference.worst_user, "any", "high"),
    MetricSpec("preference.bottom_decile", "D", preference.bottom_decile, "any", "high"),
    MetricSpec("preference.gini", "D", preference.gini, "any", "low"),
    MetricSpec("preference.harmed_share", "D", preference.harmed_share, "any", "low"),
    MetricSpec("preference.group_gap", "D", preference.group_gap, "any", "low"),
    MetricSpec("preference.alignment_failure", "D", robustness.alignment_failure, "any", "low"),
)

REGISTRY: Mapping[str, MetricSpec] = {spec.metric_id: spec for spec in _SPECS}
METRIC_IDS: tuple[str, ...] = tuple(spec.metric_id for spec in _SPECS)


def default_dimensions(columns: RecordColumns) -> tuple[str, ...]:
    """``persona`` and every attribute, sorted."""
    return ("persona", *sorted(columns.attributes))


def _spec(metric_id: str) -> MetricSpec:
    try:
        return REGISTRY[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric id {metric_id!r}") from None


def compute(
    metric_id: str,
    columns: RecordColumns,
    dimension: str | None = None,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    min_n: int = 0,
    proportion_ci: ProportionCI = "wilson",
    workspace: Workspace | None = None,
) -> list[MetricResult]:
    """One metric for one dimension (default: ``persona``, or ``bbq.category`` for BBQ).

    The dimension is canonicalized (``"gender * age"`` → ``"gender×age"``); results carry
    the canonical name.
    """
    spec = _spec(metric_id)
    ws = workspace or Workspace(columns, n_boot=n_boot, min_n=min_n, proportion_ci=proportion_ci)
    if spec.applies_to == "bbq.category":
        if dimension not in (None, BBQ_DIMENSION):
            raise ValueError(f"{metric_id} takes the dimension {BBQ_DIMENSION!r} only")
        return spec.function(ws, BBQ_DIMENSION)
    dim = "persona" if dimension is None else canonical_dimension(dimension)
    if spec.applies_to == "persona" and dim != "persona":
        raise ValueError(f"{metric_id} takes the dimension 'persona' only")
    return spec.function(ws, dim)


def compute_all(
    columns: RecordColumns,
    dimensions: Iterable[str] | None = None,
    *,
    metric_ids: Sequence[str] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    min_n: int = 0,
    proportion_ci: ProportionCI = "wilson",
    seed_material: bytes | None = None,
) -> list[MetricResult]:
    """Every metric (or ``metric_ids``) for every dimension it applies to. Resamples are
    seeded from ``seed_material`` (an audit's inputs), else from the records' fingerprint.

    Dimensions default to :func:`default_dimensions`; section B metrics run once, for
    ``bbq.category``; ``drop_vs_baseline`` runs when ``persona`` is among the dimensions.
    A metric without data gives an explicit ``undefined`` result, never nothing.
    """
    ws = Workspace(
        columns,
        n_boot=n_boot,
        min_n=min_n,
        proportion_ci=proportion_ci,
        seed_material=seed_material,
    )
    dims = tuple(
        default_dimensions(columns)
        if dimensions is None
        else dict.fromkeys(canonical_dimension(d) for d in dimensions)
    )
    results: list[MetricResult] = []
    for metric_id in METRIC_IDS if metric_ids is None else metric_ids:
        spec = _spec(metric_id)
        if spec.applies_to == "bbq.category":
            results += spec.function(ws, BBQ_DIMENSION)
            continue
        for dim in dims:
            if spec.applies_to == "persona" and dim.strip() != "persona":
                continue
            results += spec.function(ws, dim)
    return results
