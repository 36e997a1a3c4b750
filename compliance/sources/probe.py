"""The live probe: a suite of objective questions asked of a chat model, per persona.

The prompts come from a suite and a persona set (:mod:`compliance.sources.probe_suite`);
each reply becomes a record (:mod:`compliance.sources.probe_answers`). This module runs
the probe; its parts live beside it, along their seams:

- :mod:`compliance.sources.probe_client`: requests to ``POST {base_url}/chat/completions``
  (the OpenAI chat API) over one aiohttp session, at most ``rate_limit`` per second (a
  token bucket of ``burst`` tokens), each retried on 429, 5xx, timeouts, broken
  connections and malformed bodies with full-jitter exponential backoff (at least what
  ``Retry-After`` asks). A request that fails every retry stops the probe with
  :class:`SourceUnavailable`; the replies received so far are in the cache.
- :mod:`compliance.sources.probe_cache`: the **cache** (a SQLite file, passed in) keeps
  each reply under the sha256 of the request: base URL, model, messages and sampling
  parameters; a re-run asks only what it does not have.
- :mod:`compliance.sources.probe_thread`: the event loop in a background thread behind
  :func:`run_probe`'s plain iterator.

At most ``concurrency`` requests are in flight (an ``asyncio.Semaphore`` in
:func:`aprobe`). The public names of the parts are importable from here.
"""

from __future__ import annotations

import asyncio
import collections
import random
import time
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Iterator,
    Mapping,
    Sequence,
)
from pathlib import Path
from typing import Any

from compliance.domain.records import EvaluationRecord
from compliance.sources.config import ProbeSourceConfig, secret_from_env
from compliance.sources.probe_answers import answer_record
from compliance.sources.probe_cache import ResponseCache, cache_key, request_body
from compliance.sources.probe_client import (
    ChatClient,
    EndpointGate,
    Sleep,
    TokenBucket,
    chat_session,
    parse_chat_body,
)
from compliance.sources.probe_suite import (
    PersonaSet,
    ProbeSuite,
    Prompt,
    build_prompts,
    load_personas,
    load_suite,
)
from compliance.sources.probe_thread import Progress, threaded

__all__ = [
    "EndpointGate",
    "ResponseCache",
    "TokenBucket",
    "aprobe",
    "cache_key",
    "configured_prompts",
    "parse_chat_body",
    "request_body",
    "run_probe",
    "use_endpoint_gate",
]

_shared_gate: EndpointGate | None = None


def use_endpoint_gate(gate: EndpointGate | None) -> None:
    """Make every probe of this process hold a slot of ``gate`` for each request in flight
    (keyed by the source's ``base_url``); None removes it. ``compliance worker`` installs
    the PostgreSQL one when ``COMPLIANCE_ENDPOINT_CONCURRENCY`` is set."""
    global _shared_gate  # noqa: PLW0603 - one gate per process, set by the entry point
    _shared_gate = gate


async def aprobe(
    config: ProbeSourceConfig,
    prompts: Sequence[Prompt],
    *,
    suite: ProbeSuite,
    cache: ResponseCache | None = None,
    api_key: str | None = None,
    on_progress: Progress | None = None,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], float] = time.time,
    gate: EndpointGate | None = None,
) -> AsyncIterator[EvaluationRecord]:
    """Ask every prompt and yield the records in prompt order (see ``_in_prompt_order``).

    ``sleep``, ``rng``, ``clock`` and ``now`` drive the backoff, the rate limit and
    ``Retry-After`` dates. At most ``config.concurrency`` requests are in flight, and with
    a ``gate`` each also holds one of the endpoint's shared slots.
    """
    limiter = (
        TokenBucket(config.rate_limit, config.burst, clock=clock, sleep=sleep)
        if config.rate_limit is not None
        else None
    )
    semaphore = asyncio.Semaphore(config.concurrency)
    async with chat_session(config, api_key=api_key) as session:
        chat = ChatClient(
            session,
            config,
            limiter=limiter,
            sleep=sleep,
            rng=rng or random.Random(),  # noqa: S311  (jitter, not secrets)
            now=now,
            gate=gate,
        )
        params = chat.params()

        async def ask(prompt: Prompt) -> EvaluationRecord:
            body = request_body(config.model, prompt.payload_messages(), params)
            key = cache_key(config.base_url, body)
            answer = cache.get(key) if cache is not None else None
            if answer is None:
                label = f"item {prompt.item.id}, persona {prompt.persona_id or 'baseline'}"
                async with semaphore:
                    answer = await chat.complete(body, label)
                if cache is not None:
                    cache.put(key, answer)
            return answer_record(
                prompt, answer, suite=suite, model=config.model, mc_scoring=config.mc_scoring
            )

        try:
            done = 0
            window = max(4 * config.concurrency, 64)
            async for record in _in_prompt_order(ask, prompts, window):
                done += 1
                if on_progress is not None:
                    on_progress(done, len(prompts))
                yield record
        finally:
            if cache is not None:
                cache.commit()


