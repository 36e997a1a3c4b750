"""The HTTP adapter: canonical records pulled from a JSON endpoint, page by page.

Each page is ``GET <url>?<cursor_param>=<cursor>`` (no cursor on the first page unless
one is given) answering a JSON object with the records under ``items_field`` (default
``records``; a dotted path) and the next page's cursor under ``next_cursor_field``
(default ``next_cursor``); a null, empty or absent cursor ends the pull::

    {"records": [{"item_id": "q1", ...}, ...], "next_cursor": "eyJvZmZzZXQiOjUwMH0"}

Every record is validated against the canonical contract. A page is validated whole
before any of its records is yielded, so an invalid page yields nothing and the pull
stops there with an :class:`InputError` naming the page's URL, the record's index and
the field.

Failures: a 429, a 5xx, a timeout or a connection error is retried up to ``max_retries``
times, waiting a random time in ``[0, min(backoff_max, backoff_base * 2**attempt)]``
(exponential backoff with full jitter), and at least what a ``Retry-After`` header asks
for (seconds or an HTTP date; longer than ``max_retry_after`` fails at once). Then
:class:`SourceUnavailable`. A 401/403 or another 4xx is a :class:`ConfigError` (token,
URL), never retried.

Resuming: :attr:`HttpRecordStream.cursor` is where to start again: the cursor after the
last page whose records were all yielded (the start cursor before any). When the pull
reached the end it is the cursor of the final page, so that a later pull re-reads that
page (and whatever was appended to it) and goes on from there.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
from pydantic import ValidationError

from compliance.config import InputLimits
from compliance.domain.records import EvaluationRecord
from compliance.errors import ConfigError, InputError, SourceUnavailable
from compliance.sources.canonical import input_error_from_validation
from compliance.sources.config import HttpSourceConfig, secret_from_env

__all__ = [
    "HttpPage",
    "HttpRecordStream",
    "backoff_delay",
    "parse_retry_after",
    "pull_http_records",
]

RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))
USER_AGENT = "compliance-http-source/1"


@dataclass(frozen=True)
class HttpPage:
    """One page fetched: its number (from 1), the URL asked, and what it held."""

    number: int
    url: str
    cursor: str | None
    next_cursor: str | None
    records: int


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in ``[0, min(cap, base * 2**attempt)]``."""
    return rng.uniform(0.0, min(cap, base * (2.0 ** min(attempt, 62))))


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # an HTTP date is GMT
        return None
    return max(0.0, moment.timestamp() - now)


def pull_http_records(
    config: HttpSourceConfig,
    *,
    cursor: str | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    env: Mapping[str, str] | None = None,
    now: Callable[[], float] = time.time,
    on_page: Callable[[HttpPage], None] | None = None,
) -> HttpRecordStream:
    """The records of the endpoint from ``cursor`` on, as an iterable stream.

    ``client``, ``sleep``, ``rng`` and ``now`` are injectable for tests; ``env`` is where
    the token's environment variable is looked up (default ``os.environ``). The token is
    read here, so that a missing one fails before any request.
    """
    token = None
    if config.token_env is not None:
        token = secret_from_env(config.token_env, env=env, what="the http source's bearer token")
    return HttpRecordStream(
        config,
        cursor=cursor,
        token=token,
        client=client,
        sleep=sleep,
        rng=rng or random.Random(),  # noqa: S311  (jitter, not secrets)
        now=now,
        on_page=on_page,
    )


