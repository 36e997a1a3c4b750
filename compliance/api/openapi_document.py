"""The OpenAPI document of the routes: built from a FastAPI application's routes, never by
importing the application (so :mod:`compliance.api.routing` can import it without a circle).

:func:`openapi_document` is the document the running service serves at
``/api/v1/openapi.json``: the FastAPI schema of every API route, with a HEAD operation
beside each GET (same responses, no bodies), the bearer security scheme, and 400 (never
FastAPI's 422) for invalid parameters. The JSON artifact is declared as the report
manifest: ``schemas/report.schema.json`` (:func:`~compliance.domain.manifest.manifest_json_schema`)
as the component ``ReportManifest``, its ``$defs`` as ``ReportManifest<Name>``; the answer
every route gives to any other method (405 with ``Allow``; an OpenAPI operation cannot be
declared for a method a path does not have) is the component response ``MethodNotAllowed``
and is said in the description. Writing and checking the committed file:
:mod:`compliance.api.openapi`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from compliance import __version__
from compliance.api.errors import responses
from compliance.domain.manifest import manifest_json_schema

__all__ = [
    "DESCRIPTION",
    "MANIFEST_REF",
    "TITLE",
    "manifest_components",
    "openapi_document",
]

MANIFEST = "ReportManifest"
MANIFEST_REF = f"#/components/schemas/{MANIFEST}"
"""Where the document declares the JSON artifact (the report manifest's schema)."""

TITLE = "compliance regulator API"
DESCRIPTION = """Read-only access to models, policies, audits, signed reports and the ledger.

Authenticate with `Authorization: Bearer <token>` (made by `compliance tokens create`);
a token in the query string is refused (400). Only GET and HEAD are allowed: any other
method answers 405 with `Allow: GET, HEAD` (the response `MethodNotAllowed`). Lists are
cursor-paginated (`next_cursor`), `limit` is capped at 100. A token limited to some
models sees other models' objects as absent (404). Reading a report and downloading an
artifact or a bundle are written to the access log first; if that fails the read answers
503. A HEAD of an artifact or a bundle is logged as `head` (nothing is built or read), a
lookup of an absent id as `miss` (at most a few a minute per client; the rest counted).
Artifacts answer `Range` (206, 416), `If-None-Match` (304) and `If-Range`. Requests are
rate limited per token (429 with Retry-After).
"""


_REPORT = "/api/v1/reports/{report_id}"
_LINKS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "/api/v1/models": {
        "GetModel": ("/api/v1/models/{model_id}", {"model_id": "$response.body#/0/id"}),
    },
    "/api/v1/policies": {
        "GetPolicy": ("/api/v1/policies/{policy_id}", {"policy_id": "$response.body#/0/id"}),
    },
    "/api/v1/audits": {
        "GetAudit": ("/api/v1/audits/{audit_id}", {"audit_id": "$response.body#/items/0/id"}),
        "ListMetricResults": (
            "/api/v1/audits/{audit_id}/metric-results",
            {"audit_id": "$response.body#/items/0/id"},
        ),
    },
    "/api/v1/reports": {
        "GetReport": (_REPORT, {"report_id": "$response.body#/items/0/id"}),
        "GetBundle": (f"{_REPORT}/bundle", {"report_id": "$response.body#/items/0/id"}),
    },
    _REPORT: {
        "GetArtifact": (
            f"{_REPORT}/artifacts/{{kind}}",
            {"report_id": "$response.body#/id", "kind": "$response.body#/artifacts/0/kind"},
        ),
        "GetBundle": (f"{_REPORT}/bundle", {"report_id": "$response.body#/id"}),
        "GetAudit": ("/api/v1/audits/{audit_id}", {"audit_id": "$response.body#/audit_id"}),
        "GetLedgerEntry": (
            "/api/v1/ledger/entries/{entry_hash}",
            {"entry_hash": "$response.body#/ledger_entry_hash"},
        ),
    },
    "/api/v1/ledger/entries": {
        "GetLedgerEntry": (
            "/api/v1/ledger/entries/{entry_hash}",
            {"entry_hash": "$response.body#/items/0/entry_hash"},
        ),
    },
}
"""OpenAPI links: from a list or a report to the objects it names (clients follow them;
Schemathesis's stateful phase chains requests along them)."""


def openapi_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=TITLE,
        version=__version__,
        description=DESCRIPTION,
        routes=app.routes,
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            # validation errors answer 400 (ErrorBody), never FastAPI's 422
            answers = operation.get("responses", {})
            answers.pop("422", None)
            operation["responses"] = dict(sorted(answers.items()))
        if "get" in operations and "head" not in operations:
            operations["head"] = _head_of(operations["get"])
    _add_links(document["paths"])
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(manifest_components())
    not_allowed = responses(405)[405]
    components.setdefault("responses", {})["MethodNotAllowed"] = {
        "description": not_allowed["description"],
        "headers": not_allowed["headers"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    document["components"] = dict(sorted(components.items()))
    return document


def _add_links(paths: dict[str, Any]) -> None:
    for source, links in _LINKS.items():
        answer = paths[source]["get"]["responses"]["200"]
        answer["links"] = {
            name: {"operationId": paths[target]["get"]["operationId"], "parameters": parameters}
            for name, (target, parameters) in links.items()
        }


def manifest_components() -> dict[str, Any]:
    """The manifest's JSON Schema as OpenAPI components: the root as ``ReportManifest``,
    each ``$defs`` entry as ``ReportManifest<Name>`` (references rewritten to match, titles
    set to those names so that a generated client's classes do not clash with the API's)."""
    root = manifest_json_schema()
    definitions = root.pop("$defs", {})
    for key in ("$schema", "$id"):
        root.pop(key, None)
    found = {MANIFEST: root} | {f"{MANIFEST}{name}": d for name, d in definitions.items()}
    for component, schema in found.items():
        schema["title"] = component  # generated clients name classes by title: no clashes
    text = json.dumps(found).replace('"#/$defs/', f'"#/components/schemas/{MANIFEST}')
    rewritten: dict[str, Any] = json.loads(text)
    return rewritten


def _head_of(get: dict[str, Any]) -> dict[str, Any]:
    head = copy.deepcopy(get)
    head["operationId"] = f"{get.get('operationId', 'get')}_head"
    head["summary"] = f"{get.get('summary', '')} (headers only)".strip()
    for response in head.get("responses", {}).values():
        response.pop("content", None)
    return head
