"""The probe's bridge from its event loop to a plain iterator: the requests run on an
event loop in a background thread, records are handed to the caller's thread in batches,
and stopping the iteration early cancels them. Split from :mod:`compliance.sources.probe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

from compliance.domain.records import EvaluationRecord
from compliance.sources.probe_cache import ResponseCache

__all__ = ["Progress", "threaded"]

Progress = Callable[[int, int], None]
_BATCH = 64


def threaded(
    make: Callable[[ResponseCache | None], AsyncIterator[EvaluationRecord]],
    *,
    total: int,
    cache_path: Path | None,
    on_progress: Progress | None,
) -> Iterator[EvaluationRecord]:
    """Drive an async record stream on a background event loop, as a plain iterator."""
    items: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            asyncio.run(_produce(make, cache_path, items, stop))
        except BaseException as exc:  # handed to the consumer's thread
            items.put(("error", exc))
        else:
            items.put(("done", None))

    thread = threading.Thread(target=work, name="probe", daemon=True)
    thread.start()
    done = 0
    try:
        while True:
            kind, value = items.get()
            if kind == "records":
                for record in value:
                    done += 1
                    if on_progress is not None:
                        on_progress(done, total)
                    yield record
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join()


async def _produce(
    make: Callable[[ResponseCache | None], AsyncIterator[EvaluationRecord]],
    cache_path: Path | None,
    items: queue.Queue[tuple[str, Any]],
    stop: threading.Event,
) -> None:
    """Forward the records to ``items`` in batches (each hand-off wakes the caller's
    thread), flushed at least every 50 ms so that progress stays current; stop when
    ``stop`` is set."""
    cache = ResponseCache(cache_path) if cache_path is not None else None
    batch: list[EvaluationRecord] = []

    def flush() -> None:
        if batch:
            items.put(("records", batch.copy()))
            batch.clear()

    async def forward() -> None:
        async for record in make(cache):
            batch.append(record)
            if len(batch) >= _BATCH:
                flush()

    try:
        forwarding = asyncio.ensure_future(forward())
        while not forwarding.done():
            await asyncio.wait({forwarding}, timeout=0.05)
            flush()
            if stop.is_set():
                forwarding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await forwarding
                return
        forwarding.result()
        flush()
    finally:
        if cache is not None:
            cache.close()
