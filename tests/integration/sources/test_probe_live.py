"""The probe against an OpenAI-compatible chat server on 127.0.0.1 with a known bias.

The fake server (``fake_chat.py``) answers every question right, except that personas
aged 65+ get the next option on a deterministic 20% of items (``every_fifth``). The
records the probe yields must show exactly that: per-persona accuracy 1.0, and
1 - skewed/items for the two 65+ personas, in both variants, and 1.0 for the baseline.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from compliance.domain.records import EvaluationRecord
from compliance.errors import ConfigError, InputError, SourceUnavailable
from compliance.sources.config import ProbeSourceConfig, parse_source_config
from compliance.sources.probe import ResponseCache, run_probe
from compliance.sources.probe_suite import PersonaSet, ProbeSuite, load_personas, load_suite

from .fake_chat import FakeChat, every_fifth, serve_chat

ITEMS = 40


@pytest.fixture(scope="module")
def suite() -> ProbeSuite:
    suite = load_suite("facts-mc-40")
    assert len(suite.items) == ITEMS
    return suite


@pytest.fixture(scope="module")
def personas() -> PersonaSet:
    return load_personas("core-10")


def _config(url: str, **fields: Any) -> ProbeSourceConfig:
    config = parse_source_config(
        "probe",
        {
            "base_url": url,
            "model": "fake-personal-1",
            "suite": "facts-mc-40",
            "personas": "core-10",
            "timeout": 30,  # far above any answer's time here: no retry by luck of load
            **fields,
        },
    )
    assert isinstance(config, ProbeSourceConfig)
    return config


class Waits:
    """An injected asyncio sleep: records what it is asked, waits no more than a tick."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)


def _probe(
    config: ProbeSourceConfig, suite: ProbeSuite, personas: PersonaSet, **kw: Any
) -> list[EvaluationRecord]:
    return list(run_probe(config, suite=suite, personas=personas, **kw))


def _accuracy(records: list[EvaluationRecord]) -> dict[str | None, float]:
    outcomes: dict[str | None, list[bool]] = defaultdict(list)
    for record in records:
        assert record.correct is not None, record
        outcomes[record.persona_id].append(record.correct)
    return {persona: sum(v) / len(v) for persona, v in outcomes.items()}


def test_the_injected_bias_is_recovered_per_persona(
    suite: ProbeSuite, personas: PersonaSet, tmp_path: Path
) -> None:
    chat = FakeChat(suite, personas)
    progress: list[tuple[int, int]] = []
    with serve_chat(chat) as url:
        config = _config(url, variants=["system", "inline"], concurrency=8)
        records = _probe(
            config,
            suite,
            personas,
            cache_path=tmp_path / "c.db",
            on_progress=lambda d, t: progress.append((d, t)),
        )
    total = ITEMS * (1 + 10 * 2)
    assert len(records) == total == chat.requests == chat.answered
    assert len({r.key for r in records}) == total
    assert progress[-1] == (total, total)
    assert [d for d, _ in progress] == list(range(1, total + 1))

    skewed = sum(every_fifth(item.id) for item in suite.items)
    assert 0 < skewed < ITEMS
    accuracy = _accuracy(records)
    for persona in personas.personas:
        expected = 1 - skewed / ITEMS if persona.attributes.get("age_band") == "65+" else 1.0
        for variant in ("system", "inline"):
            assert accuracy[f"{persona.id}/{variant}"] == pytest.approx(expected)
    assert accuracy[None] == 1.0

    older = [r for r in records if r.persona_attributes.get("age_band") == "65+"]
    assert {r.item_id for r in older if not r.correct} == {
        item.id for item in suite.items if every_fifth(item.id)
    }
    assert all(r.benchmark == "facts-mc-40" for r in records)
    assert all(r.extra["probe.format"] == "multiple_choice" for r in records)


def test_429s_500s_bad_bodies_drops_and_slow_answers_are_retried(
    suite: ProbeSuite, personas: PersonaSet
) -> None:
    items = suite.items
    faults = {
        f"{items[0].id}|baseline|baseline": ["429"],
        f"{items[1].id}|p-female-70|system": ["500", "503"],
        f"{items[2].id}|p-blind|system": ["malformed"],
        f"{items[3].id}|p-muslim|system": ["no-choices", "429-date"],
        f"{items[4].id}|baseline|baseline": ["drop"],
        f"{items[5].id}|p-nigerian|system": ["slow"],
    }
    # the slow answer comes after 60 s: the 3 s timeout cuts it, and no other answer
    chat = FakeChat(suite, personas, faults=faults, slow_seconds=60.0)
    waits = Waits()
    with serve_chat(chat) as url:
        records = _probe(_config(url, concurrency=8, timeout=3), suite, personas, sleep=waits)
    assert len(records) == ITEMS * 11
    assert all(r.correct is not None for r in records)
    for key, plan in faults.items():
        assert chat.per_key[key] == len(plan) + 1, key
    assert chat.requests == ITEMS * 11 + sum(len(plan) for plan in faults.values())
    assert len(waits.slept) == 8
    assert sum(1 for s in waits.slept if s >= 1.0) >= 2  # Retry-After: 1, and a date 2 s on


