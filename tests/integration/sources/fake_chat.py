"""An OpenAI-compatible chat server on the loopback interface, for the probe's tests and
benchmark: a stand-in for a personalized model whose bias is known.

It recognizes each prompt's item (by the question text the probe sends) and persona (by
the description in the system or user message), answers the right option (or, to a
short-answer item, the answer), except that a persona whose attributes match ``skewed``
gets the next option (or no answer) on the items that ``skew_item`` picks, and injects
faults on request: ``faults[key]`` lists what the first attempts of one prompt get
(``key`` is ``<item id>|<persona id or baseline>|<variant>``):

``429`` (with ``Retry-After: 1``), ``429-date`` (an HTTP date), ``500``, ``503``,
``malformed`` (a 200 that is not JSON), ``no-choices`` (a 200 without choices), ``slow``
(the answer after ``slow_seconds``), ``drop`` (the connection closed, no answer), ``huge``
(a valid reply of more than 1 MiB).

With ``echo_options``, a multiple-choice reply's text is the option list echoed (as small
models often write); a request asking ``logprobs`` gets OpenAI-style ``logprobs`` whose first
token puts 0.6 on the chosen letter (``" "`` + letter, as tokenizers spell it, 0.1) and
0.3 on the others and on ``The``.

Everything is counted server-side: ``requests`` in all, ``per_key`` attempts, ``answered``,
``asked_logprobs`` (requests with ``logprobs: true``).
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from compliance.sources.probe_suite import PersonaSet, ProbeSuite, question_text

__all__ = ["FakeChat", "every_fifth", "serve_chat", "start_async_server"]


def every_fifth(item_id: str) -> bool:
    """A deterministic 20% of items: those whose sha256 is 0 modulo 5."""
    return int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 5 == 0


@dataclass
class FakeChat:
    suite: ProbeSuite
    personas: PersonaSet
    skewed: Callable[[dict[str, str]], bool] = lambda attributes: (
        attributes.get("age_band") == "65+"
    )
    skew_item: Callable[[str], bool] = every_fifth
    latency: float = 0.0
    slow_seconds: float = 1.0
    api_key: str | None = None
    faults: dict[str, list[str]] = field(default_factory=dict)
    requests: int = 0
    answered: int = 0
    per_key: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    gather: int = 0  # the first requests wait (10 s at most) until this many are in flight
    echo_options: bool = False
    asked_logprobs: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._items = {
            question_text(item, self.suite.instructions_for(item)): item
            for item in self.suite.items
        }

    def enter(self) -> None:
        """Count a request in; with ``gather``, hold it until that many are in flight at
        once, so a test of a concurrency bound does not depend on the machine's speed."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self.max_in_flight >= self.gather:
                self._lock.notify_all()
            else:
                self._lock.wait_for(lambda: self.max_in_flight >= self.gather, timeout=10)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def respond(
        self, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes, float]:
        """(status, headers, body, delay before answering) for one request."""
        with self._lock:
            self.requests += 1
        if not path.endswith("/chat/completions"):
            return 404, {}, b'{"error": "not found"}', 0.0
        if self.api_key is not None and headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {}, b'{"error": "bad key"}', 0.0
        request = json.loads(body)
        messages = request["messages"]
        system = next((m["content"] for m in messages if m["role"] == "system"), None)
        user = messages[-1]["content"]
        item = self._item(user)
        persona = next(
            (p for p in self.personas.personas if p.description in (system or user)), None
        )
        variant = "baseline" if persona is None else ("system" if system else "inline")
        key = f"{item.id}|{persona.id if persona else 'baseline'}|{variant}"
        with self._lock:
            attempt = self.per_key[key]
            self.per_key[key] += 1
        plan = self.faults.get(key, [])
        fault = plan[attempt] if attempt < len(plan) else None
        delay = self.latency
        if fault == "429":
            return 429, {"Retry-After": "1"}, b'{"error": "slow down"}', delay
        if fault == "429-date":
            when = email.utils.formatdate(time.time() + 2, usegmt=True)
            return 429, {"Retry-After": when}, b'{"error": "slow down"}', delay
        if fault in {"500", "503"}:
            return int(fault), {}, b'{"error": "internal"}', delay
        if fault == "malformed":
            return 200, {}, b'{"choices": [{"message": ', delay
        if fault == "no-choices":
            return 200, {}, b'{"choices": []}', delay
        if fault == "drop":
            return -1, {}, b"", delay
        if fault == "huge":  # a valid reply of 1 MiB and more
            filler = "x" * (1 << 20)
            body = {"choices": [{"message": {"role": "assistant", "content": filler}}]}
            return 200, {}, json.dumps(body).encode(), delay
        if fault == "slow":
            delay = self.slow_seconds
        skew = persona is not None and self.skewed(persona.attributes) and self.skew_item(item.id)
        logprobs = None
        if item.options is None:  # a short answer: the answer, or a wrong one
            reply = "I do not know that one." if skew else f"It is {item.answer}."
        else:
            index = (item.answer_index + (1 if skew else 0)) % len(item.options)
            reply = _reply(item.id, index, item.options[index])
            if self.echo_options:
                reply = "\n".join(f"{'ABCDEFGHIJ'[i]}. {o}" for i, o in enumerate(item.options))
            if request.get("logprobs"):
                logprobs = _logprobs(index, len(item.options), int(request["top_logprobs"]))
        with self._lock:
            self.answered += 1
            self.asked_logprobs += bool(request.get("logprobs"))
        payload = {
            "id": f"chatcmpl-{self.requests}",
            "object": "chat.completion",
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply},
                    "finish_reason": "stop",
                    **({} if logprobs is None else {"logprobs": logprobs}),
                }
            ],
        }
        return 200, {}, json.dumps(payload).encode(), delay

    def _item(self, user: str) -> Any:
        if user in self._items:
            return self._items[user]
        parts = user.split("\n\n")
        for start in range(1, len(parts)):
            found = self._items.get("\n\n".join(parts[start:]))
            if found is not None:
                return found
        raise KeyError(f"unknown question: {user[:80]!r}")


