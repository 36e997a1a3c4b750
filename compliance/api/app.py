"""The FastAPI application: ``create_app(app)`` for a process, ``build_routes()`` for its schema.

Layers, outermost first: :class:`~compliance.api.guard.Guard` (refusals, HEAD, security
headers, request log), the routes (``/healthz``, ``/readyz``, ``/api/v1/...``, ``/portal/...``)
and the error handlers of :mod:`compliance.api.errors`. The routes reach the database only
through :mod:`compliance.services`. ``/api/v1/openapi.json`` serves the OpenAPI document
(:mod:`compliance.api.openapi`); no interactive docs are served (they would load scripts
from elsewhere).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from starlette.responses import RedirectResponse, Response

from compliance.api import health
from compliance.api.deps import ApiState
from compliance.api.errors import install_handlers
from compliance.api.guard import Guard
from compliance.api.openapi import DESCRIPTION, TITLE, openapi_document
from compliance.api.portal import routes as portal
from compliance.api.portal.session import load_session_key
from compliance.api.ratelimit import RateLimiter
from compliance.api.routes import admin, audits, ledger, registry, reports
from compliance.api.settings import ApiSettings
from compliance.bootstrap import App, build_app
from compliance.services.access_log import MissLog
from compliance.services.api_common import PageCache

__all__ = ["build_routes", "create_app", "create_app_from_environment"]

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


def create_app(app: App, settings: ApiSettings | None = None) -> FastAPI:
    """The service for one process, over ``app``'s database (the caller closes ``app``)."""
    settings = settings or ApiSettings()
    secret = settings.session_secret.get_secret_value() if settings.session_secret else None

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # the endpoints' database work runs in this pool: a few threads serve as many
        # requests as forty, with less contention for the interpreter
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield

    api = build_routes(lifespan)
    api.state.api = ApiState(
        core=app,
        settings=settings,
        limiter=RateLimiter(settings.rate_per_second, settings.rate_burst),
        login_limiter=RateLimiter(settings.login_per_minute / 60, settings.login_per_minute),
        auth_failures=RateLimiter(
            settings.auth_failures_per_minute / 60, settings.auth_failures_per_minute
        ),
        session_key=load_session_key(secret, app.settings.home),
        pages=PageCache(),
        misses=MissLog(settings.misses_per_minute),
    )
    api.add_middleware(Guard, max_body=settings.max_form_bytes)
    return api


def create_app_from_environment() -> FastAPI:
    """The factory ``uvicorn --factory`` workers call: settings from ``COMPLIANCE_*``."""
    core = build_app()
    core.require_schema()
    return create_app(core)
