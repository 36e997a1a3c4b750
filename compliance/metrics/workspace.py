"""The computation context shared by the metrics of one call: settings and memoized work.

A :class:`Workspace` holds the columns, the settings (B, ``min_n``, the proportion
interval) and a memo of intermediate results, so that metrics which are compositions of one
grouped computation (Fairlearn's design) share it: the per-dimension group sums, the
resampling weights of each section's units. A metric computed alone and the same metric
computed by ``compute_all`` give identical numbers: the memo only saves time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Literal, TypeVar, cast

import numpy as np
import numpy.typing as npt

from compliance.metrics.bootstrap import DEFAULT_N_BOOT, UnitWeights, derive_seed
from compliance.metrics.columns import (
    INTERSECTION,
    UNKNOWN_GROUP,
    RecordColumns,
    canonical_dimension,
)
from compliance.metrics.results import Detail, MetricResult, Status
from compliance.metrics.stats import (
    clopper_pearson_interval,
    effective_wilson_interval,
    wilson_interval,
)

__all__ = [
    "Dimension",
    "ProportionCI",
    "Workspace",
    "compact_codes",
    "finite",
    "make_result",
]

T = TypeVar("T")
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ProportionCI = Literal["wilson", "clopper-pearson"]


@dataclass(frozen=True, eq=False)
class Dimension:
    """A resolved dimension: its name, a group code per row (-1 unknown) and the labels."""

    name: str
    codes: IntArray
    labels: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.labels)

    @property
    def comparable(self) -> npt.NDArray[np.bool_]:
        """The groups that comparisons include: all but the unknown ones."""
        return np.array(
            [UNKNOWN_GROUP not in label.split(INTERSECTION) for label in self.labels],
            dtype=np.bool_,
        )


def compact_codes(codes: IntArray) -> tuple[IntArray, int]:
    """Renumber non-negative codes to 0..k-1 in code order (O(n + max code), no sort)."""
    if codes.size == 0:
        return codes.copy(), 0
    present = np.bincount(codes, minlength=1) > 0
    remap = np.cumsum(present) - 1
    return remap[codes].astype(np.int64), int(present.sum())


def finite(value: float | np.floating | None) -> float | None:
    """A Python float, or None for None/NaN/infinite (the only way NaN leaves the engine)."""
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def make_result(
    metric_id: str,
    dimension: str,
    group: str | None,
    estimate: float | np.floating | None,
    *,
    n: int,
    min_n: int,
    ci: tuple[float | np.floating | None, float | np.floating | None] = (None, None),
    p_value: float | None = None,
    detail: Detail | None = None,
    smallest_n: int | None = None,
) -> MetricResult:
    """A result with its status: undefined without an estimate, insufficient_data when the
    smallest group involved (``smallest_n``, default ``n``) is below ``min_n``."""
    est = finite(estimate)
    status: Status
    if est is None:
        status = "undefined"
        ci = (None, None)
    elif (n if smallest_n is None else smallest_n) < min_n:
        status = "insufficient_data"
    else:
        status = "ok"
    low, high = finite(ci[0]), finite(ci[1])
    if low is None or high is None:
        low = high = None
    clean = {
        k: v
        for k, v in (detail or {}).items()
        if not (isinstance(v, float) and not math.isfinite(v))
    }
    return MetricResult(
        metric_id=metric_id,
        dimension=dimension,
        group=group,
        estimate=est,
        ci_low=low,
        ci_high=high,
        n=int(n),
        p_value=finite(p_value),
        status=status,
        detail=clean,
    )


@dataclass(eq=False)
class Workspace:
    """Columns, settings and the memo of one computation."""

    columns: RecordColumns
    n_boot: int = DEFAULT_N_BOOT
    min_n: int = 0
    proportion_ci: ProportionCI = "wilson"
    seed_material: bytes | None = None
    _memo: dict[tuple[Hashable, ...], object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.n_boot < 1:
            raise ValueError("n_boot must be >= 1")
        if self.min_n < 0:
            raise ValueError("min_n must be >= 0")
        if self.proportion_ci not in ("wilson", "clopper-pearson"):
            raise ValueError("proportion_ci must be 'wilson' or 'clopper-pearson'")

    def memo(self, key: tuple[Hashable, ...], factory: Callable[[], T]) -> T:
        """``factory()``, computed once per key."""
        if key not in self._memo:
            self._memo[key] = factory()
        return cast(T, self._memo[key])

    def dimension(self, spec: str) -> Dimension:
        """The resolved dimension (memoized)."""

        name = canonical_dimension(spec)

        def build() -> Dimension:
            codes, labels = self.columns.dimension(name)
            return Dimension(name, codes, labels)

        return self.memo(("dimension", name), build)

    @property
    def seed_source(self) -> bytes:
        """What every seed derives from: the caller's ``seed_material`` (an audit passes
        the sha256 of its runs' content hashes and its policy), else the records' own
        order-free fingerprint."""
        return self.seed_material if self.seed_material is not None else self.columns.fingerprint

    def seed(self, namespace: str) -> int:
        """A 64-bit seed for a randomized computation (e.g. a permutation test)."""
        return derive_seed(self.seed_source, namespace, 0, self.n_boot)

    def weights(self, namespace: str, n_units: int) -> UnitWeights:
        """The resampling weights of ``n_units`` units of a section (memoized, seeded)."""

        def build() -> UnitWeights:
            seed = derive_seed(self.seed_source, namespace, n_units, self.n_boot)
            return UnitWeights(seed, n_units, self.n_boot)

        return self.memo(("weights", namespace, n_units), build)

    @property
    def level(self) -> float:
        """The confidence level of every interval (95%)."""
        return 0.95

    def clustered_proportion_interval(
        self, k: FloatArray, n: FloatArray, unit_k: FloatArray, unit_n: FloatArray
    ) -> tuple[FloatArray, FloatArray, list[str]]:
        """95% intervals of k/n per column, with the per-unit sums (units × columns): the
        configured interval where every unit gives at most one record, the cluster-robust
        Wilson interval elsewhere; and each column's method name."""
        low, high = self.proportion_interval(k, n)
        c_low, c_high, clustered = effective_wilson_interval(k, n, unit_k, unit_n)
        low = np.where(clustered, c_low, low)
        high = np.where(clustered, c_high, high)
        method = ["wilson_clustered" if c else self.proportion_ci for c in clustered.tolist()]
        return low, high, method

    def proportion_interval(self, k: FloatArray, n: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The 95% interval of k/n elementwise (Wilson, or Clopper–Pearson); NaN where n = 0."""
        if self.proportion_ci == "wilson":
            return wilson_interval(k, n)
        low = np.full(k.shape, np.nan)
        high = np.full(k.shape, np.nan)
        for i, (kk, nn) in enumerate(zip(k.tolist(), n.tolist(), strict=True)):
            if nn > 0:
                low[i], high[i] = clopper_pearson_interval(round(kk), round(nn))
        return low, high