async def _in_prompt_order(
    ask: Callable[[Prompt], Coroutine[Any, Any, EvaluationRecord]],
    prompts: Sequence[Prompt],
    window: int,
) -> AsyncIterator[EvaluationRecord]:
    """Run ``ask`` over the prompts, at most ``window`` started and not yet yielded, and
    yield the results in prompt order.

    The order matters: a run's content hash is taken over its records in order, so a
    re-pull that gets the same replies (from the cache or the model) must give the same
    sequence to be recognized as the run already stored. A slow prompt holds back only
    what is yielded, while the ``window - 1`` prompts behind it keep running.
    """
    waiting = iter(prompts)
    started: collections.deque[asyncio.Task[EvaluationRecord]] = collections.deque()

    def launch() -> None:
        prompt = next(waiting, None)
        if prompt is not None:
            started.append(asyncio.create_task(ask(prompt)))

    try:
        for _ in range(window):
            launch()
        while started:
            record = await started[0]
            started.popleft()
            launch()
            yield record
    finally:
        for task in started:
            task.cancel()
        await asyncio.gather(*started, return_exceptions=True)


def configured_prompts(
    config: ProbeSourceConfig, suite: ProbeSuite, personas: PersonaSet
) -> list[Prompt]:
    """The prompts ``config`` asks of ``suite`` under ``personas`` (its variants,
    baseline and templates)."""
    return build_prompts(
        suite,
        personas,
        variants=config.variants,
        include_baseline=config.include_baseline,
        system_template=config.system_template,
        inline_template=config.inline_template,
    )


def run_probe(
    config: ProbeSourceConfig,
    *,
    cache_path: Path | None = None,
    on_progress: Progress | None = None,
    suite: ProbeSuite | None = None,
    personas: PersonaSet | None = None,
    env: Mapping[str, str] | None = None,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
    gate: EndpointGate | None = None,
) -> Iterator[EvaluationRecord]:
    """Run the probe that ``config`` describes; yield one record per reply as it arrives.

    ``gate`` (default: the process's, :func:`use_endpoint_gate`) caps the requests in
    flight to the endpoint beyond this probe.

    The suite and persona set are loaded from ``config`` unless given. ``cache_path`` is
    the SQLite cache file (created when missing; ``None``: no cache). ``on_progress(done,
    total)`` is called in the caller's thread as each record is yielded. The requests run
    on an event loop in a background thread; stopping the iteration early cancels them.
    """
    suite = suite or load_suite(config.suite)
    personas = personas or load_personas(config.personas)
    prompts = configured_prompts(config, suite, personas)
    api_key = None
    if config.api_key_env is not None:
        api_key = secret_from_env(config.api_key_env, env=env, what="the probe's API key")
    return threaded(
        lambda cache: aprobe(
            config,
            prompts,
            suite=suite,
            cache=cache,
            api_key=api_key,
            sleep=sleep,
            rng=rng,
            gate=gate if gate is not None else _shared_gate,
        ),
        total=len(prompts),
        cache_path=cache_path,
        on_progress=on_progress,
    )
