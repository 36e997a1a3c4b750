"""``/healthz`` and ``/readyz``, and ``compliance serve`` running the app under uvicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from compliance.api.app import create_app
from compliance.bootstrap import App, build_app
from compliance.config import Settings
from tests.integration.api.conftest import FAST
from tests.integration.api.test_request_log import FORGED, send_raw
from tests.integration.api.world import World, live_server
from tests.unit.test_logline import parse


def ready(app: App) -> httpx.Response:
    with live_server(create_app(app, FAST)) as url:
        return httpx.get(f"{url}/readyz")


def test_health_and_readiness(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "signing_key": "ok"}
    assert body["nightly"]["overdue"] is False  # the world has no schedules


def test_not_ready_without_the_signing_key(app: App) -> None:
    app.settings.resolved_signing_key_path.unlink(missing_ok=True)  # as if never initialized
    response = ready(app)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready" and body["checks"]["database"] == "ok"
    assert body["checks"]["signing_key"].startswith("missing")
    assert str(app.settings.home) not in response.text  # no paths in answers


@pytest.mark.parametrize("broken", ["directory", "blank"])
def test_not_ready_without_a_usable_database(tmp_path: Path, broken: str) -> None:
    url = f"sqlite:///{tmp_path}" if broken == "directory" else f"sqlite:///{tmp_path / 'b.db'}"
    app = build_app(Settings(home=tmp_path / "home", database_url=url))
    try:
        response = ready(app)
    finally:
        app.close()
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unreachable or not initialized")
    assert str(tmp_path) not in response.text and "sqlite" not in response.text.lower()
    # the process is still healthy: /healthz needs no database
    with live_server(create_app(build_app(Settings(home=tmp_path, database_url=url)), FAST)) as u:
        assert httpx.get(f"{u}/healthz").status_code == 200


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVE = (
    "import sys, typer\n"
    "from compliance.cli.api_commands import serve, tokens_app\n"
    "app = typer.Typer()\n"
    "app.command('serve')(serve)\n"
    "app.add_typer(tokens_app, name='tokens')\n"
    "app(sys.argv[1:])\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_runs_uvicorn(world: World, workers: int) -> None:
    port = free_port()
    settings = world.app.settings
    env = {
        **os.environ,
        "COMPLIANCE_HOME": str(settings.home),
        "COMPLIANCE_DATABASE_URL": settings.resolved_database_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        assert response.status_code == 200, response.text
        models = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/models", headers=world.token("regulator"), timeout=5
        )
        assert models.status_code == 200 and "server" not in models.headers
        assert send_raw(f"http://127.0.0.1:{port}", FORGED) == 404
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    banner, *lines = output.splitlines()
    assert banner.startswith("serving on http://127.0.0.1")  # the CLI's, before logging starts
    records = [parse(line) for line in lines]  # every line a logfmt record, uvicorn's too
    assert all(list(r)[:3] == ["ts", "level", "logger"] for r in records), lines
    assert any(r.get("msg", "").startswith("Uvicorn running on") for r in records), lines
    requests = [r for r in records if r.get("event") == "request"]
    assert [(r["path"], r["status"]) for r in requests] == [
        ("/readyz", "200"),
        ("/api/v1/models", "200"),  # no query, no token
        (unquote(FORGED), "404"),  # one record, the forged line inside its value
    ]
    assert world.tokens["regulator"] not in output
