"""The request log cannot be forged: one record, on one line, per request, whatever the
path holds (CR/LF, ANSI escapes, Unicode line breaks, megabytes of it), and a reader gets
the path back from it. The requests are sent raw over a socket (no client library tidies
them) to the live server, with no token: forging needs none."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest

from compliance.logline import MAX_VALUE, LogfmtFormatter
from tests.unit.test_logline import parse

FORGED = (
    "/api/v1/reports/x%0AINFO:%20%20%20%20%20127.0.0.1:5555%20-%20%22GET%20"
    "/api/v1/reports/rep_forged%20HTTP/1.1%22%20200%20OK"
)
PATHS = [
    FORGED,  # the example
    FORGED.replace("%0A", "%0D%0A"),
    "/api/v1/reports/%1B[2J%1B[31mrep_forged%1B[0m",
    "/api/v1/models/x%E2%80%A8request%20method=GET%20path=/api/v1/keys%20status=200",
    "/api/v1/ledger/entries/" + "%0A" * 3000,
    "/api/v1/" + "a" * 8000,
]


@pytest.fixture
def request_log() -> Iterator[io.StringIO]:
    """The request logger's records as the server writes them (``compliance api serve``)."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(LogfmtFormatter())
    logger = logging.getLogger("compliance.api.requests")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield sink
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def send_raw(base_url: str, target: str) -> int:
    """``GET <target>`` exactly as written; the status of the answer."""
    where = urlsplit(base_url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        request = f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode("ascii"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_a_path_cannot_forge_a_request_record(base_url: str, request_log: io.StringIO) -> None:
    statuses = [send_raw(base_url, path) for path in PATHS]
    assert all(status in (401, 404) for status in statuses), statuses
    lines = request_log.getvalue().splitlines()
    assert len(lines) == len(PATHS), lines  # one record per request, each on one line
    for line, path, status in zip(lines, PATHS, statuses, strict=True):
        assert line.isascii() and line.isprintable(), line
        fields = parse(line)
        assert list(fields)[:5] == ["ts", "level", "logger", "event", "method"], line
        assert fields["event"] == "request" and fields["level"] == "info"
        assert set(fields) == {
            "ts",
            "level",
            "logger",
            "event",
            "method",
            "path",
            "status",
            "ms",
            "client",
        }
        assert fields["status"] == str(status) and fields["client"] == "127.0.0.1"
        decoded = unquote(path)
        if len(decoded) <= MAX_VALUE:
            assert fields["path"] == decoded
        else:  # capped: the start of the path, and how much was left out
            cut = f"...(+{len(decoded) - MAX_VALUE} chars)"
            assert fields["path"] == decoded[:MAX_VALUE] + cut


def test_under_another_formatter_the_message_is_the_same_record(
    base_url: str,
) -> None:
    """Embedded under someone else's logging set-up, the message alone is still one line."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("compliance.api.requests")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        status = send_raw(base_url, FORGED)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    [line] = sink.getvalue().splitlines()
    fields = parse(line.removeprefix("INFO: request "))
    assert fields["path"] == unquote(FORGED) and fields["status"] == str(status)
