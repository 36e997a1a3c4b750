"""The probe's HTTP side: chat requests to ``POST {base_url}/chat/completions`` over one
pooled aiohttp session (:func:`chat_session`), at most ``rate_limit`` a second
(:class:`TokenBucket`), each retried on 429, 5xx, timeouts, broken connections and
malformed bodies with full-jitter exponential backoff (at least what ``Retry-After`` asks),
and the reading of a chat-completions body (:func:`parse_chat_body`). A request that fails
every retry raises :class:`SourceUnavailable`. Split from :mod:`compliance.sources.probe`.
"""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from compliance.config import InputLimits
from compliance.errors import ConfigError, InputError, SourceUnavailable
from compliance.sources.config import ProbeSourceConfig
from compliance.sources.http_source import RETRY_STATUSES, backoff_delay, parse_retry_after
from compliance.sources.probe_answers import ChatAnswer

__all__ = [
    "ChatClient",
    "EndpointGate",
    "Sleep",
    "TokenBucket",
    "chat_session",
    "parse_chat_body",
]

Sleep = Callable[[float], Awaitable[None]]
_CHUNK = 64 * 1024


class EndpointGate(Protocol):
    """A limit on the requests in flight to one endpoint shared beyond this probe (e.g. by
    every queue worker: ``compliance.storage.repositories.endpoint_slots``)."""

    def hold(self, endpoint: str) -> AbstractAsyncContextManager[None]:
        """Wait for a free slot of ``endpoint``; hold it for the ``async with`` block."""
        ...


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


class ChatClient:
    """Sends chat requests with retries over one pooled aiohttp session (see
    :func:`chat_session`)."""

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


def chat_session(config: ProbeSourceConfig, *, api_key: str | None) -> aiohttp.ClientSession:
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
