"""The HTTP source against a real server on 127.0.0.1: pages, failures, resumption.

The server serves 5 pages of 4 canonical records; page ``n`` is asked with
``cursor=c<n-1>`` (none for the first) and names ``c<n>`` as the next (none on the last).
Faults are scripted per page: each listed fault is what one attempt at that page gets.
Waiting is injected (``sleep`` records instead of sleeping), except for the slow page,
which really is slower than the client's timeout.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from compliance.domain.records import EvaluationRecord
from compliance.errors import ConfigError, InputError, SourceUnavailable
from compliance.sources.config import HttpSourceConfig, parse_source_config
from compliance.sources.http_source import HttpPage, pull_http_records

PAGES = 5
PER_PAGE = 4
TOKEN = "t0k3n-for-tests"


def _record(page: int, index: int) -> dict[str, Any]:
    persona = index % 2
    return {
        "item_id": f"q{page}-{index // 2}",
        "persona_id": f"p{persona}" if persona else None,
        "persona_attributes": {"age_band": "65+"} if persona else {},
        "expected_answer": "B",
        "parsed_answer": "B",
        "correct": True,
        "benchmark": "remote",
    }


@dataclass
class Pages:
    faults: dict[int, list[str]] = field(default_factory=dict)
    token: str | None = None
    slow_seconds: float = 1.0
    items_field: str = "records"
    attempts: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, headers: Any) -> tuple[int, dict[str, str], bytes, float]:
        query = parse_qs(urlsplit(path).query)
        cursor = query.get("cursor", [None])[0]
        page = 1 if cursor is None else int(cursor.removeprefix("c")) + 1
        with self.lock:
            attempt = self.attempts[page]
            self.attempts[page] += 1
        if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {}, b'{"error": "who are you"}', 0.0
        plan = self.faults.get(page, [])
        fault = plan[attempt] if attempt < len(plan) else None
        records = [_record(page, i) for i in range(PER_PAGE)]
        body: dict[str, Any] = {"next_cursor": f"c{page}" if page < PAGES else None}
        if self.items_field == "records":
            body["records"] = records
        else:
            body["data"] = {"items": records}
        delay = 0.0
        if fault == "429":
            return 429, {"Retry-After": "3"}, b"{}", 0.0
        if fault == "429-date":
            return 429, {"Retry-After": email.utils.formatdate(1_800_000_100, usegmt=True)}, b"", 0
        if fault == "429-long":
            return 429, {"Retry-After": "86400"}, b"{}", 0.0
        if fault in {"500", "502"}:
            return int(fault), {}, b"oops", 0.0
        if fault == "slow":
            delay = self.slow_seconds
        if fault == "not-json":
            return 200, {}, b"<html>maintenance</html>", 0.0
        if fault == "bad-record":
            records[1]["correct"] = "maybe"
        if fault == "no-records":
            del body["records"]
        return 200, {}, json.dumps(body).encode(), delay


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stalls
    server: _Server

    def do_GET(self) -> None:
        status, headers, payload, delay = self.server.pages.answer(self.path, self.headers)
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, pages: Pages) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages = pages

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@contextmanager
def serve(pages: Pages) -> Iterator[str]:
    server = _Server(pages)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/records"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _config(url: str, **fields: Any) -> HttpSourceConfig:
    config = parse_source_config("http", {"url": url, "timeout": 0.3, **fields})
    assert isinstance(config, HttpSourceConfig)
    return config


class Waits:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


ALL = [_record(page, i) for page in range(1, PAGES + 1) for i in range(PER_PAGE)]


def _dumped(records: list[EvaluationRecord]) -> list[dict[str, Any]]:
    return [r.model_dump(exclude_defaults=True) for r in records]


def _expected(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _dumped([EvaluationRecord.model_validate(r) for r in records])


def test_every_page_through_429s_500s_and_a_slow_answer() -> None:
    pages = Pages(faults={2: ["429"], 3: ["500", "502"], 4: ["slow"]}, slow_seconds=1.0)
    waits = Waits()
    seen: list[HttpPage] = []
    with serve(pages) as url:
        stream = pull_http_records(
            _config(url), sleep=waits, rng=random.Random(3), on_page=seen.append
        )
        records = list(stream)
    assert _dumped(records) == _expected(ALL)
    assert stream.exhausted
    assert stream.pages == PAGES
    assert stream.cursor == "c4"  # the final page's cursor: resuming re-reads it
    assert stream.retries == 4
    assert pages.attempts == {1: 1, 2: 2, 3: 3, 4: 2, 5: 1}
    assert waits.slept[0] >= 3.0  # Retry-After: 3 honored
    assert all(0 <= s <= 30 for s in waits.slept[1:])
    assert [(p.number, p.cursor, p.next_cursor, p.records) for p in seen] == [
        (1, None, "c1", 4),
        (2, "c1", "c2", 4),
        (3, "c2", "c3", 4),
        (4, "c3", "c4", 4),
        (5, "c4", None, 4),
    ]


def test_retry_after_as_a_date() -> None:
    pages = Pages(faults={1: ["429-date"]})
    waits = Waits()
    with serve(pages) as url:
        list(pull_http_records(_config(url), sleep=waits, now=lambda: 1_800_000_000.0))
    assert waits.slept[0] == pytest.approx(100.0)


def test_retries_run_out_and_nothing_past_the_last_good_page_is_yielded() -> None:
    pages = Pages(faults={3: ["500"] * 10})
    waits = Waits()
    got: list[EvaluationRecord] = []
    with serve(pages) as url:
        stream = pull_http_records(_config(url, max_retries=3), sleep=waits)
        with pytest.raises(SourceUnavailable) as caught:
            got.extend(stream)
    assert _dumped(got) == _expected(ALL[: 2 * PER_PAGE])
    assert stream.cursor == "c2"  # resume at page 3
    assert "cursor=c2 (page 3): HTTP 500" in str(caught.value)
    assert "4 attempts" in str(caught.value)
    assert pages.attempts[3] == 4
    assert len(waits.slept) == 3


def test_a_retry_after_beyond_the_limit_fails_at_once() -> None:
    pages = Pages(faults={1: ["429-long"]})
    with serve(pages) as url, pytest.raises(SourceUnavailable, match="Retry-After asks for 86400"):
        list(pull_http_records(_config(url), sleep=Waits()))
    assert pages.attempts[1] == 1


def test_a_page_that_is_not_json_names_the_page() -> None:
    pages = Pages(faults={3: ["not-json"]})
    got: list[EvaluationRecord] = []
    with serve(pages) as url:
        stream = pull_http_records(_config(url), sleep=Waits())
        with pytest.raises(InputError) as caught:
            got.extend(stream)
    assert len(got) == 2 * PER_PAGE
    assert caught.value.file == f"{url}?cursor=c2 (page 3)"
    assert "not JSON" in str(caught.value)
    assert stream.cursor == "c2"
    assert pages.attempts[3] == 1  # a bad body is not retried: the server meant it


def test_an_invalid_record_names_its_index_and_field_and_stops_the_page() -> None:
    pages = Pages(faults={2: ["bad-record"]})
    got: list[EvaluationRecord] = []
    with serve(pages) as url:
        stream = pull_http_records(_config(url), sleep=Waits())
        with pytest.raises(InputError) as caught:
            got.extend(stream)
    assert len(got) == PER_PAGE  # none of page 2, though its record 0 was valid
    error = caught.value
    assert error.file == f"{url}?cursor=c1 (page 2)"
    assert error.field == "records[1].correct"
    assert error.value == "maybe"
    assert stream.cursor == "c1"


def test_a_page_without_its_records_field() -> None:
    pages = Pages(faults={1: ["no-records"]})
    with serve(pages) as url, pytest.raises(InputError) as caught:
        list(pull_http_records(_config(url), sleep=Waits()))
    assert caught.value.field == "records"
    assert caught.value.hint is not None


def test_resume_from_the_cursor() -> None:
    pages = Pages()
    with serve(pages) as url:
        first = pull_http_records(_config(url, max_pages=2))
        head = list(first)
        assert not first.exhausted
        assert first.cursor == "c2"
        rest = list(pull_http_records(_config(url), cursor=first.cursor))
    assert _dumped(head + rest) == _expected(ALL)


def test_stopping_early_keeps_the_cursor_of_the_last_complete_page() -> None:
    with serve(Pages()) as url:
        stream = pull_http_records(_config(url))
        for n, _ in enumerate(stream):
            if n == PER_PAGE + 1:  # inside page 2
                break
    assert stream.cursor == "c1"


def test_custom_fields() -> None:
    with serve(Pages(items_field="data.items")) as url:
        records = list(pull_http_records(_config(url, items_field="data.items")))
    assert len(records) == PAGES * PER_PAGE


def test_a_bearer_token_from_the_environment() -> None:
    pages = Pages(token=TOKEN)
    with serve(pages) as url:
        records = list(
            pull_http_records(_config(url, token_env="RESULTS_TOKEN"), env={"RESULTS_TOKEN": TOKEN})
        )
        assert len(records) == PAGES * PER_PAGE
        with pytest.raises(ConfigError) as caught:
            list(
                pull_http_records(
                    _config(url, token_env="RESULTS_TOKEN"), env={"RESULTS_TOKEN": "x"}
                )
            )
        assert "HTTP 401" in str(caught.value)
        assert TOKEN not in str(caught.value) and "x" not in (caught.value.hint or "").split()
        before = sum(pages.attempts.values())
        with pytest.raises(ConfigError, match="RESULTS_TOKEN"):
            pull_http_records(_config(url, token_env="RESULTS_TOKEN"), env={})
        assert sum(pages.attempts.values()) == before  # failed before any request


def test_a_refused_connection_is_retried_then_unavailable() -> None:
    with serve(Pages()) as url:
        pass  # the server is gone: its port refuses connections now
    waits = Waits()
    with pytest.raises(SourceUnavailable, match="ConnectError"):
        list(pull_http_records(_config(url, max_retries=2), sleep=waits))
    assert len(waits.slept) == 2
