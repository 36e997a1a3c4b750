"""The typed result of every metric: one :class:`MetricResult` per (metric, dimension, group).

Conventions (METRICS.md, "Statistics attached to every metric"):

- ``group`` is the group's label, or ``None`` for an overall or aggregate value
  (``truth.accuracy`` overall, ``truth.accuracy.gap``, ...).
- ``status`` is ``"ok"``; ``"undefined"`` when the estimate does not exist (a zero
  denominator, an empty group, fewer than two groups for a gap), in which case ``estimate``
  is ``None``; or ``"insufficient_data"`` when a group is below the policy's ``min_n``: the
  estimate is still reported so that a reader sees it, but a rule must not pass on it.
- Numbers are finite or ``None``: NaN is only the engine's internal marker of "absent" and
  never leaves it. :class:`MetricResult` refuses a non-finite number at construction.
- ``detail`` carries extras keyed by stable names: ``p_adjusted`` (Holm), ``mdg`` (the
  smallest gap detectable at α = 0.05 and power 0.8), ``n_unknown`` (records whose group is
  unknown), ``test`` (``"z"`` or ``"fisher"``), ``ci_method`` and the like.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Detail",
    "DetailValue",
    "MetricResult",
    "Status",
]

Status = Literal["ok", "undefined", "insufficient_data"]
DetailValue = float | int | str
Detail = dict[str, DetailValue]


def _check_finite(name: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"MetricResult.{name} must be finite or None, got {value!r}")


@dataclass(frozen=True)
class MetricResult:
    """One value of one metric, with its interval, sample size and test.

    ``n`` counts the units the estimate is an average over (records, items, pairs or users,
    as the metric's docstring says); for an aggregate over groups it is the total of the
    groups it compares.
    """

    metric_id: str
    dimension: str
    group: str | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    p_value: float | None
    status: Status
    detail: Detail = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("estimate", "ci_low", "ci_high", "p_value"):
            _check_finite(name, getattr(self, name))
        for key, value in self.detail.items():
            if isinstance(value, float):
                _check_finite(f"detail[{key!r}]", value)
        if self.status == "undefined" and self.estimate is not None:
            raise ValueError("an undefined result has no estimate")
        if self.status != "undefined" and self.estimate is None:
            raise ValueError(f"a result with status {self.status!r} needs an estimate")
        if self.n < 0:
            raise ValueError("n must be >= 0")

    @property
    def ci(self) -> tuple[float, float] | None:
        """The interval as a pair, or ``None`` when there is none."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return (self.ci_low, self.ci_high)
