"""The live probe: a suite of objective questions asked of a chat model, per persona.

The prompts come from a suite and a persona set (:mod:`compliance.sources.probe_suite`);
each reply becomes a record (:mod:`compliance.sources.probe_answers`).

Requests go to ``POST {base_url}/chat/completions`` (the OpenAI chat API) with at most
``concurrency`` in flight (an ``asyncio.Semaphore`` over one aiohttp session: see
:func:`_session`), at most ``rate_limit`` per second (a token
bucket of ``burst`` tokens), each retried on 429, 5xx, timeouts, broken connections and
malformed bodies with full-jitter exponential backoff (at least what ``Retry-After``
asks). A request that fails every retry stops the
probe with :class:`SourceUnavailable`; the replies received so far are in the cache.

The **cache** (a SQLite file, passed in) keeps each reply under the sha256 of the
request: base URL, model, messages and sampling parameters; a re-run asks only what it
does not have.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import json
import queue
import random
import sqlite3
import ssl
import threading
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp

from compliance.config import InputLimits
from compliance.domain.records import EvaluationRecord
from compliance.errors import ConfigError, InputError, SourceUnavailable
from compliance.sources.config import ProbeSourceConfig, secret_from_env
from compliance.sources.http_source import RETRY_STATUSES, backoff_delay, parse_retry_after
from compliance.sources.probe_answers import ChatAnswer, answer_record
from compliance.sources.probe_suite import (
    PersonaSet,
    ProbeSuite,
    Prompt,
    build_prompts,
    load_personas,
    load_suite,
)

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

Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[[int, int], None]


class EndpointGate(Protocol):
    """A limit on the requests in flight to one endpoint shared beyond this probe (e.g. by
    every queue worker: ``compliance.storage.repositories.endpoint_slots``)."""

    def hold(self, endpoint: str) -> AbstractAsyncContextManager[None]:
        """Wait for a free slot of ``endpoint``; hold it for the ``async with`` block."""
        ...


_shared_gate: EndpointGate | None = None


def use_endpoint_gate(gate: EndpointGate | None) -> None:
    """Make every probe of this process hold a slot of ``gate`` for each request in flight
    (keyed by the source's ``base_url``); None removes it. ``compliance worker`` installs
    the PostgreSQL one when ``COMPLIANCE_ENDPOINT_CONCURRENCY`` is set."""
    global _shared_gate  # noqa: PLW0603 - one gate per process, set by the entry point
    _shared_gate = gate


# -- the cache ----------------------------------------------------------------------------


def request_body(
    model: str, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]
) -> bytes:
    """The JSON body of a chat request, canonical (sorted keys, no spaces, UTF-8)."""
    document = {
        "model": model,
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
        **params,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def cache_key(base_url: str, body: bytes) -> str:
    """The sha256 of a request: its base URL and canonical body (model, messages, params)."""
    return hashlib.sha256(base_url.rstrip("/").encode("utf-8") + b"\n" + body).hexdigest()


class ResponseCache:
    """Replies by request key in a SQLite file; writes are committed in small batches."""

    _WRITE_EVERY = 64

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS replies ("
                " key TEXT PRIMARY KEY, content TEXT, refusal TEXT, created REAL NOT NULL)"
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(replies)")}
            if "first_token" not in columns:  # a cache made before logprobs were kept
                self._db.execute("ALTER TABLE replies ADD COLUMN first_token TEXT")
            self._db.commit()
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(
                f"the probe cache {path} cannot be used ({exc})",
                hint="give a writable path for a new cache, or an existing probe cache",
            ) from None
        self._unwritten: dict[str, ChatAnswer] = {}

    def get(self, key: str) -> ChatAnswer | None:
        if key in self._unwritten:
            return self._unwritten[key]
        row = self._db.execute(
            "SELECT content, refusal, first_token FROM replies WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        first = None if row[2] is None else tuple((t, float(p)) for t, p in json.loads(row[2]))
        return ChatAnswer(row[0], row[1], first)

    def put(self, key: str, answer: ChatAnswer) -> None:
        self._unwritten[key] = answer
        if len(self._unwritten) >= self._WRITE_EVERY:
            self.commit()

    def commit(self) -> None:
        """Write the replies kept in memory (at most the last 63)."""
        if self._unwritten:
            now = time.time()
            self._db.executemany(
                "INSERT OR REPLACE INTO replies (key, content, refusal, created, first_token)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        k,
                        a.content,
                        a.refusal,
                        now,
                        None if a.first_token is None else json.dumps(a.first_token),
                    )
                    for k, a in self._unwritten.items()
                ],
            )
            self._unwritten.clear()
        self._db.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.commit()
        self._db.close()


# -- rate limit and requests --------------------------------------------------------------


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, ``burst`` at once."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1 - 1e-9:  # rounding must not leave a sliver to wait for
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await self._sleep((1 - self._tokens) / self.rate)


class _Malformed(Exception):
    pass


def parse_chat_body(body: bytes) -> ChatAnswer:
    """The first choice of a chat-completions response; :class:`_Malformed` otherwise."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _Malformed(f"not JSON ({exc})") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _Malformed("no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise _Malformed("no message in the first choice")
    content, refusal = message.get("content"), message.get("refusal")
    if content is not None and not isinstance(content, str):
        raise _Malformed("the message content is not text")
    if refusal is not None and not isinstance(refusal, str):
        raise _Malformed("the message refusal is not text")
    if content is None and refusal is None:
        raise _Malformed("the message has neither content nor refusal")
    return ChatAnswer(content, refusal, _first_token(choices[0].get("logprobs")))


def _first_token(logprobs: object) -> tuple[tuple[str, float], ...] | None:
    """The first token's alternatives of an OpenAI ``logprobs`` object (``content[0].
    top_logprobs``, else the token itself); ``None`` when absent or not of that shape."""
    if not isinstance(logprobs, dict):
        return None
    content = logprobs.get("content")
    if not isinstance(content, list) or not content or not isinstance(content[0], dict):
        return None
    first = content[0]
    top = first.get("top_logprobs") or [first]
    pairs = [
        (entry["token"], float(entry["logprob"]))
        for entry in top
        if isinstance(entry, dict)
        and isinstance(entry.get("token"), str)
        and isinstance(entry.get("logprob"), int | float)
    ]
    return tuple(pairs) or None


@dataclass(frozen=True)
class _Reply:
    """What the probe reads of an HTTP answer (the body is read whole: replies are small)."""

    status: int
    reason: str
    retry_after: str | None
    content: bytes


class _ChatClient:
    """Sends chat requests with retries over one pooled aiohttp session (see
    :func:`_session`)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ProbeSourceConfig,
        *,
        limiter: TokenBucket | None,
        sleep: Sleep,
        rng: random.Random,
        now: Callable[[], float],
        gate: EndpointGate | None = None,
    ) -> None:
        self.session = session
        self.gate = gate
        self.config = config
        self.url = config.base_url.rstrip("/") + "/chat/completions"
        self.limiter = limiter
        self.sleep = sleep
        self.rng = rng
        self.now = now
        self.requests = 0
        self.retries = 0
        self.max_reply = InputLimits().max_probe_reply_bytes

    async def post(self, body: bytes) -> _Reply:
        """One request; the reply is read as it arrives and refused past
        ``COMPLIANCE_MAX_PROBE_REPLY_BYTES`` (counted, not taken from ``Content-Length``)."""
        async with self.session.post(self.url, data=body) as response:
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.content.iter_chunked(_CHUNK):
                total += len(chunk)
                if total > self.max_reply:
                    raise InputError(
                        f"the reply is larger than {self.max_reply} bytes "
                        "(COMPLIANCE_MAX_PROBE_REPLY_BYTES); nothing was stored",
                        file=self.url,
                        hint="check the endpoint and max_tokens, or raise "
                        "COMPLIANCE_MAX_PROBE_REPLY_BYTES",
                    )
                chunks.append(chunk)
            content = b"".join(chunks)
            return _Reply(
                response.status,
                response.reason or "",
                response.headers.get("Retry-After"),
                content,
            )

    def params(self) -> dict[str, Any]:
        """The sampling parameters of every request; ``seed`` and the logprobs fields only
        when configured (so that the cache keys of earlier probes stay as they were)."""
        config = self.config
        params: dict[str, Any] = {
            "temperature": config.temperature,
            "max_tokens": config.max_tokens,
        }
        if config.seed is not None:
            params["seed"] = config.seed
        if config.mc_scoring == "logprobs":
            params["logprobs"] = True
            params["top_logprobs"] = config.top_logprobs
        return params

    async def complete(self, body: bytes, label: str) -> ChatAnswer:
        config = self.config
        attempt = 0
        while True:
            if self.limiter is not None:
                await self.limiter.acquire()
            wait: float | None = None
            self.requests += 1
            try:
                if self.gate is None:
                    response = await self.post(body)
                else:
                    async with self.gate.hold(config.base_url):
                        response = await self.post(body)
            except (aiohttp.ClientError, TimeoutError) as exc:
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                status = response.status
                if status < 300:
                    try:
                        return parse_chat_body(response.content)
                    except _Malformed as exc:
                        failure = f"malformed response: {exc}"
                elif status in RETRY_STATUSES:
                    failure = f"HTTP {status} {response.reason}".rstrip()
                    wait = parse_retry_after(response.retry_after, now=self.now())
                else:
                    raise _status_error(status, response, self.url, config)
            if attempt >= config.max_retries:
                raise SourceUnavailable(
                    f"{self.url} ({label}): {failure}, {attempt + 1} attempts",
                    hint="the endpoint keeps failing; run again later: cached replies are kept",
                )
            if wait is not None and wait > config.max_retry_after:
                raise SourceUnavailable(
                    f"{self.url} ({label}): {failure}, and Retry-After asks for {wait:.0f} s",
                    hint="run again later (cached replies are kept), or raise max_retry_after",
                )
            delay = backoff_delay(
                attempt, base=config.backoff_base, cap=config.backoff_max, rng=self.rng
            )
            await self.sleep(delay if wait is None else max(wait, delay))
            attempt += 1
            self.retries += 1


def _status_error(
    status: int, response: _Reply, url: str, config: ProbeSourceConfig
) -> ConfigError:
    detail = response.content[:200].decode("utf-8", "replace").replace("\n", " ")
    if status in (401, 403):
        hint = (
            f"check the API key in ${config.api_key_env}"
            if config.api_key_env
            else "the endpoint wants an API key: set api_key_env"
        )
    elif status == 404:
        hint = "check base_url (it usually ends in /v1) and the model name"
    else:
        hint = "check the model name and the request settings (max_tokens, temperature)"
    return ConfigError(f"{url}: the endpoint answered HTTP {status}: {detail}", hint=hint)


# -- the probe ----------------------------------------------------------------------------


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
    async with _session(config, api_key=api_key) as session:
        chat = _ChatClient(
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


def _session(config: ProbeSourceConfig, *, api_key: str | None) -> aiohttp.ClientSession:
    """One session, at most ``concurrency`` connections kept alive, the per-request
    timeout over the whole request. aiohttp rather than httpx here: at 32 requests in
    flight httpx spent 1.3 ms of CPU per request against aiohttp's 0.3 ms (measured on the
    loopback chat server of ``benchmarks/probe.py``), and the probe is CPU-bound well below
    the bound that concurrency and latency set."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if api_key is not None:
        headers["Authorization"] = f"Bearer {api_key}"
    connector = aiohttp.TCPConnector(limit=config.concurrency, ssl=ssl.create_default_context())
    return aiohttp.ClientSession(
        connector=connector,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=config.timeout),
    )


_BATCH = 64
_CHUNK = 64 * 1024


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
    return _threaded(
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


def _threaded(
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
