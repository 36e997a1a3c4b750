"""The outermost ASGI layer: refusals that need no route, HEAD, security headers, request log.

Promises, for every HTTP request:

- a token in the query string (``?access_token=``, ``?token=``, anything shaped like a
  secret: ``cmp_`` and 20 or more token characters) is refused with **400**
  ``token_in_query`` before anything else runs, and the query string is never logged;
- a GET or HEAD that carries a body (``Content-Length`` > 0 or ``Transfer-Encoding``) is
  refused with **400** ``body_not_allowed``; a portal form whose declared body exceeds
  ``max_body`` bytes is refused with **413** (an API route answers any other method 405);
  a refused body is read and dropped first (up to 1 MiB), so the client reads the answer;
- HEAD is answered as GET without the body (the route sees ``request.state.head``, so an
  artifact is not read for it);
- responses carry ``X-Content-Type-Options: nosniff`` and, unless the route set its own,
  ``Referrer-Policy: no-referrer``, ``Cache-Control: no-store``, ``X-Frame-Options: DENY`` and
  a ``Content-Security-Policy`` that loads nothing;
- one log record per request, on one line (:func:`log_request`): method, path (without
  query), status, milliseconds, client; a client-supplied value is escaped and capped, so it
  can never start a record of its own.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from compliance.api.counters import RequestCounts
from compliance.logline import logfmt

__all__ = ["Guard", "has_token_in_query", "log_request", "request_fields"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_log = logging.getLogger("compliance.api.requests")
_SECRET = re.compile(r"cmp_[A-Za-z0-9_-]{20,}")
_TOKEN_KEYS = {"access_token", "token", "api_key", "apikey", "bearer", "auth", "authorization"}
_DEFAULTS = (
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
)
_ALWAYS = ((b"x-content-type-options", b"nosniff"),)


def has_token_in_query(query_string: bytes) -> bool:
    """Whether a query string carries a credential: a parameter named like one
    (``access_token``, ``token``, ``api_key``...) or anything shaped like a secret."""
    if not query_string:
        return False
    text = query_string.decode("latin-1")
    if _SECRET.search(text):
        return True
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key.lower() in _TOKEN_KEYS or _SECRET.search(key) or _SECRET.search(value):
            return True
    return False


def request_fields(
    method: str, path: str, status: int, ms: float, client: str | None
) -> dict[str, object]:
    """The request record's fields: ``method path status ms client`` (no query string)."""
    return {"method": method, "path": path, "status": status, "ms": ms, "client": client}


def log_request(fields: dict[str, object]) -> None:
    """One ``event=request`` record. Its message is the same record in logfmt (every value
    escaped and capped, :mod:`compliance.logline`), so it stays one line under any
    formatter; :class:`compliance.logline.LogfmtFormatter` writes the fields once."""
    _log.info("request %s", logfmt(fields), extra={"event": "request", "fields": fields})


class Guard:
    def __init__(self, app: ASGIApp, *, max_body: int, counts: RequestCounts) -> None:
        self.app = app
        self.max_body = max_body
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        outcome = {"status": 0}
        refusal = self._refusal(scope)
        head = method == "HEAD"
        if head:
            scope = dict(scope, method="GET", state={**scope.get("state", {}), "head": True})

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                message["headers"] = _with_security_headers(message.get("headers", []))
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        try:
            if refusal is None:
                await self.app(scope, receive, send_guarded)
            else:
                await _drain(receive)
                await _send_error(send_guarded, *refusal)
        finally:
            client = scope.get("client")
            self.counts.add(outcome["status"])
            log_request(
                request_fields(
                    method,
                    scope.get("path", ""),
                    outcome["status"],
                    (time.perf_counter() - started) * 1000,
                    client[0] if client else None,
                )
            )

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        if has_token_in_query(scope.get("query_string", b"")):
            return (
                400,
                "token_in_query",
                "credentials are refused in the query string: send 'Authorization: Bearer'",
            )
        length, chunked = None, False
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif name == b"transfer-encoding":
                chunked = True
        if scope["method"] in ("GET", "HEAD") and (chunked or (length or 0) != 0):
            return 400, "body_not_allowed", "a GET or HEAD request must not carry a body"
        limited = scope.get("path", "").startswith("/portal")
        if limited and length is not None and (length < 0 or length > self.max_body):
            return 413, "body_too_large", f"request bodies are limited to {self.max_body} bytes"
        return None


_DRAIN_LIMIT = 1 << 20


async def _drain(receive: Receive) -> None:
    """Read and drop the body of a refused request, up to ``_DRAIN_LIMIT`` bytes.

    The refusal closes the connection; closing a socket with unread bytes in it sends a
    TCP reset, which can reach the client before it has read the refusal. A body larger
    than the limit is not read: past that, the client may see a reset instead of the 413.
    """
    read = 0
    while read <= _DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _with_security_headers(headers: Any) -> list[tuple[bytes, bytes]]:
    present = {bytes(name).lower() for name, _ in headers}
    extra = [pair for pair in _DEFAULTS if pair[0] not in present]
    return [*list(headers), *extra, *_ALWAYS]


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"code": code, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
