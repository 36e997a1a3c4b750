"""Several uvicorn workers, each listening on its own socket bound to the same port.

uvicorn's supervisor hands one listening socket to all its workers, and a worker that wakes
up accepts every connection waiting: a burst of keep-alive clients (a proxy's pool, a load
test) can land mostly on one worker and stay there while the others idle (seen here: the
same load run gave 700 or 1,300 list requests a second depending on that split). Here each
worker binds its own socket with ``SO_REUSEPORT`` and the kernel spreads new connections
over them by a hash of the addresses.

The sockets are made as TCP (``IPPROTO_TCP``) so that asyncio sets ``TCP_NODELAY`` on the
connections they accept (without it every response waits ~40 ms for a delayed ACK).

The supervisor restarts a worker that dies (at most one restart a second per worker) and,
on SIGTERM or SIGINT, asks every worker to stop (uvicorn finishes the requests in flight)
and waits for them.
"""

from __future__ import annotations

import logging
import logging.config
import multiprocessing as mp
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from compliance.errors import ConfigError

__all__ = ["listening_socket", "run_workers"]

_log = logging.getLogger("uvicorn.error")
_RESTART_PAUSE = 1.0


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A bound TCP socket (not yet listening) for ``host:port``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _serve_one(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    """One worker process: its own socket, one uvicorn server."""
    import uvicorn

    app_dir = options.pop("app_dir", None)
    if app_dir is not None:
        sys.path.insert(0, app_dir)
    config = uvicorn.Config(app, host=host, port=port, **options)
    sock = listening_socket(host, port, reuse_port=True)
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Run ``workers`` processes serving ``app`` (an import string) until SIGTERM/SIGINT."""
    # fail here, with one message, when the port is taken (rather than in every worker)
    try:
        listening_socket(host, port, reuse_port=True).close()
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            hint="choose another --port, or stop what listens there",
        ) from exc
    if isinstance(options.get("log_config"), dict):  # the supervisor's lines, as the workers'
        logging.config.dictConfig(options["log_config"])
    context = mp.get_context("spawn")
    stopping = False

    def start() -> BaseProcess:
        process = context.Process(target=_serve_one, args=(app, host, port, dict(options)))
        process.start()
        return process

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    _log.info("Uvicorn running on http://%s:%d (%d workers, a socket each)", host, port, workers)
    processes = [start() for _ in range(workers)]
    started = [time.monotonic()] * workers
    try:
        while not stopping:
            time.sleep(0.2)
            for i, process in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                if time.monotonic() - started[i] < _RESTART_PAUSE:
                    continue
                _log.warning("worker %s exited (%s): restarting", process.pid, process.exitcode)
                processes[i], started[i] = start(), time.monotonic()
    finally:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: uvicorn's graceful shutdown
        for process in processes:
            process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
