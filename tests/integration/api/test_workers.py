"""Several workers, a listening socket each: connections spread, a dead worker is replaced,
SIGTERM stops them all (a real supervisor process on loopback)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

APP = textwrap.dedent(
    """
    import os

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(os.getpid()).encode()})
    """
)
RUN = (
    "import sys\n"
    "from compliance.cli.api_commands import run_uvicorn\n"
    "run_uvicorn('pid_app:app', host='127.0.0.1', port=int(sys.argv[1]), workers=2,\n"
    "            log_level='warning', app_dir=sys.argv[2])\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pids_of(port: int, connections: int) -> set[int]:
    """The worker pid answering each of ``connections`` new keep-alive connections."""
    url = f"http://127.0.0.1:{port}"
    clients = [httpx.Client(base_url=url, timeout=5) for _ in range(connections)]
    try:
        return {int(client.get("/").text) for client in clients}
    finally:
        for client in clients:
            client.close()


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def test_workers_share_the_port_replace_the_dead_and_stop_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "pid_app.py").write_text(APP)
    port = free_port()
    supervisor = subprocess.Popen(
        [sys.executable, "-c", RUN, str(port), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: len(pids_of(port, 32)) == 2)  # both workers listen
        workers = pids_of(port, 32)
        assert len(workers) == 2, f"32 connections all went to {workers}"

        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: len(pids_of(port, 32) - {victim}) == 2)
        survivors = pids_of(port, 32)
        assert victim not in survivors and len(survivors) == 2

        supervisor.send_signal(signal.SIGTERM)
        output = supervisor.communicate(timeout=30)[0].decode()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.communicate()
    assert supervisor.returncode == 0, output
    assert "restarting" in output
    for pid in survivors:  # every worker is gone with the supervisor
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_taken_port_fails_at_once_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "pid_app.py").write_text(APP)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-c", RUN, str(port), str(tmp_path)],
            capture_output=True,
            timeout=30,
            check=False,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}".encode() in result.stderr
    assert b"Address already in use" in result.stderr
