"""The NYC Local Law 144 appendix: a bias audit's tables in the form of 6 RCNY 5-301.

Shown when the report's policy maps to ``nyc-ll144`` and the report was issued with the
catalogue that introduced the appendix (:data:`FIRST_CATALOGUE`; earlier reports render
as they did). Read from the manifest's metrics
only (no recomputation): for every category dimension of the decision records, each
attribute (e.g. ``gender``, ``race``) and each intersection (e.g. ``gender×race``, which
the audit computes for every pair of attributes when the policy maps to LL144), one table
with, per category:

- the number of individuals ``n_g`` (decision records of the category);
- the selection rate ``sr_g = P(outcome = 1 | g)`` (``outcome.selection_rate``); the
  decisions are yes/no, so the rate the rule asks for is the selection rate (a *scoring*
  rate, the share scored above the sample's median, applies to tools that return a score);
- the impact ratio ``sr_g / max_h sr_h`` (``outcome.impact_ratio``) with its simultaneous
  95% interval; the category with the highest rate has ratio 1;

and the number of individuals in an unknown category (records without the attribute),
which are counted but left out of the rates and ratios.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.domain.manifest import MetricEntry, ReportManifest
from compliance.reporting._format import dimension_order, fmt, fmt_interval

__all__ = ["LL144_REGIME", "LL144Appendix", "LL144Row", "LL144Table", "ll144_appendix"]

LL144_REGIME = "nyc-ll144"
#: the nyc-ll144 catalogue version that introduced the appendix
FIRST_CATALOGUE = "2026.12.2"
_UNKNOWN = "(unknown)"
_NOT_CATEGORIES = {"persona", "bbq.category"}


@dataclass(frozen=True)
class LL144Row:
    category: str
    n: str
    selection_rate: str
    impact_ratio: str
    interval: str
    highest: bool
    note: str


@dataclass(frozen=True)
class LL144Table:
    dimension: str
    intersectional: bool
    rows: list[LL144Row]
    n_unknown: str
    highest: str


@dataclass(frozen=True)
class LL144Appendix:
    tables: list[LL144Table]
    records: str


def ll144_appendix(manifest: ReportManifest) -> LL144Appendix | None:
    """The appendix (see the module docstring), or None when the policy does not map to
    NYC LL144."""
    if LL144_REGIME not in manifest.identity.policy.regimes or not _issued_with_appendix(manifest):
        return None
    ratios: dict[str, dict[str, MetricEntry]] = {}
    rates: dict[tuple[str, str | None], MetricEntry] = {}
    for m in manifest.metrics:
        if m.metric == "outcome.impact_ratio" and m.dimension not in _NOT_CATEGORIES:
            if m.group is not None:
                ratios.setdefault(m.dimension, {})[m.group] = m
        elif m.metric == "outcome.selection_rate":
            rates[(m.dimension, m.group)] = m
    # single attributes first, then intersections
    tables = [_table(d, ratios[d], rates) for d in dimension_order(ratios)]
    overall = next((m for (d, g), m in rates.items() if g is None), None)
    return LL144Appendix(tables=tables, records=overall.n if overall else "0")


def _table(
    dimension: str,
    groups: dict[str, MetricEntry],
    rates: dict[tuple[str, str | None], MetricEntry],
) -> LL144Table:
    """One category table; a category with an unknown part (``female×(unknown)``) is an
    unknown category: counted, not rated."""
    rows = []
    n_unknown = 0
    highest = ""
    for group in sorted(groups):
        ratio = groups[group]
        rate = rates.get((dimension, group))
        n = rate.n if rate else ratio.n
        highest = ratio.detail.get("highest_group", highest)
        if _UNKNOWN in group:
            n_unknown += int(n) if n.isdigit() else 0
            continue
        rows.append(
            LL144Row(
                category=group,
                n=n,
                selection_rate=fmt(None if rate is None else _str(rate.estimate)),
                impact_ratio=fmt(_str(ratio.estimate)),
                interval=fmt_interval(_str(ratio.ci_low), _str(ratio.ci_high)),
                highest=group == ratio.detail.get("highest_group"),
                note=ratio.detail.get("reason", ""),
            )
        )
    if not any(_UNKNOWN in g for g in groups) and groups:
        # no unknown group listed: the metric's own count
        first = next(iter(groups.values())).detail.get("n_unknown", "0")
        n_unknown = int(first) if first.isdigit() else 0
    return LL144Table(dimension, "×" in dimension, rows, str(n_unknown), highest)


def _issued_with_appendix(manifest: ReportManifest) -> bool:
    """Whether the report was issued with the catalogue that introduced the appendix
    (``nyc-ll144`` :data:`FIRST_CATALOGUE` or later, as its mapping records): a report
    issued before renders as it did (its HTML and PDF are renderings of its manifest)."""
    for mapped in manifest.regulatory_mapping or ():
        if mapped.regime == LL144_REGIME:
            return _version(mapped.catalogue_version) >= _version(FIRST_CATALOGUE)
    return False


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return ()


def _str(value: object) -> str | None:
    return None if value is None else str(value)