class HttpRecordStream:
    """Iterate once for the records; then :attr:`cursor` is where to resume."""

    def __init__(
        self,
        config: HttpSourceConfig,
        *,
        cursor: str | None,
        token: str | None,
        client: httpx.Client | None,
        sleep: Callable[[float], None],
        rng: random.Random,
        now: Callable[[], float],
        on_page: Callable[[HttpPage], None] | None,
    ) -> None:
        self.config = config
        self.cursor = cursor
        self.exhausted = False
        self.pages = 0
        self.retries = 0
        self._sleep = sleep
        self._rng = rng
        self._now = now
        self._on_page = on_page
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **config.headers}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self._headers = headers
        self._limits = InputLimits()
        self._own_client = client is None
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(config.timeout), follow_redirects=True
        )
        self._started = False

    def __enter__(self) -> HttpRecordStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def __iter__(self) -> Iterator[EvaluationRecord]:
        if self._started:
            raise RuntimeError("an HttpRecordStream is iterated once; pull again to resume")
        self._started = True
        try:
            yield from self._pages()
        finally:
            self.close()

    def _pages(self) -> Iterator[EvaluationRecord]:
        config = self.config
        current = self.cursor
        while config.max_pages is None or self.pages < config.max_pages:
            number = self.pages + 1
            params = {config.cursor_param: current} if current is not None else {}
            request_url = str(httpx.URL(config.url).copy_merge_params(params))
            label = f"{request_url} (page {number})"
            body = self._fetch(request_url, label)
            records, next_cursor = self._page(body, label)
            if next_cursor is not None and next_cursor == current:
                raise InputError(
                    "the next cursor is the cursor of this page: the pull would never end",
                    file=label,
                    field=config.next_cursor_field,
                    value=next_cursor,
                )
            yield from records
            self.pages = number
            if self._on_page is not None:
                self._on_page(HttpPage(number, request_url, current, next_cursor, len(records)))
            if next_cursor is None:
                self.exhausted = True
                return
            self.cursor = current = next_cursor

    def _fetch(self, url: str, label: str) -> Any:
        config = self.config
        attempt = 0
        while True:
            wait: float | None = None
            try:
                status, reason, retry_after, body = self._get(url, label)
            except (httpx.TransportError, httpx.DecodingError) as exc:  # timeouts, resets
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                if status < 300:
                    return _json(body, label)
                if status not in RETRY_STATUSES:
                    raise _status_error(status, reason, label, config)
                failure = f"HTTP {status} {reason}".rstrip()
                wait = parse_retry_after(retry_after, now=self._now())
            if attempt >= config.max_retries:
                raise SourceUnavailable(
                    f"{label}: {failure}, {attempt + 1} attempts",
                    hint="the endpoint keeps failing: try again later (resume from the cursor)",
                )
            if wait is not None and wait > config.max_retry_after:
                raise SourceUnavailable(
                    f"{label}: {failure}, and Retry-After asks for {wait:.0f} s "
                    f"(more than max_retry_after, {config.max_retry_after:.0f} s)",
                    hint="try again later, or raise max_retry_after",
                )
            delay = backoff_delay(
                attempt, base=config.backoff_base, cap=config.backoff_max, rng=self._rng
            )
            self._sleep(delay if wait is None else max(wait, delay))
            attempt += 1
            self.retries += 1

    def _get(self, url: str, label: str) -> tuple[int, str, str | None, bytes]:
        """One GET: status, reason, ``Retry-After`` and the body, read as it arrives and
        refused past ``max_http_response_bytes`` (decoded bytes, whatever ``Content-Length``
        says), and past ``timeout`` seconds for the whole request, body included. Only a
        successful answer's body is kept; an error's is dropped unread."""
        limit = self._limits.max_http_response_bytes
        deadline = time.monotonic() + self.config.timeout
        with self._client.stream("GET", url, headers=self._headers) as response:
            status, reason = response.status_code, response.reason_phrase
            retry_after = response.headers.get("Retry-After")
            if status >= 300:
                return status, reason, retry_after, b""
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > limit:
                    raise InputError(
                        f"the response is larger than {limit} bytes "
                        "(COMPLIANCE_MAX_HTTP_RESPONSE_BYTES); nothing was stored",
                        file=label,
                        hint="ask for smaller pages, or raise COMPLIANCE_MAX_HTTP_RESPONSE_BYTES",
                    )
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(
                        f"the response took more than {self.config.timeout:g} s (timeout)"
                    )
                chunks.append(chunk)
            return status, reason, retry_after, b"".join(chunks)

    def _page(self, body: Any, label: str) -> tuple[list[EvaluationRecord], str | None]:
        config = self.config
        if not isinstance(body, dict):
            raise InputError(
                f"the response must be a JSON object, not {type(body).__name__}", file=label
            )
        items = _at(body, config.items_field)
        if not isinstance(items, list):
            raise InputError(
                "must be a list of records" if items is not None else "is required but missing",
                file=label,
                field=config.items_field,
                value=None if isinstance(items, dict) else items,
                hint="set items_field to where the endpoint puts its records",
            )
        records: list[EvaluationRecord] = []
        for index, item in enumerate(items):
            try:
                records.append(EvaluationRecord.model_validate(item))
            except ValidationError as exc:
                error = input_error_from_validation(exc, file=label, line=None)
                inner = f".{error.field}" if error.field else ""
                raise InputError(
                    error.problem,
                    file=label,
                    field=f"{config.items_field}[{index}]{inner}",
                    value=error.value,
                    hint=error.hint,
                ) from None
        next_cursor = _at(body, config.next_cursor_field)
        if next_cursor is None or next_cursor == "":
            return records, None
        if isinstance(next_cursor, bool) or not isinstance(next_cursor, str | int):
            raise InputError(
                "must be text, a number or null",
                file=label,
                field=config.next_cursor_field,
                value=next_cursor,
            )
        return records, str(next_cursor)


def _json(body: bytes, label: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"the response is not JSON ({exc})",
            file=label,
            hint="the endpoint must answer a JSON object",
        ) from None


def _at(body: dict[str, Any], path: str) -> Any:
    data: Any = body
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _status_error(status: int, reason: str, label: str, config: HttpSourceConfig) -> ConfigError:
    if status in (401, 403):
        hint = (
            f"check the token in ${config.token_env}"
            if config.token_env
            else "the endpoint wants a token: set token_env to the variable that holds it"
        )
    elif status == 404:
        hint = "check the url"
    else:
        hint = "check the url and the source's settings"
    return ConfigError(f"{label}: the endpoint answered HTTP {status} {reason}".rstrip(), hint=hint)
