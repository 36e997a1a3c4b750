"""Webhook notifications of the nightly audit, signed, retried, and never in the audit's way.

Every notification is one ``POST`` of a JSON object to the configured URL::

    POST <COMPLIANCE_WEBHOOK_URL>
    Content-Type: application/json
    X-Compliance-Event: audit.verdict | job.error | slot.missed
    X-Compliance-Delivery: <random id, the same across retries>
    X-Compliance-Signature: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>

    {"event": "audit.verdict", "delivery_id": "...", "sent_at": "2026-11-23T02:00:41Z",
     "reasons": ["fail", "flipped"], "model": "acme-chat", "verdict": "fail", ...}

A receiver recomputes the HMAC over the exact bytes it received and compares in constant
time (:func:`signature`, :func:`verify_signature`); ``sent_at`` lets it refuse replays.

:meth:`WebhookNotifier.notify` only puts the message on a bounded queue; one background
thread delivers, retrying connection errors, timeouts, 429 and 5xx with exponential backoff
and full jitter, and giving up at once on other 4xx. A full queue drops the message with a
log line rather than block the audit.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from compliance.clock import Clock, isoformat_z, utc_now
from compliance.errors import ConfigError

__all__ = [
    "SIGNATURE_HEADER",
    "Notifier",
    "NullNotifier",
    "WebhookNotifier",
    "build_notifier",
    "signature",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Compliance-Signature"
_log = logging.getLogger("compliance.notify")
_STOP = object()


class Notifier(Protocol):
    def notify(self, event: str, payload: Mapping[str, Any]) -> None: ...

    def close(self, timeout: float = 10.0) -> None: ...


class NullNotifier:
    """No webhook configured: notifications are only logged."""

    def notify(self, event: str, payload: Mapping[str, Any]) -> None:
        _log.debug("no webhook configured; not sent: %s", event)

    def close(self, timeout: float = 10.0) -> None:
        return None


def signature(body: bytes, secret: bytes) -> str:
    """The header value: ``sha256=<hex HMAC-SHA256 of body>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: bytes) -> bool:
    return header is not None and hmac.compare_digest(signature(body, secret), header)


class WebhookNotifier:
    """Deliver notifications from a background thread (see the module docstring)."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        clock: Clock = utc_now,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_cap: float = 60.0,
        timeout: float = 10.0,
        queue_size: int = 1000,
        client: httpx.Client | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not secret:
            raise ConfigError("the webhook secret is empty")
        self.url = url
        self._secret = secret
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._client = client or httpx.Client(timeout=timeout)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._deadline = float("inf")
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="webhook", daemon=True)
        self._thread.start()

    def notify(self, event: str, payload: Mapping[str, Any]) -> None:
        message = {
            "event": event,
            "delivery_id": uuid.uuid4().hex,
            "sent_at": isoformat_z(self._clock()),
            **payload,
        }
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            self.dropped += 1
            _log.warning("webhook queue full: dropped %s %s", event, message["delivery_id"])

    def flush(self, timeout: float) -> bool:
        """Wait until every queued notification was delivered or given up (tests)."""
        end = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > end:
                return False
            time.sleep(0.02)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued for at most ``timeout`` seconds, then stop."""
        self._deadline = time.monotonic() + timeout
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(timeout)
        self._client.close()

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            try:
                if message is _STOP:
                    return
                assert isinstance(message, dict)
                self._deliver(message)
            except Exception:  # never let the delivery thread die
                _log.exception("webhook delivery crashed")
            finally:
                self._queue.task_done()

    def _deliver(self, message: dict[str, Any]) -> None:
        body = json.dumps(message, sort_keys=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "compliance-scheduler/1",
            "X-Compliance-Event": str(message["event"]),
            "X-Compliance-Delivery": str(message["delivery_id"]),
            SIGNATURE_HEADER: signature(body, self._secret),
        }
        problem = ""
        for attempt in range(self._max_attempts):
            try:
                response = self._client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 300:
                    self.delivered += 1
                    return
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    break  # the receiver refuses this message: retrying will not help
            if attempt + 1 == self._max_attempts:
                break
            delay = self._rng.uniform(0, min(self._backoff_cap, self._backoff_base * 2**attempt))
            if time.monotonic() + delay > self._deadline:
                break
            time.sleep(delay)
        self.failed += 1
        _log.warning(
            "webhook not delivered: event=%s delivery=%s problem=%s",
            message["event"],
            message["delivery_id"],
            problem,
        )


def build_notifier(
    url: str | None,
    secret_env: str,
    *,
    clock: Clock = utc_now,
    env: Mapping[str, str] | None = None,
    factory: Callable[..., WebhookNotifier] = WebhookNotifier,
) -> Notifier:
    """The webhook notifier of the settings, or a :class:`NullNotifier` without a URL."""
    if not url:
        return NullNotifier()
    secret = (env if env is not None else os.environ).get(secret_env, "")
    if not secret:
        raise ConfigError(
            f"COMPLIANCE_WEBHOOK_URL is set but the secret variable {secret_env} is empty",
            hint=f"export {secret_env}=<shared secret>, or name another variable with "
            "COMPLIANCE_WEBHOOK_SECRET_ENV",
        )
    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"COMPLIANCE_WEBHOOK_URL must be an http(s) URL, got {url!r}",
            hint="e.g. https://alerts.example.com/compliance",
        )
    return factory(url, secret.encode(), clock=clock)
