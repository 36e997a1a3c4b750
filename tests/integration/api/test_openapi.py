"""The published OpenAPI document: served, committed, current, and complete."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from compliance.api.app import build_routes
from compliance.api.openapi import export_openapi, openapi_path, render_openapi
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def test_the_committed_document_is_current(tmp_path: object) -> None:
    stale = export_openapi(check=True)
    assert not stale, "schemas/openapi.json is stale: run 'python -m compliance.api.openapi'"
    assert openapi_path().read_text(encoding="utf-8") == render_openapi()


def test_the_service_serves_the_committed_document(client: httpx.Client) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(openapi_path().read_text(encoding="utf-8"))


def all_routes() -> list[RouteContext]:
    """Every route of the application, included routers flattened."""
    return [
        c
        for c in iter_route_contexts(build_routes().routes)
        if isinstance(c.original_route, APIRoute)
    ]


def test_every_api_route_is_documented_with_get_and_head() -> None:
    document = json.loads(render_openapi())
    everything = all_routes()
    routes = [r for r in everything if r.include_in_schema]
    assert len(routes) >= 18
    for route in routes:
        assert route.path in document["paths"], route.path
        assert route.methods == {"GET"}, (route.path, route.methods)
        assert set(document["paths"][route.path]) == {"get", "head"}, route.path
    api_paths = {r.path for r in routes}
    assert set(document["paths"]) == api_paths
    hidden = [r.path for r in everything if not r.include_in_schema]
    assert hidden and all(p in {"/", "/favicon.ico"} or p.startswith("/portal") for p in hidden), (
        hidden
    )
    for path, operations in document["paths"].items():
        if path.startswith("/api/v1"):
            get = operations["get"]
            assert get["security"] == [{"bearer": []}], path
            assert {"400", "401", "404", "429", "503"} <= set(get["responses"]), path
            assert "422" not in get["responses"]


def test_schemas_export_writes_and_checks_the_openapi_document(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    assert cli("schemas", "export", "--out", str(out)).code == 0
    assert (out / "openapi.json").read_text(encoding="utf-8") == render_openapi()
    assert cli("schemas", "export", "--out", str(out), "--check").code == 0
    (out / "openapi.json").write_text("{}", encoding="utf-8")  # an API change not exported
    stale = cli("schemas", "export", "--out", str(out), "--check")
    assert stale.code != 0 and "openapi.json" in stale.err
    assert (out / "openapi.json").read_text(encoding="utf-8") == "{}"  # --check writes nothing