def test_a_prompt_failing_every_retry_stops_the_probe_and_the_cache_keeps_the_rest(
    suite: ProbeSuite, personas: PersonaSet, tmp_path: Path
) -> None:
    cache = tmp_path / "probe-cache.db"
    key = f"{suite.items[20].id}|p-male-24|system"
    chat = FakeChat(suite, personas, faults={key: ["500"] * 4})
    with serve_chat(chat) as url:
        config = _config(url, concurrency=4, max_retries=3)
        with pytest.raises(SourceUnavailable) as caught:
            _probe(config, suite, personas, cache_path=cache, sleep=Waits())
        assert f"item {suite.items[20].id}, persona p-male-24/system" in str(caught.value)
        assert "HTTP 500" in str(caught.value)
        cached = len(ResponseCache(cache))
        # replies in flight when the probe stopped are lost; all others are kept
        assert chat.answered - 4 <= cached <= chat.answered < ITEMS * 11

        chat.faults.clear()
        before = chat.requests
        records = _probe(config, suite, personas, cache_path=cache, sleep=Waits())
        assert len(records) == ITEMS * 11
        assert chat.requests - before == ITEMS * 11 - cached  # only what the cache lacked

        before = chat.requests
        again = _probe(config, suite, personas, cache_path=cache)
        assert chat.requests == before  # a re-run costs nothing

    def order(record: EvaluationRecord) -> tuple[str, str]:
        return (record.item_id, record.persona_id or "")

    assert sorted(again, key=order) == sorted(records, key=order)


def test_a_reply_past_the_limit_stops_the_probe_with_one_line(
    suite: ProbeSuite, personas: PersonaSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_MAX_PROBE_REPLY_BYTES", str(64 * 1024))
    small = suite.model_copy(update={"items": suite.items[:2]})
    key = f"{small.items[1].id}|p-male-24|system"
    chat = FakeChat(small, personas, faults={key: ["huge"]})
    with serve_chat(chat) as url, pytest.raises(InputError) as caught:
        _probe(_config(url, concurrency=1), small, personas, cache_path=tmp_path / "c.db")
    message = str(caught.value)
    assert "/chat/completions: the reply is larger than 65536 bytes" in message
    assert "COMPLIANCE_MAX_PROBE_REPLY_BYTES" in message
    assert chat.per_key[key] == 1  # refused, not retried


def test_concurrency_is_bounded(suite: ProbeSuite, personas: PersonaSet) -> None:
    small = suite.model_copy(update={"items": suite.items[:8]})
    chat = FakeChat(small, personas, latency=0.02, gather=5)  # reaching 5 is not left to luck
    with serve_chat(chat) as url:
        records = _probe(_config(url, concurrency=5), small, personas)
    assert len(records) == 8 * 11
    assert chat.max_in_flight == 5


def test_the_rate_limit_spaces_requests(suite: ProbeSuite, personas: PersonaSet) -> None:
    small = suite.model_copy(update={"items": suite.items[:3]})
    chat = FakeChat(small, personas)
    with serve_chat(chat) as url:
        started = time.monotonic()
        records = _probe(_config(url, concurrency=8, rate_limit=60, burst=3), small, personas)
        elapsed = time.monotonic() - started
    assert len(records) == 33
    assert elapsed >= (33 - 3) / 60 * 0.95


def test_the_api_key_comes_from_the_environment(suite: ProbeSuite, personas: PersonaSet) -> None:
    small = suite.model_copy(update={"items": suite.items[:2]})
    chat = FakeChat(small, personas, api_key="sk-test-key")
    with serve_chat(chat) as url:
        config = _config(url, api_key_env="CHAT_KEY")
        assert len(_probe(config, small, personas, env={"CHAT_KEY": "sk-test-key"})) == 22
        with pytest.raises(ConfigError, match="HTTP 401") as caught:
            _probe(config, small, personas, env={"CHAT_KEY": "wrong"})
        assert caught.value.hint == "check the API key in $CHAT_KEY"
        with pytest.raises(ConfigError, match="CHAT_KEY"):
            _probe(config, small, personas, env={})


def test_stopping_early_cancels_the_rest(suite: ProbeSuite, personas: PersonaSet) -> None:
    chat = FakeChat(suite, personas, latency=0.01)
    with serve_chat(chat) as url:
        stream = run_probe(_config(url, concurrency=4), suite=suite, personas=personas)
        taken = [record for _, record in zip(range(10), stream, strict=False)]
        stream.close()  # type: ignore[attr-defined]
        time.sleep(0.1)
        asked = chat.requests
        time.sleep(0.1)
        assert chat.requests == asked  # nothing more is sent
    assert len(taken) == 10
    assert asked < ITEMS * 11
