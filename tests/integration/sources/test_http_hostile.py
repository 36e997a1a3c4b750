"""The HTTP source against a hostile server on 127.0.0.1: a body that never ends, a
``Content-Length`` that lies, a body that trickles in forever, a redirect to ``file://``.
Each is refused with one clear line, in bounded memory, and no record is yielded."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from compliance.errors import InputError, SourceUnavailable
from compliance.sources.config import HttpSourceConfig, parse_source_config
from compliance.sources.http_source import pull_http_records

MIB = 1 << 20
_CHUNK = b'{"records": [' + b" " * (64 * 1024)


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        try:
            if path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if path == "/liar":
                self.send_header("Content-Length", str(1 << 40))  # claims a terabyte
            else:
                self.send_header("Connection", "close")  # endless: no length, close-delimited
            self.end_headers()
            pause = 0.05 if path == "/trickle" else 0.0
            chunk = b" " if pause else _CHUNK
            self.wfile.write(b'{"records": [')
            while not self.server.stopping.is_set():  # type: ignore[attr-defined]
                self.wfile.write(chunk)
                if pause:
                    self.wfile.flush()
                    time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def hostile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    server.block_on_close = False
    server.stopping = threading.Event()  # type: ignore[attr-defined]
    server.handle_error = lambda *a: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopping.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()
        thread.join()


def _config(url: str, **fields: Any) -> HttpSourceConfig:
    config = parse_source_config("http", {"url": url, "max_retries": 0, **fields})
    assert isinstance(config, HttpSourceConfig)
    return config


def _pull(config: HttpSourceConfig) -> tuple[list[Any], BaseException | None, int]:
    """The records yielded, the error raised and the peak bytes Python allocated."""
    got: list[Any] = []
    raised: BaseException | None = None
    tracemalloc.start()
    try:
        got.extend(pull_http_records(config, sleep=lambda _: None))
    except (InputError, SourceUnavailable) as exc:
        raised = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return got, raised, peak


@pytest.mark.parametrize("path", ["/endless", "/liar"])
def test_a_body_past_the_limit_is_refused_as_it_arrives(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_MAX_HTTP_RESPONSE_BYTES", str(2 * MIB))
    with hostile_server() as base:
        got, raised, peak = _pull(_config(base + path, timeout=60))
    assert got == []
    assert isinstance(raised, InputError)
    message = str(raised)
    assert f"{path} (page 1): the response is larger than {2 * MIB} bytes" in message
    assert "COMPLIANCE_MAX_HTTP_RESPONSE_BYTES" in message
    assert peak < 12 * MIB, peak


def test_a_body_that_trickles_in_forever_is_cut_at_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each byte comes well within the read timeout; the whole request still may not take
    longer than ``timeout``."""
    monkeypatch.delenv("COMPLIANCE_MAX_HTTP_RESPONSE_BYTES", raising=False)
    with hostile_server() as base:
        started = time.monotonic()
        got, raised, _ = _pull(_config(base + "/trickle", timeout=1.0))
        took = time.monotonic() - started
    assert got == []
    assert isinstance(raised, SourceUnavailable)
    assert "ReadTimeout" in str(raised) and "more than 1 s" in str(raised)
    assert took < 60  # generous: refused soon after the 1 s timeout, not never


def test_a_redirect_to_a_local_file_is_not_followed() -> None:
    with hostile_server() as base:
        got, raised, _ = _pull(_config(base + "/redirect", timeout=5))
    assert got == []
    assert isinstance(raised, SourceUnavailable)
    assert "UnsupportedProtocol" in str(raised)
    assert "root:" not in str(raised)
