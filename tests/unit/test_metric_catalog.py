"""The catalog (what policies and reports say of a metric) and the engine name the same ids."""

from __future__ import annotations

from compliance.domain.metric_catalog import CATALOG, METRIC_IDS
from compliance.metrics import METRIC_IDS as ENGINE_IDS
from compliance.metrics import REGISTRY


def test_catalog_and_engine_agree() -> None:
    assert set(METRIC_IDS) == set(ENGINE_IDS)
    for metric_id, spec in CATALOG.items():
        assert REGISTRY[metric_id].section == spec.section, metric_id


def test_every_metric_has_a_definition_and_a_direction() -> None:
    for spec in CATALOG.values():
        assert spec.definition.endswith(".")
        assert spec.better in {"high", "low", "zero", "none"}
        if spec.low is not None and spec.high is not None:
            assert spec.low < spec.high
