"""Backoff and Retry-After, the timing rules shared by the HTTP source and the probe."""

from __future__ import annotations

import email.utils
import random

import pytest

from compliance.sources.http_source import backoff_delay, parse_retry_after


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("7", now=0.0) == 7.0
    assert parse_retry_after(" 0 ", now=0.0) == 0.0


def test_retry_after_as_an_http_date() -> None:
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(30.0)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-3", "1.5e3"])
def test_retry_after_that_means_nothing(value: str | None) -> None:
    assert parse_retry_after(value, now=0.0) is None


def test_full_jitter_stays_within_the_exponential_envelope() -> None:
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(10.0, 0.5 * 2**attempt)
        delays = [backoff_delay(attempt, base=0.5, cap=10.0, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling  # spread over the whole range, not clustered
    assert backoff_delay(10_000, base=0.5, cap=10.0, rng=rng) <= 10.0
