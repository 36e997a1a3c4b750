"""Per-key token buckets, in process: ``rate`` requests per second, bursts of ``burst``.

Promise: :meth:`RateLimiter.take` answers 0 when the request may go on, else the seconds
until one token is back; :meth:`RateLimiter.peek` answers the same without spending one.
Keys are hashes (a token's secret hash, a client address), never secrets; at most
``max_keys`` buckets are kept (the least recently used are dropped, which can only be
generous). Each process has its own buckets: with N workers a key gets up to
N times the rate.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["RateLimiter", "failure_key"]


def failure_key(client: str | None) -> str:
    """The bucket of the failed authentications of one client address."""
    return f"auth-failure:{client or '-'}"


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``'s bucket: 0.0 if there was one, else the wait."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                tokens -= 1.0
                wait = 0.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        return wait

    def peek(self, key: str) -> float:
        """The wait :meth:`take` would answer for ``key`` (0.0 if a token is left); spends none."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
