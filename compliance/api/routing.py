"""The routes of the service without process state: ``build_routes()`` assembles the
health checks, the API, the portal, the error handlers and the OpenAPI document (built from
these routes by :mod:`compliance.api.openapi_document`). :mod:`compliance.api.app` adds
the process state; :mod:`compliance.api.openapi` exports the document.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.responses import RedirectResponse, Response

from compliance.api import health
from compliance.api.errors import install_handlers
from compliance.api.openapi_document import DESCRIPTION, TITLE, openapi_document
from compliance.api.portal import routes as portal
from compliance.api.routes import admin, audits, ledger, registry, reports

__all__ = ["Lifespan", "build_routes"]

Lifespan = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]


def build_routes(lifespan: Lifespan | None = None) -> FastAPI:
    """The application without process state: routes, error handlers, OpenAPI."""
    api = FastAPI(
        lifespan=lifespan,
        title=TITLE,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    api.include_router(health.router)
    for router in (registry.router, audits.router, reports.lists, reports.router):
        api.include_router(router)
    for module in (ledger, admin):
        api.include_router(module.router)
    api.include_router(admin.operations)
    api.include_router(portal.router)

    @api.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @api.get("/", include_in_schema=False)
    @api.get("/portal", include_in_schema=False)
    def to_portal() -> RedirectResponse:
        return RedirectResponse("/portal/", status_code=307)

    install_handlers(api)
    document: dict[str, Any] = {}

    def cached_openapi() -> dict[str, Any]:
        if not document:
            document.update(openapi_document(api))
        return document

    api.openapi = cached_openapi  # type: ignore[method-assign]
    return api
