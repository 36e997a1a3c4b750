"""The FastAPI application: ``create_app(app)`` for a process (``build_routes()``, re-exported
from :mod:`compliance.api.routing`, for its schema).

Layers, outermost first: :class:`~compliance.api.guard.Guard` (refusals, HEAD, security
headers, request log), the routes (``/healthz``, ``/readyz``, ``/api/v1/...``, ``/portal/...``)
and the error handlers of :mod:`compliance.api.errors`. The routes reach the database only
through :mod:`compliance.services` and the read models of
:mod:`compliance.api.views`. ``/api/v1/openapi.json`` serves the OpenAPI document
(:mod:`compliance.api.openapi`); no interactive docs are served (they would load scripts
from elsewhere).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio.to_thread
from fastapi import FastAPI

from compliance.api.deps import ApiState
from compliance.api.guard import Guard
from compliance.api.portal.session import load_session_key
from compliance.api.ratelimit import RateLimiter
from compliance.api.routing import build_routes
from compliance.api.settings import ApiSettings
from compliance.api.views.common import PageCache
from compliance.bootstrap import App, build_app
from compliance.services.access_log import MissLog

__all__ = ["build_routes", "create_app", "create_app_from_environment"]


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
    api.add_middleware(Guard, max_body=settings.max_form_bytes, counts=api.state.api.requests)
    return api


def create_app_from_environment() -> FastAPI:
    """The factory ``uvicorn --factory`` workers call: settings from ``COMPLIANCE_*``."""
    core = build_app()
    core.require_schema()
    return create_app(core)
