"""Probe throughput against its theoretical bound, on the loopback chat server.

    python benchmarks/probe.py [--items 2000] [--concurrency 32] [--latency 0.02]

Asks ``--items`` synthetic four-option questions of the fake OpenAI-compatible server of
the tests (``tests/integration/sources/fake_chat.py``, its asyncio flavour, in its own
process so that it does not share the probe's interpreter), each with no persona and
under the ten bundled personas (``core-10``): items x 11 prompts. The server answers
each request after ``--latency`` seconds.

With ``concurrency`` requests in flight and each taking ``latency``, no client can do
better than ``concurrency / latency`` prompts per second (1,600/s for 32 and 20 ms).
Prints the probe's prompts per second (end to end: prompts, requests, parsing, records,
the SQLite cache, the hand-off to the caller's thread), that bound, and the ratio
(target: at least 0.70). Then runs the probe again on the warm cache: it must send no
request at all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import queue
import sys
import tempfile
import time
from collections import defaultdict
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.integration...

from compliance.sources.config import ProbeSourceConfig, parse_source_config
from compliance.sources.probe import run_probe
from compliance.sources.probe_suite import PersonaSet, ProbeItem, ProbeSuite, load_personas


def synthetic_suite(count: int) -> ProbeSuite:
    items = [
        ProbeItem(
            id=f"s{n:05d}",
            question=f"Question {n}: which of these numbers is {n * 7 % 1000} plus one?",
            options=[str(n * 7 % 1000 + d) for d in (0, 1, 2, 3)],
            answer="B",
        )
        for n in range(count)
    ]
    return ProbeSuite(name="synthetic", items=items)


def serve(count: int, latency: float, replies: Queue[Any], asks: Queue[Any]) -> None:
    """The server process: sends its port, then its request count whenever asked."""
    from tests.integration.sources.fake_chat import FakeChat, start_async_server

    chat = FakeChat(synthetic_suite(count), load_personas("core-10"), latency=latency)

    async def main() -> None:
        server = await start_async_server(chat)
        replies.put(server.sockets[0].getsockname()[1])
        while True:
            await asyncio.sleep(0.05)
            with contextlib.suppress(queue.Empty):
                asks.get_nowait()
                replies.put((chat.requests, time.process_time()))

    asyncio.run(main())


def server_requests(replies: Queue[Any], asks: Queue[Any]) -> tuple[int, float]:
    """The server's request count and CPU seconds so far."""
    asks.put("count")
    count, cpu = replies.get(timeout=10)
    return int(count), float(cpu)


def run(
    url: str, args: argparse.Namespace, suite: ProbeSuite, personas: PersonaSet, cache: Path
) -> tuple[float, float, list[Any]]:
    config = parse_source_config(
        "probe",
        {
            "base_url": url,
            "model": "fake",
            "suite": "synthetic",
            "personas": "core-10",
            "concurrency": args.concurrency,
            "timeout": 10,
        },
    )
    assert isinstance(config, ProbeSourceConfig)
    started, cpu = time.perf_counter(), time.process_time()
    records = list(run_probe(config, cache_path=cache, suite=suite, personas=personas))
    return time.perf_counter() - started, time.process_time() - cpu, records


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()

    suite = synthetic_suite(args.items)
    personas = load_personas("core-10")
    context = multiprocessing.get_context("spawn")
    replies, asks = context.Queue(), context.Queue()
    server = context.Process(
        target=serve, args=(args.items, args.latency, replies, asks), daemon=True
    )
    server.start()
    try:
        url = f"http://127.0.0.1:{replies.get(timeout=30)}/v1"
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "probe-cache.db"
            before, _ = server_requests(replies, asks)
            seconds, cpu, records = run(url, args, suite, personas, cache)
            first_requests, server_cpu = server_requests(replies, asks)
            first_requests -= before
            again, _, cached = run(url, args, suite, personas, cache)
            second_requests = server_requests(replies, asks)[0] - first_requests - before
    finally:
        server.terminate()
        server.join()

    prompts = len(records)
    rate = prompts / seconds
    bound = args.concurrency / args.latency
    accuracy: dict[str, list[bool]] = defaultdict(list)
    for record in records:
        band = "baseline"
        if record.persona_id is not None:
            band = record.persona_attributes.get("age_band", "no age")
        accuracy[band].append(bool(record.correct))
    print(
        f"prompts: {prompts:,} ({args.items:,} items x "
        f"{1 + len(personas.personas)} personas incl. baseline)"
    )
    print(f"concurrency {args.concurrency}, server latency {args.latency * 1000:.0f} ms")
    print(
        f"probe:   {rate:8.0f} prompts/s  ({seconds:.2f} s; "
        f"client CPU {cpu / prompts * 1000:.3f} ms a prompt)"
    )
    print(f"bound:   {bound:8.0f} prompts/s  (concurrency / latency)")
    print(f"ratio:   {rate / bound:8.2f}          (target >= 0.70)")
    print(
        f"requests the server saw: {first_requests:,} "
        f"(server CPU {server_cpu / first_requests * 1000:.3f} ms a request)"
    )
    print(
        f"re-run on the warm cache: {len(cached):,} records in {again:.2f} s "
        f"({len(cached) / again:,.0f}/s), {second_requests} requests sent"
    )
    print(
        "accuracy by age band (65+ is skewed on 20% of items): "
        + ", ".join(f"{k} {sum(v) / len(v):.3f}" for k, v in sorted(accuracy.items()))
    )


if __name__ == "__main__":
    main()
