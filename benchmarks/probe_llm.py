"""The probe against a real local LLM: SmolLM2-135M-Instruct on llama.cpp (needs
``make setup-llm``).

    python benchmarks/probe_llm.py [--personas 4] [--concurrency 2] [--rounds 2]

1. **Accuracy.** Asks the shipped short-answer suite ``facts-short-40`` with no persona and
   under the first ``--personas`` personas of ``core-10`` (system variant; temperature 0,
   seed 1234, at most 16 tokens) and prints each persona's strict accuracy (correct / all
   asked) with its outcome counts.
2. **Throughput.** Sends the same ``--throughput-items`` x (1 + personas) prompts with the
   probe (no cache: every prompt is a request, parsed into a record) and with a bare
   aiohttp client (one session, the same ``--concurrency`` in flight, the JSON body read
   and nothing else), alternating for ``--rounds`` rounds so that llama.cpp's prompt cache
   helps both alike; prints each one's prompts per second (best round) and the ratio
   probe / bare (the probe's overhead is its cost beyond the model's time).

The server runs in this process with ``--concurrency`` slots of one thread each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compliance.domain.records import EvaluationRecord
from compliance.sources.config import ProbeSourceConfig, parse_source_config
from compliance.sources.local_llm import missing_llm_extra, start_server
from compliance.sources.probe import configured_prompts, request_body, run_probe
from compliance.sources.probe_suite import PersonaSet, ProbeSuite, load_personas, load_suite


def _config(url: str, concurrency: int) -> ProbeSourceConfig:
    config = parse_source_config(
        "probe",
        {
            "base_url": url,
            "model": "smollm2",
            "suite": "facts-short-40",
            "personas": "core-10",
            "temperature": 0,
            "seed": 1234,
            "max_tokens": 16,
            "concurrency": concurrency,
            "timeout": 600,
        },
    )
    assert isinstance(config, ProbeSourceConfig)
    return config


def outcome(record: EvaluationRecord) -> str:
    if record.correct is True:
        return "correct"
    if record.refused:
        return "refused"
    return "incorrect" if record.correct is False else "unparsed"


def accuracy(config: ProbeSourceConfig, suite: ProbeSuite, personas: PersonaSet) -> None:
    started = time.perf_counter()
    records = list(run_probe(config, suite=suite, personas=personas))
    elapsed = time.perf_counter() - started
    by_persona: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        by_persona[record.persona_id or "(baseline)"][outcome(record)] += 1
    print(f"strict accuracy on {suite.name} ({len(suite.items)} items), SmolLM2-135M-Instruct")
    print(f"{'persona':24} {'accuracy':>8}  correct incorrect refused unparsed")
    for persona, counts in by_persona.items():
        n = sum(counts.values())
        print(
            f"{persona:24} {counts['correct'] / n:8.3f}  {counts['correct']:7d} "
            f"{counts['incorrect']:9d} {counts['refused']:7d} {counts['unparsed']:8d}"
        )
    print(f"({len(records)} prompts in {elapsed:.1f} s)")


async def bare(url: str, bodies: list[bytes], concurrency: int) -> float:
    """Prompts per second of a bare aiohttp client: post, read the JSON, nothing else."""
    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as s:

        async def one(body: bytes) -> None:
            async with semaphore, s.post(url + "/chat/completions", data=body) as response:
                json.loads(await response.read())["choices"][0]["message"]

        started = time.perf_counter()
        await asyncio.gather(*(one(body) for body in bodies))
        return len(bodies) / (time.perf_counter() - started)


def ours(config: ProbeSourceConfig, suite: ProbeSuite, personas: PersonaSet) -> float:
    started = time.perf_counter()
    count = sum(1 for _ in run_probe(config, suite=suite, personas=personas))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--personas", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--throughput-items", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    if (reason := missing_llm_extra()) is not None:
        sys.exit(f"the local LLM is not installed: {reason}")
    core = load_personas("core-10")
    personas = core.model_copy(update={"personas": core.personas[: args.personas]})
    suite = load_suite("facts-short-40")
    with start_server(parallel=args.concurrency) as server:
        config = _config(server.base_url, args.concurrency)
        if not args.skip_accuracy:
            accuracy(config, suite, personas)
        small = suite.model_copy(update={"items": suite.items[: args.throughput_items]})
        prompts = configured_prompts(config, small, personas)
        params = {"temperature": 0.0, "max_tokens": 16, "seed": 1234}
        bodies = [request_body(config.model, p.payload_messages(), params) for p in prompts]
        probe_rates, bare_rates = [], []
        for _ in range(args.rounds):
            probe_rates.append(ours(config, small, personas))
            bare_rates.append(asyncio.run(bare(server.base_url, bodies, args.concurrency)))
        best_probe, best_bare = max(probe_rates), max(bare_rates)
        ratio = best_probe / best_bare
        print(
            f"throughput, {len(prompts)} prompts, concurrency {args.concurrency}: probe "
            f"{best_probe:.2f}/s, bare aiohttp {best_bare:.2f}/s, ratio {ratio:.2f}"
            f" (rounds: probe {[round(r, 2) for r in probe_rates]}, "
            f"bare {[round(r, 2) for r in bare_rates]})"
        )


if __name__ == "__main__":
    main()