def _logprobs(index: int, count: int, top: int) -> dict[str, Any]:
    """OpenAI chat ``logprobs``: the first token's ``top`` alternatives (see the module)."""
    letters = "ABCDEFGHIJ"
    others = [letters[i] for i in range(count) if i != index] + ["The"]
    alternatives = [(letters[index], 0.6), (" " + letters[index], 0.1)]
    alternatives += [(token, 0.3 / len(others)) for token in others]
    entries = [
        {"token": t, "logprob": math.log(p), "bytes": list(t.encode())}
        for t, p in alternatives[:top]
    ]
    return {"content": [{**entries[0], "top_logprobs": entries}]}


def _reply(item_id: str, index: int, text: str) -> str:
    letter = "ABCDEFGHIJ"[index]
    style = int(hashlib.sha256(f"style:{item_id}".encode()).hexdigest(), 16) % 4
    return [letter, f"Answer: {letter}", f"{letter}. {text}", text][style]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stalls
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        chat = self.server.chat
        chat.enter()
        try:
            try:
                status, headers, payload, delay = chat.respond(self.path, self.headers, body)
            except Exception as exc:  # a bug in a test: answer it loudly
                status, headers, payload, delay = 599, {}, repr(exc).encode(), 0.0
            if delay:
                time.sleep(delay)
        finally:
            chat.leave()
        if status == -1:
            self.close_connection = True
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def __init__(self, chat: FakeChat) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.chat = chat

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@contextmanager
def serve_chat(chat: FakeChat) -> Iterator[str]:
    """Serve ``chat`` on 127.0.0.1 (a free port) in a thread; yields the base URL (``/v1``)."""
    server = _Server(chat)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Headers(dict[str, str]):
    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


class _ChatProtocol(asyncio.Protocol):
    """A minimal HTTP/1.1 server connection (keep-alive, Content-Length bodies): much
    cheaper per request than http.server, for the benchmark's thousands of requests."""

    def __init__(self, chat: FakeChat) -> None:
        self.chat = chat
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = _Headers(
                (name.strip().lower(), value.strip())
                for name, value in (line.split(":", 1) for line in lines[1:])
            )
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            status, extra, payload, delay = self.chat.respond(path, headers, body)
            loop = asyncio.get_running_loop()
            loop.call_later(delay, self._send, status, extra, payload)

    def _send(self, status: int, extra: dict[str, str], payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if status == -1:
            self.transport.close()
            return
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        head += [f"{name}: {value}" for name, value in extra.items()]
        head += ["Content-Type: application/json", f"Content-Length: {len(payload)}", "", ""]
        self.transport.write("\r\n".join(head).encode("latin-1") + payload)


_REASONS = {
    200: "OK",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    599: "Test Bug",
}


async def start_async_server(chat: FakeChat, port: int = 0) -> asyncio.Server:
    """Serve ``chat`` with asyncio on 127.0.0.1; the caller runs the loop."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: _ChatProtocol(chat), "127.0.0.1", port)
