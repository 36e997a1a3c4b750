"""The published OpenAPI document: served, committed, current, and complete."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from compliance.api.app import build_routes
from compliance.api.openapi import MANIFEST_REF, export_openapi, openapi_path, render_openapi
from tests.conftest import CliResult
from tests.integration.api.world import World

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


def test_the_document_declares_what_the_artifact_and_bundle_routes_answer() -> None:
    """The JSON artifact is the report manifest (its schema, by reference), the conditional
    headers are parameters, and 206/304/416 and the 405 of other methods are declared."""
    document = json.loads(render_openapi())
    schemas = document["components"]["schemas"]
    artifact = document["paths"]["/api/v1/reports/{report_id}/artifacts/{kind}"]
    for method in ("get", "head"):
        operation = artifact[method]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"Range", "If-None-Match", "If-Range"} <= headers, method
        assert {"200", "206", "304", "400", "401", "403", "404", "416", "429"} <= set(
            operation["responses"]
        )
    answers = artifact["get"]["responses"]
    assert answers["200"]["content"]["application/json"]["schema"] == {"$ref": MANIFEST_REF}
    assert answers["200"]["content"]["application/pdf"]["schema"]["format"] == "binary"
    assert "schema" not in answers["206"]["content"]["application/json"]  # bytes of it
    assert answers["416"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "Content-Range" in answers["206"]["headers"] and "ETag" in answers["304"]["headers"]
    bundle = document["paths"]["/api/v1/reports/{report_id}/bundle"]["get"]["responses"]["200"]
    assert "application/zip" in bundle["content"] and "ETag" in bundle["headers"]
    not_allowed = document["components"]["responses"]["MethodNotAllowed"]
    assert "Allow" in not_allowed["headers"] and "405" in document["info"]["description"]
    # every reference resolves, and the manifest's schema is the published one, moved
    text = json.dumps(document)
    for target in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text):
        assert target in schemas, target
    published = json.loads((openapi_path().parent / "report.schema.json").read_text("utf-8"))
    manifest = schemas["ReportManifest"]
    assert manifest["required"] == published["required"]
    assert set(manifest["properties"]) == set(published["properties"])
    for name in published["$defs"]:
        assert schemas[f"ReportManifest{name}"]["properties"].keys() == (
            published["$defs"][name]["properties"].keys()
        )
    assert "$defs" not in text


def test_a_real_manifest_conforms_to_the_declared_schema(
    client: httpx.Client, world: World
) -> None:
    """What the service sends as the JSON artifact validates against the document's schema
    (resolved within the document, as a client generated from it would)."""
    document = client.get("/api/v1/openapi.json").json()
    report = world.reports["steady-truth-2"]
    sent = client.get(f"/api/v1/reports/{report}/artifacts/json", headers=world.token("regulator"))
    assert sent.status_code == 200 and sent.headers["content-type"] == "application/json"
    jsonschema_rs = pytest.importorskip("jsonschema_rs")  # Schemathesis's validator
    schema = {"$ref": MANIFEST_REF, "components": document["components"]}
    validator = jsonschema_rs.Draft202012Validator(schema)
    validator.validate(sent.json())
    assert not validator.is_valid({**sent.json(), "identity": "x"})
