"""The webhook: signed bodies, retries with backoff, never blocking the caller."""

from __future__ import annotations

import socket
import time

import pytest

from compliance.errors import ConfigError
from compliance.services.notify import (
    NullNotifier,
    WebhookNotifier,
    build_notifier,
    signature,
    verify_signature,
)
from tests.integration.scheduler.conftest import SECRET, Receiver


def test_a_notification_is_signed_and_delivered(receiver: Receiver) -> None:
    notifier = WebhookNotifier(receiver.url, SECRET.encode())
    notifier.notify("slot.missed", {"model": "steady", "slot": "2026-11-23T02:00:00Z"})
    assert notifier.flush(10)
    notifier.close()
    (message,) = receiver.messages
    assert message.signed and message.event == "slot.missed"
    assert message.body["model"] == "steady" and message.body["event"] == "slot.missed"
    assert len(message.body["delivery_id"]) == 32 and message.body["sent_at"].endswith("Z")
    assert notifier.delivered == 1 and notifier.failed == 0


def test_a_wrong_secret_is_refused_by_the_receiver(receiver: Receiver) -> None:
    notifier = WebhookNotifier(receiver.url, b"not the secret", backoff_base=0.01)
    notifier.notify("job.error", {"error": "x"})
    assert notifier.flush(10)
    notifier.close()
    assert [m.signed for m in receiver.messages] == [False]
    assert notifier.failed == 1  # 401: not retried


def test_server_errors_are_retried_with_the_same_delivery_id(receiver: Receiver) -> None:
    receiver.fail_next = 2
    notifier = WebhookNotifier(receiver.url, SECRET.encode(), backoff_base=0.05)
    notifier.notify("audit.verdict", {"verdict": "fail"})
    assert notifier.flush(10)
    notifier.close()
    (message,) = receiver.messages
    assert message.signed and notifier.delivered == 1


def test_an_unreachable_receiver_never_blocks_the_caller() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notifier = WebhookNotifier(
        f"http://127.0.0.1:{port}/hook", b"k", max_attempts=3, backoff_base=0.05, queue_size=2
    )
    began = time.monotonic()
    for index in range(10):
        notifier.notify("job.error", {"n": index})
    assert time.monotonic() - began < 0.5  # queued (or dropped when full), never waited for
    assert notifier.dropped >= 7
    notifier.close(timeout=5)
    assert notifier.delivered == 0


def test_signature_helpers() -> None:
    body = b'{"event":"x"}'
    header = signature(body, b"k")
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature(body, header, b"k")
    assert not verify_signature(body + b" ", header, b"k")
    assert not verify_signature(body, None, b"k")


def test_build_notifier_from_settings() -> None:
    assert isinstance(build_notifier(None, "X", env={}), NullNotifier)
    with pytest.raises(ConfigError, match="the secret variable HOOK_KEY is empty"):
        build_notifier("http://127.0.0.1:9/hook", "HOOK_KEY", env={})
    with pytest.raises(ConfigError, match="must be an http"):
        build_notifier("ftp://x", "HOOK_KEY", env={"HOOK_KEY": "s"})
    notifier = build_notifier("http://127.0.0.1:9/hook", "HOOK_KEY", env={"HOOK_KEY": "s"})
    assert isinstance(notifier, WebhookNotifier)
    notifier.close(0.1)
