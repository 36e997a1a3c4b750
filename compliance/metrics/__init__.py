"""The metrics engine of METRICS.md: pure NumPy, no I/O.

Input: :class:`RecordColumns` (one row per evaluation record, integer codes and label
tables). Output: :class:`MetricResult` (estimate, 95% interval, n, p-value, status,
detail). Entry points: :func:`compute` (one metric id, one dimension) and
:func:`compute_all` (every metric id for every dimension). The ids are in
:data:`METRIC_IDS`; :data:`REGISTRY` maps each to its function.

Statistics: Wilson intervals for per-group proportions; percentile cluster-bootstrap
intervals (resampling clusters of items, never records; B = 2000 by default; seeded from a
hash of the input) for gaps, ratios, minima, consistency, Gini and NSW; exact McNemar with
Holm's correction for persona vs baseline; z or Fisher tests and the minimum detectable gap
for group comparisons.
"""

from compliance.metrics.bootstrap import DEFAULT_N_BOOT
from compliance.metrics.columns import BASELINE_LABEL, TASK_CODES, RecordColumns
from compliance.metrics.registry import (
    METRIC_IDS,
    REGISTRY,
    MetricSpec,
    compute,
    compute_all,
    default_dimensions,
)
from compliance.metrics.results import MetricResult, Status
from compliance.metrics.workspace import Workspace

__all__ = [
    "BASELINE_LABEL",
    "DEFAULT_N_BOOT",
    "METRIC_IDS",
    "REGISTRY",
    "TASK_CODES",
    "MetricResult",
    "MetricSpec",
    "RecordColumns",
    "Status",
    "Workspace",
    "compute",
    "compute_all",
    "default_dimensions",
]
