"""The per-endpoint limit shared through PostgreSQL: probes of several workers (here two
probes, each with its own database sessions, as two worker processes have) against one
loopback chat server never have more requests in flight than the limit."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from compliance.bootstrap import App
from compliance.domain.records import EvaluationRecord
from compliance.sources.config import ProbeSourceConfig, parse_source_config
from compliance.sources.probe import run_probe
from compliance.sources.probe_suite import load_personas, load_suite
from compliance.storage.repositories.endpoint_slots import EndpointSlots
from tests.conftest import SERVER_URL

from .fake_chat import FakeChat, serve_chat

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        SERVER_URL is None, reason="the shared limit lives in PostgreSQL (advisory locks)"
    ),
]


def _config(url: str, model: str) -> ProbeSourceConfig:
    config = parse_source_config(
        "probe",
        {
            "base_url": url,
            "model": model,
            "suite": "facts-mc-40",
            "personas": "core-10",
            "timeout": 30,
            "concurrency": 6,  # each probe alone would keep 6 in flight
        },
    )
    assert isinstance(config, ProbeSourceConfig)
    return config


def test_two_workers_probes_never_exceed_the_endpoint_limit(app: App) -> None:
    suite = load_suite("facts-mc-40")
    small = suite.model_copy(update={"items": suite.items[:6]})
    personas = load_personas("core-10")
    # the first requests wait until 3 are in flight: reaching the limit is not left to luck
    chat = FakeChat(small, personas, latency=0.02, gather=3)
    gates = [EndpointSlots(app.engine, 3) for _ in range(2)]  # two workers' own sessions
    found: dict[int, list[EvaluationRecord]] = {}
    errors: list[BaseException] = []

    def probe(index: int, url: str) -> None:
        try:
            config = _config(url, f"model-{index}")
            found[index] = list(
                run_probe(config, suite=small, personas=personas, gate=gates[index])
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    try:
        with serve_chat(chat) as url:
            threads = [threading.Thread(target=probe, args=(i, url)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
    finally:
        for gate in gates:
            gate.close()
    assert not errors, errors
    assert [len(found[i]) for i in range(2)] == [6 * 11, 6 * 11]
    assert chat.max_in_flight == 3  # reached, never exceeded, across both probes
    assert chat.requests == 2 * 6 * 11


def test_without_a_gate_each_probe_keeps_its_own_concurrency(app: App) -> None:
    """The control: the same probe, no shared limit, reaches its own concurrency."""
    suite = load_suite("facts-mc-40")
    small = suite.model_copy(update={"items": suite.items[:6]})
    personas = load_personas("core-10")
    chat = FakeChat(small, personas, latency=0.02, gather=6)
    with serve_chat(chat) as url:
        records: list[Any] = list(run_probe(_config(url, "m"), suite=small, personas=personas))
    assert len(records) == 6 * 11
    assert chat.max_in_flight == 6
