"""What changed between two report manifests (``compliance reports diff ID1 ID2``).

Pure and exact: deltas are computed in decimal arithmetic on the manifests' decimal
strings (``new − old``), so ``0.83 − 0.8275`` is ``0.0025``, not a float approximation.

- metric deltas: one per (metric, dimension, group) found in either manifest; a key in
  only one of them has ``old`` or ``new`` None and no delta;
- verdict changes: every rule whose verdict differs (a rule in only one manifest shows
  ``None`` on the other side);
- finding deltas: the value each rule was judged on, old and new;
- the overall verdict, old and new.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from compliance.domain.manifest import ReportManifest

__all__ = ["ManifestDiff", "MetricDelta", "RuleChange", "diff_manifests", "exact_delta"]

MetricKey = tuple[str, str, str | None]


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    dimension: str
    group: str | None
    old: str | None
    new: str | None
    delta: str | None
    old_status: str | None
    new_status: str | None

    @property
    def changed(self) -> bool:
        return self.old != self.new or self.old_status != self.new_status


@dataclass(frozen=True)
class RuleChange:
    rule_id: str
    old_verdict: str | None
    new_verdict: str | None
    old_value: str | None
    new_value: str | None
    delta: str | None

    @property
    def verdict_changed(self) -> bool:
        return self.old_verdict != self.new_verdict


@dataclass(frozen=True)
class ManifestDiff:
    old_report: str | None
    new_report: str | None
    old_verdict: str
    new_verdict: str
    metrics: tuple[MetricDelta, ...]
    rules: tuple[RuleChange, ...]

    @property
    def verdict_changed(self) -> bool:
        return self.old_verdict != self.new_verdict

    @property
    def changed_metrics(self) -> tuple[MetricDelta, ...]:
        return tuple(m for m in self.metrics if m.changed)

    @property
    def verdict_changes(self) -> tuple[RuleChange, ...]:
        """Rules whose verdict flipped (or that appear in only one manifest)."""
        return tuple(r for r in self.rules if r.verdict_changed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (numbers stay decimal strings)."""
        data = asdict(self)
        data["verdict_changed"] = self.verdict_changed
        return data


def exact_delta(old: str | None, new: str | None) -> str | None:
    """``new − old`` in decimal arithmetic as a string; None when either is missing."""
    if old is None or new is None:
        return None
    try:
        delta = Decimal(new) - Decimal(old)
    except InvalidOperation:
        return None
    return "0" if delta.is_zero() else str(delta)


def diff_manifests(old: ReportManifest, new: ReportManifest) -> ManifestDiff:
    """The differences from ``old`` to ``new`` (usually consecutive versions of a series)."""
    old_metrics: dict[MetricKey, Any] = {(m.metric, m.dimension, m.group): m for m in old.metrics}
    new_metrics: dict[MetricKey, Any] = {(m.metric, m.dimension, m.group): m for m in new.metrics}
    keys = list(new_metrics) + [k for k in old_metrics if k not in new_metrics]
    metrics = []
    for key in keys:
        before, after = old_metrics.get(key), new_metrics.get(key)
        old_value = before.estimate if before else None
        new_value = after.estimate if after else None
        metrics.append(
            MetricDelta(
                metric=key[0],
                dimension=key[1],
                group=key[2],
                old=old_value,
                new=new_value,
                delta=exact_delta(old_value, new_value),
                old_status=before.status if before else None,
                new_status=after.status if after else None,
            )
        )
    old_findings = {f.rule_id: f for f in old.findings}
    new_findings = {f.rule_id: f for f in new.findings}
    rule_ids = list(new_findings) + [r for r in old_findings if r not in new_findings]
    rules = []
    for rule_id in rule_ids:
        was, now = old_findings.get(rule_id), new_findings.get(rule_id)
        rules.append(
            RuleChange(
                rule_id=rule_id,
                old_verdict=was.verdict if was else None,
                new_verdict=now.verdict if now else None,
                old_value=was.value if was else None,
                new_value=now.value if now else None,
                delta=exact_delta(was.value if was else None, now.value if now else None),
            )
        )
    return ManifestDiff(
        old_report=old.report.id if old.report else old.identity.audit_id,
        new_report=new.report.id if new.report else new.identity.audit_id,
        old_verdict=old.summary.verdict,
        new_verdict=new.summary.verdict,
        metrics=tuple(metrics),
        rules=tuple(rules),
    )
